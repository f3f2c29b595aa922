import QtQuick

// A wide button for dialogs; "yes" and "no" use the same size so declining is as easy as accepting.
Rectangle {
    id: choice

    property string text: ""
    property bool primary: false
    property real textSize: 20  // the dialog's type size sets it, so the label grows with the screen
    signal tapped()

    width: parent ? parent.width : 200
    height: Math.max(56, textSize * 2.8)
    radius: 12
    color: tap.pressed ? "#606060" : (primary ? "#3a3a3c" : "#2a2a2c")
    border.color: "#80ffffff"
    border.width: 2

    Text {
        textFormat: Text.PlainText
        anchors.centerIn: parent
        color: "white"
        font.pixelSize: choice.textSize
        text: choice.text
    }
    TapHandler {
        id: tap
        onTapped: choice.tapped()
    }
}
