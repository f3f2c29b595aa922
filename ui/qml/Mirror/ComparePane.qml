import QtQuick
import QtMultimedia
import SmartMirror.Bridges

// One look of a comparison: its frame for the shared body angle (the comparison pump feeds the
// sink from its own thread), mirrored like the live picture, with its number, when it was
// recorded, the associate's note, and a hint when it cannot follow the angle.
Item {
    id: pane

    required property ComparePump pump
    required property bool mirrored
    required property int index
    required property var modelData  // number, label, note, hint, partialHint, x, y, width, height
    readonly property var info: modelData
    property bool covered: true
    property bool failed: false  // its video could not be decoded: said instead of "Preparing…"

    readonly property real textSize: Math.max(14, Math.min(26, width * 0.05))

    clip: true  // placed by CompareView: where the core put it, made room for the messages

    Rectangle { anchors.fill: parent; color: "#151517" }
    Text {  // under the picture: seen only until the first frame arrives, or instead of it
        objectName: "paneState"
        textFormat: Text.PlainText
        anchors.centerIn: parent
        width: parent.width - 32
        wrapMode: Text.WordWrap
        horizontalAlignment: Text.AlignHCenter
        color: pane.failed ? "#ffe8b0" : "#a0a0a0"
        font.pixelSize: pane.textSize
        text: pane.failed ? qsTr("This look's video is damaged and cannot be shown") : qsTr("Preparing…")
    }

    VideoOutput {
        id: output
        anchors.fill: parent
        visible: !pane.failed  // what was decoded before the damage would not follow the turn
        fillMode: VideoOutput.PreserveAspectFit
        transform: Scale {
            origin.x: output.width / 2
            xScale: pane.mirrored ? -1 : 1
        }
        Component.onCompleted: pane.pump.attachSink(pane.index, output.videoSink)
        Component.onDestruction: pane.pump.attachSink(pane.index, null)
    }

    Row {  // the label, top left
        anchors.top: parent.top
        anchors.left: parent.left
        anchors.margins: 8
        spacing: 8
        Rectangle {
            // Dark with a light rim, as the label beside it: a white disc was lost on a white
            // studio wall, a dark one alone would be on a dark room.
            objectName: "paneNumber"
            width: pane.textSize * 1.7
            height: width
            radius: width / 2
            color: "#b0000000"
            border.color: "#e0ffffff"
            border.width: Math.max(2, width * 0.06)
            Text {
                textFormat: Text.PlainText
                anchors.centerIn: parent
                color: "white"
                font.pixelSize: pane.textSize
                font.weight: Font.Bold
                text: pane.info.number
            }
        }
        Rectangle {
            anchors.verticalCenter: parent.verticalCenter
            width: Math.min(labels.implicitWidth + 20, pane.width - pane.textSize * 1.7 - 32)
            height: labels.implicitHeight + 10
            radius: 8
            color: "#b0000000"
            clip: true
            Column {
                id: labels
                anchors.verticalCenter: parent.verticalCenter
                x: 10
                Text {  // when it was recorded, whole: smaller letters in a pane made narrow
                    textFormat: Text.PlainText
                    width: Math.min(implicitWidth, pane.width - pane.textSize * 1.7 - 52)
                    fontSizeMode: Text.HorizontalFit
                    minimumPixelSize: 10
                    color: "white"
                    font.pixelSize: pane.textSize
                    font.weight: Font.DemiBold
                    text: pane.info.label
                }
                Text {
                    textFormat: Text.PlainText
                    visible: text !== ""
                    width: Math.min(implicitWidth, pane.width - pane.textSize * 1.7 - 52)
                    elide: Text.ElideRight
                    color: "#e0e0e0"
                    font.pixelSize: pane.textSize * 0.8
                    text: pane.info.note
                }
            }
        }
    }

    Rectangle {  // why it plays by time, or that this view is past the end of its turn
        readonly property string hint: pane.info.hint !== "" ? pane.info.hint : (pane.covered ? "" : pane.info.partialHint)
        visible: hint !== ""
        anchors.bottom: parent.bottom
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottomMargin: 8
        width: Math.min(hintText.implicitWidth + 20, pane.width - 16)
        height: hintText.implicitHeight + 10
        radius: 8
        color: "#c0402a00"
        Text {
            id: hintText
            textFormat: Text.PlainText
            anchors.centerIn: parent
            width: Math.min(implicitWidth, pane.width - 36)
            wrapMode: Text.WordWrap
            horizontalAlignment: Text.AlignHCenter
            color: "#ffe8b0"
            font.pixelSize: pane.textSize * 0.75
            text: parent.hint
        }
    }
}
