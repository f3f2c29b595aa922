"""mediapipe's pose model behind a plain ``Pose`` (the one module that imports mediapipe).

The model is mediapipe 0.10.18's bundled BlazePose (legacy ``mp.solutions.pose``); nothing is
downloaded at run time. Frames are downsized here, before the model sees them: the landmark
network works on a 256×256 crop of the person anyway, so a 720p or 1080p picture only costs
conversion time. When the previous frame had a person, the picture is first cropped to that
person (with a wide margin), which keeps a person small in a landscape frame sharp.
"""

from __future__ import annotations

import logging
import math
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from kiosk.errors import PoseModelMissing
from kiosk import native

_log = logging.getLogger(__name__)

# BlazePose landmark indices used by the analysis (the model's own numbering).
NOSE = 0
LEFT_EYE, RIGHT_EYE = 2, 5
LEFT_EAR, RIGHT_EAR = 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_PINKY, RIGHT_PINKY = 17, 18
LEFT_INDEX, RIGHT_INDEX = 19, 20
LEFT_THUMB, RIGHT_THUMB = 21, 22
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_FOOT, RIGHT_FOOT = 31, 32
LANDMARKS = 33
#: The landmarks on the head (the face check, the head's colours, the cues find it by them).
HEAD = [NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR]

# Face mesh landmark indices: the top of the forehead and the chin.
FACE_FOREHEAD, FACE_CHIN = 10, 152
#: A face found on an upright body must be upright too, within this angle of the torso's axis.
FACE_MAX_ROLL_DEG = 60.0

#: The head's colour histogram: hue, saturation and brightness bins; the square's half side in
#: torso lengths (a head is about half a torso long).
HEAD_BINS = (8, 3, 3)
HEAD_BOX = 0.2
#: The head's colours are read as a camera's auto-exposure would show them: the frame brightened
#: (never darkened, at most ``EXPOSE_MAX_GAIN`` times) until its brightest 1 % reach ``EXPOSE_TO``.
#: In a dim room a face and the hair behind it otherwise fall into one brightness bin.
EXPOSE_TO = 255.0
EXPOSE_MAX_GAIN = 4.0

#: The person's outline over the torso (``Pose.outline``): the model's own person mask, cut along
#: the torso's axis ``OUTLINE_ACROSS`` torso lengths to each side of its centre and from
#: ``OUTLINE_UP`` above it to ``OUTLINE_DOWN`` below (the head to the top of the thighs), as
#: ``OUTLINE_SIZE`` (columns, rows) cells, image-left to image-right.
OUTLINE_SIZE = (24, 40)
OUTLINE_ACROSS, OUTLINE_UP, OUTLINE_DOWN = 0.8, 1.4, 1.2

#: Changes whenever ``PoseEstimator.estimate`` returns something different for the same frames
#: (cached poses of an older version are not reused).
VERSION = 12


@dataclass(frozen=True, eq=False)
class Pose:
    """One person's pose in one frame.

    ``image``: (33, 2) landmark positions as fractions of the full frame's width and height
    (x to the right, y down; may lie outside 0..1). ``world``: (33, 3) metres around the hip
    centre, x to image-right, y down, z away from the camera. ``visibility``: (33,) 0..1.
    Left/right are the model's anatomical labels, which it sometimes swaps.
    """

    t: float
    image: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    aspect: float  # frame width / height, to measure image distances in one unit
    face: float | None = None  # strict face check on the head: 1 a face, 0 none (None: not looked at)
    head: np.ndarray | None = None  # the head's colours (``HEAD_BINS``, sums to 1; None: no head in the picture)
    flow: float | None = None  # motion across the torso since the frame before (``flow.torso_flow``; None: not measured)
    outline: np.ndarray | None = None  # the person's outline over the torso (``OUTLINE_SIZE``, uint8; None: none)


