import QtQuick
import QtQuick.Window

// The shared body angle at a glance: a ring seen from above with the chest's direction as a dot
// (the mirror is at the bottom), and the side of the body the mirror shows, in words. When every
// look plays by time (none was recorded with its body angle) an angle would mean nothing: then it
// is a clock instead, its hand going round once per play, with how far into the play they are.
Row {
    id: dial

    property int angle: 0          // 0..359: 0 chest to the mirror, growing as the body turns to its right
    property bool byAngle: true    // false: every look plays by time; the dial shows position of length
    property real position: 0      // seconds into the play (by time)
    property real length: 0        // seconds of one play
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
            objectName: "dialBody"
            visible: dial.byAngle
            anchors.centerIn: parent
            width: parent.width * 0.46
            height: parent.width * 0.26
            radius: height / 2
            color: "#90ffffff"
            rotation: dial.angle
        }
        Item {  // the chest's direction: at the bottom (towards the mirror) when the angle is 0;
                // by time, a clock's hand from the top, clockwise
            anchors.fill: parent
            rotation: dial.byAngle ? dial.angle
                                   : 180 + 360 * (dial.length > 0 ? Math.min(dial.position / dial.length, 1) : 0)
            Rectangle {  // the clock's hand
                visible: !dial.byAngle
                width: 2
                anchors.horizontalCenter: parent.horizontalCenter
                anchors.top: parent.verticalCenter
                anchors.bottom: parent.bottom
                anchors.bottomMargin: dial.size * 0.16
                color: "#ffd060"
            }
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
        // Its words grow with the screen as the other words do (1.6 % and 1.3 % of the window's
        // height: 30 and 24 px on 1080x1920, where the dial's size gave the degrees 17 px).
        anchors.verticalCenter: parent.verticalCenter
        Text {
            textFormat: Text.PlainText
            color: "white"
            font.pixelSize: Math.max(14, dial.size * 0.32, Window.height * 0.016)
            font.weight: Font.DemiBold
            style: Text.Outline
            styleColor: "#a0000000"
            text: {
                if (!dial.byAngle) return qsTr("Plays by time");
                var a = dial.angle;
                if (a >= 45 && a < 135) return qsTr("Left side");
                if (a >= 135 && a < 225) return qsTr("Back");
                if (a >= 225 && a < 315) return qsTr("Right side");
                return qsTr("Front");
            }
        }
        Text {
            objectName: "dialDegrees"
            textFormat: Text.PlainText
            color: "#d0d0d0"
            font.pixelSize: Math.max(12, dial.size * 0.24, Window.height * 0.013)
            style: Text.Outline
            styleColor: "#a0000000"
            text: dial.byAngle ? dial.angle + "°"
                               : qsTr("%1 / %2 s").arg(dial.position.toFixed(1)).arg(dial.length.toFixed(1))
        }
    }
}
