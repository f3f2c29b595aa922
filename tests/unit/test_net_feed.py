"""Core events → the network's state, counters and event names (no sockets, SQLite under tmp_path)."""

from __future__ import annotations

import json

import pytest

from kiosk.config import Config
from kiosk.events import CameraStateChanged, SessionStateChanged
from kiosk.identity.events import (
    STEP_ASSOCIATE,
    STEP_CONSENT,
    STEP_FORGET,
    STEP_OTHER_CARD,
    STEP_WELCOME,
    CardTapped,
    ConsentChanged,
)
from kiosk.net.assist import AssistQueue
from kiosk.net.auth import Auth
from kiosk.net.context import NetContext
from kiosk.net.db import NetworkDatabase
from kiosk.net.feed import EventFeed
from kiosk.net.metrics_text import render_metrics
from kiosk.net.outbox import Outbox, OutboxSettings
from kiosk.net.shares import ShareStore
from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingStarted


class Stream:
    """Records what would go to SSE clients."""

    subscribers = 0

    def __init__(self):
        self.sent = []

    def publish(self, name, data):
        self.sent.append((name, data))


@pytest.fixture
def ctx(tmp_path):
    db = NetworkDatabase(tmp_path / "n.sqlite3")
    db.open()
    context = NetContext(
        config=Config(), mirror_id="m-1", auth=Auth("t"), shares=ShareStore(db, 60), assist=AssistQueue(db),
        outbox=Outbox(db, None, {}), stream=Stream(),
    )
    yield context
    db.close()


def test_states_follow_sessions_and_recordings(ctx):
    states = []
    feed = EventFeed(ctx, states.append)
    feed(CameraStateChanged(state="running", reason=""))  # not ours: ignored
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(SessionStateChanged(state="session", session_id="s1"))  # repeated: no second start
    feed(RecordingStarted(look_id="L1", reason="turn", session_id="s1"))
    feed(LookRecorded(look_id="L1", path="/x.mp4", duration_s=6.0, session_id="s1"))
    feed(RecordingStarted(look_id="L2", reason="turn", session_id="s1"))
    feed(RecordingDiscarded(look_id="L2", reason="too short"))
    feed(SessionStateChanged(state="idle", session_id=None))
    assert states == ["session", "recording", "session", "recording", "session", "idle"]
    names = [name for name, _ in ctx.stream.sent if name != "state"]
    assert names == ["session_started", "look_recorded", "session_ended"]
    assert ctx.sessions_started == 1 and ctx.looks_recorded == 1
    assert ctx.state == "idle"


def test_session_ending_while_recording_goes_idle(ctx):
    states = []
    feed = EventFeed(ctx, states.append)
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(RecordingStarted(look_id="L1", reason="turn", session_id="s1"))
    feed(SessionStateChanged(state="idle", session_id=None))
    assert states[-1] == "idle"


def test_metrics_are_prometheus_text(ctx):
    text = render_metrics(ctx)
    lines = text.splitlines()
    assert text.endswith("\n")
    samples = [line for line in lines if not line.startswith("#")]
    for sample in samples:
        name = sample.split("{")[0].split(" ")[0]
        assert f"# TYPE {name} " in text, name
        float(sample.rsplit(" ", 1)[1])
    assert "kiosk_camera_up 0" in samples  # kiosk serve: no camera, and it says so
    assert "kiosk_camera_configured 0" in samples  # on purpose: no alert on its camera


def test_camera_metrics_tell_a_camera_that_came_back_from_tries_while_it_is_away(ctx):
    from dataclasses import replace

    from kiosk.capture import CameraStatus

    status = CameraStatus(state="unavailable", reason="camera /dev/video0 is not plugged in", fps=0.0,
                          captured=900, dropped=2, reconnects=1, open_failures=17)
    text = render_metrics(replace(ctx, camera=lambda: status))
    samples = text.splitlines()
    assert "kiosk_camera_reconnects_total 1" in samples and "kiosk_camera_open_failures_total 17" in samples
    assert "# HELP kiosk_camera_reconnects_total Times the camera came back" in text
    assert "kiosk_camera_up 0" in samples and "kiosk_camera_configured 1" in samples  # a camera that is down


