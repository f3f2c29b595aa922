"""The comparison pump: proxy frames become QVideoFrames exactly (strides and all), and a finger turns every pane."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtMultimedia = pytest.importorskip("PySide6.QtMultimedia")

from kiosk.compare.proxy import ProxyFrame  # noqa: E402
from ui.compare_pump import ComparePump, to_video_frame  # noqa: E402


def planes(width: int, height: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    return (rng.integers(16, 235, (height, width), dtype=np.uint8),
            rng.integers(16, 240, (height // 2, width // 2), dtype=np.uint8),
            rng.integers(16, 240, (height // 2, width // 2), dtype=np.uint8))


def read_back(frame) -> list[np.ndarray]:
    assert frame.map(QtMultimedia.QVideoFrame.MapMode.ReadOnly)
    try:
        out = []
        for index, (rows, cols) in enumerate([(frame.height(), frame.width())] + [(frame.height() // 2, frame.width() // 2)] * 2):
            stride = frame.bytesPerLine(index)
            data = np.frombuffer(frame.bits(index), dtype=np.uint8)[: stride * rows].reshape(rows, stride)
            out.append(data[:, :cols].copy())
        return out
    finally:
        frame.unmap()


@pytest.mark.parametrize("width, height", [(254, 452), (270, 480), (96, 160)])
def test_yuv_planes_arrive_unchanged(width, height):
    source = planes(width, height, 1)
    frame = to_video_frame(source)
    assert (frame.width(), frame.height()) == (width, height)
    for got, want in zip(read_back(frame), source):
        assert np.array_equal(got, want)


class FakeProxy:
    """A look whose frame at each 10° is a distinct set of planes."""

    slots = 36

    def __init__(self, seed: int) -> None:
        self.frames = [planes(64, 96, seed * 100 + k) for k in range(self.slots)]

    def frame(self, angle: float) -> ProxyFrame:
        k = int(round((angle % 360.0) / 10.0)) % self.slots
        return ProxyFrame(self.frames[k], k / 10.0, True)


def fake_session(proxies) -> SimpleNamespace:
    """A comparison of ``proxies``, decoded, one turn in 3.6 s."""
    return SimpleNamespace(proxies=proxies, seconds=3.6, sweep=1, ready=True, wait=lambda timeout=None: True,
                           play_seconds=lambda angle: (angle % 360.0) / 100.0)


def test_a_held_comparison_stands_still_and_a_drag_turns_every_pane():
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([])  # noqa: F841 - Qt objects need one
    proxies = [FakeProxy(1), FakeProxy(2)]
    session = fake_session(proxies)
    sinks = [QtMultimedia.QVideoSink(), QtMultimedia.QVideoSink()]
    pump = ComparePump(mirrored=True)
    for i, sink in enumerate(sinks):
        pump.attachSink(i, sink)
    pump.start()
    try:
        pump.show(session)
        deadline = time.monotonic() + 10
        while pump.handed_over < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pump.handed_over >= 3, "the slow turn hands over new frames by itself"
        pump.hold()
        time.sleep(0.2)
        held = pump.showing()
        time.sleep(0.3)
        assert all(a is b for a, b in zip(held, pump.showing())), "held still"
        pump.drag_done = []
        pump.dragTo(50.0, 1000.0)  # 18°: two slots on, for both panes
        deadline = time.monotonic() + 5
        while not pump.drag_done and time.monotonic() < deadline:
            time.sleep(0.01)
        moved = pump.showing()
        assert all(a is not b for a, b in zip(held, moved)), "every pane turned"
        k = [next(i for i, f in enumerate(proxy.frames) if f is frame) for proxy, frame in zip(proxies, moved)]
        assert k[0] == k[1], "to the same angle"
        pump.release()
    finally:
        pump.stop()


class BrokenProxy(FakeProxy):
    """A look whose frames cannot be read while ``broken`` is set; counts the tries."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.broken = True
        self.tries = 0

    def frame(self, angle: float) -> ProxyFrame:
        self.tries += 1
        if self.broken:
            raise ValueError("a proxy frame that cannot be read")
        return super().frame(angle)


def test_a_frame_that_fails_pass_after_pass_logs_one_traceback(caplog):
    import logging

    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([])  # noqa: F841 - Qt objects need one
    proxy = BrokenProxy(1)
    session = fake_session([proxy])
    pump = ComparePump(mirrored=True)
    pump.attachSink(0, QtMultimedia.QVideoSink())
    with caplog.at_level(logging.DEBUG, logger="ui.compare_pump"):
        pump.start()
        try:
            pump.show(session)
            deadline = time.monotonic() + 20
            while proxy.tries < 10 and time.monotonic() < deadline:
                pump.nudge(1.0)  # wakes the pump: a pass now, not after its half-second pause
                time.sleep(0.01)
            assert proxy.tries >= 10, "the pump keeps trying"
            proxy.broken = False
            while pump.handed_over < 1 and time.monotonic() < deadline:
                pump.nudge(1.0)
                time.sleep(0.01)
            assert pump.handed_over >= 1, "and shows frames again once they can be read"
        finally:
            pump.stop()
    failures = [r for r in caplog.records if "failed to show a frame" in r.message]
    assert len(failures) == 1, "one traceback, not one per pass (repeats are summed up once a minute)"
    assert failures[0].levelno == logging.ERROR and failures[0].exc_info is not None
    assert len([r for r in caplog.records if "shows frames again" in r.message]) == 1


def test_the_pump_says_where_in_their_play_the_looks_are():
    """For the dial when every pane plays by time: the session's play time at the shown angle."""
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([])  # noqa: F841 - Qt objects need one
    pump = ComparePump(mirrored=True)
    pump.attachSink(0, QtMultimedia.QVideoSink())
    pump.start()
    try:
        pump.show(fake_session([FakeProxy(1)]))
        assert pump.property("length") == 3.6
        pump.hold()
        pump.dragTo(250.0, 1000.0)  # 90° on
        deadline = time.monotonic() + 5
        while pump.angle != 90 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pump.angle == 90
        assert pump.property("position") == 0.9  # the fake session's play time at 90°
    finally:
        pump.stop()
