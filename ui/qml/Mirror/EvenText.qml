import QtQuick

// Text that wraps into lines of about even length, as wide as that takes and no wider than
// maxWidth: "…the code to scan appears here when it is ready." breaks near its middle instead of
// leaving "ready." alone on a second line. Wrapped anywhere (a link), its parts are even too.
Text {
    id: even
    // As written, never as markup (a link, a note), as the TextMetrics below measure it.
    textFormat: Text.PlainText

    property real maxWidth: 0
    // The text on one line, at the size it is drawn in; the lines the widest box would take.
    readonly property real oneLine: metrics.advanceWidth
    readonly property int lines: Math.max(1, Math.ceil(oneLine / maxWidth))
    // An even share of the text per line, and room for a word that moves down whole (a letter
    // when it breaks anywhere).
    readonly property real evenWidth: lines === 1 ? Math.min(Math.ceil(oneLine) + 1, maxWidth)
        : Math.min(maxWidth, oneLine / lines + font.pixelSize * (wrapMode === Text.WrapAnywhere ? 1 : 3))

    width: evenWidth
    wrapMode: Text.WordWrap

    TextMetrics {
        id: metrics
        font: even.font
        text: even.text
    }
}
