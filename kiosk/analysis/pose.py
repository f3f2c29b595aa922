"""mediapipe's pose model behind a plain ``Pose`` (the one module that imports mediapipe).

The model is mediapipe 0.10.18's bundled BlazePose (legacy ``mp.solutions.pose``); nothing is
downloaded at run time. Frames are downsized here, before the model sees them: the landmark
network works on a 256×256 crop of the person anyway, so a 720p or 1080p picture only costs
conversion time. When the previous frame had a person, the picture is first cropped to that
person (with a wide margin), which keeps a person small in a landscape frame sharp.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk import native
from kiosk.analysis.head import face_score, head_colours
from kiosk.analysis.landmarks import torso_axes
from kiosk.analysis.second_look import SecondLooks, leapt, lost_wrists, stance_of
from kiosk.errors import PoseModelMissing

_log = logging.getLogger(__name__)

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
    smooth_landmarks: bool = False  # the model's own smoothing lags behind a fast spin
    face_check: bool = True  # look for a face on the head (face mesh): tells a front from a back view
    face_every_s: float = 0.5  # at most two face checks a second (each costs about a fifth of the pose model)
    rotation: int = 0  # clockwise degrees that make the camera's picture upright ([display] rotation)
    retry_raised_arm: bool = True  # a raised arm whose hand is lost: look again without tracking
    search_with_room: bool = True  # nobody found: look again with room around the picture
    outline: bool = True  # the person's outline (the model's mask, ~1.4 ms a frame): which side a side view shows
    look_again_on_leap: bool = True  # the tracked pose leapt away from the person: look where they stood


#: The model file mediapipe's package bundles for each ``model_complexity`` (0.10.18 ships only 1's).
MODEL_FILES = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite", 2: "pose_landmark_heavy.tflite"}


def bundled_model(package_dir: Path, complexity: int) -> Path:
    """Where mediapipe's installed package (its folder ``package_dir``) keeps the model for ``complexity``."""
    return package_dir / "modules" / "pose_landmark" / MODEL_FILES[complexity]


def _require_bundled_model(mp, complexity: int) -> None:
    """Refuse to start rather than let mediapipe download a model at run time (kiosks are offline)."""
    if not bundled_model(Path(mp.__file__).parent, complexity).is_file():
        raise PoseModelMissing(
            f"the pose model for model_complexity = {complexity} ({MODEL_FILES[complexity]}) is not installed; "
            "mediapipe 0.10.18 bundles only model_complexity = 1"
        )


class PoseEstimator:
    """Runs the pose model on BGR frames, one stream of frames per estimator (it tracks)."""

    def __init__(self, settings: PoseSettings | None = None) -> None:
        self.settings = settings or PoseSettings()
        self._pose = None
        self._face = None
        self._cv2 = None
        self._box: tuple[float, float, float, float] | None = None  # last person, frame fractions
        self._face_at: float | None = None  # frame time of the last face check
        self.looks = SecondLooks(self.settings, lambda: untracked_model(self.settings), self._downsize)

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
        self.looks.close()
        if self._face is not None:
            self._face.close()
            self._face = None

    def reset(self) -> None:
        """Forget the tracked person (the next frame is searched in the whole picture)."""
        self.close()
        self._box = None
        self._face_at = None
        self.looks.forget()
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
        lost = lost_wrists(result, rgb.shape[1] / rgb.shape[0]) if self.settings.retry_raised_arm else []
        if lost:
            result = self.looks.for_lost_wrists(rgb, result, lost)
        if result.pose_landmarks is None and self.looks.room_due(t):
            result, mask = self.looks.with_room(rgb, result, t), None
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
        stance, stood = stance_of(image, width / height), self.looks.where_stood(t)
        leap = stood is not None and stance is not None and leapt(stood, stance)
        if leap:
            again = self.looks.where_it_was(pixels, image, stood)
            if again is not None:
                image, vis, world, stance = again
                mask, leap = None, False  # the tracked result's mask was the other person's
        self._remember_box(image, vis)
        self.looks.seen(t, image, stance, leap)
        face = None
        due = self._face_at is None or t < self._face_at or t - self._face_at >= self.settings.face_every_s - 1e-3
        if self._face is not None and due:
            face = face_score(self._face, pixels, image, self._cv2)
            self._face_at = t
        head = head_colours(pixels, image, self._cv2)
        outline = None if mask is None else person_outline(np.asarray(mask), norm, self._cv2)
        return Pose(t=t, image=image, world=world, visibility=vis, aspect=width / height, face=face, head=head,
                    outline=outline)

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



def untracked_model(settings: PoseSettings):
    """The pose model without tracking, for second looks (``second_look``)."""
    return native.mediapipe().solutions.pose.Pose(
        static_image_mode=True, model_complexity=settings.model_complexity, enable_segmentation=False,
        min_detection_confidence=settings.min_detection_confidence)
