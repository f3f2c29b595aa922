import QtQuick
import SmartMirror.Bridges
import QtMultimedia

// Plays a look back at once, looping, mirrored exactly like the live picture. Drag sideways to
// scrub through it; slow motion halves the speed.
Item {
    id: replay

    required property MirrorBridge mirror
    required property StudioBridge studio
    required property IdentityBridge identity
    property bool slow: false
    // The look's first picture has arrived (or it never will): until then the replay shows only
    // its controls, over the live picture (Main keeps it), instead of a black screen while the
    // decoder starts (a blink at every replay; longer on a Pi, which decodes in software).
    property bool pictured: false
    // Where its heading ends: the mirror's messages stand below it, not over it (on a full-size
    // mirror the heading grows past the messages' usual place).
    readonly property real headingBottom: headingPill.visible ? headingPill.y + headingPill.height : 0

    visible: studio.replayId !== ""

    Rectangle { anchors.fill: parent; color: "black"; visible: replay.pictured }

    MirrorView {
        id: video
        anchors.fill: parent
        mirror: replay.mirror
        visible: replay.pictured
    }

    Connections {
        target: video.videoSink
        enabled: !replay.pictured  // the first frame only, not a call on the UI thread per frame
        function onVideoFrameChanged() { replay.pictured = true }
    }

    // A look that does not decode: black behind the controls after a second, as before.
    Timer {
        id: patience
        interval: 1000
        onTriggered: replay.pictured = true
    }

    MediaPlayer {
        id: player
        source: replay.studio.replayUrl
        videoOutput: video.output
        loops: MediaPlayer.Infinite
        playbackRate: replay.slow ? 0.5 : 1.0
        onSourceChanged: {
            replay.slow = false;
            replay.pictured = false;
            if (source.toString() !== "") {
                patience.restart();
                play();
            } else {
                patience.stop();
                stop();
            }
        }
    }

    DragHandler {
        id: scrub
        target: null
        property real startPosition: 0
        property bool wasPlaying: false
        onActiveChanged: {
            if (active) {
                wasPlaying = player.playbackState === MediaPlayer.PlayingState;
                startPosition = player.position;
                player.pause();
            } else if (wasPlaying) {
                player.play();
            }
        }
        onTranslationChanged: {
            if (!active || player.duration <= 0)
                return;
            var t = startPosition + translation.x / replay.width * player.duration;
            player.position = Math.max(0, Math.min(player.duration - 1, t));
        }
    }

    Rectangle {
        id: headingPill
        // Where the mirror's "Recording" notice stands: a shopper who turns on while her look
        // plays is recorded again, and the notice, which must always be seen, takes the place.
        visible: !replay.studio.recording
        anchors.top: parent.top
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.topMargin: 16
        width: heading.implicitWidth + 32
        height: heading.implicitHeight + 12
        radius: height / 2
        color: "#99000000"
        Text {
            id: heading
            textFormat: Text.PlainText
            anchors.centerIn: parent
            color: "white"
            font.pixelSize: Math.max(14, replay.height * 0.022)
            text: qsTr("Your look · %1 / %2 s%3")
                  .arg((player.position / 1000).toFixed(1))
                  .arg((player.duration / 1000).toFixed(1))
                  .arg(replay.slow ? qsTr(" · slow motion") : "")
        }
    }

    Row {
        anchors.right: parent.right
        anchors.verticalCenter: parent.verticalCenter
        anchors.rightMargin: 16
        spacing: 18
        layoutDirection: Qt.RightToLeft
        // On a screen too short for the whole column (a landscape test screen), it shrinks to
        // fit rather than lose its top and bottom buttons off the screen.
        transformOrigin: Item.Right
        scale: Math.min(1, (replay.height - 16) / Math.max(1, implicitHeight))
        // A column reads better on a tall mirror. Its discs grow with the screen as Record's does
        // (102 px on a 1080x1920 mirror, still within the screen's height; 64 px on small windows).
        Column {
            spacing: 18
            MirrorButton {
                size: 64 * grow
                captionRoomRight: 12
                symbol: "✕"
                label: qsTr("Mirror")
                onTapped: replay.studio.closeReplay()
            }
            MirrorButton {
                size: 64 * grow
                captionRoomRight: 12
                symbol: replay.slow ? "1×" : "½×"
                label: replay.slow ? qsTr("Normal") : qsTr("Slow")
                onTapped: replay.slow = !replay.slow
            }
            MirrorButton {
                size: 64 * grow
                captionRoomRight: 12
                symbol: "⇪"
                label: qsTr("Share")
                onTapped: replay.studio.share(replay.studio.replayId)
            }
            MirrorButton {
                // Once kept (by Keep, Share or a card), it says so in its place: taking it away
                // re-centred the column and moved Share and Delete under a reaching finger.
                size: 64 * grow
                captionRoomRight: 12
                visible: replay.identity.available
                done: replay.identity.consented
                symbol: "♥"
                label: done ? qsTr("Kept ✓") : qsTr("Keep")
                onTapped: replay.identity.askConsent()
            }
            MirrorButton {
                size: 64 * grow
                captionRoomRight: 12
                symbol: "⌫"
                label: qsTr("Delete")
                tint: "#b0802020"
                onTapped: replay.studio.deleteLook(replay.studio.replayId)
            }
        }
    }
}
