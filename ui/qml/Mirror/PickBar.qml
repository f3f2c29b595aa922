import QtQuick
import QtQuick.Window
import SmartMirror.Bridges

// While the shopper picks looks from the tray to compare: what to do, how many are picked, and
// the way on ("Side by side") or out ("Cancel").
Rectangle {
    id: bar

    required property CompareBridge compare
    signal openTapped()

    readonly property int count: compare.picks.length
    // Its type grows with the screen as the dialogs' does (1.5 % of the window's height, 17 px at
    // the least: small windows keep the bar as it was); the bar and its buttons follow it.
    readonly property real textSize: Math.max(17, Window.height * 0.015)
    readonly property real grow: textSize / 17

    height: 64 * grow
    radius: 14 * grow
    color: "#e01c1c1e"
    border.color: "#60ffffff"

    Text {
        textFormat: Text.PlainText
        anchors.left: parent.left
        anchors.leftMargin: 16 * bar.grow
        anchors.right: buttons.left
        anchors.rightMargin: 10 * bar.grow
        anchors.verticalCenter: parent.verticalCenter
        wrapMode: Text.WordWrap
        color: "white"
        font.pixelSize: bar.textSize
        text: bar.count === 0 ? qsTr("Tap 2 to 4 looks to compare")
                              : qsTr("%1 picked · up to 4").arg(bar.count)
    }
    Row {
        id: buttons
        anchors.right: parent.right
        anchors.rightMargin: 8 * bar.grow
        anchors.verticalCenter: parent.verticalCenter
        spacing: 8 * bar.grow
        Rectangle {
            objectName: "pickCancel"
            width: cancelText.implicitWidth + 32 * bar.grow
            height: 48 * bar.grow
            radius: 10 * bar.grow
            color: cancelTap.pressed ? "#606060" : "#2a2a2c"
            border.color: "#80ffffff"
            Text { id: cancelText; textFormat: Text.PlainText; anchors.centerIn: parent; color: "white"; font.pixelSize: bar.textSize; text: qsTr("Cancel") }
            TapHandler { id: cancelTap; onTapped: bar.compare.cancelPicking() }
        }
        Rectangle {
            objectName: "pickOpen"
            width: openText.implicitWidth + 32 * bar.grow
            height: 48 * bar.grow
            radius: 10 * bar.grow
            opacity: bar.count >= 2 ? 1 : 0.45
            color: openTap.pressed ? "#8a7a30" : "#b89a2a"
            Text { id: openText; textFormat: Text.PlainText; anchors.centerIn: parent; color: "black"; font.pixelSize: bar.textSize; font.weight: Font.DemiBold; text: qsTr("Side by side") }
            TapHandler { id: openTap; enabled: bar.count >= 2; onTapped: bar.openTapped() }
        }
    }
}
