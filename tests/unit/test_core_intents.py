"""The core decides what a touch, a gesture, a take or a card tap means right now, on its own thread."""

import time

import pytest

from kiosk.effects import SHARE_KEEPS_FIRST
from kiosk.share_consent import SHARE_OFF
from kiosk.events import CoreFault, Notice, SessionStateChanged, ShareShown, TrayChanged, TrayStep
from kiosk.identity.prompt import NOT_KEPT_TAP_KEEP, ConsentAsked, ConsentPromptClosed
from kiosk.net.service import ShareLink
from kiosk.recording.events import LookRecorded, RecordingFailed, RecordingStarted, TakeRequested
from tests.unit._cores import core_config, running, wait_for


@pytest.fixture
def core(tmp_path):
    with running(core_config(tmp_path)) as (core, events):
        yield core, events


def of(events, kind):
    return [e for e in list(events) if isinstance(e, kind)]


def session_id(core):
    assert core.flush()
    return core.session.session_id


def recorded(core, events, seconds=1.5):
    """Record ``seconds`` of the synthetic camera and wait until the take has landed."""
    before = len(of(events, LookRecorded))
    core.start_recording()
    assert wait_for(lambda: of(events, RecordingStarted))
    time.sleep(seconds)
    core.stop_recording()
    assert wait_for(lambda: len(of(events, LookRecorded)) > before)
    return of(events, LookRecorded)[-1]


def looks(core):
    assert core.flush()
    return core.parts.library.list()


def test_hand_up_answers_the_consent_question_when_it_is_shown(core):
    core, events = core
    core.touch()
    sid = session_id(core)
    core.ask_consent()
    assert wait_for(lambda: of(events, ConsentAsked))
    core.on_gesture("raise_hand")
    assert wait_for(lambda: of(events, ConsentPromptClosed))
    assert of(events, ConsentPromptClosed)[-1].answer == "yes"
    assert core.parts.identity.is_consented(sid)
    assert core.flush() and not core.parts.studio.recording, "the gesture answered the question; it must not also record"
    core.ask_consent()  # asked once per session: the answer stands
    assert core.flush() and len(of(events, ConsentAsked)) == 1


def test_swipe_says_no_when_asked_and_steps_the_tray_otherwise(core):
    core, events = core
    core.touch()
    sid = session_id(core)
    core.ask_consent()
    core.on_gesture("swipe_left")
    assert core.flush() and not core.parts.identity.is_consented(sid)
    # No card reader on this mirror: her touch on Keep asks again, and no card tap is promised.
    assert [e.message for e in of(events, ConsentPromptClosed)] == [NOT_KEPT_TAP_KEEP]
    core.on_gesture("swipe_left")
    assert core.flush() and [e.delta for e in of(events, TrayStep)] == [1]
    assert len(of(events, ConsentAsked)) == 1, "a gesture never asks again"


def test_a_card_tapped_after_a_no_brings_the_question_with_the_card(core):
    # The walkthrough's bug: the log said "next: consent" after the tap, and the screen showed nothing.
    core, events = core
    core.touch()
    sid = session_id(core)
    card = core.parts.identity.key("0416C6C2D73881")
    core.ask_consent()  # Keep
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(False)
    assert wait_for(lambda: of(events, ConsentPromptClosed))
    for asked in (2, 3):  # no, card; then card, no, card again
        core.tap_card(card)
        assert wait_for(lambda: len(of(events, ConsentAsked)) == asked), "the tap after a no must ask again"
        assert "the loyalty card you just tapped" in of(events, ConsentAsked)[-1].offer.text
        core.answer_consent(False)
        assert wait_for(lambda: len(of(events, ConsentPromptClosed)) == asked)
    core.tap_card(card)
    assert wait_for(lambda: len(of(events, ConsentAsked)) == 4)
    core.answer_consent(True)
    assert wait_for(lambda: core.parts.identity.owner(sid) == card)


