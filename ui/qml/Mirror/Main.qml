import QtQuick
import QtQuick.Window

// The mirror's window: live picture, attract screen, camera notice and status line.
Window {
    id: root

    required property var mirror   // MirrorBridge
    required property var preview  // PreviewPump

    color: "black"
    title: qsTr("Smart Mirror")

    MirrorView {
        id: view
        anchors.fill: parent
        mirror: root.mirror
        Component.onCompleted: root.preview.attachSink(view.videoSink)
    }

    CameraNotice {
        anchors.fill: parent
        cameraState: root.mirror.cameraState
        reason: root.mirror.cameraReason
        visible: !root.mirror.attract && root.mirror.cameraState !== "running"
    }

    AttractScreen {
        anchors.fill: parent
        visible: root.mirror.attract
    }

    StatusLine {
        anchors.left: parent.left
        anchors.bottom: parent.bottom
        anchors.margins: 8
        visible: root.mirror.showStatus
        cameraFps: root.mirror.cameraFps
        paintFps: root.mirror.paintFps
        cameraState: root.mirror.cameraState
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
