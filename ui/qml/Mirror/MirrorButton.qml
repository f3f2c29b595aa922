import QtQuick
import QtQuick.Window

// A large, round, touch-friendly button with a label under it, on a dark pill so it reads over a
// white studio wall as well as in a dark room, and grows with the screen so it reads from the
// back of the fitting room (the same size as before on small test windows: the layout is kept).
Item {
    id: button

    property string symbol: ""
    property string label: ""
    property color tint: "#99000000"  // dark glass: readable over a white studio wall and a dark room alike
    property real size: 64
    // How much a disc grows with the screen, as the dialogs' type and the looks tray do (1.5 % of
    // the window's height over an 18 px floor): 1 on small windows, 1.6 on a 1080x1920 mirror.
    // A button whose disc should grow sets its size to its small-window size times this.
    readonly property real grow: Math.max(1, Window.height * 0.015 / 18)
    // How far the label's pill may reach past the button's sides (the screen's margin there): a
    // long label on a button at a screen edge shifts inwards instead of leaving the screen.
    property real captionRoomLeft: 1e6
    property real captionRoomRight: 1e6
    // A finished action shown in its own place ("Kept ✓"): said, no longer offered. Only its
    // label, in the middle of the same room, and no tap: it reads as a state, not a button, while
    // the buttons around it stay where the finger knows them.
    property bool done: false
    // Cannot work right now: a grey disc with a faint symbol, its label saying why (a greyed
    // control always says why). A tap still reaches it, and is answered with the whole reason.
    property bool greyed: false
    signal tapped()

    // The disc's width, whatever the label's: discs in a column stay lined up, and a label that
    // changes ("Record", "Stop · 12 s") never moves its disc.
    width: size
    height: size + caption.implicitHeight + 6

    Rectangle {
        id: disc
        width: button.size
        height: button.size
        radius: button.size / 2
        anchors.horizontalCenter: parent.horizontalCenter
        visible: !button.done
        color: tap.pressed ? "#cc505050" : button.greyed ? "#b0383838" : button.tint
        border.color: button.greyed ? "#60ffffff" : "#c0ffffff"
        border.width: 2
        Text {
            textFormat: Text.PlainText
            anchors.centerIn: parent
            text: button.symbol
            color: button.greyed ? "#80ffffff" : "white"
            font.pixelSize: button.size * 0.42
        }
    }
    Rectangle {
        // Drawn around the label without changing the button's size: it reaches into the gap
        // above and the spacing below.
        id: pill
        visible: button.label !== ""
        width: caption.implicitWidth + caption.font.pixelSize
        height: caption.implicitHeight + 4
        radius: height / 2
        x: Math.max(-button.captionRoomLeft, Math.min((button.width - width) / 2, button.width + button.captionRoomRight - width))
        y: caption.y - 2
        color: "#b0000000"
    }
    Text {
        id: caption
        textFormat: Text.PlainText
        y: button.done ? (button.height - implicitHeight) / 2 : disc.height + 6
        anchors.horizontalCenter: pill.horizontalCenter
        text: button.label
        color: "white"
        font.pixelSize: Math.max(12, button.size * 0.2, Window.height * 0.012)
    }
    TapHandler {
        id: tap
        enabled: !button.done
        onTapped: button.tapped()
    }
}
