"""A real core for the core's tests: a synthetic camera, the library under the test's folder, no pose model."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.config import Config
from kiosk.identity import CardKeyer, Customer
from kiosk.identity.setup import load_keyer, open_directory
from kiosk.wiring import build_core

CAMERA = "synthetic:?width=320&height=240&fps=15"


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def core_config(tmp_path: Path, *, api: bool = False) -> Config:
    """The library in ``tmp_path/lib``, analysis off; with ``api``, the API on a free loopback port, not announced."""
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    if api:
        config.api.port, config.api.bind, config.api.announce = 0, "127.0.0.1", False
    return config


def with_customers(config: Config, customers: Callable[[CardKeyer], list[Customer]]) -> CardKeyer:
    """The store secret made (the core then loads it) and ``customers(keyer)`` imported into the directory."""
    keyer = load_keyer(config)
    with open_directory(config) as directory:
        directory.import_customers(customers(keyer))
    return keyer


@contextmanager
def running(config: Config, **options) -> Iterator[tuple[object, list]]:
    """The core built on ``CAMERA`` and started, with every event it emits, once its first frame is in."""
    core = build_core(config, CAMERA, **options)
    events = []
    core.bus.subscribe(events.append)
    core.start()
    try:
        assert wait_for(lambda: core.hub.latest() is not None)
        yield core, events
    finally:
        core.stop()
