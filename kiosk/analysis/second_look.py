"""Second looks: where the tracked pose model's answer is not the person's, look again.

The tracked model follows one person in a crop around where the last frame had them. Three
things go wrong often enough to look a second time, through the same model without tracking:
a hand raised between two analysed frames leaves the crop (``for_lost_wrists``); a shopper
close to the camera, or a camera zoomed in, leaves the model no room around the body to find
it (``with_room``); and with the shopper's back or side to the camera, the tracked model may
leap to a passer-by (``where_it_was``). Each look costs the model once more, and is taken only
on the frames that need it.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

import numpy as np

from kiosk import native
from kiosk.analysis.landmarks import (HEAD, LEFT_ELBOW, LEFT_INDEX, LEFT_PINKY, LEFT_SHOULDER, LEFT_THUMB,
                                      LEFT_WRIST, RIGHT_ELBOW, RIGHT_INDEX, RIGHT_PINKY, RIGHT_SHOULDER,
                                      RIGHT_THUMB, RIGHT_WRIST, torso_axes)

if TYPE_CHECKING:
    from kiosk.analysis.pose import PoseSettings

#: A raised arm is one whose elbow, seen at least ``_ELBOW_SEEN``, is above its shoulder; its
#: wrist is lost while seen less than ``_SEEN_AGAIN`` (what the gestures need to use a hand), and
#: found again once a second look sees it that well.
_ELBOW_SEEN, _SEEN_AGAIN = 0.3, 0.5
#: The shoulders' width across the torso, in torso lengths, under which no raised hand counts
#: (``GestureSettings.facing_floor``): no second look there.
_FACING = 0.3
#: A second look's room above the person (a share of the picture's height; half as much at
#: each side, and as much below when looking for a lost person).
_ROOM = 0.3
#: Nobody found within this long of a person seen: that person is looked for with room only if
#: they reached the picture's edge (``_FILLED``); otherwise at most once every ``_ROOM_EVERY_S``.
_ROOM_RECENT_S, _ROOM_EVERY_S = 2.0, 0.5
#: A person whose landmarks come within this share of the picture's size of its edge (or beyond)
#: fills the picture: close to the camera, or the camera zoomed in.
_FILLED = 0.03
_ARMS = ((LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST), (RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST))
#: A pose leapt from where the person stood (``leapt``) when its hips lie ``_LEAP_SHIFT`` torso
#: lengths from theirs or its torso is ``_LEAP_SHRINK`` shorter (log), as the person gate's
#: sudden change (``continuity``) but a little readier: here a false alarm costs a look, not a
#: frame. Where they stood: the median of their poses over ``_LEAP_HISTORY_S``, the last at most
#: ``_LEAP_RECENT_S`` before. The second look's box: their last pose's landmarks
#: with ``_LEAP_BOX`` of its height at each side and half that above and below.
_LEAP_SHIFT, _LEAP_SHRINK = 0.3, 0.15
_LEAP_HISTORY_S, _LEAP_RECENT_S, _LEAP_BOX = 0.4, 1.0, 0.25
#: The other person's head, hidden from the second look: a square ``_HEAD_HIDE`` of their torso
#: lengths from its centre to each side (a head is about half a torso length across), unless its
#: centre lies within as much of hers (the same head); a square ``_HEAD_KEEP`` around hers is
#: then painted back.
_HEAD_HIDE, _HEAD_KEEP = 0.4, 0.25


class Stance(NamedTuple):
    """Where a pose stands in the picture: its hips' centre (picture heights) and torso length."""

    x: float
    y: float
    torso: float


def stance_of(image: np.ndarray, aspect: float, min_torso: float = 1e-4) -> Stance | None:
    """The stance of landmarks ``image`` (frame fractions; ``aspect``: width over height), or None
    for a pose without a torso to measure (shorter than ``min_torso`` picture heights)."""
    axes = torso_axes(image.astype(np.float64) * np.array([aspect, 1.0]), min_torso)
    if axes is None:
        return None
    return Stance(float(axes.hips[0]), float(axes.hips[1]), axes.length)


def _head_box(image: np.ndarray, shape: tuple, half_torso: float) -> tuple[int, int, int, int] | None:
    """A box over the head of landmarks ``image`` (frame fractions), ``half_torso`` torso lengths
    from its centre to each side, in the pixels of a picture of ``shape``; None without a torso."""
    height, width = shape[:2]
    xy = image.astype(np.float64) * np.array([width, height])
    axes = torso_axes(xy, 1.0)
    if axes is None:
        return None
    cx, cy = xy[HEAD].mean(axis=0)
    half = half_torso * axes.length
    return int(cx - half), int(cy - half), int(np.ceil(cx + half)), int(np.ceil(cy + half))


