"""kiosk.net.pin_reports: wrong PINs told to the other mirrors off the sign-in's path, to each mirror once."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from kiosk.net.auth import Auth
from kiosk.net.discover import MirrorDirectory, MirrorRecord
from kiosk.net.peers import PeerBook
from kiosk.net.pin_reports import MAX_PEERS, PinReports
from kiosk.net.trust import PeerTrust
from tests.integration.faults.waiting import wait_for
from tests.unit._peer_lan import Mirror, Rogue, use_lan

SECRET = bytes.fromhex("5f" * 32)


class Directory(MirrorDirectory):
    """The directory's own ``with_address`` and ``others``, over ``records`` instead of a browse."""

    def __init__(self, records: list[MirrorRecord]) -> None:  # no browse: nothing of the directory's own is set up
        self.records = records

    def mirrors(self) -> list[MirrorRecord]:
        return list(self.records)


def _record(mirror_id: str, address: str, port: int) -> MirrorRecord:
    return MirrorRecord(f"Mirror {mirror_id}", "m.local.", [address], port, {"id": mirror_id})


def test_a_mirror_that_does_not_answer_never_slows_the_sign_in():
    # a peer that takes the connection and never answers (loopback, never accepted)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    where = f"127.0.0.1:{silent.getsockname()[1]}"
    book = PeerBook()
    book.proved(where, "mirror-b")  # it proved itself earlier, then hung
    reports = PinReports(Directory([_record("mirror-b", "127.0.0.1", silent.getsockname()[1])]), book)
    auth = Auth("t" * 32, pin="482913", on_wrong_pin=reports.wrong_pin)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-net-loop", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(reports.async_start(PeerTrust(SECRET, "mirror-a")), loop).result(5)
        for i in range(3):
            started = time.monotonic()
            assert auth.sign_in(f"{i:06d}", f"10.0.0.{i}") is None
            assert time.monotonic() - started < 0.5  # the peer's timeout is 1.5 s; the answer never waits for it
        wait_for(lambda: reports.counts() == (0, 1), 10, "the report to the silent mirror did not end")
        assert book.waiting(where) is not None  # left alone for a while: the next rounds skip it
        assert auth.sign_in("999999", "10.0.0.9") is None
        assert reports.counts() == (0, 1)
    finally:
        asyncio.run_coroutine_threadsafe(reports.async_stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        silent.close()


def test_each_mirror_is_told_once_by_the_id_it_proved_and_the_round_is_bounded():
    book = PeerBook()
    book.proved("127.0.0.1:9002", "mirror-b")
    book.proved("127.0.0.2:9001", "mirror-b")  # B at a second address
    book.proved("127.0.0.1:9003", "mirror-a")  # this mirror itself, whatever its TXT says
    records = [
        _record("mirror-b", "127.0.0.2", 9001),
        _record("junk", "127.0.0.1", 9002),  # a TXT id decides nothing
        _record("mirror-b", "127.0.0.1", 9003),
        MirrorRecord("No id", "x.local.", ["127.0.0.1"], 9004, {}),  # not proven yet: its hello says who it is
        *(_record(f"rogue-{i}", "127.0.0.3", 10000 + i) for i in range(2 * MAX_PEERS)),
    ]
    book.failed("127.0.0.3:10000", "it cannot be reached")  # in backoff: skipped
    reports = PinReports(Directory(records), book)
    reports._trust = PeerTrust(SECRET, "mirror-a")
    targets = reports._targets()
    assert targets[:2] == [("mirror-b", ["127.0.0.2:9001", "127.0.0.1:9002"]), ("", ["127.0.0.1:9004"])]
    assert len(targets) == MAX_PEERS
    assert not any(w in ("127.0.0.1:9003", "127.0.0.3:10000") for _, addresses in targets for w in addresses)


def test_a_mirror_that_missed_a_hello_is_still_told():
    # One hello that timed out (the console's or the hello round's) puts a proven mirror in a
    # few seconds' backoff; a report is not sent again, so skipping it would lose those wrong PINs.
    book = PeerBook()
    book.proved("127.0.0.1:9002", "mirror-b")
    book.failed("127.0.0.1:9002", "it did not answer in time")
    assert book.waiting("127.0.0.1:9002") is not None
    reports = PinReports(Directory([_record("mirror-b", "127.0.0.1", 9002)]), book)
    reports._trust = PeerTrust(SECRET, "mirror-a")
    assert reports._targets() == [("mirror-b", ["127.0.0.1:9002"])]


def test_a_device_that_answers_the_hello_with_no_mirrors_answer_is_left_alone_for_a_while():
    async def main():
        async def handle(reader, writer):
            await reader.read(65536)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n"
                         b"Connection: close\r\n\r\nnot json")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        book = PeerBook()
        reports = PinReports(Directory([_record("rogue", "127.0.0.1", port)]), book)
        reports._trust = PeerTrust(SECRET, "mirror-a")
        try:
            await reports._round({"wrong_pins": 1, "paused": False})
        finally:
            server.close()
            await server.wait_closed()
        assert reports.counts() == (0, 1)
        assert book.waiting(f"127.0.0.1:{port}") is not None  # in backoff, as a wrong proof would be
        assert reports._targets() == []  # the next rounds do not knock there

    asyncio.run(main())