@dataclass(frozen=True)
class PoseSettings:
    """How the model is run."""

    model_complexity: int = 1
    input_size: int = 320  # longest side of the picture handed to the model, in pixels
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    crop_to_person: bool = True
    smooth_landmarks: bool = False  # our median-of-3 is enough and lags less in a fast spin
    face_check: bool = True  # look for a face on the head (face mesh): tells a front from a back view
    face_every_s: float = 0.5  # at most two face checks a second (each costs about a fifth of the pose model)
    rotation: int = 0  # clockwise degrees that make the camera's picture upright ([display] rotation)
    retry_raised_arm: bool = True  # a raised arm whose hand is lost: look again without tracking
    search_with_room: bool = True  # nobody found: look again with room around the picture
    outline: bool = True  # the person's outline (the model's mask, ~1.4 ms a frame): which side a side view shows
    look_again_on_leap: bool = True  # the tracked pose leapt away from the person: look where they stood



_MODEL_FILES = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite", 2: "pose_landmark_heavy.tflite"}


def _require_bundled_model(mp, complexity: int) -> None:
    """Refuse to start rather than let mediapipe download a model at run time (kiosks are offline)."""
    folder = Path(mp.__file__).parent / "modules" / "pose_landmark"
    if not (folder / _MODEL_FILES[complexity]).is_file():
        raise PoseModelMissing(
            f"the pose model for model_complexity = {complexity} ({_MODEL_FILES[complexity]}) is not installed; "
            "mediapipe 0.10.18 bundles only model_complexity = 1"
        )


