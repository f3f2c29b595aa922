"""The shared angle on the mirror: turns by itself, a finger holds and drags it, a swipe nudges and parks it."""

import pytest

from kiosk.compare.turntable import GLIDE_S, PARK_S, Turntable


def test_turns_once_round_in_its_seconds_the_sweep_way():
    table = Turntable(8.0, sweep=1, now=100.0)
    assert table.angle(100.0) == 0.0
    assert table.angle(102.0) == pytest.approx(90.0)
    assert table.angle(108.0) == pytest.approx(360.0)
    back = Turntable(8.0, sweep=-1, now=0.0)
    assert back.angle(2.0) == pytest.approx(-90.0)


def test_held_still_until_started():
    table = Turntable(4.0, now=0.0, turning=False)
    assert table.angle(3.0) == 0.0 and not table.turning(3.0)
    table.start(3.0)
    assert table.angle(4.0) == pytest.approx(90.0)


def test_a_finger_holds_drags_and_lets_go():
    table = Turntable(4.0, now=0.0)
    table.hold(1.0)  # at 90°
    assert table.angle(3.0) == pytest.approx(90.0), "a held comparison does not turn"
    table.drag(30.0, 3.1)
    table.drag(-10.0, 3.2)
    assert table.angle(3.5) == pytest.approx(110.0)
    table.release(4.0)
    assert table.angle(5.0) == pytest.approx(200.0), "letting go turns on from where the finger left it"


def test_dragging_without_holding_does_nothing():
    table = Turntable(4.0, now=0.0)
    table.drag(90.0, 1.0)
    assert table.angle(1.0) == pytest.approx(90.0)  # only the turn itself


def test_a_swipe_glides_then_parks_then_the_turn_resumes():
    table = Turntable(4.0, now=0.0)
    table.nudge(45.0, 1.0)  # at 90°, heading for 135°
    mid = table.angle(1.0 + GLIDE_S / 2)
    assert 90.0 < mid < 135.0, "the step is eased, not a jump"
    assert table.angle(1.0 + GLIDE_S) == pytest.approx(135.0)
    assert table.angle(1.0 + PARK_S - 0.01) == pytest.approx(135.0), "parked on the side asked for"
    assert table.angle(1.0 + PARK_S + 1.0) == pytest.approx(225.0), "then it turns on"


def test_swipes_add_up():
    table = Turntable(4.0, now=0.0, turning=False)
    table.nudge(45.0, 0.0)
    table.nudge(45.0, 0.1)
    assert table.angle(1.0) == pytest.approx(90.0)


def test_next_change_is_when_the_angle_reaches_the_next_slot():
    table = Turntable(3.6, now=0.0)  # 100° a second
    assert table.next_change(0.0, 2.5) == pytest.approx(0.025)
    assert table.next_change(0.01, 2.5) == pytest.approx(0.015)
    table.hold(0.5)
    assert table.next_change(0.6, 2.5, fallback=0.5) == 0.5, "held: nothing to wait for but a finger"
    back = Turntable(3.6, sweep=-1, now=0.0)
    assert back.next_change(0.01, 2.5) == pytest.approx(0.015)
