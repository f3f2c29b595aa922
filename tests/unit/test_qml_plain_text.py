"""Words from outside are shown as words, never as markup: a help request's detail (POST
/api/v1/assist), a shopper's first name from the CRM, an associate's note. Qt's Text guesses
rich text (Text.AutoText) from a string that looks like markup, and then shows its <img> (fetched
from any URL: a phishing QR code on a fitting-room mirror) and its <b>; every Text of ui/qml says
Text.PlainText instead.

Checked two ways: every text item in the QML sources states it (a new one that forgets it fails
here), and Toast.qml, the help request's way to the screen, painted offscreen in a child process
with such a detail: no request reaches the loopback server its <img> names, and the letters of
the markup are on screen, on one line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QML_ROOT = ROOT / "ui" / "qml"
# Qt Quick's items that show a string (QtQuick and QtQuick.Controls): each states its textFormat.
TEXT_TYPES = ("Text", "TextEdit", "TextInput", "TextField", "TextArea", "Label")
PLAIN = re.compile(r"\btextFormat\s*:\s*Text\.PlainText\b")
# "File.qml:line" of a text item that deliberately shows rich text, each with why its data parts
# are escaped. None does: the mirror's words are plain.
RICH_ALLOWED: dict[str, str] = {}


def _blanked(source: str) -> str:
    """``source`` with its comments and the contents of its strings blanked out (same lines), so
    that braces and words in them are not read as code."""
    def blank(part: str) -> str:
        return re.sub(r"[^\n]", " ", part)

    out, i, n = [], 0, len(source)
    while i < n:
        ch = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            out.append(blank(source[i:end]))
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(blank(source[i:end]))
        elif ch in "\"'`":
            end = i + 1
            while end < n and source[end] != ch:
                end += 2 if source[end] == "\\" else 1
            out.append(ch + blank(source[i + 1:end]) + source[end:end + 1])
            end += 1
        else:
            out.append(ch)
            end = i + 1
        i = end
    return "".join(out)


def text_items(source: str) -> list[tuple[int, str]]:
    """Each text item declared in QML ``source``: (its line, its own body, less the items and
    blocks nested in it)."""
    code = _blanked(source)
    found = []
    for match in re.finditer(r"(?<![\w.])(%s)\s*\{" % "|".join(TEXT_TYPES), code):
        depth, own = 0, []
        for ch in code[match.end() - 1:]:
            depth += (ch == "{") - (ch == "}")
            if depth == 0:
                break
            if depth == 1 and ch != "{":
                own.append(ch)
        found.append((code.count("\n", 0, match.start()) + 1, "".join(own)))
    return found


def qml_files() -> list[Path]:
    return sorted(QML_ROOT.rglob("*.qml"))


def plain(source: str) -> list[bool]:
    """Whether each text item of QML ``source`` says Text.PlainText itself."""
    return [bool(PLAIN.search(body)) for _, body in text_items(source)]


def test_the_scan_reads_the_real_sources():
    items = {f"{path.name}:{line}" for path in qml_files() for line, _ in text_items(path.read_text(encoding="utf-8"))}
    # The toast, the associate's panel and the base of EvenText/LinkText are among them, and the
    # one-line items of PickBar.qml.
    names = {item.split(":")[0] for item in items}
    assert {"Toast.qml", "AssociatePanel.qml", "EvenText.qml", "PickBar.qml"} <= names, sorted(names)
    assert len(items) >= 30, sorted(items)
    # A nested item's textFormat is not its parent's: only the item's own body counts.
    assert plain("Text { color: 'x {'; Item { textFormat: Text.PlainText } }") == [False]
    assert plain("Text { /* textFormat: Text.PlainText */ // textFormat: Text.PlainText\n}") == [False]
    assert plain("Label { text: \"}\"; textFormat: Text.PlainText }\nEvenText { }") == [True]


def test_every_text_item_shows_plain_text():
    missing = [f"{path.relative_to(ROOT)}:{line}" for path in qml_files()
               for line, body in text_items(path.read_text(encoding="utf-8"))
               if not PLAIN.search(body) and f"{path.name}:{line}" not in RICH_ALLOWED]
    assert not missing, f"text items without 'textFormat: Text.PlainText' (markup in their data would show): {missing}"


def other_formats(source: str) -> list[int]:
    """The lines of QML ``source`` that set a textFormat other than Text.PlainText."""
    code = _blanked(source)
    return [code.count("\n", 0, m.start()) + 1 for m in re.finditer(r"\btextFormat\s*:(?!\s*Text\.PlainText\b)", code)]


def test_nothing_sets_another_text_format():
    """An item built on Text (EvenText, LinkText) inherits its PlainText; none sets another."""
    assert other_formats("EvenText {\n  textFormat: Text.AutoText }\nText { textFormat:  Text.PlainText }") == [2]
    other = [f"{path.relative_to(ROOT)}:{line}" for path in qml_files()
             for line in other_formats(path.read_text(encoding="utf-8")) if f"{path.name}:{line}" not in RICH_ALLOWED]
    assert not other, f"text items set to a format other than Text.PlainText: {other}"


CHILD = """
import json, sys
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickView
app = QGuiApplication([])
view = QQuickView()
view.setSource(QUrl.fromLocalFile(sys.argv[1]))
if view.status() != QQuickView.Status.Ready:
    sys.exit("; ".join(error.toString() for error in view.errors()))
