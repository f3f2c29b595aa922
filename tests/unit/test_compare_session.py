"""``CompareSession``: scrub proxies decoded ahead on a worker thread, frames for an angle without decoding."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from kiosk.compare import decode
from kiosk.compare.panes import Analysed, make_pane
from kiosk.compare.proxy import frames_needed
from kiosk.compare.session import DECODER_MB, MIN_SLOTS, CompareSession, SessionSettings, plan_sizes
from kiosk.compare.track import YawTrack

from ._tracks import track
from ._videos import counting_video


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    return [counting_video(folder / f"{i}.mp4", frames=90, width=96, height=160) for i in range(4)]


def cw_pane(video, name="cw"):
    analysed = Analysed(YawTrack.from_entries(track((0.5, 0.0), (2.0, 360.0), (0.4, 360.0))), None, True)
    return make_pane(name, video, analysed)


def ccw_pane(video, name="ccw"):
    analysed = Analysed(YawTrack.from_entries(track((0.3, 0.0), (1.0, -360.0), (0.6, -360.0))), None, True)
    return make_pane(name, video, analysed)


def still_pane(video, name="still"):
    analysed = Analysed(YawTrack.from_entries(track((2.9, 5.0))), None, True)
    return make_pane(name, video, analysed)


def index_of(rgb: np.ndarray) -> int:
    """The frame index a counting video's RGB frame shows (left half luma 24 + 2i, limited range)."""
    luma = rgb[:, : rgb.shape[1] // 2].mean()  # grey: R = G = B = (Y - 16) · 255/219
    return int(round((luma * 219 / 255 + 16 - 24) / 2))


@pytest.fixture
def session(videos):
    s = CompareSession([cw_pane(videos[0]), ccw_pane(videos[1]), still_pane(videos[2])], SessionSettings(pane_box=(96, 160)))
    yield s
    s.stop()


def test_frames_come_from_a_worker_thread_and_match_the_angle(session):
    assert session.frames(90.0) == [None, None, None]
    session.start()
    assert any(t.name == "compare-proxy" for t in threading.enumerate()) or session.ready
    assert session.wait(60) and session.ready and session.error is None
    assert session.progress == 1.0
    cw, ccw, _ = session.panes
    for angle in (0.0, 45.0, 90.0, 180.0, -90.0, 300.0):
        a, b, c = session.frames(angle)
        assert a.t == pytest.approx(cw.angle_map.at(angle).t, abs=1 / 30 + 1e-6)
        assert b.t == pytest.approx(ccw.angle_map.at(angle).t, abs=1 / 30 + 1e-6)
        for frame in (a, b, c):
            assert frame.pixels.shape == (160, 96, 3)
            assert abs(index_of(frame.pixels) - frame.t * 30) <= 1.01


def test_answers_need_no_decoding(session, monkeypatch):
    session.start()
    assert session.wait(60)

    def no(*args, **kwargs):
        raise AssertionError("decoded while scrubbing")

    monkeypatch.setattr(decode, "pick", no)
    for angle in np.linspace(-720, 720, 500):
        assert all(f is not None for f in session.frames(float(angle)))


def test_a_look_that_plays_by_time_follows_the_phase_of_the_automatic_turn(session):
    session.start()
    assert session.wait(60)
    still = session.proxies[2]
    assert not still.by_angle
    times = [session.frames(session.angle_at(s))[2].t for s in np.linspace(0, session.seconds * 0.95, 40)]
    assert np.all(np.diff(times) >= 0) and times[-1] > times[0] + 1.5


def test_looks_that_all_play_by_time_say_so_and_where_in_their_play_they_are(videos):
    mixed = CompareSession([cw_pane(videos[0]), still_pane(videos[2])], SessionSettings(pane_box=(96, 160)))
    assert mixed.by_angle
    timed = CompareSession([still_pane(videos[2]), still_pane(videos[3], "still2")],
                           SessionSettings(pane_box=(96, 160), seconds=8.0))
    assert not timed.by_angle
    assert timed.play_seconds(0.0) == 0.0
    assert timed.play_seconds(90.0) == pytest.approx(2.0)
    assert timed.play_seconds(timed.angle_at(5.0)) == pytest.approx(5.0)
    assert timed.play_seconds(-90.0) == pytest.approx(6.0)


def test_the_automatic_turn_goes_round_once_the_first_look_s_way(videos):
    s = CompareSession([ccw_pane(videos[1]), cw_pane(videos[0])], SessionSettings(pane_box=(96, 160), seconds=8.0))
    assert s.sweep == -1
    assert s.angle_at(0) == 0 and s.angle_at(2.0) == pytest.approx(270.0) and s.angle_at(8.0) == pytest.approx(0.0, abs=1e-9)


def test_pauses_and_slow_turns_share_frames_between_slots(videos):
    pausing = track((0.2, 0.0), (1.0, 180.0), (1.0, 180.0), (0.7, 360.0))
    slow = make_pane("slow", videos[0], Analysed(YawTrack.from_entries(pausing), None, True))
    s = CompareSession([slow, cw_pane(videos[1])], SessionSettings(pane_box=(96, 160)))
    assert len(s.proxies[0].times) < s.proxies[0].slots


def test_memory_stays_within_budget_for_four_panes(videos):
    panes = [cw_pane(v, f"p{i}") for i, v in enumerate(videos)]
    frames_mb = 4 * 40 * 96 * 160 * 3 / 1e6  # room for 40 distinct frames of each of four full-size panes
    s = CompareSession(panes, SessionSettings(pane_box=(96, 160), memory_mb=DECODER_MB + frames_mb))
    assert MIN_SLOTS <= s.proxies[0].slots < 144
    assert all(p.size == (96, 160) for p in s.proxies)
    s.start()
    assert s.wait(60)
    assert 0 < s.nbytes <= frames_mb * 1e6
    s.stop()
    # when even the coarsest cut does not fit, the panes shrink
    sizes, slots = plan_sizes(panes, SessionSettings(pane_box=(96, 160), memory_mb=DECODER_MB + 1.0), 4.0)
    assert slots == MIN_SLOTS
    assert sum(frames_needed(p, slots, 4.0) * w * h * 3 for p, (w, h) in zip(panes, sizes)) <= 1.0e6
    assert all(w % 2 == 0 and h % 2 == 0 for w, h in sizes)


def test_a_slow_turn_keeps_fewer_frames_than_slots_and_the_budget_counts_that(videos):
    panes = [cw_pane(v, f"p{i}") for i, v in enumerate(videos[:2])]
    needed = frames_needed(panes[0], 144, 4.0)
    assert needed < 144
    exact = DECODER_MB + 2 * needed * 96 * 160 * 3 / 1e6
    _, slots = plan_sizes(panes, SessionSettings(pane_box=(96, 160), memory_mb=exact + 0.01), 4.0)
    assert slots == 144


def test_stop_ends_decoding_early(videos):
    s = CompareSession([cw_pane(v, f"p{i}") for i, v in enumerate(videos)], SessionSettings(pane_box=(96, 160)))
    s.start()
    s.stop()
    assert s._thread is None
    assert not any(t.name == "compare-proxy" for t in threading.enumerate())


def test_a_broken_look_is_reported_and_the_others_still_play(videos, tmp_path):
    broken_file = tmp_path / "broken.mp4"
    broken_file.write_bytes(videos[0].read_bytes())
    broken = cw_pane(broken_file, "broken")
    broken_file.write_bytes(b"gone")
    s = CompareSession([broken, ccw_pane(videos[1])], SessionSettings(pane_box=(96, 160)))
    s.start()
    assert s.wait(60)
    assert s.error and "broken" in s.error
    first, second = s.frames(90.0)
    assert first is None and second is not None


def test_a_look_damaged_part_way_is_marked_failed_and_counts_as_done(videos, tmp_path):
    damaged = tmp_path / "damaged.mp4"
    data = videos[0].read_bytes()
    third = len(data) // 3
    damaged.write_bytes(data[:third] + b"\0" * third + data[2 * third :])  # opens, then fails in the middle
    s = CompareSession([cw_pane(damaged, "damaged"), ccw_pane(videos[1])], SessionSettings(pane_box=(96, 160)))
    assert s.failed == (False, False)
    s.start()
    assert s.wait(60)
    assert s.error and "damaged" in s.error
    assert s.failed == (True, False) and not s.ready
    assert s.progress == 1.0, "the view must not say Preparing… for ever"
