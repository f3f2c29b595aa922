"""zeroconf on loopback only: live state in the TXT record follows the session, rate-limited."""

from __future__ import annotations

import asyncio
import time

import pytest

from kiosk.events import SessionStateChanged
from kiosk.net.discover import MirrorDirectory

from .conftest import copy_library, server_config, start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.fixture
def announced(recorded_library, tmp_path):
    looks = copy_library(recorded_library, tmp_path / "lib")
    srv = start_server(looks, server_config(announce=True, name="Loop Mirror", txt_interval_s=1.0))
    try:
        yield srv
    finally:
        stop_server(srv)


async def _watch(server, seconds: float, actions) -> list[tuple[float, str]]:
    """Browse on 127.0.0.1 and record (time, state) each time the mirror's TXT changes."""
    seen: list[tuple[float, str]] = []

    def changed():
        for m in directory.mirrors():
            if m.name == "Loop Mirror" and (not seen or seen[-1][1] != m.txt["state"]):
                seen.append((time.monotonic(), m.txt["state"]))

    directory = MirrorDirectory(["127.0.0.1"], on_change=changed)
    await directory.async_start()
    try:
        await directory.async_wait_for(1, 10)
        for at, action in actions:
            await asyncio.sleep(at)
            action()
        await asyncio.sleep(seconds)
    finally:
        await directory.async_stop()
    return seen


def test_txt_state_follows_sessions_at_a_limited_rate(announced):
    bus = announced.bus
    flaps = []
    for i in range(10):  # a flapping presence detector: ten changes in half a second
        state = "session" if i % 2 == 0 else "idle"
        flaps.append((0.05, lambda s=state, n=i: bus.emit(SessionStateChanged(state=s, session_id=f"s{n}" if s == "session" else None))))
    flaps.append((0.05, lambda: bus.emit(SessionStateChanged(state="session", session_id="final"))))
    seen = asyncio.run(_watch(announced, 3.0, [(0.2, lambda: None), *flaps]))
    states = [s for _, s in seen]
    assert states[0] == "idle"
    assert states[-1] == "session"  # the newest state always gets out
    assert len(states) <= 4, seen  # not eleven updates: at most one per txt_interval_s (1 s)
    gaps = [b - a for (a, _), (b, _) in zip(seen[1:], seen[2:])]
    assert all(g >= 0.8 for g in gaps), seen