def test_names_pointing_at_a_mirror_are_that_mirror_and_do_not_crowd_the_stores_mirrors_out():
    book = PeerBook()
    book.proved("127.0.0.1:9002", "mirror-b")
    records = [
        # a rogue's names, sorted first, each claiming a new id at mirror B's address
        *(_record(f"rogue-{i}", "127.0.0.1", 9002) for i in range(2 * MAX_PEERS)),
        _record("mirror-b", "127.0.0.1", 9002),
        _record("mirror-c", "127.0.0.4", 9005),  # not proven yet (this mirror just started)
    ]
    reports = PinReports(Directory(records), book)
    reports._trust = PeerTrust(SECRET, "mirror-a")
    assert reports._targets() == [("mirror-b", ["127.0.0.1:9002"]), ("", ["127.0.0.4:9005"])]


@pytest.mark.parametrize("txt_id", ["mirror-a", "junk"])  # this mirror's own id, or anything at all
def test_a_mirror_announced_with_another_id_still_gets_the_reports(monkeypatch, txt_id):
    # A rogue announces mirror B's name with an id of its choosing: the only record at B's address
    # carries it (its TXT flushed B's from the mDNS caches). B must be told all the same, once; the
    # rogue's own address, claiming B's id, gets a hello and nothing else.
    b, rogue = Mirror("mirror-b"), Rogue("mirror-b")
    use_lan(monkeypatch, {"10.0.0.2:8001": b, "10.0.0.66:8001": rogue, "10.0.0.1:8001": Mirror("mirror-a")})
    records = [_record(txt_id, "10.0.0.2", 8001), _record("mirror-b", "10.0.0.66", 8001),
               _record("mirror-a", "10.0.0.1", 8001)]  # this mirror itself
    book = PeerBook()
    reports = PinReports(Directory(records), book)
    reports._trust = PeerTrust(SECRET, "mirror-a")

    async def rounds():
        await reports._round({"wrong_pins": 1, "paused": False})
        await reports._round({"wrong_pins": 2, "paused": True})  # B proven now: asked where it proved itself

    asyncio.run(rounds())
    assert b.reports() == [{"wrong_pins": 1, "paused": False}, {"wrong_pins": 2, "paused": True}]
    assert book.proven_as("10.0.0.2:8001") == "mirror-b" and book.proven_as("10.0.0.1:8001") == "mirror-a"
    assert rogue.received == ["/api/v1/peer/hello"]  # in backoff after its made-up proof
    assert reports.counts() == (2, 1)  # B twice; the rogue's once; this mirror is nobody to tell


def test_a_mirror_at_two_new_addresses_is_told_once():
    b = Mirror("mirror-b")
    lan = {"10.0.0.2:8001": b, "10.0.0.3:8001": b}
    book = PeerBook()
    reports = PinReports(Directory([_record("x", "10.0.0.2", 8001), _record("y", "10.0.0.3", 8001)]), book)
    reports._trust = PeerTrust(SECRET, "mirror-a")
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_lan(monkeypatch, lan)
        asyncio.run(reports._round({"wrong_pins": 1, "paused": False}))
    assert b.reports() == [{"wrong_pins": 1, "paused": False}] and b.hellos == 2
    assert reports.counts() == (1, 0)
    assert reports._targets() == [("mirror-b", ["10.0.0.2:8001", "10.0.0.3:8001"])]
