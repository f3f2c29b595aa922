"""Encoder and MP4 files with real PyAV/libx264 at a tiny size: timestamps, keyframes, salvage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiosk.recording.container import FragmentWriter, MediaError, moov_first, probe, remux_faststart, verify
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


def test_a_take_cut_short_keeps_its_whole_fragments(tmp_path):
    times = [i / FPS for i in range(150)]
    write_take(tmp_path / "take.mp4", encode(times))
    data = (tmp_path / "take.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: int(len(data) * 0.7)])  # the process died mid-write
    info = remux_faststart(tmp_path / "cut.mp4", tmp_path / "final.mp4")
    assert 2.0 <= info.duration_s < 5.0 and info.frames >= 60
    verify(tmp_path / "final.mp4")


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
