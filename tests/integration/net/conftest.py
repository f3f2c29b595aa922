"""Fixtures for the network tests: a look library made by ``kiosk record`` and a live server.

The library is recorded once per test run (one consented look, one not) and copied for each
server, so a test that deletes a look does not disturb the others. Servers are the real
``NetService`` (uvicorn on 127.0.0.1, port chosen by the kernel).
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kiosk.config import Config
from kiosk.events import EventBus
from kiosk.library import Library

TOKEN = "test-token-0123456789abcdef-0123456789abcdef"
#: The store secret every test mirror of this test run holds (a copy of the library takes it
#: along). Drawn afresh for each run: loopback mDNS is the whole machine's, and a mirror another
#: test run announces at the same time would otherwise prove itself one of this store's and be
#: listed with these (the console's overview, the wrong-PIN reports, the hello round).
STORE_SECRET = secrets.token_hex(32)
PIN = "482913"
SOURCE = "synthetic:?width=640&height=360&fps=30"


def record_look(library: Path, consent: bool, seconds: float = 2.0) -> str:
    """Record a look with the real ``kiosk record``; returns its id."""
    cmd = [sys.executable, "-m", "kiosk", "record", "--library", str(library), "--seconds", str(seconds), "--source", SOURCE]
    if consent:
        cmd.append("--consent")
    env = dict(os.environ)
    env.pop("KIOSK_CONFIG", None)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, f"kiosk record failed: {done.stderr.strip()[-600:]}"
    return done.stdout.strip().splitlines()[-1]


@dataclass
class Looks:
    root: Path
    consented: str
    private: str


@pytest.fixture(scope="session")
def recorded_library(tmp_path_factory) -> Looks:
    root = tmp_path_factory.mktemp("library-template")
    looks = Looks(root, record_look(root, consent=True), record_look(root, consent=False))
    write_store_secret(root / "store-secret")
    return looks


def write_store_secret(path: Path, secret: str = STORE_SECRET) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return path


def copy_library(template: Looks, dest: Path) -> Looks:
    shutil.copytree(template.root, dest)
    return Looks(dest, template.consented, template.private)


def spawn_serve(config: Path, library: Path, module: tuple[str, ...] = ("kiosk",)) -> tuple[subprocess.Popen, int]:
    """A real ``kiosk serve`` on ``config`` and ``library``, on loopback and a free port, once it
    says it serves (every part up): the process and its port. Its stderr is the caller's to read.
    ``module``: what ``python -m`` runs, with its own arguments (a test hook such as ``tests.integration.slow_stop``)."""
    env = dict(os.environ, KIOSK_LOG_LEVEL="WARNING")
    env.pop("KIOSK_CONFIG", None)
    env.pop("KIOSK_API_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", *module, "serve", "--config", str(config), "--library", str(library), "--port", "0",
         "--interface", "127.0.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    line = proc.stdout.readline()
    if not line.startswith("kiosk serve:"):
        proc.kill()
        pytest.fail(f"kiosk serve did not start: {line!r} {proc.stderr.read()}")
    return proc, int(line.split(" on port ")[1].split()[0])


def server_config(**api) -> Config:
    config = Config()
    config.api.port = 0
    config.api.bind = "127.0.0.1"
    config.api.interfaces = ["127.0.0.1"]
    config.api.token = TOKEN
    config.api.pin = PIN
    config.api.store = "Maison Test"
    config.api.room = "7"
    config.api.announce = False
    for key, value in api.items():
        setattr(config.api, key, value)
    return config


_addresses = itertools.count(10)


def from_address(last: int | None = None) -> httpx.Client:
    """An httpx client that connects from its own loopback address (127.0.0.N).

    The mirror counts wrong tokens per client address; a test that sends wrong tokens on
    purpose uses an address of its own so that it neither trips nor is tripped by another.
    """
    n = next(_addresses) if last is None else last
    assert 1 < n < 255, "out of loopback addresses for this test run"
    return httpx.Client(transport=httpx.HTTPTransport(local_address=f"127.0.0.{n}"), timeout=10)


@dataclass
class Server:
    url: str
    service: object
    bus: EventBus
    looks: Looks
    library: Library
    jobs: object = None

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {TOKEN}"}


def start_server(looks: Looks, config: Config, readings=None) -> Server:
    """``readings`` (a ``kiosk.vitals.Readings``): the rest of health, as ``kiosk run`` hands it (its last error)."""
    from kiosk.compare.jobs import ComparisonJobs
    from kiosk.net.service import NetParts, NetService

    library = Library(looks.root).open()
    bus = EventBus()
    jobs = ComparisonJobs(library, config)  # as in kiosk serve
    jobs.start()
    service = NetService(config, NetParts(data_dir=looks.root, library=library, bus=bus, comparisons=jobs,
                                          readings=readings))
    service.start()
    return Server(service.url, service, bus, looks, library, jobs)


def stop_server(server: Server) -> None:
    server.service.stop()
    server.jobs.stop()
    server.library.close()


@pytest.fixture(scope="module")
def server(recorded_library, tmp_path_factory):
    """A running mirror API over a private copy of the recorded library."""
    looks = copy_library(recorded_library, tmp_path_factory.mktemp("lib") / "library")
    srv = start_server(looks, server_config())
    try:
        yield srv
    finally:
        stop_server(srv)