def _centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _inside(point: tuple[float, float], box: tuple[int, int, int, int]) -> bool:
    return box[0] <= point[0] < box[2] and box[1] <= point[1] < box[3]


def _fill(crop: np.ndarray, box: tuple[int, int, int, int], origin: tuple[int, int],
          colour: np.ndarray | None, source: np.ndarray | None = None) -> None:
    """Paint ``box`` (the full picture's pixels; ``origin``: where ``crop`` starts in it) over
    ``crop`` with ``colour``, or with the same pixels of ``source``."""
    x0, y0 = max(box[0] - origin[0], 0), max(box[1] - origin[1], 0)
    x1, y1 = max(box[2] - origin[0], 0), max(box[3] - origin[1], 0)
    crop[y0:y1, x0:x1] = colour if source is None else source[y0:y1, x0:x1]


def leapt(before: Stance, after: Stance) -> bool:
    """Whether a pose standing ``after`` leapt from ``before``: hips ``_LEAP_SHIFT`` of
    ``before``'s torso lengths away or more, or a torso ``_LEAP_SHRINK`` (log) shorter or more."""
    return bool(math.hypot(after.x - before.x, after.y - before.y) / before.torso >= _LEAP_SHIFT
                or math.log(after.torso / before.torso) <= -_LEAP_SHRINK)


def _sees(result, wrists: list[int]) -> bool:
    """The model found a person and sees each of ``wrists`` well enough to use."""
    if result.pose_landmarks is None or result.pose_world_landmarks is None:
        return False
    seen = result.pose_landmarks.landmark
    return all(seen[w].visibility >= _SEEN_AGAIN for w in wrists)


def lost_wrists(result, aspect: float) -> list[int]:
    """The wrists the model has lost on an arm whose elbow is raised above its shoulder, on a body
    that faces the camera enough for a raised hand to count (``_FACING``; ``aspect``: the
    picture's width over its height). A spin flings the arms up side-on: no gesture there."""
    if result.pose_landmarks is None:
        return []
    p = result.pose_landmarks.landmark
    lost = [w for sh, e, w in _ARMS
            if p[e].y < p[sh].y and p[e].visibility >= _ELBOW_SEEN and p[w].visibility < _SEEN_AGAIN]
    if not lost:
        return []  # most frames: no torso to measure
    xy = np.array([(p[i].x * aspect, p[i].y) for i in range(len(p))])
    axes = torso_axes(xy, 1e-4)
    if axes is None or abs(axes.spread(xy, LEFT_SHOULDER, RIGHT_SHOULDER)) < _FACING:
        return []  # side-on
    return lost


#: Per wrist, the landmarks of its arm from the elbow down (elbow, wrist, pinky, index, thumb).
_FOREARMS = {LEFT_WRIST: (LEFT_ELBOW, LEFT_WRIST, LEFT_PINKY, LEFT_INDEX, LEFT_THUMB),
             RIGHT_WRIST: (RIGHT_ELBOW, RIGHT_WRIST, RIGHT_PINKY, RIGHT_INDEX, RIGHT_THUMB)}


def _with_arms(tracked, found, wrists: list[int]):
    """The tracked pose with the forearms of ``wrists`` as the second look found them.

    The second look is for the hand: the body as tracking followed it (the torso, the head, the
    legs, whose cues the yaw reads) stays as it was, so a second look changes nothing else.
    """
    for marks, other in ((tracked.pose_landmarks, found.pose_landmarks),
                         (tracked.pose_world_landmarks, found.pose_world_landmarks)):
        for w in wrists:
            for i in _FOREARMS[w]:
                a, b = marks.landmark[i], other.landmark[i]
                a.x, a.y, a.z, a.visibility = b.x, b.y, b.z, b.visibility
    return tracked


def _with_room(rgb: np.ndarray, cv2, below: bool) -> tuple[np.ndarray, tuple[int, int]]:
    """The picture with black room above, at the sides and, if ``below``, below it (``_ROOM``),
    and where the picture starts in it."""
    top = round(_ROOM * rgb.shape[0])
    side = top // 2
    return cv2.copyMakeBorder(rgb, top, top if below else 0, side, side, cv2.BORDER_CONSTANT, value=(0, 0, 0)), (side, top)


def _fills_picture(image: np.ndarray) -> bool:
    """The landmarks (frame fractions) reach the picture's edge or beyond (``_FILLED``)."""
    return bool(image.min() < _FILLED or image.max() > 1.0 - _FILLED)


