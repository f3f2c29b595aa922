"""One QML file created offscreen in a child process, with properties set: what it shows.

The child reports the texts of its visible items (in tree order) and whether each named item
is visible, so a test can read a component's words without a window or a core; ``painted``
paints the component over a backdrop with Qt Quick's software renderer and returns the pixels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

QML_DIR = Path(__file__).resolve().parents[1] / "ui" / "qml" / "Mirror"

CHILD = """
import json, sys
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlComponent, QQmlEngine
app = QGuiApplication([])
engine = QQmlEngine()
component = QQmlComponent(engine, QUrl.fromLocalFile(sys.argv[1]))
item = component.create()
if item is None:
    sys.exit(component.errorString())
for name, value in json.loads(sys.argv[2]).items():
    item.setProperty(name, value)
named = {name: (child is not None and bool(child.property("visible")))
         for name in json.loads(sys.argv[3]) for child in [item.findChild(QObject, name)]}
print(json.dumps({"texts": [child.property("text") for child in item.findChildren(QObject)
                            if child.property("text") is not None and child.property("visible")],
                  "visible": named}))
"""


def shown(qml: str, properties: dict, named: tuple[str, ...] = ()) -> dict:
    """``{"texts": [...], "visible": {name: bool}}`` for ``ui/qml/Mirror/<qml>`` with ``properties`` set."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", CHILD, str(QML_DIR / qml), json.dumps(properties), json.dumps(named)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


PAINT_CHILD = """
import json, sys
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickView
app = QGuiApplication([])
view = QQuickView()
view.setSource(QUrl.fromLocalFile(sys.argv[1]))
if view.status() != QQuickView.Status.Ready:
    sys.exit("; ".join(error.toString() for error in view.errors()))
item = view.rootObject().childItems()[0]
for name, value in json.loads(sys.argv[2]).items():
    item.setProperty(name, value)
view.show()
if not view.grabWindow().save(sys.argv[3]):
    sys.exit("the window could not be grabbed")
"""


def painted(qml: str, properties: dict, size: tuple[int, int], backdrop: str, out: Path):
    """``ui/qml/Mirror/<qml>`` filling a ``size`` (width, height) window over a ``backdrop`` colour,
    with ``properties`` set, as BGR pixels (also written to ``out``, a PNG)."""
    import cv2

    width, height = size
    wrapper = out.with_suffix(".qml")
    wrapper.write_text(f'import QtQuick\nimport "{QML_DIR.as_uri()}"\n'
                       f'Rectangle {{ width: {width}; height: {height}; color: "{backdrop}"; '
                       f'{Path(qml).stem} {{ anchors.fill: parent }} }}\n')
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software")
    done = subprocess.run([sys.executable, "-c", PAINT_CHILD, str(wrapper), json.dumps(properties), str(out)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return cv2.imread(str(out))
