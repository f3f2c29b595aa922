import QtQuick

// A centred card over a dimmed mirror, for questions that need a clear answer.
Rectangle {
    id: dialog

    default property alias content: body.data
    property string title: ""

    color: "#b0000000"

    // Swallow taps so nothing behind the dialog reacts.
    TapHandler {}

    Rectangle {
        anchors.centerIn: parent
        width: Math.min(parent.width * 0.86, 640)
        height: body.implicitHeight + heading.implicitHeight + 72
        radius: 20
        color: "#f01c1c1e"
        border.color: "#50ffffff"

        Text {
            id: heading
            anchors.top: parent.top
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.margins: 28
            wrapMode: Text.WordWrap
            color: "white"
            font.pixelSize: 26
            font.weight: Font.DemiBold
            text: dialog.title
        }
        Column {
            id: body
            anchors.top: heading.bottom
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.margins: 28
            spacing: 18
        }
    }
}
