"""``kiosk bench wake``'s arithmetic: the empty room made from a frame, and matching arrivals to screen-ons."""

from __future__ import annotations

import numpy as np

from bench.wake import _Arrivals, _wakes, empty_room


def test_the_empty_room_keeps_the_edges_and_loses_the_person():
    frame = np.full((120, 90, 3), 235, np.uint8)
    frame[:, :10] = (200, 210, 220)  # a wall a little darker on the left
    frame[30:110, 35:55] = (40, 60, 180)  # a person in the middle
    room = empty_room(frame)
    assert room.shape == frame.shape
    assert np.abs(room[70, 45].astype(int) - 235).max() < 40, "the person is still there"
    assert np.abs(room[70, 2].astype(int) - (200, 210, 220)).max() < 5


def arrivals(starts, ends):
    a = _Arrivals.__new__(_Arrivals)
    a.times, a.left = list(starts), list(ends)
    return a


def test_each_arrival_is_matched_to_the_first_screen_on_after_it():
    calls = [(0.0, True), (3.0, False), (10.4, True), (16.0, False), (20.7, True)]
    wakes, not_dark, false_wakes = _wakes(arrivals([10.0, 20.0], [14.0, 24.0]), calls)
    assert [round(w, 2) for w in wakes] == [0.4, 0.7] and not_dark == 0 and false_wakes == 0


def test_an_arrival_the_screen_was_lit_for_and_a_wake_for_nobody_are_counted():
    calls = [(0.0, True), (3.0, False), (5.0, True), (6.0, False), (10.5, True)]
    wakes, not_dark, false_wakes = _wakes(arrivals([4.5, 10.0], [4.9, 14.0]), calls)
    assert not_dark == 0 and len(wakes) == 2
    # the screen lit at 5.0 is within a second of the person leaving at 4.9: not a false wake
    wakes, not_dark, false_wakes = _wakes(arrivals([10.0], [14.0]), [(0.0, True), (3.0, False), (5.0, True), (6.0, False),
                                                                      (10.5, True)])
    assert false_wakes == 1 and [round(w, 2) for w in wakes] == [0.5]
    wakes, not_dark, _ = _wakes(arrivals([1.0], [2.0]), [(0.0, True), (3.0, False)])
    assert not_dark == 1 and wakes == []
