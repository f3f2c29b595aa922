import QtQuick

// A small, unobtrusive line for store IT: frame rates and camera state.
Rectangle {
    property real cameraFps: 0
    property real paintFps: 0
    property string cameraState: ""

    width: line.implicitWidth + 12
    height: line.implicitHeight + 4
    radius: 4
    color: "#66000000"
    Text {
        id: line
        anchors.centerIn: parent
        color: "#d0ffffff"
        font.pixelSize: 12
        text: qsTr("camera %1 fps · screen %2 fps · %3")
              .arg(parent.cameraFps.toFixed(1)).arg(parent.paintFps.toFixed(1)).arg(parent.cameraState)
    }
}