def _into_picture(result, padded: tuple[int, int], size: tuple[int, int], offset: tuple[int, int]):
    """``result``'s landmarks, found on a padded picture, as fractions of the picture without it."""
    (pw, ph), (w, h), (dx, dy) = padded, size, offset
    for p in result.pose_landmarks.landmark:
        p.x, p.y, p.z = (p.x * pw - dx) / w, (p.y * ph - dy) / h, p.z * pw / w
    return result


class SecondLooks:
    """The second looks one estimator takes, with the model without tracking they share.

    ``untracked``: starts that model (``pose.untracked_model``; the one module that imports
    mediapipe builds it). ``downsize``: shrinks a picture to the model's input size.
    """

    def __init__(self, settings: "PoseSettings", untracked: Callable[[], Any],
                 downsize: Callable[[np.ndarray], np.ndarray]) -> None:
        self.settings = settings
        self.model = None  # the model without tracking, started the first time it is needed
        self._untracked = untracked
        self._downsize = downsize
        self._seen_at: float | None = None  # frame time of the last person found
        self._filled = False  # that person reached the picture's edge (close to the camera)
        self._room_at: float | None = None  # frame time of the last look with room around the picture
        self._stood: deque[tuple[float, np.ndarray, Stance]] = deque()  # the person's recent poses (``where_stood``)

    def close(self) -> None:
        """Stop the model (it starts again when next needed)."""
        if self.model is not None:
            self.model.close()
            self.model = None

    def forget(self) -> None:
        """Forget the person: where they stood, when they were seen."""
        self._seen_at = self._room_at = None
        self._stood.clear()
        self._filled = False

    def seen(self, t: float, image: np.ndarray, stance: Stance | None, leap: bool) -> None:
        """The person was found at ``t`` with landmarks ``image`` (frame fractions) standing at
        ``stance``; a ``leap`` not found again is not where the person stood."""
        if stance is not None and not leap:
            self._stood.append((t, image, stance))
        self._seen_at, self._filled = t, _fills_picture(image)

    def _searcher(self):
        """The model without tracking (started on first use)."""
        if self.model is None:
            self.model = self._untracked()
        return self.model

    def room_due(self, t: float) -> bool:
        """Nobody found at ``t``: look again with room around the picture?

        Where the person just seen filled the picture to its edge, every frame: they are close
        to the camera, and the look with room is what finds them. Where they had room around
        them, no: the model lost them for another reason (someone passing in front, a fast spin),
        and a look that finds whoever stands out most in the picture would not help. With nobody
        seen for ``_ROOM_RECENT_S`` (an empty room, or someone stepping in close), at most every
        ``_ROOM_EVERY_S``: an empty fitting room costs the detector that much more, not twice.
        """
        if not self.settings.search_with_room:
            return False
        if self._seen_at is not None and 0.0 <= t - self._seen_at <= _ROOM_RECENT_S:
            return self._filled
        return self._room_at is None or t < self._room_at or t - self._room_at >= _ROOM_EVERY_S - 1e-3

    def with_room(self, rgb: np.ndarray, tracked, t: float):
        """Nobody found at ``t``: the picture once more through the model, with black room around it.

        The model finds a person from their whole body's outline, and expects room around it: a
        shopper close to the camera (seen from the knees up, or stepped towards the glass) or a
        camera zoomed in leaves none, and the model then finds nobody frame after frame while
        the shopper stands square to the mirror. With room around the picture (``_ROOM``) it
        often finds them (on 7 rendered dev runs, 31 of 67 such frames against 5 without
        the room). A look that finds nobody costs the person detector once more (about 11 ms
        here); one that finds a person, the whole model.
        """
        self._room_at = t
        padded, offset = _with_room(rgb, native.cv2(), below=True)
        found = self._searcher().process(padded)
        if found.pose_landmarks is None or found.pose_world_landmarks is None:
            return tracked
        return _into_picture(found, (padded.shape[1], padded.shape[0]), (rgb.shape[1], rgb.shape[0]), offset)

    def for_lost_wrists(self, rgb: np.ndarray, tracked, lost: list[int]):
        """The same picture through the model without tracking (then with room above the person);
        where a look sees the ``lost`` wrists, the tracked pose with those forearms as it found them.

        Tracking looks for the person where the last frame had them. At a few analysed frames a
        second, an arm raised between two frames can leave the hand outside that region: the model
        then puts the wrist at the chin, unseen, frame after frame, and a raised hand is never
        held up. Searching the picture afresh finds it (about 1.5× the model's time, only on such
        frames).
        """
        found = self._searcher().process(rgb)
        if not _sees(found, lost):
            # A hand raised to the picture's top edge: the model, made for people with room
            # around them, often cannot place it there. Once more with room above the person.
            padded, offset = _with_room(rgb, native.cv2(), below=False)
            found = self.model.process(padded)
            if not _sees(found, lost):
                return tracked
            found = _into_picture(found, (padded.shape[1], padded.shape[0]), (rgb.shape[1], rgb.shape[0]), offset)
        return _with_arms(tracked, found, lost)

    def where_stood(self, t: float) -> Stance | None:
        """Where the person stood before ``t``: the median of their poses over the
        ``_LEAP_HISTORY_S`` before the last one, if that one is at most ``_LEAP_RECENT_S`` old;
        None without one (or with the second look turned off)."""
        if not self.settings.look_again_on_leap:
            return None
        while self._stood and not 0.0 < t - self._stood[0][0] <= _LEAP_RECENT_S + _LEAP_HISTORY_S:
            self._stood.popleft()
        if not self._stood or t - self._stood[-1][0] > _LEAP_RECENT_S:
            return None
        recent = [s for u, _, s in self._stood if u >= self._stood[-1][0] - _LEAP_HISTORY_S]
        return Stance(float(np.median([s.x for s in recent])), float(np.median([s.y for s in recent])),
                      float(np.median([s.torso for s in recent])))

    def where_it_was(self, pixels: np.ndarray, other: np.ndarray, stood: Stance
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Stance] | None:
        """The picture around the person given last, through the model without tracking; the pose
        it finds there (landmarks, visibility, world, stance) where it did not leap from ``stood``,
        else None.

        The tracked model follows one person and, when it loses them, takes whoever its detector
        finds first in its crop: with the shopper's back or side to the camera, a passer-by's face
        behind her wins (the rendered ``passerby`` runs: hips half a torso length lower in one frame,
        then walking away across the picture). Tracking then stays on the passer. Looking again in
        a box around where the shopper stood (``_LEAP_BOX``, with black room around it: the
        detector misses a profile with none), with the other person's head (``other``: the pose
        the tracked model found) painted over where it is not hers, often finds her there, frame
        after frame until the tracked model comes back to her by itself. The detector goes by the
        face first: left visible, the passer's face wins the second look too. 47 ms a look on the
        2-core VM (docs/PERFORMANCE.md, "A leap to someone else"), on leap frames only.
        """
        last = self._stood[-1][1]
        height, width = pixels.shape[:2]
        lo, hi = last.min(axis=0), last.max(axis=0)
        tall = float(hi[1] - lo[1])
        mx, my = _LEAP_BOX * tall * height / width, _LEAP_BOX * tall / 2
        x0, y0 = max(round((lo[0] - mx) * width), 0), max(round((lo[1] - my) * height), 0)
        x1, y1 = min(round((hi[0] + mx) * width), width), min(round((hi[1] + my) * height), height)
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        crop = pixels[y0:y1, x0:x1]
        theirs, hers = _head_box(other, pixels.shape, _HEAD_HIDE), _head_box(last, pixels.shape, _HEAD_HIDE)
        if theirs is not None and not (hers is not None and _inside(_centre(theirs), hers)):
            kept = crop.copy()
            crop = crop.copy()
            _fill(crop, theirs, (x0, y0), np.median(crop.reshape(-1, crop.shape[2]), axis=0).astype(crop.dtype))
            head = _head_box(last, pixels.shape, _HEAD_KEEP)
            if head is not None:
                _fill(crop, head, (x0, y0), None, kept)  # her own head stays as it is
        cv2 = native.cv2()
        rgb = cv2.cvtColor(self._downsize(crop), cv2.COLOR_BGR2RGB)
        padded, offset = _with_room(rgb, cv2, below=True)
        found = self._searcher().process(padded)
        if found.pose_landmarks is None or found.pose_world_landmarks is None:
            return None
        found = _into_picture(found, (padded.shape[1], padded.shape[0]), (rgb.shape[1], rgb.shape[0]), offset)
        marks = found.pose_landmarks.landmark
        image = np.array([((x0 + p.x * (x1 - x0)) / width, (y0 + p.y * (y1 - y0)) / height) for p in marks],
                         dtype=np.float32)
        stance = stance_of(image, width / height)
        if stance is None or leapt(stood, stance):
            return None
        vis = np.array([p.visibility for p in marks], dtype=np.float32)
        world = np.array([(p.x, p.y, p.z) for p in found.pose_world_landmarks.landmark], dtype=np.float32)
        return image, vis, world, stance
