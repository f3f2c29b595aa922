import QtQuick
import SmartMirror.Bridges

// The consent question, in the words (and version) the core gives; yes and no weigh the same.
Dialog {
    id: consent

    required property IdentityBridge identity
    property bool handsFree: true  // a hand held up or swiped answers too (not without the body analysis)

    title: identity.consentTitle

    Text {
        textFormat: Text.PlainText
        width: parent.width
        wrapMode: Text.WordWrap
        color: "#e0e0e0"
        font.pixelSize: consent.textSize
        lineHeight: 1.2
        text: consent.identity.consentText
    }
    Text {
        textFormat: Text.PlainText
        width: parent.width
        wrapMode: Text.WordWrap
        visible: consent.handsFree
        color: "#a0a0a0"
        font.pixelSize: consent.textSize * 0.8
        text: qsTr("Hands-free: hold a hand above your head to say yes, or swipe a hand sideways to say no.")
    }
    ChoiceButton {
        textSize: consent.textSize * 1.1
        text: consent.identity.consentYes
        onTapped: consent.identity.answerConsent("yes")
    }
    ChoiceButton {
        textSize: consent.textSize * 1.1
        text: consent.identity.consentNo
        onTapped: consent.identity.answerConsent("no")
    }
}