def test_keep_touched_after_a_no_asks_again_and_a_gesture_never_does(core):
    """The walkthrough's dead end: without a card (none here: no reader) her no stood for the whole
    visit, though she then tapped Keep. Her touch brings the question back; nothing is kept without
    her yes, and the mirror never asks again by itself: a raised hand records, a swipe steps the tray."""
    core, events = core
    core.touch()
    sid = session_id(core)
    desk = core.parts.identity.consent
    recorded(core, events)
    core.ask_consent()  # Keep
    assert wait_for(lambda: len(of(events, ConsentAsked)) == 1)
    core.answer_consent(False)
    assert wait_for(lambda: [e.message for e in of(events, ConsentPromptClosed)] == [NOT_KEPT_TAP_KEEP])
    core.on_gesture("raise_hand")  # not asked: a hand held up records, never asks again
    assert wait_for(lambda: core.parts.studio.recording)
    time.sleep(1.5)  # a take long enough to be kept, as ``recorded`` makes
    core.on_gesture("raise_hand")
    assert wait_for(lambda: len(of(events, LookRecorded)) == 2)
    core.on_gesture("swipe_left")
    assert core.flush() and of(events, TrayStep)
    assert len(of(events, ConsentAsked)) == 1 and not core.parts.identity.asking
    core.ask_consent()  # Keep, touched: the question is back, as worded before
    assert wait_for(lambda: len(of(events, ConsentAsked)) == 2), "Keep touched after a no must ask again"
    assert of(events, ConsentAsked)[-1].offer.wording_version == of(events, ConsentAsked)[0].offer.wording_version
    core.answer_consent(False)  # no again: nothing kept
    assert wait_for(lambda: len(of(events, ConsentPromptClosed)) == 2)
    assert not core.parts.identity.is_consented(sid) and not any(look.consented for look in looks(core))
    core.ask_consent()
    assert wait_for(lambda: len(of(events, ConsentAsked)) == 3)
    core.answer_consent(True)
    assert wait_for(lambda: core.parts.identity.is_consented(sid))
    assert [r.decision for r in desk.directory.consents(session_id=sid)] == ["declined", "declined", "accepted"]
    core.ask_consent()  # after her yes Keep says "Kept": nothing to ask
    core.end_session()
    kept = looks(core)
    assert len(kept) == 2 and all(look.consented for look in kept)
    assert len(of(events, ConsentAsked)) == 3


def share_touched_on_a_take(core, events, monkeypatch):
    """Record a take and touch Share, the link made without a store service; the take."""
    core.touch()
    look = recorded(core, events)
    monkeypatch.setattr(core.parts.network, "share_look",
                        lambda look_id: ShareLink("http://mirror.test/s/1", "1", time.time() + 3600, b"<svg/>", b"png"))
    core.share(look.look_id)
    return look


def test_share_touched_after_a_no_asks_again_and_shares_on_her_yes(core, monkeypatch):
    core, events = core
    look = share_touched_on_a_take(core, events, monkeypatch)
    assert wait_for(lambda: len(of(events, ConsentAsked)) == 1)
    core.answer_consent(False)
    assert wait_for(lambda: of(events, ConsentPromptClosed))
    core.share(look.look_id)  # touched after her no: asked again, saying why
    assert wait_for(lambda: len(of(events, ConsentAsked)) == 2), "Share touched after a no must ask again"
    assert [n.text for n in of(events, Notice) if n.topic == "studio"] == [SHARE_KEEPS_FIRST, SHARE_KEEPS_FIRST]
    assert core.flush() and not of(events, ShareShown)
    core.answer_consent(True)
    assert wait_for(lambda: of(events, ShareShown))
    assert of(events, ShareShown)[-1].look_id == look.look_id and looks(core)[0].consented


def test_hand_up_toggles_recording_and_wakes_the_mirror(core):
    core, events = core
    assert core.session.phase.value == "idle"
    core.on_gesture("raise_hand")
    assert wait_for(lambda: core.parts.studio.recording)
    assert core.session.phase.value == "session"  # recording needs someone in a session
    core.on_gesture("raise_hand")
    assert wait_for(lambda: not core.parts.studio.recording)


def test_session_end_closes_an_open_question_and_deletes_unconsented_looks(core):
    core, events = core
    core.touch()
    recorded(core, events)
    assert wait_for(lambda: of(events, TrayChanged) and len(of(events, TrayChanged)[-1].looks) == 1)
    core.ask_consent()
    core.end_session()
    assert wait_for(lambda: [e.answer for e in of(events, ConsentPromptClosed)] == [""])
    assert looks(core) == []


def test_a_yes_keeps_the_session_looks_after_it_ends(core):
    core, events = core
    core.touch()
    core.ask_consent()
    core.answer_consent(True)
    recorded(core, events)
    core.end_session()
    kept = looks(core)
    assert len(kept) == 1 and kept[0].consented and kept[0].consent_by == "customer"


def test_a_consented_take_still_being_finished_when_the_session_ends_is_kept(core):
    # The shopper said yes, recorded, and walked away while the take was still being finished:
    # it lands after its session ended and must still be kept (it used to be deleted).
    core, events = core
    core.touch()
    core.ask_consent()
    core.answer_consent(True)
    core.start_recording()
    assert wait_for(lambda: of(events, RecordingStarted))
    time.sleep(1.5)
    core.end_session()  # ends the take; it is finished in the background
    assert wait_for(lambda: of(events, LookRecorded))
    assert wait_for(lambda: len(looks(core)) == 1 and looks(core)[0].consented)
    assert of(events, SessionStateChanged)[-1].state == "idle"


def test_an_unconsented_take_landing_after_the_session_ended_is_not_kept(core):
    core, events = core
    core.touch()
    core.start_recording()
    assert wait_for(lambda: of(events, RecordingStarted))
    time.sleep(1.5)
    core.end_session()
    assert wait_for(lambda: of(events, LookRecorded))
    assert wait_for(lambda: looks(core) == [])


