"""The recorder on a live synthetic camera: pre-roll, true-speed timestamps, limits, events."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import av
import pytest

from hardware.camera_synthetic import SyntheticSource, decode_stamp
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.library import Library
from kiosk.recording import (
    LibrarySink,
    LookRecorded,
    Recorder,
    RecorderSettings,
    RecordingDiscarded,
    RecordingFailed,
    RecordingRefused,
    RecordingStarted,
    RecordingStopped,
)
from kiosk.recording.container import verify

pytestmark = pytest.mark.slow


class Rig:
    """A synthetic camera feeding a hub, a library and a recorder, with the bus's events queued."""

    def __init__(self, tmp: Path, **settings) -> None:
        self.hub, self.bus = FrameHub(), EventBus()
        self.events: queue.Queue = queue.Queue()
        self.bus.subscribe(self.events.put)
        self.source = SyntheticSource(320, 240, 30.0)
        self.library = Library(tmp / "lib").open()
        defaults = dict(min_free_bytes=1024 * 1024)
        self.recorder = Recorder(
            self.hub, LibrarySink(self.library), self.bus, RecorderSettings(**{**defaults, **settings}), fps=30.0
        )

    def __enter__(self) -> "Rig":
        self.source.start(self.hub.publish)
        self.recorder.start()
        return self

    def __exit__(self, *exc) -> None:
        self.recorder.stop()
        self.source.stop()
        self.library.close()

    def wait_encoded(self, frames: int, timeout: float = 30.0) -> None:
        """Wait until the encoder has taken ``frames`` more frames (camera time, not wall time)."""
        target = self.recorder.stats.encoded + frames
        _until(lambda: self.recorder.stats.encoded >= target, timeout, f"{frames} more encoded frames")

    def wait_frames(self, frames: int, timeout: float = 30.0) -> None:
        """Wait until the camera has delivered ``frames`` more frames to the hub."""
        target = _seq(self.hub) + frames
        _until(lambda: _seq(self.hub) >= target, timeout, f"{frames} more camera frames")

    def wait_for(self, kind, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(event, kind):
                return event
        raise AssertionError(f"no {kind.__name__} within {timeout} s")


def _seq(hub: FrameHub) -> int:
    latest = hub.latest()
    return latest.seq if latest is not None else 0


def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.01)


def stamped_frames(path: str) -> list[tuple[float, int, int]]:
    """(presentation time s, source frame count, capture ms) of every frame of a video."""
    out = []
    with av.open(path) as container:
        for frame in container.decode(video=0):
            seq, ms = decode_stamp(frame.to_ndarray(format="bgr24"))
            out.append((float(frame.time), seq, ms))
    return out


