import QtQuick
import SmartMirror.Bridges

// While the shopper picks looks from the tray to compare: what to do, how many are picked, and
// the way on ("Side by side") or out ("Cancel").
Rectangle {
    id: bar

    required property CompareBridge compare
    signal openTapped()

    readonly property int count: compare.picks.length

    height: 64
    radius: 14
    color: "#e01c1c1e"
    border.color: "#60ffffff"

    Text {
        anchors.left: parent.left
        anchors.leftMargin: 16
        anchors.right: buttons.left
        anchors.rightMargin: 10
        anchors.verticalCenter: parent.verticalCenter
        wrapMode: Text.WordWrap
        color: "white"
        font.pixelSize: 17
        text: bar.count === 0 ? qsTr("Tap 2 to 4 looks to compare")
                              : qsTr("%1 picked · up to 4").arg(bar.count)
    }
    Row {
        id: buttons
        anchors.right: parent.right
        anchors.rightMargin: 8
        anchors.verticalCenter: parent.verticalCenter
        spacing: 8
        Rectangle {
            objectName: "pickCancel"
            width: cancelText.implicitWidth + 32
            height: 48
            radius: 10
            color: cancelTap.pressed ? "#606060" : "#2a2a2c"
            border.color: "#80ffffff"
            Text { id: cancelText; anchors.centerIn: parent; color: "white"; font.pixelSize: 17; text: qsTr("Cancel") }
            TapHandler { id: cancelTap; onTapped: bar.compare.cancelPicking() }
        }
        Rectangle {
            objectName: "pickOpen"
            width: openText.implicitWidth + 32
            height: 48
            radius: 10
            opacity: bar.count >= 2 ? 1 : 0.45
            color: openTap.pressed ? "#8a7a30" : "#b89a2a"
            Text { id: openText; anchors.centerIn: parent; color: "black"; font.pixelSize: 17; font.weight: Font.DemiBold; text: qsTr("Side by side") }
            TapHandler { id: openTap; enabled: bar.count >= 2; onTapped: bar.openTapped() }
        }
    }
}
