"""The serial card reader against simulated readers on real pseudo-terminals (in-process)."""

from __future__ import annotations

import queue
import socket
import threading
import time

import pytest

from hardware.card_frames import encode_rdm6300
from hardware.card_reader_serial import ReaderSettings, SerialCardReader
from hardware.card_reader_sim import CardReaderSim
from hardware.card_tap import CardEvent, ReaderState

pytestmark = pytest.mark.timeout(60)

UIDS = {"pn532": "0416C6C2D73881", "rdm6300": "67003B51C6", "line": "04A1B2C3D4"}
FAST = dict(backoff_initial_s=0.1, backoff_max_s=0.5, removal_s=0.4)


class Collector:
    def __init__(self):
        self.events: queue.Queue = queue.Queue()
        self.seen: list = []

    def __call__(self, event):
        self.events.put(event)

    def next(self, want, timeout=8.0):
        """The next event for which ``want(event)`` is true."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(event)
            if want(event):
                return event
        raise AssertionError(f"no matching event; saw {self.seen}")

    def taps(self):
        return [e for e in self.seen if isinstance(e, CardEvent) and e.kind == "tap"]


def is_kind(kind):
    return lambda e: isinstance(e, CardEvent) and e.kind == kind


@pytest.fixture
def sim_factory(tmp_path):
    sims = []

    def make(protocol):
        sim = CardReaderSim(protocol, link=str(tmp_path / f"reader-{protocol}"))
        sim.start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def reader_factory():
    readers = []

    def make(port, **settings):
        reader = SerialCardReader(port, ReaderSettings(**{**FAST, **settings}))
        collector = Collector()
        reader.start(collector)
        readers.append(reader)
        return reader, collector

    yield make
    for reader in readers:
        reader.stop()


@pytest.mark.parametrize(("sim_protocol", "reader_protocol"),
                         [(p, p) for p in UIDS] + [(p, "auto") for p in UIDS])
def test_one_tap_per_hold_then_removal_and_back_after_unplug(sim_factory, reader_factory, sim_protocol, reader_protocol):
    sim = sim_factory(sim_protocol)
    uid = UIDS[sim_protocol]
    reader, got = reader_factory(sim.path, protocol=reader_protocol)
    assert sim.connected.wait(5)
    sim.tap(uid, hold_s=1.2)  # an RDM6300 repeats its frame ~8 times meanwhile
    tap = got.next(is_kind("tap"))
    assert (tap.uid, tap.protocol, tap.port) == (uid, sim_protocol, sim.path)
    got.next(is_kind("removed"))
    assert len(got.taps()) == 1
    assert reader.protocol == sim_protocol

    sim.unplug()  # the USB cable pulled: the pty goes away, the by-id style link too
    got.next(lambda e: isinstance(e, ReaderState) and e.state == "unavailable")
    time.sleep(0.3)
    sim.plug()  # plugged back: a new pty behind the same link
    assert sim.connected.wait(8)
    sim.tap(uid, hold_s=0.6)
    again = got.next(is_kind("tap"))
    assert again.uid == uid and len(got.taps()) == 2


def test_pn532_resyncs_after_noise_and_reports_card_swaps(sim_factory, reader_factory):
    sim = sim_factory("pn532")
    reader, got = reader_factory(sim.path, protocol="pn532")
    assert sim.connected.wait(5)
    sim.noise(bytes.fromhex("00FF05FB D5 4B 00 13 37 00 00 FF FF 00"))  # a false frame and a stray NAK
    sim.noise(b"\xff" * 40)
    sim.present("DEADBEEF")
    assert got.next(is_kind("tap")).uid == "DEADBEEF"
    sim.present("0102030405060708090A")  # a 10-byte UID swapped in without a gap
    assert got.next(is_kind("removed")).uid == "DEADBEEF"
    assert got.next(is_kind("tap")).uid == "0102030405060708090A"
    sim.remove()
    got.next(is_kind("removed"))
    # The PN532 was woken up, checked and configured before polling.
    assert sim.commands[:3] == [0x02, 0x14, 0x32] and 0x4A in sim.commands


def test_rdm6300_bad_checksum_frames_are_dropped(sim_factory, reader_factory):
    sim = sim_factory("rdm6300")
    reader, got = reader_factory(sim.path, protocol="rdm6300")
    assert sim.connected.wait(5)
    sim.noise(encode_rdm6300("67003B51C6", checksum=0xCC) * 3 + b"\x02123\x03garbage\r\n")
    time.sleep(0.5)
    sim.tap("1122334455", hold_s=0.5)
    assert got.next(is_kind("tap")).uid == "1122334455"
    assert reader.frame_errors >= 4 and all(t.uid != "67003B51C6" for t in got.taps())


def test_silent_reader_is_reported_not_fatal(sim_factory, reader_factory):
    sim = sim_factory("line")  # nothing on this line answers PN532 commands
    reader, got = reader_factory(sim.path, protocol="pn532", response_timeout_s=0.2)
    state = got.next(lambda e: isinstance(e, ReaderState) and e.state == "unavailable", timeout=15)
    assert state.cause == "silent" and "no PN532 answers" in state.reason
    got.next(lambda e: isinstance(e, ReaderState) and e.state == "connecting")  # it keeps trying


def test_missing_port_is_reported_with_backoff(reader_factory, tmp_path):
    reader, got = reader_factory(str(tmp_path / "no-such-reader"), protocol="line")
    first = got.next(lambda e: isinstance(e, ReaderState) and e.state == "unavailable")
    assert first.cause == "open" and "is the reader plugged in" in first.reason
    got.next(lambda e: isinstance(e, ReaderState) and e.state == "unavailable")


def test_socket_url_reader():
    """Any pyserial URL works: here an RDM6300 bridged to TCP (ser2net style)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        with conn:
            for _ in range(6):
                conn.sendall(encode_rdm6300("67003B51C6"))
                time.sleep(0.1)
            time.sleep(1.0)

    feeder = threading.Thread(target=serve, name="test-feeder", daemon=True)
    feeder.start()
    reader = SerialCardReader(f"socket://127.0.0.1:{port}", ReaderSettings(protocol="rdm6300", **FAST))
    got = Collector()
    reader.start(got)
    try:
        assert got.next(is_kind("tap")).uid == "67003B51C6"
        got.next(is_kind("removed"))
        assert len(got.taps()) == 1
    finally:
        reader.stop()
        feeder.join(5)
        server.close()


def test_clone_that_waits_for_a_card_is_cancelled_with_ack(tmp_path, reader_factory):
    """A PN532 clone ignoring MaxRetries holds each poll until a card comes; the host cancels it."""
    sim = CardReaderSim("pn532", link=str(tmp_path / "clone"), ignores_max_retries=True)
    sim.start()
    try:
        reader, got = reader_factory(sim.path, protocol="pn532", response_timeout_s=0.2)
        assert sim.connected.wait(5)
        deadline = time.monotonic() + 5
        while sim.cancels < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sim.cancels >= 2  # timed-out polls were cancelled, and polling went on
        sim.tap("04A1B2C3", hold_s=0.6)
        assert got.next(is_kind("tap")).uid == "04A1B2C3"
        got.next(is_kind("removed"))
        assert not any(isinstance(e, ReaderState) and e.state == "unavailable" for e in got.seen)
    finally:
        reader.stop()
        sim.stop()
