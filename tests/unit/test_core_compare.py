"""The core's comparison flow: pick looks from the tray → open them side by side → turn → share → consent → QR code.

The real core, studio, library and identity on a synthetic camera; the comparisons renderer and
the network are fakes (the renderer's own tests are in test_library_comparisons and the API's).
"""

from __future__ import annotations

import dataclasses
import time
from types import SimpleNamespace

import pytest

from bench._turning import Turn, make_look, store_look
from kiosk.compare.events import (
    ComparePicksChanged,
    CompareShareProgress,
    CompareTurn,
    ComparisonChanged,
    ComparisonClosed,
    ComparisonOpened,
)
from kiosk.comparing import SHARE_KEEPS_FIRST
from kiosk.config import Config
from kiosk.core import KioskCore
from kiosk.errors import KioskError
from kiosk.events import Notice, SharesEnded, ShareShown, TrayChanged
from kiosk.identity.events import STEP_FORGET, CardTapped
from kiosk.identity.prompt import ConsentAsked, ConsentPromptClosed
from kiosk.recording.events import LookRecorded
from kiosk.wiring import Switches, build_parts

from .test_core_intents import of, recorded, wait_for


class FakeJobs:
    """The comparisons part: takes comparisons to render; the test says when one is ready."""

    def __init__(self) -> None:
        self.submitted: list[list[str]] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def submit(self, look_ids, align="angle"):
        self.submitted.append(list(look_ids))
        return SimpleNamespace(id=f"cmp{len(self.submitted)}", state="queued")


class FakeNetwork:
    available = True
    start_error = ""

    def __init__(self) -> None:
        self.shared: list[str] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> str:
        return ""

    def share_look(self, look_id):
        raise KioskError("not in this test")

    def share_comparison(self, comparison_id):
        self.shared.append(comparison_id)
        return SimpleNamespace(url=f"http://mirror.test/s/{comparison_id}", expires_at=time.time() + 3600, qr_png=b"png",
                               share_id=f"id-of-{comparison_id}")

    def request_assist(self, kind="size", detail=""):
        raise KioskError("not in this test")


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return (make_look(folder, "cw", 96, 160, Turn(turn_s=3.0, seconds=5.0)),
            make_look(folder, "ccw", 96, 160, Turn(start_s=1.5, turn_s=2.0, direction=-1, start_yaw=40, seconds=5.0)),
            make_look(folder, "half", 96, 160, Turn(turn_s=1.5, seconds=4.0)))


@pytest.fixture
def kiosk(tmp_path):
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    parts = build_parts(config, Switches(source="synthetic:?width=320&height=240&fps=15"))
    jobs, network = FakeJobs(), FakeNetwork()
    core = KioskCore(dataclasses.replace(parts, comparisons=jobs, network=network))
    events = []
    core.bus.subscribe(events.append)
    core.start()
    assert wait_for(lambda: core.hub.latest() is not None)
    yield SimpleNamespace(core=core, events=events, jobs=jobs, network=network)
    core.stop()


def land(core, made, with_track=True) -> str:
    """A made look lands in the current session, as a take does."""
    assert core.flush()
    sid = core.session.session_id
    look_id = store_look(core.parts.library, made, with_track=with_track, session_id=sid)
    core.bus.emit(LookRecorded(look_id=look_id, path="", duration_s=made.turn.seconds, session_id=sid))
    assert core.flush() and core.flush()
    return look_id


def last(events, kind):
    found = of(events, kind)
    return found[-1] if found else None


def share_two_kept_looks(kiosk, clips) -> None:
    """Two consented looks compared and shared: their video is being made (``kiosk.jobs``)."""
    core = kiosk.core
    core.touch()
    looks = [land(core, clips[0]), land(core, clips[1])]
    for look_id in looks:
        core.parts.library.set_consent(look_id, True)
    open_looks(core, kiosk.events, *looks)
    core.share_comparison()


