import QtQuick

// The shared body angle at a glance: a ring seen from above with the chest's direction as a dot
// (the mirror is at the bottom), and the side of the body the mirror shows, in words.
Row {
    id: dial

    property int angle: 0          // 0..359: 0 chest to the mirror, growing as the body turns to its right
    property real size: 56

    spacing: 10

    Item {
        width: dial.size
        height: dial.size
        Rectangle {
            anchors.fill: parent
            radius: width / 2
            color: "#80000000"
            border.color: "#c0ffffff"
            border.width: 2
        }
        Rectangle {  // the body, seen from above
            anchors.centerIn: parent
            width: parent.width * 0.46
            height: parent.width * 0.26
            radius: height / 2
            color: "#90ffffff"
            rotation: dial.angle
        }
        Item {  // the chest's direction: at the bottom (towards the mirror) when the angle is 0
            anchors.fill: parent
            rotation: dial.angle
            Rectangle {
                width: dial.size * 0.2
                height: width
                radius: width / 2
                color: "#ffd060"
                anchors.horizontalCenter: parent.horizontalCenter
                anchors.bottom: parent.bottom
                anchors.bottomMargin: dial.size * 0.06
            }
        }
    }
    Column {
        anchors.verticalCenter: parent.verticalCenter
        Text {
            color: "white"
            font.pixelSize: Math.max(14, dial.size * 0.32)
            font.weight: Font.DemiBold
            style: Text.Outline
            styleColor: "#a0000000"
            text: {
                var a = dial.angle;
                if (a >= 45 && a < 135) return qsTr("Left side");
                if (a >= 135 && a < 225) return qsTr("Back");
                if (a >= 225 && a < 315) return qsTr("Right side");
                return qsTr("Front");
            }
        }
        Text {
            color: "#d0d0d0"
            font.pixelSize: Math.max(12, dial.size * 0.24)
            style: Text.Outline
            styleColor: "#a0000000"
            text: dial.angle + "°"
        }
    }
}
