"""A ring of compressed packets cut at keyframes: the recorder's pre-roll.

Like picamera2's ``CircularOutput2``, the encoder runs all the time and its packets go into
this ring, which keeps whole groups of pictures (a keyframe and the frames that depend on it)
covering at least the last ``keep_s`` seconds. A recording that starts now begins with the
group whose keyframe is at or before ``now - pre-roll``, so it needs no raw frames in memory:
a few seconds of 1080p H.264 is a few megabytes. ``max_bytes`` bounds memory if the encoder
ever produces far more than expected. Used from the encoder thread only, so it has no lock.
"""

from __future__ import annotations

from collections import deque

from kiosk.recording.packets import EncodedPacket


class PacketRing:
    """The last ``keep_s`` seconds of packets (whole keyframe groups), bounded by ``max_bytes``."""

    def __init__(self, keep_s: float, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.keep_s = keep_s
        self.max_bytes = max_bytes
        self._groups: deque[list[EncodedPacket]] = deque()
        self._bytes = 0
        self.discarded = 0  # packets dropped because no keyframe came before them

    def append(self, packet: EncodedPacket) -> None:
        """Add the newest packet and drop the groups no longer needed."""
        if packet.keyframe:
            self._groups.append([packet])
        elif self._groups:
            self._groups[-1].append(packet)
        else:
            self.discarded += 1  # undecodable without its keyframe
            return
        self._bytes += len(packet)
        self._trim(packet.ts)

    def since(self, ts: float) -> list[EncodedPacket]:
        """Packets from the newest keyframe at or before ``ts`` (or the oldest one held) to now."""
        start = 0
        for index, group in enumerate(self._groups):
            if group[0].ts <= ts:
                start = index
            else:
                break
        return [packet for group in list(self._groups)[start:] for packet in group]

    def clear(self) -> None:
        self._groups.clear()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    @property
    def span_s(self) -> float:
        """Capture time from the oldest keyframe held to the newest packet."""
        if not self._groups:
            return 0.0
        return self._groups[-1][-1].ts - self._groups[0][0].ts

    def __len__(self) -> int:
        return sum(len(group) for group in self._groups)

    def _trim(self, newest: float) -> None:
        # Keep a group while the next one starts after the cut-off: it is the one that covers it.
        while len(self._groups) > 1 and self._groups[1][0].ts <= newest - self.keep_s:
            self._drop_oldest()
        while len(self._groups) > 1 and self._bytes > self.max_bytes:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        group = self._groups.popleft()
        self._bytes -= sum(len(packet) for packet in group)
