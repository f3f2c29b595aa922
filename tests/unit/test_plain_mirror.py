"""``kiosk run`` on a data folder it cannot write (an SD card the kernel remounted read-only) starts
as a plain mirror instead of failing: the live picture, nothing that needs the folder, one line in
the journal, a plain sentence for the shopper, and an exit for systemd to start the full kiosk once
the folder can be written again.

The read-only mount is simulated by the mount's flag, as in test_data_folder_read_only.py (these
tests run as root, whom ``chmod`` does not stop); the real window on a real read-only mount is
tests/integration/faults/test_read_only_start.py."""

from __future__ import annotations

import logging

import httpx
import pytest

from kiosk.cli import build_parser
from kiosk.events import EventBus
from kiosk.plain_mirror import FOLDER_CHECK_S, RECORDING_UNAVAILABLE, DataFolderWritable, StudioUnavailable
from kiosk.recording.events import RecordingFailed
from tests.unit._cores import CAMERA, wait_for
from tests.unit.test_data_folder_read_only import read_only


def test_kiosk_run_on_a_read_only_data_folder_is_a_plain_mirror_until_it_can_be_written(tmp_path, monkeypatch, caplog):
    import ui.app

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # the window itself is replaced below
    data = tmp_path / "lib"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[library]\ndata_dir = "{data}"\n[analysis]\nenabled = false\n[api]\nbind = "127.0.0.1"\nport = 0\n')
    card = pytest.MonkeyPatch()
    read_only(card, tmp_path)
    seen = {}

    def mirror(core, quit_after=None, stopping=None):
        events = []
        core.bus.subscribe(events.append)
        core.start()
        try:
            assert wait_for(lambda: core.hub.latest() is not None), "no live picture"
            core.start_recording()
            assert wait_for(lambda: any(isinstance(e, RecordingFailed) for e in events))
            pages = core.parts.network  # the store's monitoring still reaches it (loopback here)
            seen.update(studio=core.parts.studio, welcome=core.welcome.text, status=core.parts.liveness.watch.status(),
                        refused=[e.reason for e in events if isinstance(e, RecordingFailed)],
                        network=pages.available, health=httpx.get(f"{pages.url}/api/v1/health", timeout=10).json(),
                        metrics=httpx.get(f"{pages.url}/api/v1/metrics", timeout=10).text,
                        looks=httpx.get(f"{pages.url}/api/v1/looks", timeout=10).status_code)
            card.undo()  # store IT remounted the card read-write; the core's clock notices
            core.bus.emit(DataFolderWritable(folder=str(data)))
        finally:
            core.stop()
        return 0

    monkeypatch.setattr(ui.app, "run_mirror", mirror)
    args = build_parser().parse_args(["run", "--config", str(config), "--source", CAMERA, "--windowed"])
    try:
        with caplog.at_level(logging.INFO):
            code = args.func(args)
    finally:
        card.undo()
    assert isinstance(seen["studio"], StudioUnavailable) and not seen["network"], "no sharing or help requests"
    assert seen["health"]["status"] == "degraded" and not seen["health"]["checks"]["plain_mirror"]["ok"]
    assert "read-only file system" in seen["health"]["checks"]["data_folder"]["detail"]
    assert "kiosk_data_writable 0" in seen["metrics"].splitlines() and seen["looks"] == 404
    assert not data.exists(), "nothing that needs the data folder ran"
    assert seen["refused"] == [RECORDING_UNAVAILABLE] and seen["welcome"] == RECORDING_UNAVAILABLE
    assert "plain mirror" in seen["status"] and "read-only" in seen["status"], seen["status"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and str(data) in errors[0] and "read-only file system" in errors[0], errors
    assert "started as a plain mirror: no recording, no looks, no cards until the folder can be written" in errors[0]
    from kiosk.commands.run import RESTART_FULL

    assert code == RESTART_FULL != 0, "systemd (Restart=on-failure) starts the full kiosk"
    assert any("can be written again" in r.getMessage() and "systemd starts the full kiosk" in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)


def test_a_writable_data_folder_starts_the_full_kiosk(tmp_path):
    from kiosk.commands.run import mirror_switches
    from kiosk.config import Config

    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    switches = mirror_switches(config, build_parser().parse_args(["run", "--source", CAMERA]))
    assert switches.record and switches.network and not switches.unwritable


def test_a_plain_mirror_keeps_the_body_analysis_the_configuration_asks_for():
    from dataclasses import replace

    from kiosk.config import Config
    from kiosk.wiring import Switches, plain_mirror

    config = Config()
    full = Switches(source=CAMERA, network=True, window=True, watchdog=True)
    plain = plain_mirror(full, config, "it is on a read-only file system")
    assert (plain.record, plain.library, plain.network) == (False, False, False)
    assert plain.public_pages, "the store's monitoring still reads its health and metrics"
    assert not plain_mirror(replace(full, network=False), config, "read-only").public_pages  # kiosk run --no-network
    assert plain.analysis is config.analysis.enabled is True  # presence still wakes and darkens the screen
    assert plain.window and plain.watchdog and plain.source == CAMERA


def watched(tmp_path) -> tuple[StudioUnavailable, list[str]]:
    """A plain mirror's studio on ``tmp_path / "lib"``, and the folders it told are writable."""
    bus, told = EventBus(), []
    bus.subscribe(lambda e: told.append(e.folder) if isinstance(e, DataFolderWritable) else None)
    return StudioUnavailable(tmp_path / "lib", bus), told


def test_the_plain_mirror_looks_at_its_folder_on_the_core_s_clock_and_tells_once(tmp_path, monkeypatch):
    studio, told = watched(tmp_path)
    with monkeypatch.context() as card:
        read_only(card, tmp_path)
        for now in (0.0, 1.0, FOLDER_CHECK_S):
            studio.follow_room(now)
    assert told == []
    studio.follow_room(FOLDER_CHECK_S + 1.0)  # writable now, but not looked at yet
    assert told == []
    studio.follow_room(2 * FOLDER_CHECK_S)
    studio.follow_room(3 * FOLDER_CHECK_S)
    assert told == [str(tmp_path / "lib")]


def test_the_plain_mirror_waits_for_the_visit_in_front_of_it_before_the_full_kiosk_starts(tmp_path):
    # The restart darkens the screen for a few seconds (systemd's RestartSec and the start): not in
    # the face of a shopper who is using the mirror; at once after she leaves.
    studio, told = watched(tmp_path)
    studio.session_started("s1")
    for now in (0.0, FOLDER_CHECK_S, 2 * FOLDER_CHECK_S):
        studio.follow_room(now)
    assert told == [], "she is still there"
    studio.session_ended("s1")
    studio.follow_room(2 * FOLDER_CHECK_S + 0.5)  # the next tick, not 30 s later
    assert told == [str(tmp_path / "lib")]


def test_a_visit_that_never_ends_holds_the_full_kiosk_back_two_minutes_at_most(tmp_path):
    # A presence that never leaves (a mannequin in view, a camera facing the corridor) must not keep
    # the mirror a plain one for good.
    from kiosk.plain_mirror import VISIT_WAIT_MAX_S

    studio, told = watched(tmp_path)
    studio.session_started("s1")
    now = 0.0
    while now < VISIT_WAIT_MAX_S - 0.5:
        studio.follow_room(now)
        now += 0.5
    assert told == []
    studio.follow_room(VISIT_WAIT_MAX_S + 0.5)
    assert told == [str(tmp_path / "lib")]
