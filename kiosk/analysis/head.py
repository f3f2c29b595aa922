"""What the head shows: its colours, and whether the face mesh finds a face on it.

Both read a square on the head from the pose's landmarks (``head_square``). The colours tell a
head seen from the front from one seen from behind once ``appearance`` has learned this
person's front; a face found (and standing the way the body does) says the head is within
about ±100° of the camera.
"""

from __future__ import annotations

import numpy as np

from kiosk.analysis.landmarks import HEAD, LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER

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


def head_colours(pixels: np.ndarray, image: np.ndarray, cv2) -> np.ndarray | None:
    """The colours of a square on the head of landmarks ``image`` (frame fractions) in a BGR
    frame: hue × saturation × brightness, a share per bin (``HEAD_BINS``); None without a head
    big enough to read.

    What a head looks like from the front (a face, a visor) and from behind (hair, the back
    of a hood or helmet) usually differs; ``appearance`` learns this person's front. The
    square is brightened as the frame's ``exposure_gain`` says. 0.02 ms for a 40 px head,
    0.07 ms for a 100 px one, and 0.4 ms for the gain on a 720p frame.
    """
    square = head_square(image, pixels.shape, HEAD_BOX, 3)
    if square is None:
        return None  # too small to say anything, or mostly outside the picture
    (x0, y0, x1, y1), _ = square
    head = pixels[y0:y1, x0:x1]
    gain = exposure_gain(pixels)
    if gain > 1.0:
        head = cv2.convertScaleAbs(head, alpha=gain)
    hsv = cv2.cvtColor(head, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, list(HEAD_BINS), [0, 180, 0, 256, 0, 256]).ravel()
    total = float(hist.sum())
    return (hist / total).astype(np.float32) if total > 0 else None


def face_score(mesh_model, pixels: np.ndarray, image: np.ndarray, cv2) -> float | None:
    """1 when the face mesh (``mesh_model``) finds a face in a square around the head of
    landmarks ``image``, standing the way the body does; else 0 (None: no head to look at)."""
    square = head_square(image, pixels.shape, 0.45, 12)
    if square is None:
        return None  # the head is too small for a face to be found, or mostly outside the picture
    (x0, y0, x1, y1), down = square
    head = cv2.resize(pixels[y0:y1, x0:x1], (192, 192), interpolation=cv2.INTER_AREA)
    result = mesh_model.process(cv2.cvtColor(head, cv2.COLOR_BGR2RGB))
    if not result.multi_face_landmarks:
        return 0.0
    mesh = result.multi_face_landmarks[0].landmark
    crop = np.array([x1 - x0, y1 - y0], dtype=np.float64)
    forehead = np.array([mesh[FACE_FOREHEAD].x, mesh[FACE_FOREHEAD].y]) * crop
    chin = np.array([mesh[FACE_CHIN].x, mesh[FACE_CHIN].y]) * crop
    return 1.0 if upright_face(chin - forehead, down) else 0.0


def exposure_gain(pixels: np.ndarray) -> float:
    """How much to brighten a BGR frame so that its brightest 1 % reach ``EXPOSE_TO``: 1 for a
    well-exposed frame, up to ``EXPOSE_MAX_GAIN`` for a dark one (read on every 8th pixel)."""
    sample = pixels[::8, ::8].max(axis=2)
    bright = float(np.percentile(sample, 99)) if sample.size else 0.0
    return min(max(EXPOSE_TO / max(bright, 1.0), 1.0), EXPOSE_MAX_GAIN)


def head_square(image: np.ndarray, shape: tuple, half_torso: float,
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
