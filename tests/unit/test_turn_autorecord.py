"""The turn that records itself, against a fake core and recorder: ask, end, keep or drop, yaw track stored."""

from __future__ import annotations

import time

from kiosk.analysis.autorecord import AutoRecorder
from kiosk.analysis.events import BodyYaw, PersonPresenceChanged, TurnPhase
from kiosk.events import EventBus
from kiosk.recording.events import (
    LookRecorded,
    RecordingStarted,
    TakeDiscardRequested,
    TakeEndRequested,
    TakeRequested,
)


class FakeCore:
    """Answers take requests the way the core and the recorder do: a take "look-1" starts."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.calls: list[tuple] = []
        self.stored: dict[str, tuple[str, dict]] = {}
        self.discarded: list[str] = []
        bus.subscribe(self.on_event)

    def store(self, look: str, kind: str, data: dict) -> None:
        self.stored[look] = (kind, data)

    def on_event(self, event) -> None:
        if isinstance(event, TakeRequested):
            self.calls.append(("begin", event.reason))
            self.bus.emit(RecordingStarted(look_id="look-1", reason=event.reason, session_id=None))
        elif isinstance(event, TakeEndRequested):
            self.calls.append(("end", event.reason))
        elif isinstance(event, TakeDiscardRequested):
            self.discarded.append(event.look_id)


def setup(busy: bool = False, stop_after_s: float = 0.0):
    bus = EventBus()
    fake = FakeCore(bus)
    auto = AutoRecorder(bus, fake.store, stop_after_s=stop_after_s, preroll_s=2.0)
    auto.start()
    if busy:  # someone pressed the record button
        bus.emit(RecordingStarted(look_id="by-hand", reason="manual", session_id=None))
    return bus, fake, auto


def yaw(bus, t, rotation):
    bus.emit(BodyYaw(t=t, yaw_deg=(rotation + 180) % 360 - 180, rotation_deg=rotation, turn_deg=rotation))


def test_completed_turn_records_one_look_with_its_yaw_track():
    bus, fake, auto = setup()
    now = time.monotonic()
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=now - 0.5))
    for i in range(10):
        yaw(bus, now + i * 0.1, 36.0 * i)
    bus.emit(TurnPhase(phase="completed", direction="cw", start_s=now - 0.5, back_s=now + 0.5, end_s=now + 0.9,
                       rotation_deg=355.0, complete=True))
    yaw(bus, now + 1.0, 360.0)  # the next frame after the stop delay ends the take
    assert fake.calls == [("begin", "turn"), ("end", "turn completed")]
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=4.0, session_id=None))
    kind, data = fake.stored["look-1"]
    assert kind == "turn"
    assert data["turn"]["direction"] == "cw" and data["turn"]["complete"] is True
    assert len(data["yaw"]) == 11
    # Times are from the video's first frame: the turn began inside the 2 s pre-roll.
    assert 0.0 < data["turn"]["start_s"] < 2.0
    assert data["yaw"][0][0] < data["yaw"][-1][0]
    auto.stop()


def test_abandoned_turn_ends_the_take_and_drops_the_look():
    bus, fake, auto = setup()
    bus.emit(TurnPhase(phase="started", direction="ccw", start_s=time.monotonic()))
    bus.emit(TurnPhase(phase="abandoned", direction="ccw", start_s=1.0, end_s=2.0, rotation_deg=100.0, complete=False))
    assert fake.calls == [("begin", "turn"), ("end", "the turn was not completed")]
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=3.0, session_id=None))
    assert fake.discarded == ["look-1"] and fake.stored == {}
    auto.stop()


def test_the_shopper_leaving_ends_the_take_and_keeps_it():
    bus, fake, auto = setup()
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=time.monotonic()))
    bus.emit(PersonPresenceChanged(presence="nobody", full_body=False))
    assert fake.calls[-1] == ("end", "the shopper left")
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=3.0, session_id=None))
    assert "look-1" in fake.stored
    auto.stop()


def test_a_take_started_by_hand_is_left_alone():
    bus, fake, auto = setup(busy=True)
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=time.monotonic()))
    bus.emit(TurnPhase(phase="abandoned", direction="cw", start_s=1.0, end_s=2.0, rotation_deg=90.0, complete=False))
    assert fake.calls == []
    auto.stop()


def test_looks_of_other_takes_are_not_touched():
    bus, fake, auto = setup()
    bus.emit(LookRecorded(look_id="someone-else", path="/y.mp4", duration_s=3.0, session_id=None))
    assert fake.stored == {} and fake.discarded == []
    auto.stop()


def test_the_yaw_track_covers_the_pre_roll():
    bus, fake, auto = setup()
    now = time.monotonic()
    yaw(bus, now - 5.0, -2.0)  # long before: not in the video
    yaw(bus, now - 1.0, 1.0)  # inside the 2 s pre-roll: in the video
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=now - 0.5))
    yaw(bus, now, 80.0)
    bus.emit(PersonPresenceChanged(presence="nobody", full_body=False))
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=3.0, session_id=None))
    track = fake.stored["look-1"][1]["yaw"]
    assert [row[2] for row in track] == [1.0, 80.0]
    assert 0.5 < track[0][0] < 1.5  # a second into the video (2 s pre-roll, 1 s before the request)
    auto.stop()


def test_the_settled_path_replaces_the_live_estimates_it_covers():
    bus, fake, auto = setup()
    now = time.monotonic()
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=now))
    for i in range(5):
        bus.emit(BodyYaw(t=now + i * 0.2, yaw_deg=0.0, rotation_deg=0.0, turn_deg=0.0, confidence=0.4))
    settled = tuple((now + i * 0.2, 90.0 * i - 360.0 * (i > 2), 90.0 * i, 0.95) for i in range(4))
    bus.emit(TurnPhase(phase="completed", direction="cw", start_s=now, back_s=now + 0.4, end_s=now + 0.6,
                       rotation_deg=360.0, complete=True, track=settled))
    bus.emit(BodyYaw(t=now + 1.0, yaw_deg=0.0, rotation_deg=360.0, turn_deg=0.0, confidence=0.9))
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=4.0, session_id=None))
    rows = fake.stored["look-1"][1]["yaw"]
    assert [r[2] for r in rows] == [0.0, 90.0, 180.0, 270.0, 0.0, 360.0]  # settled, then the live rest
    assert [r[3] for r in rows][:4] == [0.95] * 4 and all(len(r) == 4 for r in rows)
    auto.stop()


def test_a_refused_request_lets_the_next_turn_ask_again():
    from kiosk.recording.events import RecordingFailed

    bus = EventBus()
    asked = []
    bus.subscribe(lambda e: asked.append(e) if isinstance(e, TakeRequested) else None)
    auto = AutoRecorder(bus, lambda *a: None, stop_after_s=0.0, preroll_s=2.0)
    auto.start()
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=time.monotonic()))
    bus.emit(RecordingFailed(reason="The disk is almost full."))  # the core could not start it
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=time.monotonic()))
    assert len(asked) == 2
    auto.stop()


def test_a_skipped_request_lets_the_next_turn_ask_again():
    # With Record greyed for a full disk the core tries no take and says nothing (Studio.skip_take):
    # the turn detector waited for a take that never came, ignored the next turn's start until the
    # first one ended, and then asked to end a take nobody had started.
    from kiosk.recording.events import TakeSkipped

    bus = EventBus()
    asked = []
    bus.subscribe(lambda e: asked.append(e) if isinstance(e, (TakeRequested, TakeEndRequested)) else None)
    auto = AutoRecorder(bus, lambda *a: None, stop_after_s=0.0, preroll_s=2.0)
    auto.start()
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=time.monotonic()))
    bus.emit(TakeSkipped(reason="turn"))  # the core's answer while Record cannot work
    bus.emit(TurnPhase(phase="completed", direction="cw", start_s=time.monotonic(), complete=True))
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=time.monotonic()))
    assert [type(e) for e in asked] == [TakeRequested, TakeRequested]  # no end for a take never started
    auto.stop()


def test_the_look_keeps_how_far_across_the_picture_she_reached():
    """Each frame's extent (``BodyYaw.extent``) over the take, pre-roll included, becomes the look's
    ``"span"``: the crop a comparison shows. A take with no extents keeps no span (the whole width)."""
    bus, fake, auto = setup()
    now = time.monotonic()
    for i in range(5):  # before the turn: the take's pre-roll, standing off to the picture's right
        bus.emit(BodyYaw(t=now - 1.0 + i * 0.1, yaw_deg=0.0, rotation_deg=0.0, turn_deg=0.0,
                         extent=(0.55, 0.75, 1.2)))
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=now))
    for i in range(10):
        bus.emit(BodyYaw(t=now + i * 0.1, yaw_deg=0.0, rotation_deg=36.0 * i, turn_deg=36.0 * i,
                         extent=(0.35, 0.6, 1.2)))
    bus.emit(TurnPhase(phase="completed", direction="cw", start_s=now, end_s=now + 0.9, rotation_deg=360.0,
                       complete=True))
    yaw(bus, now + 1.0, 360.0)  # no extent in this frame: nothing sure about her width
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=4.0, session_id=None))
    x0, x1 = fake.stored["look-1"][1]["span"]
    assert x0 < 0.35 and 0.75 < x1 < 1.0  # the pre-roll's frames count: she stood further right then
    assert x1 - x0 < 0.8
    auto.stop()

    bus, fake, auto = setup()
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=time.monotonic()))
    bus.emit(PersonPresenceChanged(presence="nobody", full_body=False))
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=3.0, session_id=None))
    assert "span" not in fake.stored["look-1"][1]
    auto.stop()


def test_the_span_says_which_upright_picture_it_is_of():
    """The span is of the picture turned upright by ``[display] rotation``: the look says which, so
    a comparison made after an installer changed the rotation does not crop another picture's width."""
    bus = EventBus()
    fake = FakeCore(bus)
    auto = AutoRecorder(bus, fake.store, stop_after_s=0.0, preroll_s=2.0, rotation=270)
    auto.start()
    now = time.monotonic()
    bus.emit(TurnPhase(phase="started", direction="cw", start_s=now))
    for i in range(10):
        bus.emit(BodyYaw(t=now + i * 0.1, yaw_deg=0.0, rotation_deg=36.0 * i, turn_deg=36.0 * i,
                         extent=(0.35, 0.6, 1.2)))
    bus.emit(TurnPhase(phase="completed", direction="cw", start_s=now, end_s=now + 0.9, rotation_deg=360.0,
                       complete=True))
    yaw(bus, now + 1.0, 360.0)
    bus.emit(LookRecorded(look_id="look-1", path="/x.mp4", duration_s=4.0, session_id=None))
    stored = fake.stored["look-1"][1]
    assert stored["span"] is not None and stored["span_rotation"] == 270
    auto.stop()
