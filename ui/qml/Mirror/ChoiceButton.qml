import QtQuick

// A wide button for dialogs; "yes" and "no" use the same size so declining is as easy as accepting.
Rectangle {
    id: choice

    property string text: ""
    property bool primary: false
    signal tapped()

    width: parent ? parent.width : 200
    height: 56
    radius: 12
    color: tap.pressed ? "#606060" : (primary ? "#3a3a3c" : "#2a2a2c")
    border.color: "#80ffffff"
    border.width: 2

    Text {
        anchors.centerIn: parent
        color: "white"
        font.pixelSize: 20
        text: choice.text
    }
    TapHandler {
        id: tap
        onTapped: choice.tapped()
    }
}
