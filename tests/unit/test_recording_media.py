"""Encoder and MP4 files with real PyAV/libx264 at a tiny size: timestamps, keyframes, salvage."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from kiosk.recording.container import (FragmentWriter, MediaError, moov_first, probe, remux_faststart, verify,
                                      whole_s)
from kiosk.recording.encoder import EncoderError, EncoderSettings, H264Encoder, probe_codec
from kiosk.recording.packets import TICKS_PER_S

W, H, FPS = 160, 120, 30.0


def picture(i: int) -> np.ndarray:
    img = np.full((H, W, 3), 60, np.uint8)
    img[:, (i * 4) % (W - 10) : (i * 4) % (W - 10) + 10] = 230  # a moving bar
    return img


def encode(times: list[float], keyframe_interval_s: float = 1.0, force_at: int | None = None):
    encoder = H264Encoder(EncoderSettings(codec="libx264", keyframe_interval_s=keyframe_interval_s), W, H, FPS, "libx264")
    encoder.open()
    packets = []
    for i, ts in enumerate(times):
        packets += encoder.encode(picture(i), ts, keyframe=(i == force_at))
    return packets + encoder.flush()


def write_take(path: Path, packets) -> FragmentWriter:
    writer = FragmentWriter(path, W, H, FPS)
    writer.open()
    for packet in packets:
        writer.write(packet)
    writer.close()
    return writer


def test_timestamps_are_the_capture_times_gaps_included():
    times = [10.0 + i / FPS for i in range(30)] + [11.5 + i / FPS for i in range(30)]  # 0.5 s lost
    packets = encode(times)
    assert len(packets) == len(times)
    assert [round(p.ts, 4) for p in packets] == [round(t, 4) for t in times]
    gaps = np.diff([p.pts for p in packets]) / TICKS_PER_S
    assert gaps.max() == pytest.approx(0.5 + 1 / FPS, abs=1e-4)
    assert packets[0].keyframe and packets[0].data.startswith(b"\x00\x00\x00\x01")


def test_keyframe_every_interval_and_on_demand():
    packets = encode([i / FPS for i in range(90)], keyframe_interval_s=1.0, force_at=45)
    keys = [i for i, p in enumerate(packets) if p.keyframe]
    assert {0, 30, 45}.issubset(keys)
    assert all(b - a <= 30 for a, b in zip(keys, keys[1:]))


def test_probe_finds_a_working_encoder():
    assert probe_codec(EncoderSettings(codec="auto"), W, H) in ("h264_v4l2m2m", "libx264")
    assert probe_codec(EncoderSettings(codec="libx264"), W, H) == "libx264"


def test_unusable_encoder_is_one_clear_error():
    try:
        probe_codec(EncoderSettings(codec="h264_v4l2m2m"), W, H)
    except EncoderError as exc:
        assert "no H.264 encoder works" in str(exc) and "h264_v4l2m2m" in str(exc)
    else:
        pytest.skip("this machine has a working hardware encoder")


def test_fragmented_take_becomes_a_faststart_mp4(tmp_path):
    times = [i / FPS for i in range(60)]
    writer = write_take(tmp_path / "take.mp4", encode(times))
    assert writer.frames == 60 and writer.duration_s == pytest.approx(2.0)
    assert moov_first(tmp_path / "take.mp4")  # empty moov up front, then fragments
    info = remux_faststart(tmp_path / "take.mp4", tmp_path / "final.mp4")
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", W, H)
    assert info.frames == 60 and info.duration_s == pytest.approx(2.0, abs=1 / FPS)
    assert info.moov_first
    assert verify(tmp_path / "final.mp4", min_duration_s=1.9) == info
    with pytest.raises(MediaError, match="too short"):
        verify(tmp_path / "final.mp4", min_duration_s=3.0)


def test_a_disk_without_room_for_the_copy_is_said_before_anything_is_opened(tmp_path, monkeypatch):
    # Begun on a full disk, the copy failed at its header and the muxer never closed final.mp4: a
    # descriptor to a deleted file kept the space (found by the full-disk fault test). A full disk
    # is an OSError, not a MediaError: the take is fine, and recovery keeps it for later.
    import shutil

    import kiosk.recording.container as container
    from kiosk.recording.finisher import DISK_FULL, failure_reason

    write_take(tmp_path / "take.mp4", encode([i / FPS for i in range(30)]))
    size = (tmp_path / "take.mp4").stat().st_size
    real = shutil.disk_usage
    monkeypatch.setattr(container.shutil, "disk_usage",
                        lambda path: real(path)._replace(free=size + container.ROOM_FOR_INDEX - 1))
    with pytest.raises(OSError, match="No space left to finish take.mp4") as refused:
        remux_faststart(tmp_path / "take.mp4", tmp_path / "final.mp4")
    # a full disk, not a bad video: recovery keeps such a take for the next start
    assert refused.value.errno == errno.ENOSPC and not isinstance(refused.value, MediaError)
    assert failure_reason(refused.value, "could not be finished") == DISK_FULL  # what a live take says
    assert not (tmp_path / "final.mp4").exists()
    monkeypatch.setattr(container.shutil, "disk_usage",
                        lambda path: real(path)._replace(free=size + container.ROOM_FOR_INDEX))
    assert remux_faststart(tmp_path / "take.mp4", tmp_path / "final.mp4").frames == 30


def open_files(*names: str) -> list[str]:
    """What this process has open among ``names`` (paths, or a file's name), as /proc/self/fd says."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # the descriptor listing the folder, closed by now
            continue
        if any(name in target for name in names):
            found.append(target)
    return found


def test_a_disk_that_fills_once_the_copy_is_begun_keeps_no_file_open(tmp_path, monkeypatch):
    # The check above passed, then the disk filled (another writer) before the copy's first write:
    # PyAV never closed the final.mp4 it had opened, so its descriptor held the space (deleted with
    # the take) until the kiosk ended, and the failure read as a take without a frame. /dev/full
    # stands for that disk: every write fails with ENOSPC.
    import hashlib
    import shutil

    import kiosk.recording.container as container

    if not os.path.exists("/dev/full") or not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /dev/full and /proc/self/fd (Linux)")
    write_take(tmp_path / "take.mp4", encode([i / FPS for i in range(30)]))
    before = hashlib.sha256((tmp_path / "take.mp4").read_bytes()).hexdigest()
    (tmp_path / "final.mp4").symlink_to("/dev/full")
    real = shutil.disk_usage
    monkeypatch.setattr(container.shutil, "disk_usage", lambda path: real(path)._replace(free=1 << 40))
    with pytest.raises(Exception) as raised:  # which one: below, once the descriptors are checked
        remux_faststart(tmp_path / "take.mp4", tmp_path / "final.mp4")
    assert open_files("/dev/full", "final.mp4") == []
    assert not (tmp_path / "final.mp4").is_symlink()
    assert isinstance(raised.value, OSError) and raised.value.errno == errno.ENOSPC, raised.value
    assert str(raised.value) == "[Errno 28] No space left to finish take.mp4"
    assert hashlib.sha256((tmp_path / "take.mp4").read_bytes()).hexdigest() == before
    assert remux_faststart(tmp_path / "take.mp4", tmp_path / "final.mp4").frames == 30  # room again


def test_a_take_cut_short_keeps_its_whole_fragments(tmp_path):
    times = [i / FPS for i in range(150)]
    write_take(tmp_path / "take.mp4", encode(times))
    data = (tmp_path / "take.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: int(len(data) * 0.7)])  # the process died mid-write
    info = remux_faststart(tmp_path / "cut.mp4", tmp_path / "final.mp4")
    assert 2.0 <= info.duration_s < 5.0 and info.frames >= 60
    verify(tmp_path / "final.mp4")


def test_a_take_torn_mid_frame_by_a_full_disk_leaves_out_that_frame(tmp_path):
    import av

    from kiosk.recording.stills import make_stills

    times = [i / FPS for i in range(90)]
    write_take(tmp_path / "take.mp4", encode(times))
    with av.open(str(tmp_path / "take.mp4")) as source:
        last = [p for p in source.demux(source.streams.video[0]) if p.dts is not None][-1]
    data = (tmp_path / "take.mp4").read_bytes()
    # The disk filled half-way through writing the last frame: the demuxer gives what is left of it.
    (tmp_path / "cut.mp4").write_bytes(data[: last.pos + last.size // 2])
    kept_s = whole_s(tmp_path / "cut.mp4")  # read before the copy, as a take cut by a full disk is
    info = remux_faststart(tmp_path / "cut.mp4", tmp_path / "final.mp4")
    assert info.frames == len(times) - 1 and kept_s == pytest.approx((len(times) - 1) / FPS, abs=1e-3)
    make_stills(tmp_path / "final.mp4", tmp_path / "poster.jpg", tmp_path / "strip.jpg")  # every frame decodes


def test_take_must_start_on_a_keyframe(tmp_path):
    packets = encode([i / FPS for i in range(5)])
    writer = FragmentWriter(tmp_path / "t.mp4", W, H, FPS)
    writer.open()
    with pytest.raises(MediaError, match="keyframe"):
        writer.write(packets[1])
    writer.close()


def test_garbage_is_a_media_error(tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"\x00" * 4096)
    with pytest.raises(MediaError):
        remux_faststart(tmp_path / "junk.mp4", tmp_path / "out.mp4")
    with pytest.raises(MediaError):
        probe(tmp_path / "junk.mp4")
    assert not (tmp_path / "out.mp4").exists()


def test_i420_conversion_is_bt601_limited_range():
    import av

    from kiosk.recording.convert import bgr_to_i420

    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    ours = bgr_to_i420(img).astype(float)
    assert ours.shape == (96, 96)
    # Luma as ffmpeg computes it.
    theirs = av.VideoFrame.from_ndarray(img, format="bgr24").reformat(format="yuv420p").to_ndarray()
    assert np.abs(ours[:64] - theirs[:64]).max() <= 2
    # Chroma: BT.601 limited range, taken at the top-left pixel of each 2x2 block.
    b, g, r = (img[::2, ::2, i].astype(float) for i in range(3))
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b
    assert np.abs(ours[64:80].reshape(32, 48) - u).max() <= 1.5
    assert np.abs(ours[80:96].reshape(32, 48) - v).max() <= 1.5
    # On a smooth picture (what a camera delivers) it is ffmpeg's result.
    smooth = np.dstack([np.tile(np.linspace(0, 255, 96, dtype=np.uint8), (64, 1))] * 3)
    smooth[..., 2] = 200
    ours = bgr_to_i420(smooth).astype(int)
    theirs = av.VideoFrame.from_ndarray(smooth, format="bgr24").reformat(format="yuv420p").to_ndarray()
    assert np.abs(ours - theirs).max() <= 3


def test_odd_sizes_are_cropped_to_even():
    encoder = H264Encoder(EncoderSettings(codec="libx264"), 161, 121, FPS, "libx264")
    encoder.open()
    pixels = np.zeros((121, 161, 3), np.uint8)
    pixels.flags.writeable = False  # camera frames are read-only
    packets = encoder.encode(pixels, 0.0) + encoder.flush()
    assert (encoder.width, encoder.height) == (160, 120) and packets[0].keyframe


def test_a_take_that_is_not_a_readable_video_is_told_without_the_media_error_s_words(tmp_path):
    # The shopper read "The recording could not be finished (cannot read take.mp4 (Invalid data found
    # when processing input))."; the error's words are the journal's (the finisher logs them).
    from kiosk.recording.finisher import failure_reason
    from kiosk.words import technical

    (tmp_path / "take.mp4").write_bytes(b"not a video at all" * 64)
    with pytest.raises(MediaError) as refused:
        remux_faststart(tmp_path / "take.mp4", tmp_path / "final.mp4")
    reason = failure_reason(refused.value, "could not be finished")
    assert reason == "The recording could not be finished and was not kept. Please try again."
    assert "take.mp4" not in reason and not technical(reason)
    assert failure_reason(EncoderError("libx264: Invalid argument")) == "The recording failed and was not kept. Please try again."
