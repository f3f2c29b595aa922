"""The real mirror window with looks side by side, for tests that look at it
(``python -m tests.integration.comparing_window CONFIG OUT [--by-time] [--spans=FILE] CLIP…``, on ``$DISPLAY``).

Everything is the product's own wiring (``build_core``, ``run_mirror``); the shopper's intents go
through the core as the screen sends them: each clip lands as a look of her visit (with its body
angles, or with ``--by-time`` none: analysed, no turn found, every pane plays by time; with
``--spans`` a JSON file of clip -> ``[x0, x1]``, how far across the picture she reached as the
analysis found it, kept with it as the mirror keeps a take's: its pane is cropped to it), she picks
them all and opens them side by side. Then the wake hint stands on the message line ("Turn around
once: …", as when her visit starts, kept up) and a swiped hand's ring is half full (a
``GestureProgress``, as the analysis publishes it), and the place, size (and words, for text) of
the screen's named items go to ``OUT/items.json``, the messages shown under "messages": the test
then grabs the window. It runs until terminated.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

ITEMS = ("gestureRing", "compareHint", "angleDial", "dialDegrees", "paneNumber", "compareArea")
PANE_PARTS = ("paneLabel", "paneHint")  # each pane's, under "panes" with its picture's rectangle
MESSAGE = "message"  # each message on the message line, under "messages" (those shown)


def _wait(predicate, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _place(item) -> dict:
    from PySide6.QtCore import QPointF

    corner = item.mapToScene(QPointF(0, 0))
    place = {"rect": [corner.x(), corner.y(), item.width(), item.height()], "visible": bool(item.isVisible())}
    text = item.property("text")
    if isinstance(text, str):
        place["text"] = text
    return place


def _named(top, names) -> dict:
    """The first item of each of ``names`` under ``top``, breadth first (a Repeater's items are not
    the QObject children findChild sees)."""
    found, todo = {}, [top]
    while todo:
        item = todo.pop(0)
        todo.extend(item.childItems())
        if item.objectName() in names and item.objectName() not in found:
            found[item.objectName()] = item
    return found


def _items(window) -> dict:
    """Each named item's scene rectangle (x, y, width, height) and whether it is visible, and under
    "panes" each pane's picture ("comparePane") with its label and hint, in the picks' order, and
    under "messages" each message shown."""
    found = {name: _place(item) for name, item in _named(window.contentItem(), ITEMS).items()}
    panes, messages, todo = [], [], [window.contentItem()]
    while todo:
        item = todo.pop(0)
        if item.objectName() == MESSAGE and item.isVisible():
            messages.append(_place(item))
        if item.objectName() == "comparePane":
            parts = {name: _place(part) for name, part in _named(item, PANE_PARTS).items()}
            panes.append({"index": int(item.property("index")), "picture": _place(item), **parts})
        else:
            todo.extend(item.childItems())
    found["panes"] = sorted(panes, key=lambda pane: pane["index"])
    found["messages"] = messages
    return found


def _look(clip: Path):
    """A clip as a look that turned once in its middle third (its body angle kept: the dial shows degrees)."""
    import av

    from bench._turning import TRACK_HZ, MadeLook, Turn, wrap

    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        seconds, width, height = float(container.duration / 1e6), stream.width, stream.height
    turn = Turn(start_s=seconds / 3, turn_s=seconds / 3, seconds=seconds)
    track = [[round(k / TRACK_HZ, 4), wrap(turn.rotation(k / TRACK_HZ)), turn.rotation(k / TRACK_HZ), 0.9]
             for k in range(int(seconds * TRACK_HZ))]
    return MadeLook(clip, turn, track, width, height)


def main(config_path: str, out: str, clips: list[str], by_time: bool = False, spans: dict | None = None) -> int:
    from PySide6.QtCore import QObject, Qt, Signal

    from bench._turning import store_look
    from kiosk.analysis.events import GestureProgress
    from kiosk.compare.events import ComparisonOpened
    from kiosk.config import load_config
    from kiosk.events import Notice, TrayChanged
    from kiosk.recording.events import LookRecorded
    from kiosk.welcome import TURN_HINT
    from kiosk.wiring import build_core
    from ui.app import request_quit, run_mirror

    config = load_config(config_path)
    config.display.fullscreen = False
    core = build_core(config, "synthetic:?width=320&height=240&fps=15", window=True)

    class Caller(QObject):
        call = Signal(object)

    caller = Caller()
    caller.call.connect(lambda job: job(), Qt.ConnectionType.QueuedConnection)

    def on_ui(fn):
        done, box = threading.Event(), {}
        caller.call.emit(lambda: (box.update(value=fn()), done.set()))
        if not done.wait(30):
            raise RuntimeError("the window stopped answering")
        return box["value"]

    def steps(window) -> None:
        try:
            seen: list = []
            core.bus.subscribe(lambda e: seen.append(e) if isinstance(e, (TrayChanged, ComparisonOpened)) else None)
            _wait(lambda: core.hub.latest() is not None, "the camera")
            core.touch()
            _wait(lambda: core.session.session_id is not None, "a session")
            sid = core.session.session_id
            ids = []
            for clip in clips:
                made = _look(Path(clip))
                look_id = store_look(core.parts.library, made, with_track=not by_time, session_id=sid)
                if by_time:  # analysed, no body angle found: its pane plays from the start
                    core.parts.library.set_analysis(look_id, "turn", {"turn": None, "yaw": [], "source": "made for a test"})
                elif (spans or {}).get(clip):
                    core.parts.library.set_analysis(look_id, "turn", {**made.analysis, "span": spans[clip]})
                core.bus.emit(LookRecorded(look_id=look_id, path="", duration_s=made.turn.seconds, session_id=sid))
                ids.append(look_id)
            _wait(lambda: any(isinstance(e, TrayChanged) and len(e.looks) == len(ids) for e in seen), "the tray")
            core.start_picking()
            for look_id in ids:
                core.pick_look(look_id)
            core.flush()
            area = on_ui(lambda: window.findChild(QObject, "compareArea"))
            core.open_comparison(*on_ui(lambda: (int(area.width()), int(area.height()))))
            _wait(lambda: any(isinstance(e, ComparisonOpened) for e in seen), "the comparison")
            next(e for e in seen if isinstance(e, ComparisonOpened)).session.wait(300)
            core.bus.emit(Notice(text=TURN_HINT, topic="studio", seconds=3600))
            core.bus.emit(GestureProgress(gesture="swipe_left", progress=0.5))
            _wait(lambda: on_ui(lambda: _items(window)).get("gestureRing", {}).get("visible"), "the ring")
            _wait(lambda: any(m.get("text") == TURN_HINT for m in on_ui(lambda: _items(window))["messages"]),
                  "the message")
            time.sleep(2.0)  # the panes fitted, the first frames painted
            done = Path(out) / "items.json"
            done.with_suffix(".part").write_text(json.dumps(on_ui(lambda: _items(window))))
            done.with_suffix(".part").replace(done)
        except BaseException as exc:  # noqa: BLE001 - said, then the window closes
            print(f"comparing window: {exc}", file=sys.stderr, flush=True)
            request_quit()

    def hook(window, *_) -> None:
        threading.Thread(target=steps, args=(window,), name="test-compare", daemon=True).start()

    return run_mirror(core, on_window=hook)


if __name__ == "__main__":
    args = sys.argv[3:]
    spans_file = next((a.split("=", 1)[1] for a in args if a.startswith("--spans=")), None)
    sys.exit(main(sys.argv[1], sys.argv[2], [a for a in args if not a.startswith("--")], by_time="--by-time" in args,
                  spans=json.loads(Path(spans_file).read_text()) if spans_file else None))
