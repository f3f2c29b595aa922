"""The comparison's dial tells what the panes follow: the body angle, or, when every look plays by
time, how far into their play they are (an angle would mean nothing then).

AngleDial.qml is loaded offscreen in a child process (as in test_camera_notice) and given what
CompareView binds to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtQml")

QML = Path(__file__).resolve().parents[2] / "ui" / "qml" / "Mirror" / "AngleDial.qml"
CHILD = """
import json, sys
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlComponent, QQmlEngine
app = QGuiApplication([])
engine = QQmlEngine()
component = QQmlComponent(engine, QUrl.fromLocalFile(sys.argv[1]))
dial = component.create()
if dial is None:
    sys.exit(component.errorString())
for name, value in json.loads(sys.argv[2]).items():
    dial.setProperty(name, value)
body = dial.findChild(QObject, "dialBody")
print(json.dumps({"texts": [child.property("text") for child in dial.findChildren(QObject)
                            if child.property("text") is not None and child.property("visible")],
                  "body": body is not None and body.property("visible")}))
"""


def shown(**properties) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", CHILD, str(QML), json.dumps(properties)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_comparison_by_angle_shows_the_side_and_the_angle():
    dial = shown(angle=95, byAngle=True, position=1.3, length=6.0)
    assert dial["texts"] == ["Left side", "95°"]
    assert dial["body"], "the body seen from above"


def test_looks_that_all_play_by_time_show_the_time_and_no_angle():
    dial = shown(angle=95, byAngle=False, position=1.3, length=6.0)
    assert dial["texts"] == ["Plays by time", "1.3 / 6.0 s"]
    assert not any("°" in text or "side" in text for text in dial["texts"]), dial
    assert not dial["body"], "no body turning on the dial: the looks do not follow one"
