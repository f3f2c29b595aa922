import QtQuick
import SmartMirror.Bridges

// Start or stop a recording by hand (the turn detector and the raised-hand gesture do it too).
MirrorButton {
    id: record

    required property StudioBridge studio
    property real seconds: 0

    size: 64 * grow  // a finger finds it from a step back on a portrait mirror (102 px there)
    symbol: studio.recording ? "■" : "●"
    label: studio.recording ? qsTr("Stop · %1 s").arg(seconds.toFixed(0)) : qsTr("Record")
    tint: studio.recording ? "#e0d02020" : "#b0a01818"
    onTapped: studio.toggleRecording()

    Timer {
        interval: 250
        repeat: true
        running: record.studio.recording
        onTriggered: record.seconds = record.studio.recordingSeconds()
        onRunningChanged: record.seconds = 0
    }
}
