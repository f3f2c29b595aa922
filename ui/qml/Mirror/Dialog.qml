import QtQuick

// A centred card over a dimmed mirror, for questions that need a clear answer.
Rectangle {
    id: dialog

    default property alias content: body.data
    property string title: ""
    // The body's type size; the title, the buttons and the gaps follow it. The dialog fills the
    // window, so its type grows with the screen like the messages' (18 px at the least): a
    // question on a 1080×1920 portrait mirror reads at arm's length.
    readonly property real textSize: Math.max(18, height * 0.015)
    // Where the messages above the shading end ("Hello, Anna!"): a card too tall for the middle
    // stands below them, not under them.
    property real topClear: 0
    // Where the messages below the card begin, from the bottom (a comparison keeps them above its
    // Close and Share): the card stands above them where the screen has room, as a QR code's sheet
    // on a 540×960 mirror, whose Done they covered.
    property real bottomClear: 0
    readonly property real cardMargin: 24
    // The most height the body may take with the card still whole on the screen, below the
    // messages: a dialog whose content can grow without end (the associate panel's notes)
    // scrolls that part within it.
    readonly property real bodyRoom: height - topClear - 2 * cardMargin - heading.implicitHeight - 4 * textSize

    color: "#b0000000"

    // Swallow taps so nothing behind the dialog reacts.
    TapHandler {}

    Rectangle {
        anchors.horizontalCenter: parent.horizontalCenter
        y: Math.max(dialog.topClear + dialog.cardMargin,
                    Math.min((dialog.height - height) / 2, dialog.height - dialog.bottomClear - dialog.cardMargin - height))
        width: Math.min(parent.width * 0.86, Math.max(640, dialog.textSize * 32))
        height: Math.min(body.implicitHeight + heading.implicitHeight + 4 * dialog.textSize,
                         dialog.height - dialog.topClear - 2 * dialog.cardMargin)
        clip: true
        radius: 20
        color: "#f01c1c1e"
        border.color: "#50ffffff"

        Text {
            id: heading
            textFormat: Text.PlainText
            anchors.top: parent.top
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.margins: dialog.textSize * 1.55
            wrapMode: Text.WordWrap
            color: "white"
            font.pixelSize: dialog.textSize * 1.45
            font.weight: Font.DemiBold
            text: dialog.title
        }
        Column {
            id: body
            anchors.top: heading.bottom
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.margins: dialog.textSize * 1.55
            spacing: dialog.textSize
        }
    }
}
