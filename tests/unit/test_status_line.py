"""The status line says what the screen shows: a painted rate only while the live picture is up.

StatusLine.qml is loaded offscreen in a child process: a QML item needs a QGuiApplication, and
other tests in this process may already have made a plain QCoreApplication (one per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtQml")

QML = Path(__file__).resolve().parents[2] / "ui" / "qml" / "Mirror" / "StatusLine.qml"
CHILD = """
import json, sys
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlComponent, QQmlEngine
app = QGuiApplication([])
engine = QQmlEngine()
texts = []
for properties in json.loads(sys.argv[2]):
    component = QQmlComponent(engine, QUrl.fromLocalFile(sys.argv[1]))
    line = component.create()
    if line is None:
        sys.exit(component.errorString())
    for name, value in properties.items():
        line.setProperty(name, value)
    texts.append(next(child.property("text") for child in line.findChildren(QObject)
                      if child.property("text") is not None))
print(json.dumps(texts))
"""


def status_texts(*cases: dict) -> list[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", CHILD, str(QML), json.dumps(cases)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


COVERS = ["a replay", "a comparison", "the welcome screen"]


def test_the_live_picture_shows_both_rates_and_a_covered_one_says_what_covers_it():
    live, *covered = status_texts(
        {"cameraFps": 29.97, "paintFps": 29.4, "cameraState": "running"},
        *({"cameraFps": 30.0, "paintFps": 0.0, "cameraState": "running", "covering": c} for c in COVERS),
    )
    assert live == "camera 30.0 fps · screen 29.4 fps · running"
    # Not "screen 0.0 fps", which reads as a frozen screen.
    assert covered == [f"camera 30.0 fps · screen shows {c} · running" for c in COVERS]
