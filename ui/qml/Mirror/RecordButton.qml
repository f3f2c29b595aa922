import QtQuick
import SmartMirror.Bridges

// Start or stop a recording by hand (the turn detector and the raised-hand gesture do it too).
MirrorButton {
    id: record

    required property StudioBridge studio
    property real seconds: 0

    size: 64 * grow  // a finger finds it from a step back on a portrait mirror (102 px there)
    // While no take can start (the disk is full) it is greyed and says why; a tap tells the whole
    // reason. It comes back by itself once there is room. A take that is running keeps its Stop.
    greyed: studio.recordBlocked !== "" && !studio.recording
    symbol: studio.recording ? "■" : "●"
    label: studio.recording ? qsTr("Stop · %1 s").arg(seconds.toFixed(0))
         : greyed ? studio.recordBlocked : qsTr("Record")
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
