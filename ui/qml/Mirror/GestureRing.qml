import QtQuick
import QtQuick.Shapes

// Feedback for a touchless gesture: a ring fills while a hand is held up (or a swipe builds),
// so nothing happens by accident while dressing; the label says what will happen.
Item {
    id: ring

    property string gesture: ""       // "raise_hand", "swipe_left", "swipe_right" or ""
    property real progress: 0          // 0..1
    property string action: ""         // what completing it does, in plain words ("": nothing)

    visible: gesture !== "" && progress > 0 && action !== ""
    width: 120
    height: 150

    Shape {
        id: shape
        width: 110
        height: 110
        anchors.horizontalCenter: parent.horizontalCenter
        preferredRendererType: Shape.CurveRenderer
        ShapePath {
            strokeColor: "#50ffffff"
            strokeWidth: 10
            fillColor: "#60000000"
            PathAngleArc { centerX: 55; centerY: 55; radiusX: 48; radiusY: 48; startAngle: 0; sweepAngle: 360 }
        }
        ShapePath {
            strokeColor: "white"
            strokeWidth: 10
            fillColor: "transparent"
            capStyle: ShapePath.RoundCap
            PathAngleArc {
                centerX: 55; centerY: 55; radiusX: 48; radiusY: 48
                startAngle: -90
                sweepAngle: 360 * Math.max(0, Math.min(1, ring.progress))
            }
        }
    }
    Text {
        anchors.centerIn: shape
        color: "white"
        font.pixelSize: 40
        text: ring.gesture === "raise_hand" ? "☝" : ring.gesture === "swipe_left" ? "←" : "→"
    }
    Text {
        anchors.top: shape.bottom
        anchors.topMargin: 6
        anchors.horizontalCenter: parent.horizontalCenter
        color: "white"
        style: Text.Outline
        styleColor: "#a0000000"
        font.pixelSize: 15
        text: ring.action
    }
}
