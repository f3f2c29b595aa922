import QtQuick
import QtQuick.Window
import SmartMirror.Bridges

// The mirror's window: live picture, replay and looks tray, looks side by side, attract screen,
// camera notice, messages and the status line.
Window {
    id: root

    required property MirrorBridge mirror
    required property PreviewPump preview
    required property StudioBridge studio     // studio.available: false when this mirror does not record
    required property IdentityBridge identity // identity.available: false without cards and consent
    required property AssistBridge assist     // assist.available: false without the network service
    required property CompareBridge compare
    required property ComparePump comparePump

    readonly property bool replaying: studio.replayId !== ""
    readonly property bool comparing: compare.open
    readonly property bool live: !mirror.attract && !replaying && !comparing
    // A replay that has no picture yet shows its controls over the live picture.
    readonly property bool replayPictured: replayLoader.item ? replayLoader.item.pictured : false
    // What the controls along the bottom keep free: the status line, where it is shown.
    readonly property real bottomInset: mirror.showStatus ? 40 : 16
    // How much of the screen's foot the messages take while a comparison keeps them there (above
    // its Close and Share): the dialogs' cards stand above them (0: none there).
    readonly property real messagesBelow: comparing && messages.visible && messages.height > 0 ? height - messages.y : 0
    // What a line beside the gesture ring keeps free at either side to stay centred and clear of
    // it: the ring's width from the left edge, and 12 px.
    readonly property real ringClear: gestureRing.x + gestureRing.width + 12
    // Whether the messages stand beside the ring's place, on a mirror that sees hands: while
    // comparing they end just above Close and Share, beside which it stands. Not on the live
    // picture or a replay: there the ring stands at the top left only while a hand is held up, and
    // keeping clear of it for good made every message a narrow column of four lines at 540x960.
    readonly property bool messagesBesideRing: mirror.handsFree && comparing
        && compareView.messagesBottom > gestureRing.y
    // How wide a message may be: 90 % of the screen, and clear of the ring beside it.
    readonly property real messageWidth: Math.min(width * 0.9, messagesBesideRing ? width - 2 * ringClear : width)

    color: "black"
    title: qsTr("Smart Mirror")

    MirrorView {
        id: view
        anchors.fill: parent
        mirror: root.mirror
        // Hidden behind the attract screen or a replay (once it has its first picture): then the
        // preview stops converting frames.
        visible: !root.mirror.attract && !root.comparing && !(root.replaying && root.replayPictured)
        onVisibleChanged: root.preview.setActive(visible)
        Component.onCompleted: {
            root.preview.attachSink(view.videoSink);
            root.preview.setActive(visible);
        }
    }

    Loader {
        id: replayLoader
        anchors.fill: parent
        active: root.studio.available
        sourceComponent: ReplayView {
            mirror: root.mirror
            studio: root.studio
            identity: root.identity
        }
    }

    CameraNotice {
        anchors.fill: parent
        // Held by the core until a camera that was lost has given pictures steadily for a while:
        // a camera that keeps dropping out gives one steady notice, not one that flickers.
        cameraState: root.mirror.cameraNotice
        visible: root.live && root.mirror.cameraNotice !== ""
    }

    CompareView {
        id: compareView
        anchors.fill: parent
        compare: root.compare
        pump: root.comparePump
        mirror: root.mirror
        bottomInset: root.bottomInset
        messagesHeight: messages.visible ? messages.height : 0
        // Where the mirror sees hands, the ring stands beside Close and Share, 12 px clear of the line above them.
        sideClear: root.mirror.handsFree ? root.ringClear : 0
    }
    Connections {
        target: root.compare
        // The comparison takes the screen: a replay under it would only cost CPU.
        function onOpenChanged() {
            if (root.compare.open)
                root.studio.closeReplay();
        }
    }

    AttractScreen {
        anchors.fill: parent
        visible: root.mirror.attract && root.mirror.screenOn
        title: root.mirror.welcomeTitle
        text: root.mirror.welcomeText
    }

    Loader {
        id: controls
        anchors.fill: parent
        active: root.studio.available && !root.mirror.attract
        sourceComponent: Item {
            LooksTray {
                id: tray
                anchors.left: parent.left
                anchors.right: record.left
                anchors.bottom: parent.bottom
                anchors.margins: 16
                anchors.bottomMargin: root.bottomInset
                studio: root.studio
                compare: root.compare
                visible: count > 0 && !root.comparing
            }
            MirrorButton {
                objectName: "compareButton"
                anchors.left: parent.left
                anchors.bottom: tray.top
                anchors.margins: 16
                captionRoomLeft: 12
                size: 64 * grow  // grows as the tray under it (102 px on a 1080x1920 mirror)
                visible: tray.count >= 2 && !root.compare.picking && !root.comparing
                symbol: "◫"
                label: qsTr("Compare")
                onTapped: root.compare.startPicking()
            }
            PickBar {
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.bottom: tray.top
                anchors.margins: 16
                visible: root.compare.picking && !root.comparing
                compare: root.compare
                onOpenTapped: root.compare.openComparison(compareView.paneArea.width, compareView.paneArea.height)
            }
            Column {
                id: helpButtons
                // "Other size" asks which way first, so the associate brings the right one.
                property bool choosingSize: false
                anchors.right: parent.right
                anchors.bottom: record.top
                anchors.margins: 24
                // Their discs grow with the screen as Record's does (90 px on a 1080x1920 mirror).
                spacing: 14
                visible: root.assist.available && !root.replaying && !root.comparing && !root.compare.picking
                onVisibleChanged: choosingSize = false
                Timer {
                    // An unanswered choice folds away by itself.
                    running: helpButtons.choosingSize
                    interval: 10000
                    onTriggered: helpButtons.choosingSize = false
                }
                MirrorButton {
                    objectName: "largerButton"
                    visible: helpButtons.choosingSize
                    symbol: "+"
                    label: qsTr("Larger")
                    size: 56 * grow
                    captionRoomRight: 20
                    onTapped: { helpButtons.choosingSize = false; root.assist.requestSize("larger") }
                }
                MirrorButton {
                    objectName: "smallerButton"
                    visible: helpButtons.choosingSize
                    symbol: "−"
                    label: qsTr("Smaller")
                    size: 56 * grow
                    captionRoomRight: 20
                    onTapped: { helpButtons.choosingSize = false; root.assist.requestSize("smaller") }
                }
                MirrorButton {
                    // The same place closes the choice again: a second tap cannot send a request.
                    objectName: "otherSizeButton"
                    symbol: helpButtons.choosingSize ? "✕" : "⇄"
                    label: helpButtons.choosingSize ? qsTr("Cancel") : qsTr("Other size")
                    size: 56 * grow
                    captionRoomRight: 20
                    onTapped: helpButtons.choosingSize = !helpButtons.choosingSize
                }
                MirrorButton {
                    // It calls an associate at once: "Help" read as instructions, and a shopper
                    // looking for them summoned staff
                    objectName: "callStaffButton"
                    symbol: "?"
                    label: qsTr("Call staff")
                    size: 56 * grow
                    captionRoomRight: 20
                    onTapped: root.assist.request("associate")
                }
            }
            RecordButton {
                id: record
                anchors.right: parent.right
                anchors.bottom: parent.bottom
                anchors.margins: 24
                captionRoomRight: 20
                studio: root.studio
                // Not under the camera notice: without a picture there is nothing to record (a
                // take that is running keeps its Stop button).
                visible: !root.replaying && !root.comparing
                         && (root.studio.recording || root.mirror.cameraNotice === "")
            }
        }
    }

    Loader {
        anchors.fill: parent
        active: root.identity.consentVisible && !root.mirror.attract
        sourceComponent: ConsentDialog {
            identity: root.identity
            handsFree: root.mirror.handsFree
            bottomClear: root.messagesBelow
        }
    }
    Loader {
        anchors.fill: parent
        active: root.identity.forgetVisible && !root.mirror.attract
        sourceComponent: ForgetDialog { identity: root.identity }
    }
    Loader {
        anchors.fill: parent
        active: root.studio.shareVisible && !root.mirror.attract
        sourceComponent: ShareSheet { studio: root.studio; bottomClear: root.messagesBelow }
    }
    Loader {
        anchors.fill: parent
        active: root.identity.panelVisible
        // Its notes can fill the screen: it stays below the messages ("Hello, Anna!").
        sourceComponent: AssociatePanel {
            identity: root.identity
            studio: root.studio
            topClear: messages.visible && messages.height > 0 ? messages.y + messages.height : 0
        }
    }

    Rectangle {
        // Recording indicator: a shopper must always see that the camera is recording, so it
        // stands above the dialogs' shading too (a card tapped mid-take brings the question).
        visible: root.studio.recording && !root.mirror.attract
        anchors.top: parent.top
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.topMargin: 16
        width: recLabel.implicitWidth + 36
        height: recLabel.implicitHeight + 14
        radius: height / 2
        color: "#c0b00000"
        Text {
            id: recLabel
            textFormat: Text.PlainText
            anchors.centerIn: parent
            color: "white"
            font.pixelSize: Math.max(18, root.height * 0.014)  // as the messages
            text: "● " + qsTr("Recording")
        }
    }

    // The messages, above the dialogs' shading: "Hello, Anna!" with the consent question, "Thank
    // you…" with "Forget me?" (the dialogs' cards stand in the middle, clear of them). None on the
    // welcome screen: nobody is there to read them. While comparing they stand above its bottom
    // bar (at the top they would cover the first panes' labels), and the panes make room for them.
    // Over a replay they stand below its heading, which grows with the screen. Beside the gesture
    // ring's place they keep clear of it at either side, wrapping sooner: a swiped hand's ring hid
    // the start of "Turn around once: …" while comparing on 1080x1920.
    Column {
        id: messages
        objectName: "messages"
        visible: !root.mirror.attract
        anchors.horizontalCenter: parent.horizontalCenter
        y: root.comparing ? compareView.messagesBottom - height
           : root.replaying && replayLoader.item ? Math.max(72, replayLoader.item.headingBottom + 10) : 72
        width: parent.width
        spacing: 10
        Toast {
            objectName: "message"
            anchors.horizontalCenter: parent.horizontalCenter
            maxWidth: root.messageWidth
            text: root.identity.greeting
        }
        Toast {
            objectName: "message"
            anchors.horizontalCenter: parent.horizontalCenter
            maxWidth: root.messageWidth
            text: root.studio.message
        }
        Toast {
            objectName: "message"
            anchors.horizontalCenter: parent.horizontalCenter
            maxWidth: root.messageWidth
            text: root.identity.message
        }
        Toast {
            objectName: "message"
            anchors.horizontalCenter: parent.horizontalCenter
            maxWidth: root.messageWidth
            text: root.assist.message
        }
        Toast {
            objectName: "message"
            anchors.horizontalCenter: parent.horizontalCenter
            maxWidth: root.messageWidth
            text: root.compare.message
        }
    }

    // Top left, where no screen but a comparison keeps its controls (the replay's buttons stand at
    // the right, a comparison's angle dial at the top right). A comparison's panes have their
    // labels at their top left: then it stands at the bottom left, beside Close and Share.
    GestureRing {
        id: gestureRing
        objectName: "gestureRing"
        x: 24
        y: root.comparing ? root.height - height - root.bottomInset : 24
        gesture: root.mirror.gesture
        progress: root.mirror.gestureProgress
        // What completing the gesture does; nothing (and no ring) where it does nothing: no
        // recording on this mirror, or no other look to step to (the one replaying aside).
        action: {
            var asking = root.identity.consentVisible;
            if (gesture === "raise_hand")
                return asking ? qsTr("Yes, keep")
                     : !root.studio.available ? ""
                     : root.studio.recording ? qsTr("Stop")
                     : root.studio.recordBlocked !== "" ? "" : qsTr("Record");  // greyed: nothing to promise
            return asking ? qsTr("No, thanks")
                 : root.comparing ? qsTr("Turn")
                 : !root.studio.available ? ""
                 : root.studio.looks.count > (root.replaying ? 1 : 0) ? qsTr("Next look") : "";
        }
    }

    StatusLine {
        anchors.left: parent.left
        anchors.bottom: parent.bottom
        anchors.margins: 8
        visible: root.mirror.showStatus
        cameraFps: root.mirror.cameraFps
        paintFps: root.mirror.paintFps
        cameraState: root.mirror.cameraState
        covering: view.visible ? ""
                : root.mirror.attract ? qsTr("the welcome screen")
                : root.comparing ? qsTr("a comparison") : qsTr("a replay")
    }

    // The screen is dark (an empty room, or outside opening hours): black over everything, so
    // nothing animates and, where the panel cannot be switched off, the glass is a plain mirror.
    // A touch still reaches the handler below and wakes the mirror.
    Rectangle {
        anchors.fill: parent
        color: "black"
        visible: !root.mirror.screenOn
    }

    // Any touch, click or key wakes the mirror (presence detection does it without touching).
    TapHandler {
        onTapped: root.mirror.wake()
    }
    Item {
        anchors.fill: parent
        focus: true
        Keys.onPressed: (event) => {
            root.mirror.wake();
            event.accepted = true;
        }
    }
}
