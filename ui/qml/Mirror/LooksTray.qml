import QtQuick
import QtQuick.Window
import SmartMirror.Bridges

// The shopper's looks as thumbnails, newest first (this visit's, then those kept on their card
// from earlier visits, marked ♥); tap one to replay it. While picking looks to compare, a tap
// picks it (its number shows) or unpicks it.
ListView {
    id: tray

    required property StudioBridge studio
    required property CompareBridge compare
    // The thumbnails, their lengths, marks and pick numbers grow with the screen as the dialogs' type
    // does (1.5 % of the window's height over its 18 px floor): a finger finds them on a portrait
    // mirror, and small windows keep the tray as it was.
    readonly property real grow: Math.max(1, Window.height * 0.015 / 18)

    orientation: ListView.Horizontal
    spacing: 10 * grow
    height: 120 * grow
    model: studio.looks
    clip: true

    delegate: Rectangle {
        id: thumb

        required property string lookId
        required property url posterUrl
        required property real durationS
        required property bool kept
        readonly property int pickNumber: tray.compare.picks.indexOf(lookId) + 1

        width: 90 * tray.grow
        height: tray.height
        radius: 8 * tray.grow
        color: "#202020"
        border.width: pickNumber > 0 || lookId === tray.studio.replayId ? 3 : 1
        border.color: pickNumber > 0 ? "#ffd060" : (lookId === tray.studio.replayId ? "white" : "#60ffffff")

        Image {
            anchors.fill: parent
            anchors.margins: 4 * tray.grow
            source: parent.posterUrl
            fillMode: Image.PreserveAspectCrop
            asynchronous: true
            sourceSize.width: 180 * tray.grow
            opacity: tray.compare.picking && thumb.pickNumber === 0 ? 0.6 : 1
        }
        Rectangle {  // the look's length, on a dark pill: readable over a white studio wall
            // It grows with the tray (12 px on small windows, as before; 19 px on 1080x1920).
            anchors.bottom: parent.bottom
            anchors.right: parent.right
            anchors.margins: 5 * tray.grow
            width: duration.implicitWidth + 10 * tray.grow
            height: duration.implicitHeight + 2 * tray.grow
            radius: height / 2
            color: "#b0000000"
            Text {
                id: duration
                textFormat: Text.PlainText
                anchors.centerIn: parent
                color: "white"
                font.pixelSize: 12 * tray.grow
                text: thumb.durationS.toFixed(0) + " s"
            }
        }
        Text {  // kept from an earlier visit
            textFormat: Text.PlainText
            visible: thumb.kept
            anchors.bottom: parent.bottom
            anchors.left: parent.left
            anchors.margins: 6 * tray.grow
            color: "#ff8090"
            style: Text.Outline
            styleColor: "#a0000000"
            font.pixelSize: 14 * tray.grow
            text: "♥"
        }
        Rectangle {  // picking: an empty ring to tap, or the look's number in the comparison
            visible: tray.compare.picking
            anchors.top: parent.top
            anchors.right: parent.right
            anchors.margins: 6 * tray.grow
            width: 30 * tray.grow
            height: width
            radius: width / 2
            color: thumb.pickNumber > 0 ? "#ffd060" : "#80000000"
            border.color: "white"
            border.width: 2
            Text {
                textFormat: Text.PlainText
                anchors.centerIn: parent
                visible: thumb.pickNumber > 0
                color: "black"
                font.pixelSize: 16 * tray.grow
                font.weight: Font.Bold
                text: thumb.pickNumber
            }
        }
        TapHandler {
            onTapped: tray.compare.picking ? tray.compare.pick(parent.lookId) : tray.studio.play(parent.lookId)
        }
    }
}
