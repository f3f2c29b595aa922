"""The status line says what the screen shows: a painted rate only while the live picture is up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtQml = pytest.importorskip("PySide6.QtQml")

from PySide6.QtCore import QObject, QUrl  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

QML = Path(__file__).resolve().parents[2] / "ui" / "qml" / "Mirror" / "StatusLine.qml"


@pytest.fixture(scope="module")
def engine():
    app = QGuiApplication.instance() or QGuiApplication([])
    engine = QtQml.QQmlEngine()
    yield engine
    del engine, app


def status_text(engine, **properties) -> str:
    component = QtQml.QQmlComponent(engine, QUrl.fromLocalFile(str(QML)))
    line = component.create()
    assert line is not None, component.errorString()
    for name, value in properties.items():
        line.setProperty(name, value)
    text = line.findChild(QObject, "statusText").property("text")
    line.deleteLater()
    return text


def test_live_picture_shows_both_rates(engine):
    assert status_text(engine, cameraFps=29.97, paintFps=29.4, cameraState="running") == \
        "camera 30.0 fps · screen 29.4 fps · running"


@pytest.mark.parametrize("covering", ["a replay", "a comparison", "the welcome screen"])
def test_a_covered_mirror_says_what_covers_it_not_zero_fps(engine, covering):
    text = status_text(engine, cameraFps=30.0, paintFps=0.0, cameraState="running", covering=covering)
    assert text == f"camera 30.0 fps · screen shows {covering} · running"
    assert "0.0" not in text.split("·")[1]
