import QtQuick
import QtQuick.Window

// A short plain-words message at the top of the mirror (e.g. why a recording did not start),
// growing with the screen so it reads from the back of the fitting room.
Rectangle {
    id: toast

    property string text: ""
    // As wide as it may be: 90 % of what holds it, or less where something stands beside it.
    property real maxWidth: parent ? parent.width * 0.9 : 400

    visible: text !== ""
    width: Math.min(maxWidth, label.implicitWidth + 40)
    height: label.implicitHeight + 24
    radius: height / 2
    color: "#c0000000"

    Text {
        id: label
        // As written, never as markup: a help request's detail, a name, come from outside.
        textFormat: Text.PlainText
        anchors.centerIn: parent
        width: Math.min(implicitWidth, toast.maxWidth - 40)
        wrapMode: Text.WordWrap
        horizontalAlignment: Text.AlignHCenter
        color: "white"
        font.pixelSize: Math.max(18, Window.height * 0.014)
        text: toast.text
    }
}
