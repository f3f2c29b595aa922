import QtQuick
import SmartMirror.Bridges

// Looks side by side, turning together: one shared body angle drives every pane. It turns slowly
// by itself; a finger (or the mouse) holds and drags all panes at once, a swiped hand turns them
// by a step (where the mirror sees hands: the hint says so only there). Where no look has its
// turn, every pane plays by time and the same angle is how far into their play they are: a drag
// moves them through it (the hint says so). The panes' places come from the core (same height,
// two side by side or two rows).
Item {
    id: view

    required property CompareBridge compare
    required property ComparePump pump
    required property MirrorBridge mirror
    property real bottomInset: 16  // what the bottom bar keeps free below it (the status line)
    property real messagesHeight: 0  // the mirror's messages standing at messagesBottom (0: none)
    // What the line above Close and Share keeps free at either side (it stays centred): a touchless
    // gesture's ring stands at the bottom left.
    property real sideClear: 0

    // Where the panes go: what "Side by side" tells the core.
    readonly property alias paneArea: area
    // Where the mirror's messages stand while comparing: just above the bottom bar, clear of the
    // panes' labels (each pane's top left) and of the buttons. The panes make room for them.
    readonly property real messagesBottom: bottomBar.y - 8
    readonly property real unit: Math.max(64, Math.min(width, height) * 0.09)  // touch target size
    // A pane's number and time: as big as the screen's other words (the hint line's 27 px on
    // 1080x1920) just above its picture; over it, where there is no room above, as small as
    // reads, to hide little of her. Its hint (why it plays by time) a little smaller, as before.
    readonly property real labelSize: Math.max(14, unit * 0.2, height * 0.014)
    readonly property real smallLabelSize: Math.max(14, labelSize * 0.8)
    readonly property real hintSize: Math.max(13, labelSize * 0.8)

    visible: compare.open

    Rectangle { anchors.fill: parent; color: "black" }

    Item {  // the top bar: what this is, left; the angle, right (the middle stays free for "Recording")
        id: topBar
        anchors.top: parent.top
        anchors.left: parent.left
        anchors.right: parent.right
        height: view.unit * 1.1
        Text {
            textFormat: Text.PlainText
            anchors.left: parent.left
            anchors.leftMargin: 16
            anchors.verticalCenter: parent.verticalCenter
            color: "white"
            font.pixelSize: Math.max(18, view.unit * 0.32)
            font.weight: Font.DemiBold
            text: view.compare.progress < 1 ? qsTr("Preparing… %1%").arg(Math.round(view.compare.progress * 100))
                                            : qsTr("Side by side")
        }
        AngleDial {
            objectName: "angleDial"
            anchors.right: parent.right
            anchors.rightMargin: 16
            anchors.verticalCenter: parent.verticalCenter
            size: view.unit * 0.75
            angle: view.pump.angle
            byAngle: view.compare.byAngle
            position: view.pump.position
            length: view.pump.length
        }
    }

    Item {
        id: area
        objectName: "compareArea"
        anchors.top: topBar.bottom
        anchors.bottom: bottomBar.top
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.leftMargin: 8
        anchors.rightMargin: 8
        anchors.bottomMargin: 16

        // The core lays the panes out for the whole area. What stands above the bottom bar (the
        // messages, a share note taller than the line it replaces) takes the area's bottom: then
        // the panes move up, and shrink if they must, keeping every picture whole and its shape,
        // so nothing covers a pane's picture or the hint at its foot. They grow back when it goes.
        readonly property var block: {
            var panes = view.compare.open ? view.compare.panes : [];
            if (panes.length === 0)
                return { top: 0, height: 0 };
            var top = panes[0].y, bottom = 0;
            for (var i = 0; i < panes.length; i++) {
                top = Math.min(top, panes[i].y);
                bottom = Math.max(bottom, panes[i].y + panes[i].height);
            }
            return { top: top, height: bottom - top };
        }
        // Each pane's label stands in a strip just above its picture, and its hint just below it,
        // where the area holds every row's strips besides the pictures at the core's size (two or
        // three portrait looks on a portrait mirror: the pictures are as wide as the screen lets
        // them be, with room above and below); else over the picture's top left and its foot
        // (landscape, four looks in a tight grid). The pictures give up at most 15 % of their
        // height for the labels' strips (four looks cropped to her fill the height: over the
        // pictures, the labels covered her head), never more; decided without the messages, so
        // that one coming and going does not move the labels in and out.
        readonly property var rowTops: {  // the core's rows of panes, top to bottom
            var panes = view.compare.open ? view.compare.panes : [];
            var tops = [];
            for (var i = 0; i < panes.length; i++)
                if (tops.indexOf(panes[i].y) < 0)
                    tops.push(panes[i].y);
            return tops.sort(function (a, b) { return a - b; });
        }
        readonly property real labelStrip: {  // a label's height above the picture, 8 px clear on either side
            var panes = view.compare.open ? view.compare.panes : [];
            var words = titleMetrics.height;
            for (var i = 0; i < panes.length; i++)
                if (panes[i].note !== "") {
                    words += noteMetrics.height;
                    break;
                }
            return Math.ceil(Math.max(view.labelSize * 1.7, words)) + 16;
        }
        readonly property var hintStrips: {  // each row's room below for its panes' hints (0: none has one)
            var panes = view.compare.open ? view.compare.panes : [];
            var strips = rowTops.map(function () { return 0; });
            for (var i = 0; i < panes.length; i++) {
                var longest = Math.max(hintMetrics.advanceWidth(panes[i].hint), hintMetrics.advanceWidth(panes[i].partialHint));
                if (longest > 0) {
                    var lines = Math.ceil(longest / Math.max(panes[i].width - 36, 1));
                    var row = rowTops.indexOf(panes[i].y);
                    strips[row] = Math.max(strips[row], Math.ceil(lines * hintMetrics.height) + 10 + 16);
                }
            }
            return strips;
        }
        readonly property bool labelsAbove: rowTops.length > 0 && block.height * 0.85 + rowTops.length * labelStrip <= height
        readonly property bool hintsBelow: labelsAbove
            && block.height + rowTops.length * labelStrip + hintStrips.reduce(function (a, b) { return a + b; }, 0) <= height
        // How far each row moves down from the core's place for the strips above it and its own label's.
        readonly property var shifts: {
            var shifts = [], down = 0;
            for (var r = 0; r < rowTops.length; r++) {
                down += labelsAbove ? labelStrip : 0;
                shifts.push(down);
                down += hintsBelow ? hintStrips[r] : 0;
            }
            return shifts;
        }
        readonly property real strips: shifts.length === 0 ? 0 : shifts[shifts.length - 1] + (hintsBelow ? hintStrips[hintStrips.length - 1] : 0)

        readonly property real room: Math.max(height - view.messagesHeight, 1)  // 8 px clear of the messages
        readonly property real fitting: block.height + strips > room ? Math.max(room - strips, 1) / block.height : 1
        property real fit: fitting
        property real blockY: Math.max(0, Math.min(block.top - strips / 2, room - block.height * fitting - strips))
        Behavior on fit { NumberAnimation { duration: 180; easing.type: Easing.OutCubic } }
        Behavior on blockY { NumberAnimation { duration: 180; easing.type: Easing.OutCubic } }

        Repeater {
            model: view.compare.open ? view.compare.panes : []
            delegate: ComparePane {
                x: area.width / 2 + (info.x - area.width / 2) * area.fit
                y: area.blockY + area.shifts[area.rowTops.indexOf(info.y)] + (info.y - area.block.top) * area.fit
                width: info.width * area.fit
                height: info.height * area.fit
                pump: view.pump
                mirrored: view.mirror.mirrored
                covered: view.pump.covered[index] !== false
                failed: view.compare.failed[index] === true
                labelAbove: area.labelsAbove
                hintBelow: area.hintsBelow
                labelSize: area.labelsAbove ? view.labelSize : view.smallLabelSize
                badgeSize: labelSize * (area.labelsAbove ? 1.7 : 1.5)
                hintSize: view.hintSize
            }
        }

        FontMetrics {  // a pane's time above its picture, as drawn there
            id: titleMetrics
            font.pixelSize: view.labelSize
            font.weight: Font.DemiBold
        }
        FontMetrics {
            id: noteMetrics
            font.pixelSize: view.labelSize * 0.8
        }
        FontMetrics {
            id: hintMetrics
            font.pixelSize: view.hintSize
        }

        // Hold to stop the turn, drag to turn every pane, let go to let it turn again.
        MouseArea {
            anchors.fill: parent
            property real startX: 0
            onPressed: (mouse) => {
                startX = mouse.x;
                view.mirror.wake();
                view.pump.hold();
            }
            onPositionChanged: (mouse) => view.pump.dragTo(mouse.x - startX, view.width)
            onReleased: view.pump.release()
            onCanceled: view.pump.release()
        }
    }

    Column {  // the bottom bar: how to turn it, the share note, and the buttons
        id: bottomBar
        anchors.bottom: parent.bottom
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottomMargin: view.bottomInset
        spacing: 10

        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            visible: view.compare.shareNote !== ""
            width: Math.min(view.width - 32, note.contentWidth + 40)
            height: note.implicitHeight + 18
            radius: height / 2
            color: "#d0202022"
            border.color: "#60ffffff"
            EvenText {  // two even lines, not "ready." alone on the second (1080x1920)
                id: note
                objectName: "compareShareNote"
                anchors.centerIn: parent
                maxWidth: view.width - 72
                horizontalAlignment: Text.AlignHCenter
                color: "white"
                font.pixelSize: Math.max(15, view.unit * 0.22, view.height * 0.014)  // as the messages
                text: view.compare.shareNote
            }
        }
        EvenText {
            objectName: "compareHint"
            anchors.horizontalCenter: parent.horizontalCenter
            visible: view.compare.shareNote === ""
            // Two even lines where one would reach under the ring (540x960): "Drag to turn" whole.
            maxWidth: view.width - 2 * view.sideClear
            horizontalAlignment: Text.AlignHCenter
            color: "#c0c0c0"
            // The screen's only instruction: as big as the messages on a portrait mirror (27 px
            // on 1080x1920; 14 px at the least, as before on small windows).
            font.pixelSize: Math.max(14, view.unit * 0.2, view.height * 0.014)
            // What a drag does: it turns the bodies; where every pane plays by time (no look has
            // its turn) it moves them through their play, as the dial's clock shows (a comma, not
            // "·": the longer line wraps, and a dot alone at a line's end or start reads as litter).
            text: view.compare.byAngle
                  ? (view.mirror.handsFree ? qsTr("Drag to turn · or swipe a hand sideways") : qsTr("Drag to turn"))
                  : (view.mirror.handsFree ? qsTr("Drag to move through the looks, or swipe a hand sideways")
                                           : qsTr("Drag to move through the looks"))
        }
        Row {
            anchors.horizontalCenter: parent.horizontalCenter
            spacing: view.unit * 0.8
            MirrorButton {
                objectName: "compareClose"
                size: view.unit
                symbol: "✕"
                label: qsTr("Close")
                onTapped: view.compare.closeComparison()
            }
            MirrorButton {
                objectName: "compareShare"
                size: view.unit
                symbol: "⇪"
                label: qsTr("Share")
                onTapped: view.compare.share()
            }
        }
    }
}
