import QtQuick
import SmartMirror.Bridges

// Offered when the card tied to this visit is tapped again.
Dialog {
    id: forget

    required property IdentityBridge identity

    title: qsTr("Forget me?")

    Text {
        textFormat: Text.PlainText
        width: parent.width
        wrapMode: Text.WordWrap
        color: "#e0e0e0"
        font.pixelSize: forget.textSize
        lineHeight: 1.2  // as the consent question's body: the two read alike
        text: qsTr("The mirror deletes every look and record tied to your card, on this mirror and in this store, right now. This cannot be undone.")
    }
    ChoiceButton {
        textSize: forget.textSize * 1.1
        text: qsTr("Yes, forget me")
        onTapped: forget.identity.forgetMe()
    }
    ChoiceButton {
        textSize: forget.textSize * 1.1
        text: qsTr("No, keep my looks")
        onTapped: forget.identity.dismiss()
    }
}
