"""The camera notice comes at once and goes only once pictures flow steadily again (kiosk.camera_notice).

A fake clock plays a camera's story to ``notice_step`` as the core does: a look at every change
of state and at every tick of its clock (``kiosk.core.TICK_S``).
"""

from __future__ import annotations

import pytest

from kiosk.camera_notice import GAP_S, STEADY_S, CameraNotice, notice_step
from kiosk.core import TICK_S

FLOWING, FROZEN = True, False


def play(story: list[tuple[float, str, bool]], notice: CameraNotice | None = None) -> list[tuple[float, str]]:
    """The notice at each look while the camera goes through ``story``: (seconds, camera state,
    pictures flowing) one after the other; returns (time, what the notice shows) per look."""
    notice = notice or CameraNotice(shows="unavailable")
    looks, now, last_frame = [], 0.0, None
    for seconds, camera, flowing in story:
        end = now + seconds
        while now < end - 1e-9:
            if flowing:
                last_frame = now
            age = None if last_frame is None else now - last_frame
            notice = notice_step(notice, camera, age, now)
            looks.append((now, notice.shows))
            now = round(now + min(TICK_S, end - now), 6)
    return looks


def shown_at(looks: list[tuple[float, str]]) -> list[float]:
    return [t for t, shows in looks if shows]


def changes(looks: list[tuple[float, str]]) -> list[str]:
    """The notice's story, each change once (what the shopper sees)."""
    story: list[str] = []
    for _, shows in looks:
        seen = shows or "picture"
        if not story or story[-1] != seen:
            story.append(seen)
    return story


def flaky(times: int, lost_s: float, back_s: float) -> list[tuple[float, str, bool]]:
    """A camera the watchdog loses for ``lost_s``, that then gives pictures for ``back_s``, and
    freezes again for the watchdog's 2 s before it is called lost once more."""
    story = []
    for _ in range(times):
        story += [(lost_s, "unavailable", FROZEN), (back_s, "running", FLOWING), (2.0, "running", FROZEN)]
    return story


@pytest.mark.parametrize("lost_s, back_s", [(0.5, 1.0), (1.0, 2.0), (2.0, 0.5), (1.5, 2.0)])
def test_a_camera_that_keeps_dropping_out_gives_one_steady_notice(lost_s, back_s):
    looks = play(flaky(6, lost_s, back_s))
    assert changes(looks) == ["unavailable"], f"the notice flickers: {changes(looks)}"


def test_the_notice_keeps_the_lost_cameras_words_while_it_is_held():
    looks = play([(1.0, "unavailable", FROZEN), (1.0, "running", FLOWING)])
    assert [shows for _, shows in looks] == ["unavailable"] * len(looks), "the notice said something else"


def test_after_a_single_stall_the_picture_shows_once_it_flowed_steadily_for_the_hold():
    looks = play([(2.0, "unavailable", FROZEN), (STEADY_S + 5.0, "running", FLOWING)])
    back = 2.0
    assert max(shown_at(looks)) < back + STEADY_S, "the notice stays longer than the hold"
    assert max(shown_at(looks)) >= back + STEADY_S - TICK_S, "the notice went before the hold"
    assert changes(looks) == ["unavailable", "picture"]


def test_a_freeze_the_watchdog_has_not_called_a_stall_yet_starts_the_hold_again():
    looks = play([(1.0, "unavailable", FROZEN), (2.0, "running", FLOWING), (1.5, "running", FROZEN),
                  (STEADY_S + 2.0, "running", FLOWING)])
    flowing_again = 1.0 + 2.0 + 1.5
    assert max(shown_at(looks)) >= flowing_again + STEADY_S - TICK_S, "the notice went over a frozen picture"
    assert changes(looks) == ["unavailable", "picture"]


def test_a_short_gap_between_pictures_is_no_freeze():
    notice = notice_step(CameraNotice(shows="unavailable"), "running", 0.0, 10.0)
    notice = notice_step(notice, "running", GAP_S * 0.9, 10.0 + STEADY_S)
    assert not notice.shown


@pytest.mark.parametrize("camera", ["starting", "unavailable", "ended", "stopped"])
def test_the_notice_shows_at_once_in_the_cameras_words(camera):
    looks = play([(5.0, "running", FLOWING), (0.1, camera, FROZEN)], notice=CameraNotice(shows=""))
    assert looks[-1] == (5.0, camera)


def test_a_camera_starting_uncovers_the_picture_at_its_first_frame():
    looks = play([(1.0, "starting", FROZEN), (1.0, "running", FLOWING)], notice=CameraNotice())
    assert changes(looks) == ["starting", "picture"]
    assert max(shown_at(looks)) < 1.0


def test_a_picture_that_freezes_is_left_to_the_watchdog():
    """As before the hold: the notice comes when the watchdog calls the camera lost, not earlier."""
    looks = play([(1.0, "running", FLOWING), (1.9, "running", FROZEN), (0.5, "unavailable", FROZEN)],
                 notice=CameraNotice(shows=""))
    assert min(shown_at(looks)) == pytest.approx(2.9)


def play_slow(fps: float, seconds: float, delivery_s: float = 0.05) -> list[tuple[float, str]]:
    """A lost camera back at ``fps`` pictures a second, each picture ``delivery_s`` old when it
    reaches the hub, looked at as the core does: every tick, with the gap for the camera's rate."""
    from kiosk.camera_notice import gap_for

    notice, looks, frame, interval = CameraNotice(shows="unavailable"), [], 0.0, 1.0 / fps
    for n in range(int(seconds / TICK_S)):
        now = n * TICK_S
        while frame + interval <= now + 1e-9:
            frame += interval
        notice = notice_step(notice, "running", now - frame + delivery_s, now, gap_s=gap_for(fps))
        looks.append((now, notice.shows))
    return looks


@pytest.mark.parametrize("fps", [1.0, 1.5])
def test_a_slow_camera_that_came_back_uncovers_the_picture_after_the_hold(fps):
    """A camera giving a picture or so a second (a slow mode, a long exposure in a dark shop) has a
    newest picture up to a second old at any look: no freeze, and no notice held for ever."""
    looks = play_slow(fps, 30.0)
    assert changes(looks) == ["unavailable", "picture"], "the notice over the working slow camera never went"
    assert max(shown_at(looks)) < STEADY_S + 1.0


def test_a_slow_cameras_freeze_still_starts_the_hold_again():
    from kiosk.camera_notice import gap_for

    notice = notice_step(CameraNotice(shows="unavailable"), "running", 0.2, 10.0, gap_s=gap_for(1.0))
    notice = notice_step(notice, "running", 1.9, 11.5, gap_s=gap_for(1.0))  # the watchdog (2 s) has not called it lost
    notice = notice_step(notice, "running", 0.2, 10.0 + STEADY_S + 0.5, gap_s=gap_for(1.0))
    assert notice.shown, "a slow camera's freeze counted as pictures flowing"
    assert gap_for(30.0) == GAP_S and gap_for(0.0) == GAP_S
