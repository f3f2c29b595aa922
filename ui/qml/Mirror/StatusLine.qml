import QtQuick

// A small, unobtrusive line for store IT: frame rates and camera state.
Rectangle {
    property real cameraFps: 0
    property real paintFps: 0
    property string cameraState: ""
    // What fills the screen instead of the live picture ("" while the mirror shows it): then
    // no camera frame is painted, and a rate of 0 would read as a fault.
    property string covering: ""

    width: line.implicitWidth + 12
    height: line.implicitHeight + 4
    radius: 4
    color: "#66000000"
    Text {
        id: line
        textFormat: Text.PlainText
        anchors.centerIn: parent
        color: "#d0ffffff"
        font.pixelSize: 12
        text: qsTr("camera %1 fps · %2 · %3")
              .arg(parent.cameraFps.toFixed(1))
              .arg(parent.covering === "" ? qsTr("screen %1 fps").arg(parent.paintFps.toFixed(1))
                                          : qsTr("screen shows %1").arg(parent.covering))
              .arg(parent.cameraState)
    }
}