def test_pick_open_turn_share_consent_qr(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    first = land(core, clips[0])
    core.start_picking()
    assert wait_for(lambda: any("at least two looks" in n.text for n in of(events, Notice)))
    second = land(core, clips[1])

    core.start_picking()
    core.pick_look(first)
    core.pick_look(second)
    core.pick_look(first)  # a second tap takes it out again
    core.pick_look(first)
    core.pick_look("not-a-look-of-this-shopper")
    assert core.flush()
    picks = last(events, ComparePicksChanged)
    assert picks.picking and picks.look_ids == (second, first)

    core.open_comparison(540, 760)
    assert wait_for(lambda: of(events, ComparisonOpened))
    opened = last(events, ComparisonOpened)
    assert last(events, ComparePicksChanged).picking is False
    assert opened.look_ids == (second, first)
    assert [p.number for p in opened.panes] == [1, 2]
    assert len({p.height for p in opened.panes}) == 1 and all(p.x + p.width <= 540 for p in opened.panes)
    assert all(p.label.startswith("Today ") and p.hint == "" for p in opened.panes), opened.panes
    session = opened.session
    assert session.wait(60) and session.ready
    frames = session.frames(90.0)
    assert all(f is not None and isinstance(f.pixels, tuple) for f in frames), "YUV planes for the screen"

    core.on_gesture("swipe_right")
    core.on_gesture("swipe_left")
    assert core.flush()
    assert [e.delta_deg for e in of(events, CompareTurn)] == [45.0, -45.0]

    core.share_comparison()  # the looks are not kept yet: the consent question first, saying why
    assert wait_for(lambda: of(events, ConsentAsked))
    assert wait_for(lambda: SHARE_KEEPS_FIRST in [n.text for n in of(events, Notice) if n.topic == "compare"])
    assert kiosk.jobs.submitted == []
    core.answer_consent(True)
    assert wait_for(lambda: kiosk.jobs.submitted == [[second, first]])
    assert wait_for(lambda: last(events, CompareShareProgress) and last(events, CompareShareProgress).text)
    # Answered yes, the why ("…must keep your looks first") goes at once: left up for its 5 s, it
    # stood over "Making your comparison video…" beside "Thank you. Your looks … are kept."
    assert [n.text for n in of(events, Notice) if n.topic == "compare"][-1] == ""
    assert not of(events, ShareShown), "no code until the video is made"

    core.bus.emit(ComparisonChanged(comparison_id="someone-elses", state="ready"))
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="rendering"))
    assert core.flush() and not of(events, ShareShown)
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="ready"))
    assert wait_for(lambda: of(events, ShareShown))
    shown = last(events, ShareShown)
    assert shown.kind == "comparison" and shown.look_id == "cmp1" and shown.url.endswith("/s/cmp1")
    assert last(events, CompareShareProgress).text == ""

    core.share_comparison()  # made once: a second code comes at once
    assert wait_for(lambda: len(of(events, ShareShown)) == 2)
    assert len(kiosk.jobs.submitted) == 1

    core.close_comparison()
    assert wait_for(lambda: of(events, ComparisonClosed))
    assert not any(t.name == "compare-proxy" and t.is_alive() for t in __import__("threading").enumerate())


def test_a_double_tap_on_share_this_comparison_makes_one_link_and_shows_its_code_again(kiosk, clips, monkeypatch):
    """Both taps are queued on the core: the second shows the code the first made, as a look's Share does (each
    link is a row, a comparison_shared event to live clients and the store's webhook); a Share later makes a new one."""
    import kiosk.intents as intents

    core, events = kiosk.core, kiosk.events
    share_two_kept_looks(kiosk, clips)
    assert wait_for(lambda: len(kiosk.jobs.submitted) == 1)
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="ready"))
    core.share_comparison()  # a tap as its code comes up
    assert wait_for(lambda: len(of(events, ShareShown)) == 2)
    assert core.flush()
    assert kiosk.network.shared == ["cmp1"] and len(kiosk.jobs.submitted) == 1
    assert of(events, ShareShown)[1] == of(events, ShareShown)[0]

    again = intents.SHARE_AGAIN_S
    monkeypatch.setattr(intents, "SHARE_AGAIN_S", -1.0)  # the moment is over: Share on purpose, a new link
    core.share_comparison()
    assert wait_for(lambda: len(of(events, ShareShown)) == 3)
    assert kiosk.network.shared == ["cmp1"] * 2 and of(events, ShareShown)[2] != of(events, ShareShown)[1]
    monkeypatch.setattr(intents, "SHARE_AGAIN_S", again)
    core.share_comparison()  # that Share was a double tap: its second tap, the code it made
    assert wait_for(lambda: len(of(events, ShareShown)) == 4)
    assert core.flush()
    assert kiosk.network.shared == ["cmp1"] * 2
    assert of(events, ShareShown)[3] == of(events, ShareShown)[2]


