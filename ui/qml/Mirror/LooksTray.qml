import QtQuick
import SmartMirror.Bridges

// This session's looks as thumbnails, newest first; tap one to replay it.
ListView {
    id: tray

    required property StudioBridge studio

    orientation: ListView.Horizontal
    spacing: 10
    height: 120
    model: studio.looks
    clip: true

    delegate: Rectangle {
        required property string lookId
        required property url posterUrl
        required property real durationS

        width: 90
        height: tray.height
        radius: 8
        color: "#202020"
        border.width: lookId === tray.studio.replayId ? 3 : 1
        border.color: lookId === tray.studio.replayId ? "white" : "#60ffffff"

        Image {
            anchors.fill: parent
            anchors.margins: 4
            source: parent.posterUrl
            fillMode: Image.PreserveAspectCrop
            asynchronous: true
            sourceSize.width: 180
        }
        Text {
            anchors.bottom: parent.bottom
            anchors.right: parent.right
            anchors.margins: 6
            color: "white"
            style: Text.Outline
            styleColor: "#a0000000"
            font.pixelSize: 12
            text: parent.durationS.toFixed(0) + " s"
        }
        TapHandler {
            onTapped: tray.studio.play(parent.lookId)
        }
    }
}
