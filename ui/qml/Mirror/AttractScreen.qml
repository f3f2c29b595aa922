import QtQuick

// Shown while nobody is in front of the mirror. Mostly black, so a mirror glass in front of
// the screen reads as a plain mirror; a slow, quiet invitation in the middle, in the words the
// core gives for this mirror (without the body analysis only a touch wakes it).
Rectangle {
    id: attract
    color: "black"

    property string title: ""  // the invitation
    property string text: ""   // the line below it ("" for none)

    Column {
        anchors.centerIn: parent
        width: parent.width * 0.8
        spacing: attract.height * 0.02

        Text {
            textFormat: Text.PlainText
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: "white"
            font.pixelSize: Math.max(18, attract.height * 0.04)
            font.weight: Font.Light
            text: attract.title
            SequentialAnimation on opacity {
                loops: Animation.Infinite
                NumberAnimation { from: 0.35; to: 1.0; duration: 2200; easing.type: Easing.InOutSine }
                NumberAnimation { from: 1.0; to: 0.35; duration: 2200; easing.type: Easing.InOutSine }
            }
        }
        Text {
            textFormat: Text.PlainText
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: "#b0b0b0"
            font.pixelSize: Math.max(12, attract.height * 0.02)
            visible: text !== ""
            text: attract.text
        }
    }
}
