import QtQuick

// Shown over the mirror while the camera is starting or unavailable, instead of a frozen picture,
// and held a few seconds after a lost camera is back, until its pictures flow steadily (the core
// decides when: kiosk/camera_notice.py; cameraState is the state whose words it keeps saying).
// Plain words only: why the camera is gone (a device path, a driver's words) is for the log,
// /api/v1/health and `kiosk doctor`, not for the shopper.
Rectangle {
    id: notice

    property string cameraState: "starting"

    // Opaque: a frozen picture showing faintly through reads as a mirror that hangs.
    color: "black"

    Column {
        anchors.centerIn: parent
        width: parent.width * 0.8
        spacing: 12
        Text {
            textFormat: Text.PlainText
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            color: "white"
            font.pixelSize: Math.max(18, notice.height * 0.035)
            text: notice.cameraState === "starting" ? qsTr("Starting the camera…")
                : notice.cameraState === "ended" ? qsTr("The video has ended")
                : qsTr("Camera unavailable")
        }
        Text {
            textFormat: Text.PlainText
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: "#c0c0c0"
            font.pixelSize: Math.max(12, notice.height * 0.018)
            visible: notice.cameraState === "unavailable"
            text: qsTr("The mirror is reconnecting it by itself. Please let a store associate know if this lasts.")
        }
    }
}
