"""Cached poses come back as they were saved, and only for the same clip, variant and settings."""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from kiosk.analysis.pose import OUTLINE_SIZE, PoseSettings
from kiosk.analysis.pose_cache import PoseCache
from tests.unit._poses import make_pose


def test_poses_round_trip_and_the_key_holds_what_changes_them(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    outline = np.arange(OUTLINE_SIZE[0] * OUTLINE_SIZE[1], dtype=np.uint32).reshape(OUTLINE_SIZE[::-1]) % 256
    poses = [(0.0, dataclasses.replace(make_pose(0.0, 10.0, face=1.0), outline=outline.astype(np.uint8))), (0.1, None),
             (0.2, make_pose(0.2, 40.0, face=None))]
    cache = PoseCache(tmp_path / "cache")
    assert cache.load(clip, "original", 15.0, PoseSettings()) is None
    cache.save(clip, "original", 15.0, PoseSettings(), poses)
    back = cache.load(clip, "original", 15.0, PoseSettings())
    assert [t for t, _ in back] == [0.0, 0.1, 0.2] and back[1][1] is None
    assert np.allclose(back[0][1].world, poses[0][1].world) and np.allclose(back[2][1].image, poses[2][1].image)
    assert back[0][1].face == 1.0 and back[2][1].face is None and back[0][1].aspect == poses[0][1].aspect
    assert np.array_equal(back[0][1].outline, outline) and back[2][1].outline is None
    assert cache.load(clip, "mirrored", 15.0, PoseSettings()) is None
    assert cache.load(clip, "original", 5.0, PoseSettings()) is None
    assert cache.load(clip, "original", 15.0, PoseSettings(face_check=False)) is None
    clip.write_bytes(b"another video, another size")
    assert cache.load(clip, "original", 15.0, PoseSettings()) is None
    clip.write_bytes(b"not really a vide0")  # the same size, another content
    assert cache.load(clip, "original", 15.0, PoseSettings()) is None


def test_a_fresh_copy_of_the_same_clip_keeps_its_poses(tmp_path):
    # A new checkout, or the shared footage copied anew: the same bytes, another time.
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    PoseCache(tmp_path / "cache").save(clip, "original", 15.0, PoseSettings(), [(0.0, None)])
    copy = tmp_path / "copy" / "clip.mp4"
    copy.parent.mkdir()
    copy.write_bytes(clip.read_bytes())
    os.utime(copy, (1_000_000, 1_000_000))
    assert PoseCache(tmp_path / "cache").load(copy, "original", 15.0, PoseSettings()) == [(0.0, None)]


def test_an_unreadable_cache_file_is_ignored(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    cache = PoseCache(tmp_path)
    cache.save(clip, "original", 15.0, PoseSettings(), [(0.0, None)])
    for f in tmp_path.glob("*.npz"):
        f.write_bytes(b"garbage")
    assert cache.load(clip, "original", 15.0, PoseSettings()) is None


def test_two_writers_of_one_file_each_put_a_whole_file_in_place(tmp_path, monkeypatch):
    # Two evaluations filling one cache: the other one saves the same clip and variant while
    # this one is still writing. Both succeed, and what is left is a whole, readable file.
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    cache = PoseCache(tmp_path / "cache")
    theirs = [(0.0, make_pose(0.0, 10.0, face=1.0))]
    real = np.savez_compressed
    nested = []

    def save_while_the_other_saves(file, **arrays):
        real(file, **arrays)
        if not nested:
            nested.append(True)
            PoseCache(tmp_path / "cache").save(clip, "original", 15.0, PoseSettings(), theirs)

    monkeypatch.setattr(np, "savez_compressed", save_while_the_other_saves)
    cache.save(clip, "original", 15.0, PoseSettings(), [(0.0, None), (0.1, None)])
    back = cache.load(clip, "original", 15.0, PoseSettings())
    assert back is not None and [t for t, _ in back] == [0.0, 0.1]  # the last writer's, whole
    assert [f.name for f in (tmp_path / "cache").iterdir() if ".tmp" in f.name] == []


def test_a_cache_that_cannot_be_written_costs_a_warning_not_the_result(tmp_path, caplog):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    cache = PoseCache(blocked)
    cache.save(clip, "original", 15.0, PoseSettings(), [(0.0, None)])  # no exception
    assert "cannot keep the poses" in caplog.text
    assert cache.load(clip, "original", 15.0, PoseSettings()) is None
