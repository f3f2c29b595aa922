import QtQuick

// A large, round, touch-friendly button with a label under it.
Item {
    id: button

    property string symbol: ""
    property string label: ""
    property color tint: "#99000000"  // dark glass: readable over a white studio wall and a dark room alike
    property real size: 64
    signal tapped()

    width: Math.max(size, caption.implicitWidth)
    height: size + caption.implicitHeight + 6

    Rectangle {
        id: disc
        width: button.size
        height: button.size
        radius: button.size / 2
        anchors.horizontalCenter: parent.horizontalCenter
        color: tap.pressed ? "#cc505050" : button.tint
        border.color: "#c0ffffff"
        border.width: 2
        Text {
            anchors.centerIn: parent
            text: button.symbol
            color: "white"
            font.pixelSize: button.size * 0.42
        }
    }
    Text {
        id: caption
        anchors.top: disc.bottom
        anchors.topMargin: 6
        anchors.horizontalCenter: parent.horizontalCenter
        text: button.label
        color: "white"
        font.pixelSize: Math.max(12, button.size * 0.2)
        style: Text.Outline
        styleColor: "#a0000000"
    }
    TapHandler {
        id: tap
        onTapped: button.tapped()
    }
}
