"""The camera notice speaks plain words: never the device path or the driver's reason.

CameraNotice.qml is loaded offscreen in a child process (as in test_status_line) and given what
the old screen bound to it: the state and, where it still has one, the technical reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtQml")

QML = Path(__file__).resolve().parents[2] / "ui" / "qml" / "Mirror" / "CameraNotice.qml"
CHILD = """
import json, sys
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlComponent, QQmlEngine
app = QGuiApplication([])
engine = QQmlEngine()
component = QQmlComponent(engine, QUrl.fromLocalFile(sys.argv[1]))
notice = component.create()
if notice is None:
    sys.exit(component.errorString())
for name, value in json.loads(sys.argv[2]).items():
    notice.setProperty(name, value)
print(json.dumps([child.property("text") for child in notice.findChildren(QObject)
                  if child.property("text") is not None and child.property("visible")]))
"""

REASON = "camera /dev/video9 is not plugged in"


def shown(**properties) -> list[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", CHILD, str(QML), json.dumps(properties)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_unavailable_camera_is_told_in_plain_words_without_its_reason():
    texts = shown(cameraState="unavailable", reason=REASON, width=1080, height=1920)
    assert texts[0] == "Camera unavailable"
    assert "store associate" in " ".join(texts)
    assert not any("/dev/" in text or "plugged" in text or "(" in text for text in texts), texts


def test_the_bridge_logs_the_words_the_notice_shows():
    from ui.bridge import CAMERA_UNAVAILABLE

    texts = shown(cameraState="unavailable", width=1080, height=1920)
    assert CAMERA_UNAVAILABLE == f"{texts[0]}. {texts[1].split('. ')[0]}."
