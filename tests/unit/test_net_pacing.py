"""The shared byte budget for video downloads."""

from __future__ import annotations

import asyncio

from kiosk.net.pacing import BURST_S, BytePacer


def _elapsed(pacer: BytePacer, pieces: list[int], concurrent: int = 1) -> float:
    async def main():
        loop = asyncio.get_running_loop()
        t0 = loop.time()

        async def client():
            for n in pieces:
                await pacer.take(n)

        await asyncio.gather(*(client() for _ in range(concurrent)))
        return loop.time() - t0

    return asyncio.run(main())


def test_unlimited_never_waits():
    assert _elapsed(BytePacer(0), [10**9] * 5) < 0.05


def test_all_clients_share_one_rate():
    # 4 clients × 5 pieces × 100 kB = 2 MB at 4 MB/s: 0.5 s, less the allowed burst
    took = _elapsed(BytePacer(4e6), [100_000] * 5, concurrent=4)
    assert 0.5 - BURST_S - 0.05 <= took <= 0.5 + 0.15


def test_a_small_download_goes_at_once():
    assert _elapsed(BytePacer(4e6), [256 * 1024]) < 0.05