# -- what a card tap tells outside the mirror: her card key only with her yes ---------------------

KEY, OTHER, STAFF = "k" * 32, "o" * 32, "s" * 32
VERSION = "2026-12.3"


@pytest.fixture
def hooked(ctx):
    """The context with a webhook set: every emitted event is stored in the outbox too."""
    from dataclasses import replace

    return replace(ctx, outbox=Outbox(ctx.shares.database, OutboxSettings("http://127.0.0.1:9/", "s" * 16), {}))


def _tap(key=KEY, step=STEP_CONSENT, session="s1", staff_role=None):
    return CardTapped(card_key=key, first_name="Ana", known=True, staff_role=staff_role, session_id=session,
                      next_step=step, protocol="line")


def _answer(decision, key=None, session="s1"):
    return ConsentChanged(session_id=session, decision=decision, wording_version=VERSION, card_key=key)


def _queued(ctx) -> list[tuple[str, dict]]:
    rows = ctx.shares.database.query("SELECT body FROM outbox ORDER BY seq")
    return [(b["kind"], b["data"]) for b in (json.loads(bytes(r["body"])) for r in rows)]


def _told(ctx, name) -> list[dict]:
    return [data for event, data in ctx.stream.sent if event == name]


def _names_anyone(ctx, key=KEY) -> bool:
    """Whether the card key reached live clients or the outbox, anywhere in an event."""
    sent = json.dumps(ctx.stream.sent)
    stored = b"".join(bytes(r["body"]) for r in ctx.shares.database.query("SELECT body FROM outbox"))
    return key in sent or key.encode() in stored


def test_a_tap_then_no_never_names_the_shopper(hooked):
    feed = EventFeed(hooked, lambda state: None)
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(_tap())
    feed(_answer("declined"))
    feed(_tap())  # tapped again after the no: the question again, still nobody named
    feed(SessionStateChanged(state="idle", session_id=None))
    assert not _names_anyone(hooked)
    tapped = {"mirror_id": "m-1", "customer_id": None, "known": None, "staff": False, "session_id": "s1", "room": ""}
    assert _told(hooked, "card_tapped") == [tapped, tapped]  # told, as a tap of someone
    assert [kind for kind, _ in _queued(hooked)] == ["session_started", "card_tapped", "card_tapped", "session_ended"]
    assert _told(hooked, "customer_identified") == []


def test_a_tap_then_yes_names_her_once_with_the_yes(hooked):
    feed = EventFeed(hooked, lambda state: None)
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(_tap())
    assert not _names_anyone(hooked)  # asked, not yet answered
    feed(_answer("accepted", KEY))
    identified = {"mirror_id": "m-1", "customer_id": KEY, "session_id": "s1", "room": ""}
    assert _told(hooked, "customer_identified") == [identified]
    assert _queued(hooked)[-1] == ("customer_identified", identified)
    feed(_tap(step=STEP_FORGET))  # her tied card, tapped again: her tap may name her now
    assert _told(hooked, "card_tapped")[-1]["customer_id"] == KEY and _told(hooked, "card_tapped")[-1]["known"] is True
    assert len(_told(hooked, "customer_identified")) == 1


def test_a_tap_while_her_forget_me_is_unfinished_never_names_her(hooked):
    # "Forget me" hit a locked database: her card is untied, "forget me" is offered again at her next
    # tap (in this visit or another). That tap is no tie to a yes: it must not name her.
    from dataclasses import replace

    feed = EventFeed(hooked, lambda state: None)
    feed(SessionStateChanged(state="session", session_id="s2"))
    feed(replace(_tap(step=STEP_FORGET, session="s2"), forgetting=True))
    assert not _names_anyone(hooked)
    assert _told(hooked, "customer_identified") == []


