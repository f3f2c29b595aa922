import QtQuick
import SmartMirror.Bridges

// The share link as a QR code: scan it with a phone to take the look (or the comparison) home.
Dialog {
    id: sheet

    required property StudioBridge studio

    title: studio.shareLink.kind === "comparison" ? qsTr("Take your comparison home") : qsTr("Take your look home")

    Image {
        anchors.horizontalCenter: parent.horizontalCenter
        // A phone scans it from a step away: half the mirror's width on a portrait mirror (no more
        // than 28 % of its height, so the sheet fits a landscape one), 320 px at the least.
        width: Math.min(parent.width, Math.max(320, Math.min(sheet.width * 0.5, sheet.height * 0.28)))
        height: width
        source: sheet.studio.shareLink.qr || ""
        smooth: false  // keep the modules sharp for the phone's camera
        fillMode: Image.PreserveAspectFit
    }
    LinkText {
        objectName: "shareLinkText"
        anchors.horizontalCenter: parent.horizontalCenter
        maxWidth: parent.width
        color: "#c0c0c0"
        size: sheet.textSize * 0.8
        text: sheet.studio.shareLink.url || ""
    }
    Text {
        textFormat: Text.PlainText
        width: parent.width
        wrapMode: Text.WordWrap
        horizontalAlignment: Text.AlignHCenter
        color: "#e0e0e0"
        font.pixelSize: sheet.textSize * 0.9
        // The date and time are one thing to read: they wrap together ("08 Dec 03:51"), not the
        // time alone on the last line.
        text: qsTr("Scan with your phone's camera. The link works until %1.")
                  .arg((sheet.studio.shareLink.expires || "").replace(/ /g, "\u00a0"))
    }
    ChoiceButton {
        textSize: sheet.textSize * 1.1
        text: qsTr("Done")
        onTapped: sheet.studio.closeShare()
    }
}
