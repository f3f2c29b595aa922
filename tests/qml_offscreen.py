"""One QML file created offscreen in a child process, with properties set: what it shows.

The child reports the texts of its visible items (in tree order) and whether each named item
is visible, so a test can read a component's words without a window or a core.
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
