"""MP4 files with PyAV: the crash-safe take file, the final faststart file, and checking them.

While recording, packets go to a fragmented MP4 (an empty ``moov`` up front, then one
``moof``+``mdat`` per keyframe group, flushed as written), so if the process dies everything up
to the last complete group can still be read. When the take ends it is remuxed (no
re-encoding) into an ordinary MP4 with the index in front (``+faststart``), which browsers and
Qt start playing before the download ends.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import shutil
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from kiosk.recording.packets import TIME_BASE, EncodedPacket
from kiosk import native

_log = logging.getLogger(__name__)

FRAGMENTED = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"}
FASTSTART = {"movflags": "+faststart"}


class MediaError(Exception):
    """A video file cannot be written, read or is not what it should be; the text says why."""


@dataclass(frozen=True)
class VideoInfo:
    """What a finished MP4 holds, as read back from the file."""

    codec: str
    pix_fmt: str
    width: int
    height: int
    duration_s: float
    frames: int
    moov_first: bool


class FragmentWriter:
    """Writes packets of one take to a fragmented MP4, timestamps starting at zero."""

    def __init__(self, path: Path, width: int, height: int, fps: float) -> None:
        self.path = path
        self.width, self.height, self.fps = width, height, fps
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.frames = 0
        self._container = None
        self._stream = None
        self._base = 0
        self._frame_ticks = max(1, round(TIME_BASE.denominator / fps))

    def open(self) -> None:
        av = native.av()

        try:
            self._container = av.open(str(self.path), "w", format="mp4", options=FRAGMENTED)
        except OSError as exc:
            raise MediaError(f"cannot create {self.path.name} ({exc.strerror or exc})") from None
        rate = Fraction(self.fps).limit_denominator(1001)
        self._stream = self._container.add_mux_stream(
            "h264", rate=rate, width=self.width, height=self.height, time_base=TIME_BASE
        )

    def write(self, packet: EncodedPacket) -> None:
        """Append one packet; the first must be a keyframe."""
        av = native.av()

        if self.first_ts is None:
            if not packet.keyframe:
                raise MediaError("a take must start with a keyframe")
            self._base, self.first_ts = packet.pts, packet.ts
        out = av.Packet(packet.data)
        out.pts = out.dts = packet.pts - self._base
        out.duration = self._frame_ticks
        out.time_base = TIME_BASE
        out.is_keyframe = packet.keyframe
        out.stream = self._stream
        self._container.mux(out)
        self.last_ts = packet.ts
        self.frames += 1

    @property
    def duration_s(self) -> float:
        """Length of what was written: first to last capture time plus one frame."""
        if self.first_ts is None:
            return 0.0
        return self.last_ts - self.first_ts + self._frame_ticks / TIME_BASE.denominator

    def close(self) -> None:
        if self._container is not None:
            container, self._container = self._container, None
            container.close()


ROOM_FOR_INDEX = 1 << 20  # beside the video's bytes: the faststart index (moov) and slack


class _Output(io.FileIO):
    """The file a muxer writes into, opened and closed by us: PyAV never closes a file it opened
    itself when the MP4's header cannot be written (the disk filled after the check below), and
    that descriptor, to a file deleted with the take, held its space until the kiosk ended. The
    first write that failed is kept: PyAV passes it on only as "Error in PyAV callback"."""

    failure: OSError | None = None

    def write(self, data) -> int:
        """All of ``data``, or an OSError (FFmpeg takes a short count for all of it)."""
        view = memoryview(data)
        try:
            while view:
                view = view[super().write(view):]
        except OSError as exc:
            self.failure = self.failure or exc
            raise
        return len(data)


def remux_faststart(src: Path, dst: Path) -> VideoInfo:
    """Copy the video of ``src`` (possibly cut short by a crash) into a faststart MP4 ``dst``.

    A disk without room for the copy raises OSError (ENOSPC), never ``MediaError``: ``src`` is
    untouched and fine, and can be finished once there is room; ``dst`` is not left behind."""
    av = native.av()

    size = src.stat().st_size
    # The copy needs about the take's size: on a disk without it, it is not begun.
    free = shutil.disk_usage(dst.parent).free
    if free < size + ROOM_FOR_INDEX:
        raise OSError(errno.ENOSPC, f"No space left to finish {src.name} ({free // 2**20} MB free, "
                                    f"{(size + ROOM_FOR_INDEX) // 2**20 + 1} MB needed)")
    try:
        source = av.open(str(src))
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot read {src.name} ({exc})") from None
    try:
        streams = [s for s in source.streams if s.type == "video"]
        if not streams:
            raise MediaError(f"{src.name} holds no video")
        output = _Output(dst, "w")  # its name, the path, lets the faststart pass reopen it to read
        try:
            with output, av.open(output, "w", format="mp4", options=FASTSTART) as target:
                written = _copy_video(source, streams[0], target, size, output)
        except (av.FFmpegError, OSError):
            if output.failure is None:
                raise
    finally:
        source.close()
    failure = output.failure  # also one the muxer let pass: the copy is not whole either way
    if failure is not None:
        dst.unlink(missing_ok=True)
        if failure.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"No space left to finish {src.name}") from None
        raise OSError(failure.errno, f"cannot write {dst.name} ({failure.strerror or failure})") from None
    if not written:
        dst.unlink(missing_ok=True)
        raise MediaError(f"{src.name} holds no complete frame")
    return probe(dst)


def _copy_video(source, stream, target, size: int, output: _Output) -> int:
    """Mux ``stream``'s packets from its first keyframe on into ``target`` (writing ``output``);
    how many were written."""
    av = native.av()

    out = target.add_stream_from_template(stream)
    written = 0
    try:
        for packet in source.demux(stream):
            if packet.dts is None:
                continue
            if packet.is_corrupt or packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > size:
                break  # cut off by a crash or a full disk (the demuxer gave what was left of it): all before is whole
            if not written and not packet.is_keyframe:
                continue
            packet.stream = out
            target.mux(packet)
            written += 1
    except av.FFmpegError as exc:  # a torn last fragment: keep what came before it
        if output.failure is not None:
            raise  # not the take: the copy could not be written
        _log.info("%s ends early (%s); keeping %d frames", Path(source.name).name, exc, written)
    return written


def whole_s(src: Path) -> float:
    """Seconds of video ``remux_faststart`` keeps of ``src`` (read, not copied: the disk may be full):
    its whole frames from the first keyframe on; 0.0 when it holds none or cannot be read."""
    av = native.av()

    try:
        size = src.stat().st_size
        source = av.open(str(src))
    except (av.FFmpegError, OSError):
        return 0.0
    first = end = None
    try:
        streams = [s for s in source.streams if s.type == "video"]
        for packet in source.demux(streams[0]) if streams else ():
            if packet.dts is None or packet.pts is None:
                continue
            if packet.is_corrupt or packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > size:
                break
            if first is None and not packet.is_keyframe:
                continue
            first = packet.pts if first is None else first
            end = max(end or 0, packet.pts + (packet.duration or 0))
        time_base = streams[0].time_base if streams else None
    except av.FFmpegError:  # a torn last fragment: what came before it counts
        time_base = streams[0].time_base
    finally:
        source.close()
    return 0.0 if first is None or not time_base else float((end - first) * time_base)


def probe(path: Path) -> VideoInfo:
    """Read back codec, pixel format, size, duration and frame count of an MP4."""
    av = native.av()

    try:
        with av.open(str(path)) as container:
            video = [s for s in container.streams if s.type == "video"]
            if not video:
                raise MediaError(f"{path.name} holds no video")
            stream = video[0]
            ctx = stream.codec_context
            if stream.duration is not None and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            else:
                duration = (container.duration or 0) / 1_000_000
            return VideoInfo(
                codec=ctx.name,
                pix_fmt=ctx.format.name if ctx.format else "",
                width=ctx.width,
                height=ctx.height,
                duration_s=duration,
                frames=int(stream.frames or 0),
                moov_first=moov_first(path),
            )
    except av.FFmpegError as exc:
        raise MediaError(f"{path.name} is not a readable video ({exc})") from None


def verify(path: Path, min_duration_s: float = 0.0) -> VideoInfo:
    """Probe ``path`` and check it is a playable H.264/yuv420p faststart MP4 of some length."""
    info = probe(path)
    if info.codec != "h264" or info.pix_fmt != "yuv420p":
        raise MediaError(f"{path.name} is {info.codec}/{info.pix_fmt}, not h264/yuv420p")
    if not info.moov_first:
        raise MediaError(f"{path.name} has its index at the end")
    if info.frames < 1 or info.duration_s <= 0 or info.duration_s < min_duration_s:
        raise MediaError(f"{path.name} is too short ({info.duration_s:.2f} s)")
    return info


def moov_first(path: Path) -> bool:
    """True when the top-level ``moov`` box comes before the first ``mdat`` box."""
    with open(path, "rb") as f:
        end = os.fstat(f.fileno()).st_size
        offset = 0
        while offset + 8 <= end:
            f.seek(offset)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:
                size = end - offset
            if kind == b"moov":
                return True
            if kind == b"mdat" or size < 8:
                return False
            offset += size
    return False
