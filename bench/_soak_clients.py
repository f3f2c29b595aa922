"""The API clients of ``kiosk bench soak``, in their own process so they do not share the mirror's GIL.

``python -m bench._soak_clients URL --clients N --seconds S`` (the bearer token in
``$KIOSK_API_TOKEN``, never on the command line): N clients, like associates' tablets and the
store's dashboards, each poll the mirror's status every ``--interval`` seconds, list its looks
every fifth round and download a kept look's video every tenth, until S seconds or
``--max-requests`` in all. Prints one JSON object: requests and errors by route, and latencies.
Only loopback URLs are accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from urllib.parse import urlsplit

import httpx

from bench._figures import summary


class Tally:
    """Requests, errors and latencies by route, shared by the clients (one event loop: no lock)."""

    def __init__(self, max_requests: int) -> None:
        self.max_requests = max_requests
        self.requests: dict[str, int] = {}
        self.errors: dict[str, dict[str, int]] = {}  # route -> what went wrong -> how often
        self.latencies: dict[str, list[float]] = {}
        self.video_bytes = 0

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    async def get(self, client: httpx.AsyncClient, route: str, url: str) -> httpx.Response | None:
        self.requests[route] = self.requests.get(route, 0) + 1
        t0 = time.monotonic()
        try:
            response = await client.get(url)
        except httpx.HTTPError as exc:
            self._error(route, f"{type(exc).__name__}: {exc}"[:120])
            return None
        self.latencies.setdefault(route, []).append(time.monotonic() - t0)
        if response.status_code != 200:
            self._error(route, f"HTTP {response.status_code}")
            return None
        return response

    def _error(self, route: str, why: str) -> None:
        by_route = self.errors.setdefault(route, {})
        by_route[why] = by_route.get(why, 0) + 1


async def _client(client: httpx.AsyncClient, base: str, tally: Tally, deadline: float, interval: float,
                  offset: int) -> None:
    rounds = offset  # the clients' fifth and tenth rounds fall at different times
    kept: list[str] = []
    while time.monotonic() < deadline and tally.total < tally.max_requests:
        rounds += 1
        await tally.get(client, "status", base + "/api/v1/status")
        if rounds % 5 == 0:
            listing = await tally.get(client, "looks", base + "/api/v1/looks")
            if listing is not None:
                kept = [look["id"] for look in listing.json()["looks"] if look["consent"] == "granted"]
        if rounds % 10 == 0 and kept:
            video = await tally.get(client, "video", f"{base}/api/v1/looks/{kept[rounds % len(kept)]}/video")
            if video is not None:
                tally.video_bytes += len(video.content)
        await asyncio.sleep(interval)


async def run(base: str, token: str, clients: int, seconds: float, interval: float, max_requests: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    tally = Tally(max_requests)
    t0 = time.monotonic()
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        await asyncio.gather(*(_client(client, base, tally, t0 + seconds, interval, i) for i in range(clients)))
    wall = time.monotonic() - t0
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": tally.requests,
        "errors": tally.errors,
        "requests_per_s": round(tally.total / wall, 1) if wall else None,
        "video_mb": round(tally.video_bytes / 1e6, 1),
        "latency_ms": {route: summary(values, 1000.0) for route, values in tally.latencies.items()},
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--max-requests", type=int, default=500_000)
    args = p.parse_args()
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost"):
        print("the soak clients only talk to loopback", file=sys.stderr)
        return 2
    if not 1 <= args.clients <= 100 or not 0 < args.seconds <= 24 * 3600:
        print("--clients must be 1–100 and --seconds at most a day", file=sys.stderr)
        return 2
    token = os.environ.get("KIOSK_API_TOKEN", "")
    result = asyncio.run(run(args.url.rstrip("/"), token, args.clients, args.seconds, args.interval, args.max_requests))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
