import QtQuick

// A link read whole: on one line, its type made smaller to fit (down to 75 % of size, still read
// at a step); only a link longer than that breaks, anywhere (it has no spaces) but in even parts,
// never one letter alone on a line.
EvenText {
    id: link

    property real size: 16
    // The size that puts it on one line, a little under so that rounding never wraps it.
    readonly property real oneLineSize: 0.97 * size * maxWidth / Math.max(1, atSize.advanceWidth)
    readonly property bool fitsOneLine: oneLineSize >= 0.75 * size

    font.pixelSize: fitsOneLine ? Math.min(size, Math.floor(oneLineSize)) : size  // whole pixels, never rounded up
    wrapMode: fitsOneLine ? Text.NoWrap : Text.WrapAnywhere
    horizontalAlignment: Text.AlignHCenter

    TextMetrics {
        id: atSize
        font.family: link.font.family
        font.pixelSize: link.size
        text: link.text
    }
}