class PoseEstimator:
    """Runs the pose model on BGR frames, one stream of frames per estimator (it tracks)."""

    def __init__(self, settings: PoseSettings | None = None) -> None:
        self.settings = settings or PoseSettings()
        self._pose = None
        self._search = None  # the same model without tracking, started the first time it is needed
        self._face = None
        self._cv2 = None
        self._box: tuple[float, float, float, float] | None = None  # last person, frame fractions
        self._face_at: float | None = None  # frame time of the last face check
        self._seen_at: float | None = None  # frame time of the last person found
        self._filled = False  # that person reached the picture's edge (close to the camera)
        self._room_at: float | None = None  # frame time of the last look with room around the picture
        self._stood: deque[tuple[float, np.ndarray, Stance]] = deque()  # the person's recent poses (``_where_stood``)

    def start(self) -> None:
        """Load the model (a few hundred milliseconds)."""
        # mediapipe's C++ logging goes straight to stderr; keep routine notes out of the log.
        os.environ.setdefault("GLOG_minloglevel", "2")
        cv2 = native.cv2()
        mp = native.mediapipe()

        s = self.settings
        _require_bundled_model(mp, s.model_complexity)
        self._cv2 = cv2
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=s.model_complexity,
            smooth_landmarks=s.smooth_landmarks,
            enable_segmentation=s.outline,
            min_detection_confidence=s.min_detection_confidence,
            min_tracking_confidence=s.min_tracking_confidence,
        )
        if s.face_check:
            # Face mesh (bundled): BlazeFace finds a face candidate on the head crop, then the
            # mesh model must accept it (its face-presence score gates the landmarks). BlazeFace
            # alone scores the back of a head with long hair up to 0.9; the two together do not.
            self._face = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=True, max_num_faces=1, min_detection_confidence=0.3, min_tracking_confidence=0.5
            )

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None
        if self._search is not None:
            self._search.close()
            self._search = None
        if self._face is not None:
            self._face.close()
            self._face = None

    def reset(self) -> None:
        """Forget the tracked person (the next frame is searched in the whole picture)."""
        self.close()
        self._box = None
        self._face_at = None
        self._seen_at = self._room_at = None
        self._stood.clear()
        self._filled = False
        self.start()

    def estimate(self, pixels: np.ndarray, t: float) -> Pose | None:
        """The pose of the most prominent person in a BGR frame, or None."""
        if self._pose is None:
            self.start()
        pixels = self._upright(pixels)
        height, width = pixels.shape[:2]
        x0, y0, x1, y1 = self._crop_box(width, height)
        crop = pixels[y0:y1, x0:x1]
        small = self._downsize(crop)
        rgb = self._cv2.cvtColor(small, self._cv2.COLOR_BGR2RGB)
        result = self._pose.process(rgb)
        mask = getattr(result, "segmentation_mask", None)  # the tracked person's (a second look brings no mask)
        lost = _lost_wrists(result, rgb.shape[1] / rgb.shape[0]) if self.settings.retry_raised_arm else []
        if lost:
            result = self._search_again(rgb, result, lost)
        if result.pose_landmarks is None and self._room_due(t):
            self._room_at = t
            result, mask = self._search_with_room(rgb, result), None
        if result.pose_landmarks is None or result.pose_world_landmarks is None:
            if self._box is not None:
                # Lost inside the crop: look at the whole frame again from the next frame on.
                self._box = None
                self.close()
                self.start()
            return None
        norm = np.array([(p.x, p.y) for p in result.pose_landmarks.landmark], dtype=np.float32)
        vis = np.array([p.visibility for p in result.pose_landmarks.landmark], dtype=np.float32)
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], dtype=np.float32)
        image = np.empty_like(norm)
        image[:, 0] = (x0 + norm[:, 0] * (x1 - x0)) / width
        image[:, 1] = (y0 + norm[:, 1] * (y1 - y0)) / height
        stance, stood = stance_of(image, width / height), self._where_stood(t)
        leap = stood is not None and stance is not None and leapt(stood, stance)
        if leap:
            again = self._look_where_it_was(pixels, image, stood)
            if again is not None:
                image, vis, world, stance = again
                mask, leap = None, False  # the tracked result's mask was the other person's
        if stance is not None and not leap:
            self._stood.append((t, image, stance))  # a leap not found again is not the person's
        self._remember_box(image, vis)
        self._seen_at, self._filled = t, _fills_picture(image)
        face = None
        due = self._face_at is None or t < self._face_at or t - self._face_at >= self.settings.face_every_s - 1e-3
        if self._face is not None and due:
            face = self._face_score(pixels, image)
            self._face_at = t
        head = self._head_colours(pixels, image)
        outline = None if mask is None else person_outline(np.asarray(mask), norm, self._cv2)
        return Pose(t=t, image=image, world=world, visibility=vis, aspect=width / height, face=face, head=head,
                    outline=outline)

    def _head_colours(self, pixels: np.ndarray, image: np.ndarray) -> np.ndarray | None:
        """The colours of a square on the head: hue × saturation × brightness, a share per bin.

        What a head looks like from the front (a face, a visor) and from behind (hair, the back
        of a hood or helmet) usually differs; ``appearance`` learns this person's front. The
        square is brightened as the frame's ``exposure_gain`` says. 0.02 ms for a 40 px head,
        0.07 ms for a 100 px one, and 0.4 ms for the gain on a 720p frame.
        """
        square = _head_square(image, pixels.shape, HEAD_BOX, 3)
        if square is None:
            return None  # too small to say anything, or mostly outside the picture
        (x0, y0, x1, y1), _ = square
        head = pixels[y0:y1, x0:x1]
        gain = exposure_gain(pixels)
        if gain > 1.0:
            head = self._cv2.convertScaleAbs(head, alpha=gain)
        hsv = self._cv2.cvtColor(head, self._cv2.COLOR_BGR2HSV)
        hist = self._cv2.calcHist([hsv], [0, 1, 2], None, list(HEAD_BINS), [0, 180, 0, 256, 0, 256]).ravel()
        total = float(hist.sum())
        return (hist / total).astype(np.float32) if total > 0 else None

    def _face_score(self, pixels: np.ndarray, image: np.ndarray) -> float | None:
        """1 when the face mesh finds a face in a square around the head, else 0 (None: no head)."""
        square = _head_square(image, pixels.shape, 0.45, 12)
        if square is None:
            return None  # the head is too small for a face to be found, or mostly outside the picture
        (x0, y0, x1, y1), down = square
        head = self._cv2.resize(pixels[y0:y1, x0:x1], (192, 192), interpolation=self._cv2.INTER_AREA)
        result = self._face.process(self._cv2.cvtColor(head, self._cv2.COLOR_BGR2RGB))
        if not result.multi_face_landmarks:
            return 0.0
        mesh = result.multi_face_landmarks[0].landmark
        crop = np.array([x1 - x0, y1 - y0], dtype=np.float64)
        forehead = np.array([mesh[FACE_FOREHEAD].x, mesh[FACE_FOREHEAD].y]) * crop
        chin = np.array([mesh[FACE_CHIN].x, mesh[FACE_CHIN].y]) * crop
        return 1.0 if upright_face(chin - forehead, down) else 0.0

    def _upright(self, pixels: np.ndarray) -> np.ndarray:
        """A sideways-mounted camera's picture turned upright: the model expects people standing.

        Landmarks are then in the upright picture's coordinates (as the shopper sees it on screen).
        """
        turn = {90: self._cv2.ROTATE_90_CLOCKWISE, 180: self._cv2.ROTATE_180, 270: self._cv2.ROTATE_90_COUNTERCLOCKWISE}
        code = turn.get(self.settings.rotation % 360)
        if code is None:
            return pixels
        # Shrink first: rotating a full 1080p frame costs more than the model's whole input.
        return self._cv2.rotate(self._downsize(pixels, 2 * self.settings.input_size), code)

    def _searcher(self):
        """The model without tracking, for second looks (started on first use)."""
        if self._search is None:
            mp = native.mediapipe()
            s = self.settings
            self._search = mp.solutions.pose.Pose(
                static_image_mode=True, model_complexity=s.model_complexity, enable_segmentation=False,
                min_detection_confidence=s.min_detection_confidence)
        return self._search

    def _room_due(self, t: float) -> bool:
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

    def _search_with_room(self, rgb: np.ndarray, tracked):
        """Nobody found: the picture once more through the model, with black room around it.

        The model finds a person from their whole body's outline, and expects room around it: a
        shopper close to the camera (seen from the knees up, or stepped towards the glass) or a
        camera zoomed in leaves none, and the model then finds nobody frame after frame while
        the shopper stands square to the mirror. With room around the picture (``_ROOM``) it
        often finds them (on 7 rendered dev runs, 31 of 67 such frames against 5 without
        the room). A look that finds nobody costs the person detector once more (about 11 ms
        here); one that finds a person, the whole model.
        """
        padded, offset = _with_room(rgb, self._cv2, below=True)
        found = self._searcher().process(padded)
        if found.pose_landmarks is None or found.pose_world_landmarks is None:
            return tracked
        return _into_picture(found, (padded.shape[1], padded.shape[0]), (rgb.shape[1], rgb.shape[0]), offset)

    def _search_again(self, rgb: np.ndarray, tracked, lost: list[int]):
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
            padded, offset = _with_room(rgb, self._cv2, below=False)
            found = self._search.process(padded)
            if not _sees(found, lost):
                return tracked
            found = _into_picture(found, (padded.shape[1], padded.shape[0]), (rgb.shape[1], rgb.shape[0]), offset)
        return _with_arms(tracked, found, lost)

    def _where_stood(self, t: float) -> Stance | None:
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

    def _look_where_it_was(self, pixels: np.ndarray, other: np.ndarray, stood: Stance
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
        rgb = self._cv2.cvtColor(self._downsize(crop), self._cv2.COLOR_BGR2RGB)
        padded, offset = _with_room(rgb, self._cv2, below=True)
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

    def _crop_box(self, width: int, height: int) -> tuple[int, int, int, int]:
        if not self.settings.crop_to_person or self._box is None:
            return 0, 0, width, height
        bx0, by0, bx1, by1 = self._box
        return int(bx0 * width), int(by0 * height), max(int(bx1 * width), 1), max(int(by1 * height), 1)

    def _remember_box(self, image: np.ndarray, vis: np.ndarray) -> None:
        """Crop to the person when that helps; keep the crop while they stay well inside it.

        The model tracks the person in the coordinates of the picture it is given, so every
        change of crop restarts it (~150 ms): the crop has a wide margin and only moves when
        the person nears its edge or has become small in it.
        """
        if not self.settings.crop_to_person:
            return
        seen = image[vis > 0.3] if int((vis > 0.3).sum()) >= 8 else image
        lo, hi = seen.min(axis=0), seen.max(axis=0)
        if self._box is not None:
            bx0, by0, bx1, by1 = self._box
            bw, bh = bx1 - bx0, by1 - by0
            inside = (
                lo[0] - bx0 > 0.08 * bw or bx0 <= 0.0
            ) and (bx1 - hi[0] > 0.08 * bw or bx1 >= 1.0) and (lo[1] - by0 > 0.04 * bh or by0 <= 0.0) and (
                by1 - hi[1] > 0.04 * bh or by1 >= 1.0
            )
            big_enough = (hi[1] - lo[1]) > 0.45 * bh
            if inside and big_enough:
                return
        size = hi - lo
        # Room to stretch an arm or step sideways before the crop has to move.
        mx, my = max(size[0] * 0.8, size[1] * 0.35) + 0.05, size[1] * 0.2 + 0.05
        box = (max(lo[0] - mx, 0.0), max(lo[1] - my, 0.0), min(hi[0] + mx, 1.0), min(hi[1] + my, 1.0))
        area = (box[2] - box[0]) * (box[3] - box[1])
        new_box = box if area < 0.6 else None
        if new_box != self._box:
            if new_box is None and self._box is None:
                return
            _log.debug("pose crop %s", new_box)
            self._box = new_box
            # The model tracks in crop coordinates: a new frame of reference needs a fresh start.
            self.close()
            self.start()
            self._box = new_box

    def _downsize(self, pixels: np.ndarray, size: int | None = None) -> np.ndarray:
        height, width = pixels.shape[:2]
        scale = (size or self.settings.input_size) / max(height, width)
        if scale >= 1.0:
            return pixels
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        return self._cv2.resize(pixels, size, interpolation=self._cv2.INTER_AREA)


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


def _lost_wrists(result, aspect: float) -> list[int]:
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


def exposure_gain(pixels: np.ndarray) -> float:
    """How much to brighten a BGR frame so that its brightest 1 % reach ``EXPOSE_TO``: 1 for a
    well-exposed frame, up to ``EXPOSE_MAX_GAIN`` for a dark one (read on every 8th pixel)."""
    sample = pixels[::8, ::8].max(axis=2)
    bright = float(np.percentile(sample, 99)) if sample.size else 0.0
    return min(max(EXPOSE_TO / max(bright, 1.0), 1.0), EXPOSE_MAX_GAIN)


def _head_square(image: np.ndarray, shape: tuple, half_torso: float,
                 min_half: float) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """A square on the head, ``half_torso`` torso lengths from its centre to each side, clipped to
    the picture (pixels ``x0, y0, x1, y1``), with the torso's downward axis in pixels; None when
    that half side is under ``min_half`` pixels or the square is mostly outside the picture."""
    height, width = shape[:2]
    xy = image * np.array([width, height], dtype=np.float32)
    down = xy[[LEFT_HIP, RIGHT_HIP]].mean(0) - xy[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(0)
    cx, cy = xy[HEAD].mean(0)
    half = half_torso * float(np.linalg.norm(down))
    x0, y0 = max(int(cx - half), 0), max(int(cy - half), 0)
    x1, y1 = min(int(cx + half), width), min(int(cy + half), height)
    if half < min_half or (x1 - x0) < half or (y1 - y0) < half:
        return None
    return (x0, y0, x1, y1), down


def person_outline(mask: np.ndarray, norm: np.ndarray, cv2) -> np.ndarray | None:
    """The person's outline over the torso: the model's person mask (0..1, the picture it was
    given) cut along the torso's axis (``OUTLINE_*``), as uint8 cells from image-left to
    image-right; None when the torso is under 4 pixels long. Seen side-on, the outline shows
    which way the body faces (chest and face one side, back and hair the other); flipped left
    to right it is the other profile's. 0.1 ms (the mask itself costs the model about 1.3 ms more)."""
    height, width = mask.shape[:2]
    axes = torso_axes(norm.astype(np.float64) * (width, height), 4.0)
    if axes is None:
        return None
    centre, down, across, length = (axes.shoulders + axes.hips) / 2, -axes.up, axes.across, axes.length
    cols, rows = OUTLINE_SIZE
    top_left = centre - across * OUTLINE_ACROSS * length - down * OUTLINE_UP * length
    src = np.float32([top_left, top_left + across * 2 * OUTLINE_ACROSS * length,
                      top_left + down * (OUTLINE_UP + OUTLINE_DOWN) * length])
    fine = 4  # sampled 4× finer, then averaged: a mask cut from ~150 pixels down to 24 would alias
    dst = np.float32([[0, 0], [cols * fine, 0], [0, rows * fine]])
    cut = cv2.warpAffine(mask.astype(np.float32), cv2.getAffineTransform(src, dst), (cols * fine, rows * fine),
                         flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    cells = cv2.resize(cut, (cols, rows), interpolation=cv2.INTER_AREA)
    return np.clip(cells * 255.0 + 0.5, 0, 255).astype(np.uint8)


class TorsoAxes(NamedTuple):
    """The torso in the picture, in the units of the landmarks it was measured from."""

    shoulders: np.ndarray  # the shoulders' midpoint
    hips: np.ndarray  # the hips' midpoint
    up: np.ndarray  # unit vector from the hips to the shoulders
    across: np.ndarray  # unit vector across the torso, towards the picture's right whatever the labels
    length: float  # hips to shoulders

    def spread(self, xy: np.ndarray, a: int, b: int) -> float:
        """How far landmark ``a`` lies from landmark ``b`` across the torso, in torso lengths
        (> 0: ``a`` towards the picture's right). The shoulders' spread is how wide they look:
        a person facing the camera shows their left shoulder on the picture's right, and a
        crooked camera or a lean changes nothing."""
        return float(np.dot(xy[a] - xy[b], self.across)) / self.length


def torso_axes(xy: np.ndarray, min_length: float) -> TorsoAxes | None:
    """The torso's axes from landmarks in square units (pixels, or 0..1 times the aspect);
    None when it is shorter than ``min_length``."""
    shoulders = (xy[LEFT_SHOULDER] + xy[RIGHT_SHOULDER]) / 2
    hips = (xy[LEFT_HIP] + xy[RIGHT_HIP]) / 2
    up = shoulders - hips
    length = float(np.hypot(*up))
    if length < min_length:
        return None
    up /= length
    across = np.array([-up[1], up[0]])  # perpendicular to the torso in the picture
    if across[0] < 0:
        across = -across  # pointing image-right (the picture's own x), whatever the labels
    return TorsoAxes(shoulders, hips, up, across, length)


def upright_face(forehead_to_chin: np.ndarray, torso_down: np.ndarray) -> bool:
    """Whether a face the mesh found stands the way the body does (both in picture units).

    People rarely tilt their heads by more than 30°; a "face" lying on its side on an upright
    body is a pattern the mesh took for one (the back of a helmet, a bun, a print on a hood),
    and reading it as a face would turn a back view into a front.
    """
    a, b = np.asarray(forehead_to_chin, dtype=np.float64), np.asarray(torso_down, dtype=np.float64)
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    if norms <= 1e-9:
        return False
    return bool(float(np.dot(a, b)) / norms >= np.cos(np.radians(FACE_MAX_ROLL_DEG)))
