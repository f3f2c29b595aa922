import QtQuick
import SmartMirror.Bridges
import QtMultimedia

// A camera picture (live, or a look being replayed). Rotation, left/right mirroring, crop/fit and zoom are all scene-graph
// transforms (done by the GPU), never per-pixel work in Python.
Item {
    id: view

    required property MirrorBridge mirror
    readonly property alias videoSink: output.videoSink
    readonly property alias output: output

    clip: true

    VideoOutput {
        id: output
        anchors.fill: parent
        orientation: view.mirror.rotation  // clockwise degrees, like the setting
        fillMode: view.mirror.fillMode === "fit" ? VideoOutput.PreserveAspectFit : VideoOutput.PreserveAspectCrop
        transform: [
            Scale {
                origin.x: output.width / 2
                origin.y: output.height / 2
                xScale: (view.mirror.mirrored ? -1 : 1) * view.mirror.zoom
                yScale: view.mirror.zoom
            },
            Translate {
                x: -view.mirror.panX * (view.mirror.zoom - 1) * output.width / 2
                y: -view.mirror.panY * (view.mirror.zoom - 1) * output.height / 2
            }
        ]
    }
}