def test_a_forget_me_left_unfinished_purges_the_outbox_at_once(hooked):
    # Her "forget me" hit a locked database: what waits to go to the store naming her must not go
    # meanwhile, nor stay for ever should the kiosk stop before the forget finishes.
    from kiosk.identity.events import CustomerForgetting

    feed = EventFeed(hooked, lambda state: None)
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(_tap())
    feed(_answer("accepted", KEY))
    assert _names_anyone(hooked)
    feed(CustomerForgetting(card_key=KEY))
    stored = b"".join(bytes(r["body"]) for r in hooked.shares.database.query("SELECT body FROM outbox"))
    assert KEY.encode() not in stored


def test_a_yes_then_tap_names_her_at_the_tap(hooked):
    feed = EventFeed(hooked, lambda state: None)
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(_answer("accepted"))  # a yes before any tap ties no card: nobody to name
    assert not _names_anyone(hooked)
    feed(_tap(step=STEP_WELCOME))
    assert _told(hooked, "card_tapped") == [
        {"mirror_id": "m-1", "customer_id": KEY, "known": True, "staff": False, "session_id": "s1", "room": ""}
    ]
    identified = {"mirror_id": "m-1", "customer_id": KEY, "session_id": "s1", "room": ""}
    assert _told(hooked, "customer_identified") == [identified]
    assert [kind for kind, _ in _queued(hooked)] == ["session_started", "card_tapped", "customer_identified"]


def test_a_yes_taken_back_leaves_nothing_naming_her_in_the_outbox(hooked):
    feed = EventFeed(hooked, lambda state: None)
    feed(SessionStateChanged(state="session", session_id="s0"))
    feed(_tap(OTHER, step=STEP_WELCOME, session="s0"))  # an earlier visit's yes, another shopper: kept
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(_tap())
    feed(_answer("accepted", KEY))
    feed(_tap(STAFF, step=STEP_ASSOCIATE, staff_role="associate"))
    feed(_tap(step=STEP_FORGET))
    assert _names_anyone(hooked)
    feed(_answer("withdrawn", KEY))
    stored = b"".join(bytes(r["body"]) for r in hooked.shares.database.query("SELECT body FROM outbox"))
    assert KEY.encode() not in stored
    kinds = [(kind, data["session_id"], data.get("customer_id")) for kind, data in _queued(hooked)]
    assert kinds == [
        ("session_started", "s0", None), ("card_tapped", "s0", OTHER), ("customer_identified", "s0", OTHER),
        ("session_started", "s1", None), ("card_tapped", "s1", None), ("card_tapped", "s1", STAFF),
    ]


def test_a_staff_card_and_another_card_in_a_tied_visit(hooked):
    feed = EventFeed(hooked, lambda state: None)
    feed(_tap(STAFF, step=STEP_ASSOCIATE, staff_role="associate"))
    feed(_tap(OTHER, step=STEP_OTHER_CARD))  # the visit belongs to another card: this one said no yes
    staff, other = _told(hooked, "card_tapped")
    assert (staff["customer_id"], staff["known"], staff["staff"]) == (STAFF, True, True)
    assert (other["customer_id"], other["known"], other["staff"]) == (None, None, False)
    assert not _names_anyone(hooked, OTHER)


def test_a_take_finished_while_the_next_is_recorded_keeps_the_mirror_recording(ctx):
    # The finisher's LookRecorded for the take before came after the next one started: the console
    # and the webhook were told "session" while the mirror was recording.
    states = []
    feed = EventFeed(ctx, states.append)
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(RecordingStarted(look_id="L1", reason="turn", session_id="s1"))
    feed(RecordingStarted(look_id="L2", reason="turn", session_id="s1"))
    feed(LookRecorded(look_id="L1", path="/x.mp4", duration_s=6.0, session_id="s1"))
    feed(RecordingDiscarded(look_id="L1", reason="too short"))
    assert states == ["session", "recording"]
    assert [name for name, _ in ctx.stream.sent if name == "look_recorded"] == ["look_recorded"], "L1 is still told"
    feed(LookRecorded(look_id="L2", path="/y.mp4", duration_s=6.0, session_id="s1"))
    assert states == ["session", "recording", "session"]
