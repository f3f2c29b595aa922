import QtQuick
import SmartMirror.Bridges

// Opened by a staff card: the customer's preferences and kept looks (only with their consent),
// keeping this visit's looks for them, and ending the session.
Dialog {
    id: panel

    required property IdentityBridge identity
    required property StudioBridge studio

    title: qsTr("Associate")
    // The body's height besides the notes: the summary, the looks, both buttons and the four gaps.
    readonly property real besideHistory: summary.height + kept.height + 2 * endSession.height + 4 * textSize

    Text {
        id: summary
        textFormat: Text.PlainText
        width: parent.width
        wrapMode: Text.WordWrap
        color: "#e0e0e0"
        font.pixelSize: panel.textSize
        text: panel.identity.panel.note ? panel.identity.panel.note
              : qsTr("%1 · %2\n%3\n%4")
                  .arg(panel.identity.panel.name || "")
                  .arg(panel.identity.panel.tier || qsTr("no tier"))
                  .arg(panel.identity.panel.preferences || qsTr("no preferences on file"))
                  .arg((panel.identity.panel.looks || 0) === 1 ? qsTr("1 kept look")
                       : qsTr("%1 kept looks").arg(panel.identity.panel.looks || 0))
    }
    Flickable {
        // What associates noted on this customer's kept looks (products, remarks): the follow-up.
        // Five notes of 500 characters run taller than the screen: they scroll here, between the
        // customer's summary and the buttons, so End this session and Close stay on the screen.
        id: history
        visible: !panel.identity.panel.note && !!panel.identity.panel.history
        width: parent.width
        height: visible ? Math.max(0, Math.min(historyText.implicitHeight, panel.bodyRoom - panel.besideHistory)) : 0
        contentHeight: historyText.implicitHeight
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        Text {
            id: historyText
            objectName: "panelHistory"
            textFormat: Text.PlainText
            width: history.width - 12
            wrapMode: Text.WordWrap
            color: "#c8c8c8"
            font.pixelSize: panel.textSize * 0.9
            text: qsTr("Noted on their looks:") + "\n" + (panel.identity.panel.history || "")
        }
        Rectangle {
            // Where the notes go on below: a bar at the right edge, as long as the part shown
            // (on the panel, not on the notes, so it does not scroll away with them).
            parent: history
            visible: history.contentHeight > history.height
            x: history.width - width
            y: history.visibleArea.yPosition * history.height
            width: 5
            height: history.visibleArea.heightRatio * history.height
            radius: 2
            color: "#a0ffffff"
        }
    }
    Flickable {
        // The shopper's looks (this visit's, then those kept from earlier visits), each saying
        // whether it is kept for the customer or offering to keep it. The tiles grow with the
        // panel's type (its 18 px floor: as before on small windows), as the looks tray does, so a
        // finger finds them and their words read on a portrait mirror. They wrap into rows, never
        // past the card's edge; past two rows they scroll, so the buttons stay on the screen.
        id: kept
        readonly property real grow: panel.textSize / 18
        readonly property real tileHeight: 110 * grow
        width: parent.width
        height: Math.min(tiles.height, 2 * tileHeight + tiles.spacing)
        contentHeight: tiles.height
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        Flow {
            id: tiles
            width: kept.width
            spacing: 10 * kept.grow
            Repeater {
                model: panel.studio.looks
                delegate: Rectangle {
                    id: tile
                    required property string lookId
                    required property url posterUrl
                    // The core lists the looks kept for this customer: an earlier visit's, or this
                    // visit's she agreed to keep.
                    readonly property bool keptForCustomer: (panel.identity.panel.keptIds || []).indexOf(lookId) >= 0
                    width: 90 * kept.grow
                    height: kept.tileHeight
                    radius: 8 * kept.grow
                    color: "#303030"
                    Image {
                        anchors.fill: parent
                        anchors.margins: 4 * kept.grow
                        source: tile.posterUrl
                        fillMode: Image.PreserveAspectCrop
                        sourceSize.width: 180 * kept.grow
                    }
                    Rectangle {
                        // Its words on a dark band across the tile's foot, wrapped within the tile:
                        // they read over a white studio wall and never run into the next tile's.
                        anchors.left: parent.left
                        anchors.right: parent.right
                        anchors.bottom: parent.bottom
                        anchors.margins: 4 * kept.grow
                        height: keepLabel.implicitHeight + 4 * kept.grow
                        radius: 4 * kept.grow
                        color: "#b0000000"
                        Text {
                            id: keepLabel
                            textFormat: Text.PlainText
                            anchors.centerIn: parent
                            width: parent.width - 4 * kept.grow
                            horizontalAlignment: Text.AlignHCenter
                            wrapMode: Text.Wrap
                            maximumLineCount: 2
                            elide: Text.ElideRight
                            color: "white"
                            font.pixelSize: panel.textSize * 0.7
                            text: tile.keptForCustomer ? qsTr("Kept ✓") : qsTr("Keep for customer")
                        }
                    }
                    TapHandler {
                        enabled: !tile.keptForCustomer
                        onTapped: panel.identity.keepForCustomer(tile.lookId)
                    }
                }
            }
        }
    }
    ChoiceButton {
        id: endSession
        textSize: panel.textSize * 1.1
        text: qsTr("End this session")
        onTapped: panel.identity.endSession()
    }
    ChoiceButton {
        textSize: panel.textSize * 1.1
        text: qsTr("Close")
        onTapped: panel.identity.dismiss()
    }
}
