"""The pre-roll ring: whole keyframe groups, at least keep_s of them, bounded memory."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.recording.packets import EncodedPacket
from kiosk.recording.ring import PacketRing

FPS = 30
GOP = 30  # one keyframe a second


def packet(i: int, size: int = 100, gop: int = GOP) -> EncodedPacket:
    return EncodedPacket(b"x" * size, pts=i * 3000, ts=100.0 + i / FPS, keyframe=i % gop == 0)


def fill(ring: PacketRing, count: int, **kw) -> None:
    for i in range(count):
        ring.append(packet(i, **kw))


def test_keeps_at_least_keep_s_and_starts_on_a_keyframe():
    ring = PacketRing(keep_s=2.0)
    fill(ring, 10 * FPS)
    packets = ring.since(0.0)  # everything held
    assert packets[0].keyframe
    newest = packets[-1].ts
    assert newest - packets[0].ts >= 2.0
    # It drops what is not needed: never more than keep_s plus one group.
    assert newest - packets[0].ts < 2.0 + GOP / FPS
    assert ring.span_s == newest - packets[0].ts
    assert len(ring) == len(packets)


def test_since_starts_at_the_keyframe_at_or_before_the_time():
    ring = PacketRing(keep_s=5.0)
    fill(ring, 5 * FPS)  # keyframes at 100.0, 101.0, ... 104.0
    assert ring.since(102.5)[0].ts == 102.0
    assert ring.since(103.0)[0].ts == 103.0
    assert ring.since(103.0)[0].keyframe
    assert ring.since(103.0)[-1].ts == 100.0 + (5 * FPS - 1) / FPS
    # Before the oldest held keyframe: from the oldest one.
    assert ring.since(50.0)[0].ts == 100.0


def test_packets_before_the_first_keyframe_are_discarded():
    ring = PacketRing(keep_s=2.0)
    for i in range(5, 40):  # starts mid-group: 5..29 cannot be decoded
        ring.append(packet(i))
    assert ring.discarded == GOP - 5
    assert ring.since(0.0)[0].ts == 101.0


def test_byte_cap_bounds_memory_but_keeps_the_newest_group():
    ring = PacketRing(keep_s=60.0, max_bytes=5000)
    fill(ring, 10 * FPS, size=100)  # 3000 bytes a group
    assert ring.bytes <= 5000
    held = ring.since(0.0)
    assert held[0].keyframe and held[0].ts == 109.0
    assert ring.bytes == sum(len(p) for p in held)


def test_clear_and_empty():
    ring = PacketRing(keep_s=2.0)
    assert ring.since(0.0) == [] and ring.span_s == 0.0
    fill(ring, 40)
    ring.clear()
    assert ring.since(0.0) == [] and ring.bytes == 0 and len(ring) == 0


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0.001, max_value=0.5), min_size=1, max_size=300),
    keys=st.lists(st.booleans(), min_size=300, max_size=300),
    keep_s=st.floats(min_value=0.0, max_value=5.0),
    ask=st.floats(min_value=-1.0, max_value=200.0),
)
def test_any_stream_keeps_a_decodable_window(gaps, keys, keep_s, ask):
    ring = PacketRing(keep_s=keep_s)
    ts, sent = 100.0, []
    for i, gap in enumerate(gaps):
        ts += gap
        p = EncodedPacket(b"x", pts=i, ts=ts, keyframe=keys[i] or i == 0)
        ring.append(p)
        sent.append(p)
    held = ring.since(0.0)
    assert held and held[0].keyframe
    assert held == sent[len(sent) - len(held):]  # a contiguous tail, nothing reordered
    assert sent[-1].ts - held[0].ts >= min(keep_s, sent[-1].ts - sent[0].ts) - 1e-9
    cut = ring.since(100.0 + ask)
    assert cut[0].keyframe and cut == held[len(held) - len(cut):]
    later = [p for p in held if p.keyframe and p.ts <= 100.0 + ask]
    if later:
        assert cut[0] is later[-1]
