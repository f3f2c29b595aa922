import QtQuick
import QtQuick.Shapes
import QtQuick.Window

// Feedback for a touchless gesture: a ring fills while a hand is held up (or a swipe builds),
// so nothing happens by accident while dressing; the label says what will happen.
Item {
    id: ring

    property string gesture: ""       // "raise_hand", "swipe_left", "swipe_right" or ""
    property real progress: 0          // 0..1
    property string action: ""         // what completing it does, in plain words ("": nothing)

    // The label's type grows with the screen as the dialogs' does (1.25 % of the window's height,
    // 15 px at the least: small windows keep the ring as it was); the ring follows it.
    readonly property real textSize: Math.max(15, Window.height * 0.0125)
    readonly property real grow: textSize / 15

    visible: gesture !== "" && progress > 0 && action !== ""
    width: 120 * grow
    height: 150 * grow

    Shape {
        id: shape
        width: 110 * ring.grow
        height: width
        anchors.horizontalCenter: parent.horizontalCenter
        preferredRendererType: Shape.CurveRenderer
        ShapePath {
            strokeColor: "#50ffffff"
            strokeWidth: 10 * ring.grow
            fillColor: "#60000000"
            PathAngleArc {
                centerX: 55 * ring.grow; centerY: centerX; radiusX: 48 * ring.grow; radiusY: radiusX
                startAngle: 0; sweepAngle: 360
            }
        }
        ShapePath {
            strokeColor: "white"
            strokeWidth: 10 * ring.grow
            fillColor: "transparent"
            capStyle: ShapePath.RoundCap
            PathAngleArc {
                centerX: 55 * ring.grow; centerY: centerX; radiusX: 48 * ring.grow; radiusY: radiusX
                startAngle: -90
                sweepAngle: 360 * Math.max(0, Math.min(1, ring.progress))
            }
        }
    }
    Text {
        anchors.centerIn: shape
        color: "white"
        font.pixelSize: 40 * ring.grow
        text: ring.gesture === "raise_hand" ? "☝" : ring.gesture === "swipe_left" ? "←" : "→"
    }
    Text {
        anchors.top: shape.bottom
        anchors.topMargin: 6 * ring.grow
        anchors.horizontalCenter: parent.horizontalCenter
        color: "white"
        style: Text.Outline
        styleColor: "#a0000000"
        font.pixelSize: ring.textSize
        text: ring.action
    }
}
