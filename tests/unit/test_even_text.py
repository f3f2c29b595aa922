"""Words that wrap break into even lines: the comparison's "Making your comparison video…" note on a
1080x1920 mirror left "ready." alone on its second line, and the QR code's link, broken anywhere,
left one letter ("W") alone on its last. EvenText.qml and LinkText.qml are laid out offscreen in a
child process (a QML item needs a QGuiApplication; other tests here may have made a plain one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.comparing import MAKING

pytest.importorskip("PySide6.QtQuick")

QML_DIR = Path(__file__).resolve().parents[2] / "ui" / "qml" / "Mirror"
CHILD = """
import json, sys
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickView
app = QGuiApplication([])
view = QQuickView()
view.setSource(QUrl.fromLocalFile(sys.argv[1]))
if view.status() != QQuickView.Status.Ready:
    sys.exit("; ".join(error.toString() for error in view.errors()))
view.show()
app.processEvents()
view.grabWindow().save(sys.argv[2])
print(json.dumps([{"lines": t.property("lineCount"), "width": t.property("contentWidth"),
                   "size": t.property("font").pixelSize()} for t in view.rootObject().childItems()]))
"""


def laid_out(tmp_path: Path, name: str, items: list[str]) -> list[dict]:
    """Each QML item of ``items`` (an EvenText or LinkText) in a column: its lines, the width of its
    widest line and its type size. The picture is left in ``tmp_path``/``name``.png to look at."""
    qml = tmp_path / f"{name}.qml"
    qml.write_text(f'import QtQuick\nimport "{QML_DIR.as_uri()}"\n'
                   'Column { width: 1080; spacing: 20\n'
                   + "\n".join(items) + "\n}\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software")
    done = subprocess.run([sys.executable, "-c", CHILD, str(qml), str(tmp_path / f"{name}.png")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_comparisons_note_breaks_into_two_even_lines_on_a_portrait_mirror(tmp_path):
    # As CompareView sets it on 1080x1920: the screen's width less 72 px, 1.4 % of its height (26.88: QML type sizes are whole pixels).
    one_line, note, short = laid_out(tmp_path, "note", [
        f'EvenText {{ maxWidth: 100000; font.pixelSize: 26; text: "{MAKING}" }}',
        f'EvenText {{ maxWidth: 1008; font.pixelSize: 26; text: "{MAKING}" }}',
        'EvenText { maxWidth: 1008; font.pixelSize: 26; text: "Sorry, the video was removed." }',
    ])
    assert one_line["lines"] == 1 and one_line["width"] > 1008, "the note does not need two lines here"
    assert note["lines"] == 2
    # Neither line is short: the widest holds little more than half the words (it held all but "ready.").
    assert note["width"] <= 0.6 * one_line["width"], (note, one_line)
    assert short["lines"] == 1


def test_a_link_stays_on_one_line_made_smaller_and_only_a_far_longer_one_breaks_evenly(tmp_path):
    # The share sheet's link on a 640x720 window: 14.4 px type, a 494 px wide card body.
    token = "WqT3x0c9V1mZQpLk8sYb2nRfHdJgAeUo"
    links = [f"http://192.168.1.23:8080/s/{token}", f"http://mirror-room-3.lyon.example.com:80/s/{token}",
             f"https://fitting-room-mirror-number-three.shop-floor-two.lyon.store.example.com:8443/s/{token}"]
    short, longer, longest = laid_out(tmp_path, "link", [
        f'LinkText {{ maxWidth: 494; size: 14.4; text: "{link}" }}' for link in links])
    assert short["lines"] == 1 and short["size"] == 14  # 14.4, in whole pixels
    assert longer["lines"] == 1 and 0.75 * 14.4 <= longer["size"] < 14, longer
    assert short["width"] <= 494 and longer["width"] <= 494, "a line reaches past the card's edges"
    # Too long for one line at 3/4 of its size: two even parts at its size, not one letter alone.
    assert longest["lines"] == 2 and longest["size"] == 14
    (whole,) = laid_out(tmp_path, "whole", [f'LinkText {{ maxWidth: 100000; size: 14.4; text: "{links[2]}" }}'])
    one_line = whole["width"]
    assert 0.45 * one_line <= longest["width"] <= 0.55 * one_line, (longest, one_line)