def test_take_holds_the_preroll_and_plays_at_capture_speed(tmp_path):
    with Rig(tmp_path, preroll_s=2.0) as rig:
        rig.wait_encoded(105)  # the ring fills: 3.5 s of camera frames
        asked = time.monotonic()
        look_id = rig.recorder.begin("turn", session_id="s1")
        assert rig.recorder.recording
        started = rig.wait_for(RecordingStarted)
        assert (started.look_id, started.session_id, started.reason) == (look_id, "s1", "turn")
        rig.wait_encoded(45)  # 1.5 s of take
        rig.recorder.end("turn complete")
        assert rig.wait_for(RecordingStopped).reason == "turn complete"
        done = rig.wait_for(LookRecorded)
        assert done.look_id == look_id and done.session_id == "s1"
    info = verify(Path(done.path))
    assert done.duration_s == pytest.approx(info.duration_s, abs=0.04)
    frames = stamped_frames(done.path)
    first_ms = frames[0][2]
    asked_ms = round(asked * 1000) & 0xFFFFFFFF
    preroll_ms = (asked_ms - first_ms) & 0xFFFFFFFF
    # Starts at the keyframe at or before asked - 2 s (keyframes every second).
    assert 2000 <= preroll_ms <= 3000 + 100, preroll_ms
    # Every frame shows at its capture time: the video runs at true speed. The stamp is drawn
    # just before the camera thread stamps the frame, so on a loaded machine a frame now and
    # then is stamped late; nearly all must sit within half a frame, and the span must match.
    errors = [abs(t * 1000 - ((ms - first_ms) & 0xFFFFFFFF)) for t, _seq, ms in frames]
    assert sum(e <= 1000 / 30 / 2 for e in errors) >= 0.9 * len(errors), errors
    assert errors[-1] <= 50
    seqs = [seq for _t, seq, _ms in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    look = Library(tmp_path / "lib").open().get(look_id)
    assert Path(look.poster_path).stat().st_size > 1000 and Path(look.strip_path).stat().st_size > 1000


def test_take_stops_by_itself_at_the_maximum_length(tmp_path):
    with Rig(tmp_path, preroll_s=0.0, max_s=2.0) as rig:
        rig.wait_encoded(15)
        rig.recorder.begin("manual", preroll_s=0.0)
        assert "maximum length" in rig.wait_for(RecordingStopped).reason
        done = rig.wait_for(LookRecorded)
        assert not rig.recorder.recording
    assert 2.0 - 1 / 30 <= done.duration_s <= 2.15  # stops at the frame that reaches 2 s


def test_too_short_take_is_discarded(tmp_path):
    with Rig(tmp_path, preroll_s=0.0, min_s=1.0) as rig:
        rig.wait_encoded(15)
        look_id = rig.recorder.begin("manual")
        rig.wait_for(RecordingStarted)
        rig.wait_encoded(5)  # a take of a few frames, far below 1 s
        rig.recorder.end()
        discarded = rig.wait_for(RecordingDiscarded)
        assert discarded.look_id == look_id and "shorter than 1 s" in discarded.reason
        assert rig.library.ids() == set()
    assert list((tmp_path / "lib" / "work").iterdir()) == []


def test_stopping_the_kiosk_mid_take_still_stores_it(tmp_path):
    rig = Rig(tmp_path, preroll_s=1.0)
    with rig:
        rig.wait_encoded(60)
        look_id = rig.recorder.begin("manual")
        rig.wait_for(RecordingStarted)
        rig.wait_encoded(45)
    assert rig.wait_for(LookRecorded, timeout=1).look_id == look_id  # stop() waited for it
    with Library(tmp_path / "lib") as lib:
        verify(lib.video_path(look_id))


def test_no_room_on_disk_is_refused_in_plain_words_after_retention(tmp_path):
    from kiosk.library import RetentionPolicy
    from tests.unit.test_library_looks import add

    rig = Rig(tmp_path, min_free_bytes=2**60)
    rig.recorder.sink = LibrarySink(rig.library, RetentionPolicy(max_age_s=86400.0))
    expired = add(rig.library, created=time.time() - 2 * 86400)
    fresh = add(rig.library)
    with rig:
        rig.wait_encoded(5)
        with pytest.raises(RecordingRefused, match="disk is almost full.*did not start"):
            rig.recorder.begin("manual")  # the caller (the core) shows the sentence
        assert not rig.recorder.recording
        assert rig.library.ids() == {fresh.id}  # retention ran first, to make room
        assert not Path(expired.path).exists()


def test_begin_twice_is_one_take_and_end_without_take_is_harmless(tmp_path):
    with Rig(tmp_path, preroll_s=0.0) as rig:
        rig.recorder.end()
        rig.wait_encoded(5)
        first = rig.recorder.begin("manual")
        assert rig.recorder.begin("manual") == first
        rig.wait_for(RecordingStarted)
        assert rig.recorder.begin("manual") == first
        rig.wait_encoded(36)
        rig.recorder.end()
        assert rig.wait_for(LookRecorded).look_id == first
        assert rig.recorder.stats.takes == 1


class _FailingSink(LibrarySink):
    """A library whose database refuses the commit (e.g. locked or full)."""

    def commit(self, new):
        from kiosk.library import LibraryError

        raise LibraryError("the database is locked")


def test_a_take_whose_commit_fails_is_kept_for_recovery(tmp_path):
    rig = Rig(tmp_path, preroll_s=0.0)
    rig.recorder = Recorder(rig.hub, _FailingSink(rig.library), rig.bus, RecorderSettings(min_free_bytes=2**20), fps=30.0)
    with rig:
        rig.wait_encoded(5)
        look_id = rig.recorder.begin("manual")
        rig.wait_for(RecordingStarted)
        rig.wait_encoded(45)
        rig.recorder.end()
        failed = rig.wait_for(RecordingFailed)
        assert failed.look_id == look_id and "kept for the next start" in failed.reason
        assert rig.library.ids() == set()
        from kiosk.recording import recover

        assert recover(rig.library).salvaged == [look_id]
        verify(rig.library.video_path(look_id))


def test_a_take_ends_when_the_camera_stops_delivering(tmp_path):
    import numpy as np

    from hardware.frames import Frame

    hub, bus = FrameHub(), EventBus()
    events: queue.Queue = queue.Queue()
    bus.subscribe(events.put)
    with Library(tmp_path / "lib") as library:
        recorder = Recorder(hub, LibrarySink(library), bus, RecorderSettings(preroll_s=0.0, max_s=2.0, min_free_bytes=2**20))
        recorder.start()
        try:
            start = time.monotonic()
            for seq in range(1, 46):  # 1.5 s of frames, then the camera goes silent
                if seq == 5:
                    recorder.begin("manual")
                hub.publish(Frame.wrap(np.full((120, 160, 3), seq, np.uint8), time.monotonic(), seq))
                time.sleep(max(0.0, start + seq / 30 - time.monotonic()))
            deadline = time.monotonic() + 15
            stopped = None
            while time.monotonic() < deadline and not isinstance(stopped, RecordingStopped):
                try:
                    stopped = events.get(timeout=0.2)
                except queue.Empty:
                    pass
            assert isinstance(stopped, RecordingStopped) and stopped.reason == "the camera stopped"
            assert not recorder.recording
        finally:
            recorder.stop()
        assert len(library.list()) == 1 and library.list()[0].duration_s < 1.6


def test_a_take_of_exactly_min_length_is_kept_even_if_its_first_frame_predates_the_request(tmp_path):
    import numpy as np

    from hardware.frames import Frame

    hub, bus = FrameHub(), EventBus()
    events: queue.Queue = queue.Queue()
    bus.subscribe(events.put)
    settings = RecorderSettings(preroll_s=0.0, max_s=1.0, min_s=1.0, min_free_bytes=2**20)
    with Library(tmp_path / "lib") as library:
        recorder = Recorder(hub, LibrarySink(library), bus, settings, fps=30.0)
        recorder.start()
        try:
            recorder.begin("command line", preroll_s=0.0, max_s=1.0)
            t0 = time.monotonic() - 0.02  # captured just before the request, delivered just after
            for seq in range(1, 31):
                ts = t0 + (seq - 1) / 30
                time.sleep(max(0.0, ts + 0.02 - time.monotonic()))
                hub.publish(Frame.wrap(np.full((120, 160, 3), seq * 8, np.uint8), ts, seq))
            deadline = time.monotonic() + 15
            result = None
            while time.monotonic() < deadline and not isinstance(result, (LookRecorded, RecordingDiscarded)):
                try:
                    result = events.get(timeout=0.2)
                except queue.Empty:
                    pass
        finally:
            recorder.stop()
        assert isinstance(result, LookRecorded), result
        assert result.duration_s == pytest.approx(1.0, abs=0.002)
