"""A pane's caption: a dark band with one or two lines of text, ready to lay over I420 frames (OpenCV).

Drawn once per pane and per hint (not per frame) with OpenCV's Hershey font, which knows only
ASCII: text is folded to it first (accents dropped, a degree sign spelled out). The band is
blended, not pasted: the text is opaque, its background lets 40 % of the picture through.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from kiosk.recording.convert import bgr_to_i420
from kiosk import native

_SPELLED = str.maketrans({
    "°": " deg", "·": "-", "–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...",
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
})
_BACKGROUND_ALPHA = 0.6


@dataclass(frozen=True)
class Caption:
    """A band of ``height`` rows: I420 planes and their opacity (0..1), to blend at the bottom of a pane."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    alpha_y: np.ndarray
    alpha_uv: np.ndarray

    @property
    def height(self) -> int:
        return int(self.y.shape[0])

    def blend_onto(self, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
        """Blend into the bottom rows of a pane's planes (views into the output picture)."""
        h = self.height
        for plane, band, alpha in ((y, self.y, self.alpha_y), (u, self.u, self.alpha_uv), (v, self.v, self.alpha_uv)):
            rows = plane.shape[0] - (h if plane is y else h // 2)
            region = plane[rows:]
            region[...] = (band * alpha + region * (1.0 - alpha)).astype(np.uint8)


def split_i420(picture: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Y, U and V planes of an (h*3/2, w) I420 array (views)."""
    flat = picture.reshape(-1)
    n = width * height
    return (flat[:n].reshape(height, width), flat[n : n + n // 4].reshape(height // 2, width // 2),
            flat[n + n // 4 : n + n // 2].reshape(height // 2, width // 2))


def ascii_text(text: str) -> str:
    """What the Hershey font can draw: accents dropped, a few signs spelled out, the rest '?'."""
    folded = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    kept = "".join(c for c in folded if not unicodedata.combining(c))
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in kept)


def make_caption(width: int, pane_height: int, lines: list[str]) -> Caption:
    """The caption band of a pane ``width`` wide (even) showing ``lines`` (the first in bold)."""
    cv2 = native.cv2()

    scale = max(0.35, min(pane_height / 900.0, 1.2))
    line_h = int(round(34 * scale))
    pad = max(4, line_h // 3)
    height = (len(lines) * line_h + 2 * pad + 1) & ~1
    band = np.zeros((height, width, 3), np.uint8)
    mask = np.zeros((height, width), np.uint8)
    for i, line in enumerate(lines):
        text = _fit(ascii_text(line), width - 2 * pad, scale, cv2)
        baseline = pad + (i + 1) * line_h - line_h // 4
        thickness = 2 if i == 0 else 1
        for target, colour in ((band, (255, 255, 255)), (mask, 255)):
            cv2.putText(target, text, (pad, baseline), cv2.FONT_HERSHEY_SIMPLEX, scale * (1.0 if i == 0 else 0.85),
                        colour, thickness, cv2.LINE_AA)
    alpha = np.maximum(mask.astype(np.float32) / 255.0, _BACKGROUND_ALPHA)
    y, u, v = split_i420(bgr_to_i420(band), width, height)
    alpha_uv = np.maximum(alpha[0::2, 0::2], alpha[1::2, 1::2])
    return Caption(y.astype(np.float32), u.astype(np.float32), v.astype(np.float32), alpha, alpha_uv)


def _fit(text: str, width: int, scale: float, cv2) -> str:
    """``text`` shortened with '...' until it fits ``width`` pixels."""
    while text:
        (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        if w <= width:
            return text
        text = text[:-4].rstrip() + "..." if len(text) > 4 else ""
    return text
