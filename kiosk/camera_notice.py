"""When the camera notice covers the picture: a pure function of the camera's state, the age of
its newest picture and the clock.

``notice_step(notice, camera, frame_age_s, now)`` returns the next ``CameraNotice``; the core
calls it on every camera state change and every tick of its clock (``kiosk.core``), and the
screen shows what it says (``CameraNotice.qml``). No I/O, no clock: table-tested.

- The notice shows as soon as the camera is not running (starting, unavailable, ended,
  stopped), in that state's words, as the camera's watchdog says it (``hardware.camera_base``:
  unavailable after ``camera.watchdog_s`` without a picture).
- A camera starting (at start-up, or after a stop) uncovers the picture at its first frame.
- A camera that was lost and gives pictures again uncovers it only once they have flowed
  steadily for ``STEADY_S``: running, with its newest picture never older than ``GAP_S`` at
  any look. Until then the notice stays as it is, and a new stall (or a freeze the watchdog has
  not called a stall yet) starts the count again. A flaky USB camera that drops out for a
  second or two every few seconds so gives one steady notice, not a notice that flickers on
  and off over a picture that jumps.
- What counts as a gap follows the camera's rate (``gap_for``): a camera giving a picture a
  second (a slow mode, or a long exposure in a dark shop) has a newest picture up to a second
  old at any look, which is no freeze; held to ``GAP_S``, its notice never went.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: How long pictures must flow again before the notice over a lost camera goes. A flaky camera
#: comes back for a second or two between its dropouts (its reopening gives pictures, then
#: fails again), so 3 s of pictures without a gap mean it is most likely really back; after a
#: single stall the shopper waits only these 3 s longer, against the 2 s (``camera.watchdog_s``)
#: and a reopening that the stall itself took.
STEADY_S = 3.0

#: A newest picture older than this is a freeze a shopper sees (the core looks every
#: ``kiosk.core.TICK_S``, half a second); the watchdog calls it a stall only after
#: ``camera.watchdog_s``. A camera slower than 2 pictures a second gets more (``gap_for``).
GAP_S = 0.5
#: How many of a slow camera's frame intervals its newest picture may be old without a freeze:
#: one interval at most between two pictures, and half of one for their delivery and the look.
SLOW_GAP_FRAMES = 1.5

LOST = "unavailable"  # the one state whose notice is held until pictures flow steadily
HIDDEN = ""


@dataclass(frozen=True)
class CameraNotice:
    """What the notice shows: the camera state whose words it says, or ``HIDDEN``."""

    shows: str = "starting"
    steady_since: float | None = None  # while a lost camera's notice is held: pictures flow since then

    @property
    def shown(self) -> bool:
        return self.shows != HIDDEN


def gap_for(fps: float) -> float:
    """The oldest a newest picture may be at a look without a freeze, for a camera that gives
    ``fps`` pictures a second (0: not known yet): ``GAP_S``, more for a camera slower than 2."""
    if fps <= 0:
        return GAP_S
    return max(GAP_S, SLOW_GAP_FRAMES / fps)


def notice_step(notice: CameraNotice, camera: str, frame_age_s: float | None, now: float,
                steady_s: float = STEADY_S, gap_s: float = GAP_S) -> CameraNotice:
    """The notice once the camera is in state ``camera`` and its newest picture is ``frame_age_s``
    old (None: none yet) at ``now``."""
    if camera != "running":
        return CameraNotice(shows=camera)  # at once; a stall while held starts the count over
    if notice.shows != LOST:
        return CameraNotice(shows=HIDDEN)
    if frame_age_s is None or frame_age_s > gap_s:
        return replace(notice, steady_since=None)  # frozen again: the count starts over
    since = now if notice.steady_since is None else notice.steady_since
    if now - since >= steady_s:
        return CameraNotice(shows=HIDDEN)
    return replace(notice, steady_since=since)
