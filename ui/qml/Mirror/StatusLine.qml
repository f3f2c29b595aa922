import QtQuick

// A small, unobtrusive line for store IT: frame rates and camera state.
Text {
    property real cameraFps: 0
    property real paintFps: 0
    property string cameraState: ""

    color: "#90ffffff"
    font.pixelSize: 12
    style: Text.Outline
    styleColor: "#80000000"
    text: qsTr("camera %1 fps · screen %2 fps · %3").arg(cameraFps.toFixed(1)).arg(paintFps.toFixed(1)).arg(cameraState)
}