def test_no_take_is_started_while_the_camera_gives_no_picture(core):
    """A tap on Record with the camera gone is refused with a sentence, and nothing starts by
    itself when the camera comes back (the take used to wait for a picture and begin then)."""
    core, events = core
    core.touch()
    core.parts.capture.stop()
    assert wait_for(lambda: core.parts.capture.status().state != "running")
    core.start_recording()
    assert wait_for(lambda: of(events, RecordingFailed))
    assert of(events, RecordingFailed)[-1].reason == "The camera has no picture right now, so nothing was recorded."
    assert not core.parts.studio.recording
    core.parts.capture.start()
    seen = core.hub.latest()
    assert wait_for(lambda: core.hub.latest() is not seen and core.parts.capture.status().state == "running")
    assert core.flush() and not core.parts.studio.recording and not of(events, RecordingStarted)
    recorded(core, events)  # and a take asked for now is recorded


def test_a_turn_asks_for_a_take_and_the_core_wakes_the_mirror_for_it(core):
    core, events = core
    core.bus.emit(TakeRequested(reason="turn"))
    assert wait_for(lambda: of(events, RecordingStarted))
    started = of(events, RecordingStarted)[-1]
    assert started.reason == "turn" and started.session_id == core.session.session_id is not None


def test_a_take_asked_for_while_one_runs_by_hand_changes_nothing(core):
    core, events = core
    core.start_recording()
    assert wait_for(lambda: of(events, RecordingStarted))
    core.bus.emit(TakeRequested(reason="turn"))
    assert core.flush()
    assert [e.reason for e in of(events, RecordingStarted)] == ["manual"]


def test_sharing_without_a_network_says_so(core):
    core, events = core
    core.touch()
    core.ask_consent()
    core.answer_consent(True)
    look = recorded(core, events)
    core.share(look.look_id)
    assert wait_for(lambda: any(n.text == SHARE_OFF for n in of(events, Notice)))


def test_a_double_tap_on_share_makes_one_link_and_shows_its_code_again(core, monkeypatch):
    """The second tap is queued while the core makes the link (or comes just after): the same code, no second
    link (each is a row, a look_shared event to live clients and the store's webhook)."""
    core, events = core
    core.touch()
    core.ask_consent()
    core.answer_consent(True)
    look = recorded(core, events)
    made = []

    def share_look(look_id):
        made.append(look_id)
        return ShareLink(f"http://mirror.test/s/{len(made)}", str(len(made)), time.time() + 3600, b"<svg/>", b"png")

    monkeypatch.setattr(core.parts.network, "share_look", share_look)
    core.share(look.look_id)
    core.share(look.look_id)
    assert core.flush()
    assert made == [look.look_id]
    assert [e.url for e in of(events, ShareShown)] == ["http://mirror.test/s/1"] * 2


def test_sharing_an_unconsented_look_asks_first_and_says_why(core):
    core, events = core
    core.touch()
    look = recorded(core, events)
    core.share(look.look_id)
    assert wait_for(lambda: of(events, ConsentAsked))
    # She asked for a QR code and meets "Keep your looks?": the screen says how the two connect.
    assert wait_for(lambda: [(n.text, n.topic) for n in of(events, Notice)] == [(SHARE_KEEPS_FIRST, "studio")])


def test_a_yes_to_the_question_a_share_asked_takes_down_why_and_shows_the_code(core, monkeypatch):
    core, events = core
    share_touched_on_a_take(core, events, monkeypatch)
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(True)
    assert wait_for(lambda: of(events, ShareShown))
    # Left up for its reading time, "…must keep it first" stood beside "Thank you. Your looks from
    # this visit are kept." and over the code, telling her the look was not kept after her yes.
    assert [n.text for n in of(events, Notice) if n.topic == "studio"] == [SHARE_KEEPS_FIRST, ""]


def test_a_fault_in_one_intent_is_reported_and_the_core_carries_on(core, monkeypatch):
    core, events = core

    def broken(look_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(core.parts.studio, "delete", broken)
    core.delete_look("whatever")
    assert wait_for(lambda: of(events, CoreFault))
    assert core.health()["faults"] == 1 and "boom" in core.health()["last_fault"]
    core.touch()
    assert session_id(core) is not None  # still answering


def test_recording_refused_for_disk_space_is_shown_in_plain_words_and_logged_with_figures(core, monkeypatch, caplog):
    core, events = core
    import dataclasses

    recorder = core.parts.studio._recorder
    monkeypatch.setattr(recorder, "settings", dataclasses.replace(recorder.settings, min_free_bytes=1 << 60))
    with caplog.at_level("WARNING", logger="kiosk.effects"):
        core.start_recording()
        assert wait_for(lambda: of(events, RecordingFailed))
    shown = of(events, RecordingFailed)[-1].reason
    assert shown == "The mirror cannot record right now because its storage is full. Please ask a store associate."
    assert "MB" not in shown
    # The figures are for staff: the journal has them, as the exception text that kiosk record prints.
    logged = [r.getMessage() for r in caplog.records if r.name == "kiosk.effects"]
    assert any("disk is almost full" in line and "MB free" in line and "MB needed" in line for line in logged), logged
