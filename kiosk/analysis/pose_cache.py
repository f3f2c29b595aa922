"""Poses of a clip saved to disk, so an evaluation can be re-scored without running the model.

``kiosk eval footage --pose-cache DIR`` keeps one ``.npz`` file per clip, variant and pose
settings: the pose model dominates the evaluation's time (tens of milliseconds a frame), the
analysis after it takes about two. A file is used again only when the clip's content (its
SHA-256), the variant, the analysis rate and the pose settings are the same; the
estimator's own ``VERSION`` is part of the key, so a change to what ``estimate`` does
invalidates old files. Plain arrays only (no pickle): a cache folder cannot run code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from kiosk.analysis.head import HEAD_BINS
from kiosk.analysis.landmarks import LANDMARKS
from kiosk.analysis.pose import OUTLINE_SIZE, VERSION, Pose, PoseSettings

_log = logging.getLogger(__name__)

Poses = list[tuple[float, Pose | None]]


class PoseCache:
    """A folder of cached pose sequences."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._hashes: dict[tuple[str, int, int], str] = {}

    def _content(self, clip: Path) -> str:
        """The clip's SHA-256, read once per size and modification time. By content, not by
        time: a fresh copy of the same clip (a new checkout, shared footage copied anew) keeps
        its cached poses; 2 ms for a 0.7 MB clip."""
        stat = clip.stat()
        at = (str(clip.resolve()), stat.st_size, stat.st_mtime_ns)
        if at not in self._hashes:
            digest = hashlib.sha256()
            with clip.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            self._hashes[at] = digest.hexdigest()
        return self._hashes[at]

    def _path(self, clip: Path, variant: str, max_fps: float, settings: PoseSettings) -> Path:
        key = json.dumps([VERSION, clip.name, self._content(clip), variant, max_fps,
                          dataclasses.asdict(settings)], sort_keys=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return self.folder / f"{clip.stem}.{variant}.{digest}.npz"

    def load(self, clip: Path, variant: str, max_fps: float, settings: PoseSettings) -> Poses | None:
        path = self._path(clip, variant, max_fps, settings)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return _unpack(data)
        except (OSError, ValueError, KeyError) as exc:
            _log.warning("ignoring unreadable pose cache %s (%s)", path, exc)
            return None

    def save(self, clip: Path, variant: str, max_fps: float, settings: PoseSettings, poses: Poses) -> None:
        """Write the file whole or not at all. Each writer has its own temporary file: two
        evaluations filling one folder at once (the same clip and variant) each put a whole
        file in place, and neither fails. A cache that cannot be written (a full disk) costs the
        next run time, not this run its result: a warning, no error."""
        path = self._path(clip, variant, max_fps, settings)
        tmp: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f"{path.stem}.", suffix=".tmp.npz")
            with os.fdopen(fd, "wb") as f:
                np.savez_compressed(f, **_pack(poses))
            os.replace(tmp, path)
        except OSError as exc:
            _log.warning("cannot keep the poses in the cache %s (%s)", self.folder, exc)
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _pack(poses: Poses) -> dict[str, np.ndarray]:
    n = len(poses)
    t = np.array([t for t, _ in poses], np.float64)
    seen = np.array([p is not None for _, p in poses], bool)
    image = np.zeros((n, LANDMARKS, 2), np.float32)
    world = np.zeros((n, LANDMARKS, 3), np.float32)
    vis = np.zeros((n, LANDMARKS), np.float32)
    aspect = np.zeros(n, np.float32)
    face = np.full(n, np.nan, np.float32)
    head = np.full((n, int(np.prod(HEAD_BINS))), np.nan, np.float32)
    flow = np.full(n, np.nan, np.float32)
    outline = np.zeros((n, OUTLINE_SIZE[1], OUTLINE_SIZE[0]), np.uint8)
    outlined = np.zeros(n, bool)
    for i, (_, p) in enumerate(poses):
        if p is None:
            continue
        image[i], world[i], vis[i], aspect[i] = p.image, p.world, p.visibility, p.aspect
        face[i] = np.nan if p.face is None else p.face
        if p.head is not None:
            head[i] = p.head
        flow[i] = np.nan if p.flow is None else p.flow
        if p.outline is not None:
            outline[i], outlined[i] = p.outline, True
    return {"t": t, "seen": seen, "image": image, "world": world, "visibility": vis, "aspect": aspect, "face": face,
            "head": head, "flow": flow, "outline": outline, "outlined": outlined}


def _unpack(data) -> Poses:
    out: Poses = []
    for i, t in enumerate(data["t"]):
        if not data["seen"][i]:
            out.append((float(t), None))
            continue
        face = float(data["face"][i])
        head = data["head"][i] if "head" in data else None
        flow = float(data["flow"][i]) if "flow" in data else float("nan")
        outline = data["outline"][i] if "outlined" in data and data["outlined"][i] else None
        out.append((float(t), Pose(t=float(t), image=data["image"][i], world=data["world"][i],
                                   visibility=data["visibility"][i], aspect=float(data["aspect"][i]),
                                   face=None if np.isnan(face) else face,
                                   head=None if head is None or np.isnan(head).any() else head,
                                   flow=None if np.isnan(flow) else flow, outline=outline)))
    return out