def test_a_comparison_the_store_deletes_while_it_is_made_ends_the_wait(kiosk, clips):
    # Store IT deletes the comparison through the API while the shopper waits for its code: the
    # renderer says no more of a deleted one, so only the deletion can end "Making…".
    core, events = kiosk.core, kiosk.events
    share_two_kept_looks(kiosk, clips)
    assert wait_for(lambda: len(kiosk.jobs.submitted) == 1 and last(events, CompareShareProgress).text)
    core.bus.emit(ComparisonChanged(comparison_id="someone-elses", state="deleted"))
    assert core.flush() and last(events, CompareShareProgress).text  # not ours: still waiting
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="deleted"))
    assert wait_for(lambda: any("was removed" in n.text for n in of(events, Notice)))
    assert last(events, CompareShareProgress).text == "" and not of(events, ShareShown)
    core.share_comparison()  # Share makes it again
    assert wait_for(lambda: len(kiosk.jobs.submitted) == 2)


def test_a_video_that_could_not_be_made_is_said_plainly_and_share_tries_again(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    share_two_kept_looks(kiosk, clips)
    assert wait_for(lambda: len(kiosk.jobs.submitted) == 1)
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="failed", error="rendering failed (ValueError)"))
    assert wait_for(lambda: any("could not be made" in n.text for n in of(events, Notice)))
    notice = [n for n in of(events, Notice) if "could not be made" in n.text][-1]
    assert notice.text == "Sorry, the video of this comparison could not be made. Tap Share to try again."
    assert last(events, CompareShareProgress).text == "" and not of(events, ShareShown)
    core.share_comparison()  # the shopper tries again: a new video is made
    assert wait_for(lambda: len(kiosk.jobs.submitted) == 2)


def test_a_comparison_share_refused_by_the_mirrors_own_parts_says_so_in_plain_words(kiosk, clips, monkeypatch):
    # A database locked by another program (or a read-only data folder) refused the link or the
    # render: she read its words, a file's path and the database's error. Plain sentences now; a
    # full queue keeps its own (how many wait, when to try again).
    import kiosk.intents as intents
    from kiosk.comparing import MAKE_FAILED
    from kiosk.errors import CompareQueueFull, NetworkDatabaseError
    from kiosk.share_consent import SHARE_FAILED

    core, events = kiosk.core, kiosk.events
    locked = NetworkDatabaseError("the network database /var/lib/smartmirror/network.sqlite3 could not be written "
                                  "(database is locked); nothing was changed")

    def refuse(comparison_id):
        raise locked

    share_two_kept_looks(kiosk, clips)
    assert wait_for(lambda: len(kiosk.jobs.submitted) == 1)
    monkeypatch.setattr(kiosk.network, "share_comparison", refuse)
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="ready"))
    assert wait_for(lambda: any(n.text == SHARE_FAILED for n in of(events, Notice)))
    assert not any("/" in n.text or "locked" in n.text for n in of(events, Notice))

    for refusal, said in ((CompareQueueFull("4 comparisons are waiting to be rendered; try again in a minute"),
                           "4 comparisons are waiting to be rendered; try again in a minute"),
                          (locked, MAKE_FAILED)):
        def full(look_ids, align="angle", refusal=refusal):
            raise refusal

        monkeypatch.setattr(kiosk.jobs, "submit", full)
        monkeypatch.setattr(intents, "SHARE_AGAIN_S", -1.0)
        core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="deleted"))  # so that Share renders anew
        core.share_comparison()
        assert wait_for(lambda: any(n.text == said for n in of(events, Notice))), [n.text for n in of(events, Notice)]
    assert not any("/" in n.text or "locked" in n.text for n in of(events, Notice))


