"""Download load for ``kiosk bench serve``, run in its own process so it does not share the GIL.

``python -m bench._load URL --clients N --seconds S --max-rounds R`` (the bearer token in
``$KIOSK_API_TOKEN``, never on the command line) has N clients
each fetch the whole video at URL in 256 KiB Range requests, as a browser does, over and over
until S seconds or R rounds; prints one JSON object. Only loopback URLs are accepted.
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

CHUNK = 256 * 1024


async def _client(client: httpx.AsyncClient, url: str, size: int, deadline: float, max_rounds: int, out: dict) -> None:
    rounds = 0
    while rounds < max_rounds and time.monotonic() < deadline:
        pos = 0
        while pos < size:
            t0 = time.monotonic()
            r = await client.get(url, headers={"Range": f"bytes={pos}-{min(pos + CHUNK, size) - 1}"})
            out["latencies"].append(time.monotonic() - t0)
            if r.status_code != 206:
                out["errors"] += 1
                return
            out["bytes"] += len(r.content)
            out["requests"] += 1
            pos += len(r.content)
            if time.monotonic() >= deadline:
                return
        rounds += 1
        out["rounds"] += 1


async def run(url: str, token: str, clients: int, seconds: float, max_rounds: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        head = await client.get(url, headers={"Range": "bytes=0-0"})
        size = int(head.headers["content-range"].rsplit("/", 1)[1])
        out = {"bytes": 0, "requests": 0, "rounds": 0, "errors": 0, "latencies": []}
        t0 = time.monotonic()
        await asyncio.gather(*(_client(client, url, size, t0 + seconds, max_rounds, out) for _ in range(clients)))
        wall = time.monotonic() - t0
    lat = out.pop("latencies")
    cpu = os.times()
    return {
        "client_cpu_percent": round((cpu.user + cpu.system) / wall * 100, 1),
        **out,
        "clients": clients,
        "seconds": round(wall, 2),
        "video_bytes": size,
        "throughput_mb_s": round(out["bytes"] / wall / 1e6, 2),
        "request_ms": summary(lat, 1000.0),
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--max-rounds", type=int, default=1000)
    args = p.parse_args()
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost"):
        print("the load generator only targets loopback", file=sys.stderr)
        return 2
    token = os.environ.get("KIOSK_API_TOKEN", "")
    print(json.dumps(asyncio.run(run(args.url, token, args.clients, args.seconds, args.max_rounds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
