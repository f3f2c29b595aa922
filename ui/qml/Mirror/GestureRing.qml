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
        // On a dark disc as wide as the ring: the white fill, the glyph and the track read over a
        // white studio wall as over a dark room (on a translucent one they were grey on grey).
        id: shape
        width: 110 * ring.grow
        height: width
        anchors.horizontalCenter: parent.horizontalCenter
        preferredRendererType: Shape.CurveRenderer
        ShapePath {
            strokeColor: "transparent"
            fillColor: "#d0000000"
            PathAngleArc {
                centerX: 55 * ring.grow; centerY: centerX; radiusX: 55 * ring.grow; radiusY: radiusX
                startAngle: 0; sweepAngle: 360
            }
        }
        ShapePath {
            strokeColor: "#60ffffff"
            strokeWidth: 10 * ring.grow
            fillColor: "transparent"
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
        // Bold, and outlined in its own white: DejaVu's raised hand is drawn in outline, its thin
        // strokes lost at a step back.
        textFormat: Text.PlainText
        anchors.centerIn: shape
        color: "white"
        style: Text.Outline
        styleColor: "white"
        font.pixelSize: 44 * ring.grow
        font.bold: true
        text: ring.gesture === "raise_hand" ? "☝" : ring.gesture === "swipe_left" ? "←" : "→"
    }
    Rectangle {
        // The label on a dark pill, as the buttons' are: an outline alone left it faint over white.
        anchors.centerIn: label
        width: label.implicitWidth + label.font.pixelSize
        height: label.implicitHeight + 4
        radius: height / 2
        color: "#b0000000"
    }
    Text {
        id: label
        textFormat: Text.PlainText
        anchors.top: shape.bottom
        anchors.topMargin: 6 * ring.grow
        anchors.horizontalCenter: parent.horizontalCenter
        color: "white"
        font.pixelSize: ring.textSize
        text: ring.action
    }
}