root = view.rootObject()
toast, control = root.childItems()[:2]
toast.setProperty("text", sys.argv[2])
view.show()
view.grabWindow()  # laid out and drawn: an <img> it took for markup is asked for by now
# Then an image asked for on purpose, by a rich text beside it: once that one is drawn, the
# toast's (asked for first, from the same place) would have been asked for too.
control.setProperty("text", sys.argv[3])
if control.property("implicitHeight") < 300:
    control.implicitHeightChanged.connect(lambda: control.property("implicitHeight") >= 300 and app.quit())
    QTimer.singleShot(30000, app.quit)
    app.exec()
if control.property("implicitHeight") < 300:
    sys.exit("the control image was not shown within 30 s")
label = toast.childItems()[0]
print(json.dumps({"lines": label.property("lineCount"), "width": label.property("implicitWidth"),
                  "plain": root.property("plainWidth")}))
"""


class ImageServer:
    """A loopback HTTP server that serves a 40x300 PNG at any path and notes each path asked for."""

    def __init__(self) -> None:
        import cv2
        import numpy as np

        png = cv2.imencode(".png", np.full((300, 40, 3), 255, np.uint8))[1].tobytes()
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="test-images", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def images():
    server = ImageServer()
    try:
        yield server
    finally:
        server.close()


def test_a_help_request_with_markup_is_shown_as_its_letters(images, tmp_path):
    pytest.importorskip("PySide6.QtQuick")
    detail = f'<br><img src="{images.base}/toast.png"><br><b>Scan for 20% off</b>'
    message = f"Asked for {detail}. Someone is on the way."  # ui/assist_bridge.py's flash
    wrapper = tmp_path / "toast.qml"
    wrapper.write_text(f'import QtQuick\nimport "{(QML_ROOT / "Mirror").as_uri()}"\n'
                       'Item { width: 1920; height: 1080\n'
                       '    property real plainWidth: plain.advanceWidth\n'
                       '    Toast { id: toast; y: 20 }\n'
                       '    Text { y: 200; textFormat: Text.RichText }\n'
                       '    TextMetrics { id: plain; font: toast.children[0].font; text: toast.text }\n'
                       '}\n')
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software")
    done = subprocess.run([sys.executable, "-c", CHILD, str(wrapper), message, f'<img src="{images.base}/control.png">'],
                          env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert "/control.png" in images.paths, images.paths  # the wait saw a rich text's image arrive
    assert "/toast.png" not in images.paths, "the toast fetched the image its text named"
    # The markup's letters, "<b>" and all, on one line, as wide as they are in plain type (as
    # markup: three lines, the bold words alone on the last).
    assert shown["lines"] == 1, shown
    assert abs(shown["width"] - shown["plain"]) < 2, shown