def test_a_look_recorded_without_a_track_plays_by_time_and_says_so(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    plain = recorded(core, events).look_id  # recorded by hand with the analysis off: no yaw track
    half = land(core, clips[2])
    core.start_picking()
    core.pick_look(plain)
    core.pick_look(half)
    core.open_comparison(540, 760)
    assert wait_for(lambda: of(events, ComparisonOpened))
    panes = last(events, ComparisonOpened).panes
    assert panes[0].hint == "Plays from the start: not lined up by its turn"
    assert panes[1].hint == ""
    assert last(events, ComparisonOpened).by_angle, "one pane follows the angle: the dial shows it"
    last(events, ComparisonOpened).session.stop()


@pytest.mark.parametrize("found", [{}, {"person": False}], ids=["a person, no body angle", "no person"])
def test_a_look_the_renderer_analysed_without_a_track_says_so_as_one_recorded_without_one(kiosk, clips, found):
    """Analysed for an earlier comparison, the renderer found the person but no body angle, or
    nobody (that video was refused): on the mirror it still plays by time, and says so."""
    from kiosk.compare.panes import detector_version

    core, events = kiosk.core, kiosk.events
    core.touch()
    bare = land(core, clips[0], with_track=False)
    core.parts.library.set_analysis(bare, "turn", {"turn": None, "yaw": [], **found, "source": "analysed for a comparison",
                                                   "detector_version": detector_version()})
    half = land(core, clips[2])
    opened = open_looks(core, events, bare, half)
    assert [p.hint for p in opened.panes] == ["Plays from the start: not lined up by its turn", ""]
    opened.session.stop()


def test_when_no_look_has_a_track_the_dial_shows_the_time_not_an_angle(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    plain = recorded(core, events).look_id
    other = land(core, clips[0], with_track=False)
    core.start_picking()
    core.pick_look(plain)
    core.pick_look(other)
    core.open_comparison(540, 760)
    assert wait_for(lambda: of(events, ComparisonOpened))
    opened = last(events, ComparisonOpened)
    assert all(p.hint == "Plays from the start: not lined up by its turn" for p in opened.panes), opened.panes
    assert not opened.by_angle, "every pane plays by time: an angle on the dial would mean nothing"
    opened.session.stop()


def test_a_partial_turn_gets_a_hint_for_the_views_it_lacks(kiosk, tmp_path):
    core, events = kiosk.core, kiosk.events
    core.touch()
    full = land(core, make_look(tmp_path, "full", 96, 160, Turn(turn_s=2.0, seconds=4.0)))
    partial = make_look(tmp_path, "part", 96, 160, Turn(turn_s=2.0, seconds=4.0))
    cut = dataclasses.replace(partial, track=[e for e in partial.track if e[2] <= 200.0])
    quarter = land(core, cut)
    core.start_picking()
    core.pick_look(full)
    core.pick_look(quarter)
    core.open_comparison(540, 760)
    assert wait_for(lambda: of(events, ComparisonOpened))
    panes = last(events, ComparisonOpened).panes
    assert panes[0].partial_hint == ""
    assert panes[1].partial_hint.startswith("Turns only 2") and panes[1].hint == "", panes[1]
    last(events, ComparisonOpened).session.stop()


def test_deleting_a_look_closes_the_comparison_and_the_session_end_drops_a_waiting_share(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    a, b, c = (land(core, clip) for clip in clips)
    core.start_picking()
    for look_id in (a, b, c):
        core.pick_look(look_id)
    core.open_comparison(540, 760)
    assert wait_for(lambda: of(events, ComparisonOpened))
    assert len(last(events, ComparisonOpened).panes) == 3
    core.delete_look(c)
    assert wait_for(lambda: of(events, ComparisonClosed))
    assert any("comparison closed" in n.text for n in of(events, Notice))

    core.start_picking()
    core.pick_look(a)
    core.pick_look(b)
    core.open_comparison(540, 760)
    assert wait_for(lambda: len(of(events, ComparisonOpened)) == 2)
    core.ask_consent()
    core.answer_consent(True)
    assert wait_for(lambda: of(events, ConsentPromptClosed))
    core.share_comparison()  # consented: straight to the renderer
    assert wait_for(lambda: kiosk.jobs.submitted == [[a, b]])
    core.end_session()
    assert wait_for(lambda: len(of(events, ComparisonClosed)) == 2)
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="ready"))
    assert core.flush() and core.flush()
    assert not of(events, ShareShown), "the next shopper must never see this one's code"
    assert last(events, CompareShareProgress).text == ""


def test_the_customer_s_kept_looks_join_the_tray_after_a_card_tap(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    library = core.parts.library
    key = core.parts.identity.key("0416C6C2D73881")
    earlier = store_look(library, clips[0], customer_id=key, created=time.time() - 86400)
    stranger = store_look(library, clips[1], customer_id="someone-else")
    core.touch()
    core.tap_card(key)
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(True)
    assert wait_for(lambda: last(events, TrayChanged) and last(events, TrayChanged).kept)
    tray = last(events, TrayChanged)
    assert [look.id for look in tray.kept] == [earlier] and tray.looks == ()
    now = land(core, clips[2])
    core.start_picking()
    core.pick_look(now)
    core.pick_look(earlier)
    core.pick_look(stranger)  # not this shopper's
    assert core.flush()
    assert last(events, ComparePicksChanged).look_ids == (now, earlier)
    core.open_comparison(540, 760)
    assert wait_for(lambda: of(events, ComparisonOpened))
    panes = last(events, ComparisonOpened).panes
    assert panes[1].label.startswith("Yesterday ")
    core.share_comparison()  # both kept: no question
    assert wait_for(lambda: kiosk.jobs.submitted == [[now, earlier]])
    assert len(of(events, ConsentAsked)) == 1

    core.delete_look(stranger)  # not theirs: nothing happens
    core.delete_look(earlier)  # theirs, from an earlier visit: gone, and the comparison with it
    assert wait_for(lambda: of(events, ComparisonClosed))
    assert library.find(earlier) is None and library.find(stranger) is not None


def test_forget_me_while_comparing_closes_the_comparison_with_the_forget_sentence_alone(kiosk, clips):
    # Her card tapped again while her looks turned side by side, and "Yes, forget me": the screen
    # said "Done. The mirror has forgotten you: 2 looks deleted." and, under it, "A look in the
    # comparison was deleted, so the comparison closed.", as if something had gone wrong.
    core, events = kiosk.core, kiosk.events
    key = core.parts.identity.key("0416C6C2D73881")
    core.touch()
    looks = [land(core, clips[0]), land(core, clips[1])]
    core.tap_card(key)
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(True)
    assert wait_for(lambda: all(core.parts.library.find(i).consented for i in looks))
    open_looks(core, events, *looks)
    core.tap_card(key)  # her card again: "forget me?"
    assert wait_for(lambda: of(events, CardTapped) and of(events, CardTapped)[-1].next_step == STEP_FORGET)
    core.forget_me()
    assert wait_for(lambda: of(events, ComparisonClosed))
    assert core.flush() and core.flush()  # the tray without her looks, handled after the forgetting
    said = [n.text for n in of(events, Notice)]
    assert "Done. The mirror has forgotten you: 2 looks deleted." in said
    assert not any("comparison" in text for text in said), said


def test_a_waiting_share_of_a_comparison_whose_look_was_deleted_is_dropped(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    a, b, c = (land(core, clip) for clip in clips)
    for look_id in (a, b, c):
        core.parts.library.set_consent(look_id, True)
    core.start_picking()
    for look_id in (a, b, c):
        core.pick_look(look_id)
    core.open_comparison(540, 760)
    assert wait_for(lambda: of(events, ComparisonOpened))
    core.share_comparison()
    assert wait_for(lambda: kiosk.jobs.submitted == [[a, b, c]])
    assert last(events, CompareShareProgress).text.startswith("Making")
    core.delete_look(c)  # the renderer's comparison goes with it, and it will never say so
    assert wait_for(lambda: of(events, ComparisonClosed))
    assert last(events, CompareShareProgress).text == "", "no 'Making your comparison video…' under the next comparison"

    core.start_picking()
    core.pick_look(a)
    core.pick_look(b)
    core.open_comparison(540, 760)
    assert wait_for(lambda: len(of(events, ComparisonOpened)) == 2)
    assert last(events, CompareShareProgress).text == ""
    last(events, ComparisonOpened).session.stop()


def test_a_look_that_cannot_be_opened_is_said_plainly_without_its_file(kiosk, clips):
    from pathlib import Path

    core, events = kiosk.core, kiosk.events
    core.touch()
    a, b = land(core, clips[0]), land(core, clips[1])
    video = Path(core.parts.library.get(b).path)
    video.write_bytes(b"not a video")
    core.start_picking()
    core.pick_look(a)
    core.pick_look(b)
    core.open_comparison(540, 760)
    assert wait_for(lambda: any(n.topic == "compare" for n in of(events, Notice)))
    notice = [n for n in of(events, Notice) if n.topic == "compare"][-1]
    assert notice.text == "Sorry, look 2 cannot be played, so these looks cannot be compared."
    assert str(video) not in notice.text and b not in notice.text
    assert not of(events, ComparisonOpened)
    assert last(events, ComparePicksChanged).look_ids == (a, b), "the picks stay: the shopper can unpick that one"


def test_looks_whose_panes_cannot_be_set_up_are_said_plainly_without_the_error(kiosk, clips, monkeypatch, caplog):
    # The shopper read "These looks cannot be compared: cannot open /var/lib/.../looks/L2.mp4 as a video (...)".
    import logging

    from kiosk.comparing import OPEN_FAILED, Comparing
    from kiosk.errors import CompareError

    core, events = kiosk.core, kiosk.events
    core.touch()
    a, b = land(core, clips[0]), land(core, clips[1])
    video = core.parts.library.get(b).path
    error = CompareError(f"cannot open {video} as a video (Invalid data found when processing input)")

    def refuse(self, panes, box):
        raise error

    monkeypatch.setattr(Comparing, "_session", refuse)
    core.start_picking()
    core.pick_look(a)
    core.pick_look(b)
    with caplog.at_level(logging.WARNING, logger="kiosk.comparing"):
        core.open_comparison(540, 760)
        assert wait_for(lambda: any(n.topic == "compare" for n in of(events, Notice)))
    notice = [n for n in of(events, Notice) if n.topic == "compare"][-1]
    assert notice.text == OPEN_FAILED and str(video) not in notice.text
    assert not of(events, ComparisonOpened)
    assert any(str(error) in r.getMessage() for r in caplog.records), "why is in the journal"


def open_looks(core, events, *look_ids):
    """Pick these looks and open them; returns the ComparisonOpened."""
    opened = len(of(events, ComparisonOpened))
    core.start_picking()
    for look_id in look_ids:
        core.pick_look(look_id)
    core.open_comparison(540, 760)
    assert wait_for(lambda: len(of(events, ComparisonOpened)) == opened + 1)
    return last(events, ComparisonOpened)


def test_a_share_of_a_closed_comparison_never_shows_over_another(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    a, b, c = (land(core, clip) for clip in clips)
    for look_id in (a, b, c):
        core.parts.library.set_consent(look_id, True)
    first = open_looks(core, events, a, b)
    core.share_comparison()
    assert wait_for(lambda: kiosk.jobs.submitted == [[a, b]])
    core.close_comparison()  # by hand, while its video is still being made
    assert wait_for(lambda: of(events, ComparisonClosed))
    assert last(events, CompareShareProgress).text == "", "the note goes with its comparison"
    first.session.stop()

    other = open_looks(core, events, b, c)
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="ready"))
    assert core.flush() and core.flush()
    assert not of(events, ShareShown), "the first comparison's code over the second one"
    assert kiosk.network.shared == []
    core.close_comparison()
    other.session.stop()

    again = open_looks(core, events, a, b)  # the parked video is shown with its own comparison
    core.share_comparison()
    assert wait_for(lambda: of(events, ShareShown))
    assert last(events, ShareShown).look_id == "cmp1" and kiosk.jobs.submitted == [[a, b]]
    again.session.stop()


def test_a_parked_share_rendering_is_waited_for_again_when_its_looks_are_shared(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    a, b = land(core, clips[0]), land(core, clips[1])
    for look_id in (a, b):
        core.parts.library.set_consent(look_id, True)
    first = open_looks(core, events, a, b)
    core.share_comparison()
    assert wait_for(lambda: kiosk.jobs.submitted == [[a, b]])
    core.close_comparison()
    assert wait_for(lambda: of(events, ComparisonClosed))
    first.session.stop()

    again = open_looks(core, events, a, b)
    core.share_comparison()  # the same looks: no second render, the same wait
    assert wait_for(lambda: last(events, CompareShareProgress).text.startswith("Making"))
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="ready"))
    assert wait_for(lambda: of(events, ShareShown))
    assert last(events, ShareShown).look_id == "cmp1" and kiosk.jobs.submitted == [[a, b]]
    again.session.stop()


def test_a_share_being_made_is_dropped_when_consent_is_withdrawn(kiosk, clips):
    core, events = kiosk.core, kiosk.events
    core.touch()
    a, b = land(core, clips[0]), land(core, clips[1])
    core.ask_consent()
    core.answer_consent(True)
    assert wait_for(lambda: of(events, ConsentPromptClosed))
    shown = open_looks(core, events, a, b)
    core.share_comparison()
    assert wait_for(lambda: kiosk.jobs.submitted == [[a, b]])
    assert last(events, CompareShareProgress).text.startswith("Making")

    desk = core.parts.identity.consent
    desk.decline(core.session.session_id, desk.wording.version)  # a no after the yes: the looks stay, unkept
    assert wait_for(lambda: last(events, CompareShareProgress).text == "")
    assert of(events, SharesEnded), "a code on screen must come down: its links are revoked"
    assert any("not made" in n.text for n in of(events, Notice) if n.topic == "compare")
    assert not of(events, ComparisonClosed), "the looks are still the shopper's to look at"
    core.bus.emit(ComparisonChanged(comparison_id="cmp1", state="ready"))  # a renderer that missed it
    assert core.flush() and core.flush()
    assert not of(events, ShareShown) and kiosk.network.shared == []
    shown.session.stop()


def test_a_look_deleted_by_another_process_leaves_the_tray_in_plain_words_when_tapped(kiosk, clips, monkeypatch):
    """``kiosk looks delete`` tells the running mirror nothing: a tap on the look its tray still lists
    (played, shared, deleted, compared) before the core's next look at the library (within a second,
    ``test_core_elsewhere.py``) drops it from the tray and says so plainly, never an error."""
    from kiosk.commands._library import open_library
    from kiosk.effects import LOOK_GONE
    from kiosk.events import CoreFault

    core, events = kiosk.core, kiosk.events
    monkeypatch.setattr(core.parts.library, "changed_elsewhere", lambda: False)  # the tap comes first
    core.touch()
    looks = [land(core, clips[i % 3]) for i in range(5)]
    for look_id in looks:
        core.parts.library.set_consent(look_id, True)
    core.start_picking()
    core.pick_look(looks[3])
    core.pick_look(looks[4])
    assert core.flush()

    def deleted_elsewhere(look_id: str) -> None:
        with open_library(core.parts.library.layout.root) as other:  # as kiosk looks delete, another process
            other.delete(look_id)

    def tray() -> tuple:
        changed = last(events, TrayChanged)
        return tuple(look.id for look in changed.looks + changed.kept)

    def told() -> list[str]:
        return [n.text for n in of(events, Notice)]

    for act, look_id in ((core.replaying, looks[0]), (core.share, looks[1]), (core.delete_look, looks[2])):
        deleted_elsewhere(look_id)
        before = len(told())
        act(look_id)
        assert core.flush() and look_id not in tray(), f"{act.__name__}: the tray kept the deleted look"
        assert told()[before:] == [LOOK_GONE], (act.__name__, told()[before:])
    deleted_elsewhere(looks[3])
    core.open_comparison(540, 760)  # one of the two looks picked was deleted
    assert core.flush() and core.flush() and looks[3] not in tray()
    assert not of(events, ComparisonOpened)
    assert told()[-1] == "A look you picked was deleted. Pick another one to compare."
    assert last(events, ComparePicksChanged).look_ids == (looks[4],)
    assert tray() == (looks[4],) and not of(events, ShareShown) and not of(events, CoreFault)


def test_looks_stored_with_their_span_stand_cropped_and_taller(kiosk, clips):
    """A look's span (how far across the picture she reached) crops its pane: narrower, so two of
    them side by side stand taller than the same looks whole, and the frames are the crop."""
    core, events = kiosk.core, kiosk.events
    core.touch()
    whole = open_looks(core, events, land(core, clips[0]), land(core, clips[1]))
    whole.session.stop()
    cropped_ids = [land(core, clips[0]), land(core, clips[1])]
    library = core.parts.library
    for look_id in cropped_ids:
        library.set_analysis(look_id, "turn", {**library.analysis(look_id)["turn"], "span": [0.3, 0.7]})
    cropped = open_looks(core, events, *cropped_ids)
    assert cropped.panes[0].height >= 1.5 * whole.panes[0].height
    for pane in cropped.panes:
        assert pane.width / pane.height == pytest.approx(96 * 0.4 / 160, abs=0.01)
        assert pane.y >= 0 and pane.y + pane.height <= 760 and pane.x + pane.width <= 540
    session = cropped.session
    assert session.wait(60) and session.ready
    y = session.frames(90.0)[0].pixels[0]
    assert y.shape[1] / y.shape[0] == pytest.approx(96 * 0.4 / 160, abs=0.03)
    session.stop()
