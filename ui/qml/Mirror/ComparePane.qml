import QtQuick
import QtMultimedia
import SmartMirror.Bridges

// One look of a comparison: its frame for the shared body angle (the comparison pump feeds the
// sink from its own thread), mirrored like the live picture, with its number, when it was
// recorded, the associate's note, and a hint when it cannot follow the angle. The pane is its
// picture: the label stands just above it and the hint just below it where CompareView made room
// for them (a label over the top of the picture covered the shopper's head), else over its top
// left and its foot.
Item {
    id: pane
    objectName: "comparePane"

    required property ComparePump pump
    required property bool mirrored
    required property int index
    required property var modelData  // number, label, note, hint, partialHint, x, y, width, height
    readonly property var info: modelData
    property bool covered: true
    property bool failed: false  // its video could not be decoded: said instead of "Preparing…"
    property bool labelAbove: false  // room above the picture for the label (CompareView's strip)
    property bool hintBelow: false  // room below it for the hint
    // The label's type and number disc (the screen's size above the picture, smaller over it), the hint's type.
    property real labelSize: 14
    property real badgeSize: 24
    property real hintSize: 14

    readonly property real textSize: Math.max(14, Math.min(26, width * 0.05))  // "Preparing…" in the picture

    Item {
        id: picture
        anchors.fill: parent
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
    }

    Row {  // the label: just above the picture, or over its top left, small
        id: label
        objectName: "paneLabel"
        // What its words have beside the number, in the pane's width.
        readonly property real room: pane.width - pane.badgeSize - spacing - 2 * x
        x: pane.labelAbove ? 0 : 6
        y: pane.labelAbove ? -height - 8 : 6
        spacing: pane.labelAbove ? 10 : 6
        Rectangle {
            // Dark with a light rim, as the label beside it: a white disc was lost on a white
            // studio wall, a dark one alone would be on a dark room.
            objectName: "paneNumber"
            width: pane.badgeSize
            height: width
            radius: width / 2
            color: "#b0000000"
            border.color: "#e0ffffff"
            border.width: Math.max(2, width * 0.06)
            Text {
                textFormat: Text.PlainText
                anchors.centerIn: parent
                color: "white"
                font.pixelSize: pane.labelSize
                font.weight: Font.Bold
                text: pane.info.number
            }
        }
        Rectangle {  // dark behind the words over the picture; on the black screen above it, none
            id: words
            readonly property real pad: pane.labelAbove ? 0 : 8
            anchors.verticalCenter: parent.verticalCenter
            width: Math.min(labels.implicitWidth + 2 * pad, label.room)
            height: labels.implicitHeight + (pane.labelAbove ? 0 : 6)
            radius: 8
            color: pane.labelAbove ? "transparent" : "#b0000000"
            clip: true
            Column {
                id: labels
                anchors.verticalCenter: parent.verticalCenter
                x: words.pad
                Text {  // when it was recorded, whole: smaller letters in a pane made narrow
                    textFormat: Text.PlainText
                    width: Math.min(implicitWidth, label.room - 2 * words.pad)
                    fontSizeMode: Text.HorizontalFit
                    minimumPixelSize: 10
                    color: "white"
                    font.pixelSize: pane.labelSize
                    font.weight: Font.DemiBold
                    text: pane.info.label
                }
                Text {
                    textFormat: Text.PlainText
                    visible: text !== ""
                    width: Math.min(implicitWidth, label.room - 2 * words.pad)
                    elide: Text.ElideRight
                    color: "#e0e0e0"
                    font.pixelSize: pane.labelSize * 0.8
                    text: pane.info.note
                }
            }
        }
    }

    Rectangle {  // why it plays by time, or that this view is past the end of its turn
        objectName: "paneHint"
        readonly property string hint: pane.info.hint !== "" ? pane.info.hint : (pane.covered ? "" : pane.info.partialHint)
        visible: hint !== ""
        anchors.horizontalCenter: parent.horizontalCenter
        y: pane.hintBelow ? pane.height + 8 : pane.height - height - 8
        width: hintText.width + 20
        height: hintText.height + 10
        radius: 8
        color: "#c0402a00"
        EvenText {  // two even lines, not "it" alone on the second
            id: hintText
            anchors.centerIn: parent
            maxWidth: pane.width - 36
            horizontalAlignment: Text.AlignHCenter
            color: "#ffe8b0"
            font.pixelSize: pane.hintSize
            text: parent.hint
        }
    }
}
