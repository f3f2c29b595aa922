"""kiosk.net.pin_reports: wrong PINs told to the other mirrors off the sign-in's path, to each mirror once."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from kiosk.net.auth import Auth
from kiosk.net.discover import MirrorDirectory, MirrorRecord
from kiosk.net.peers import PeerBook
from kiosk.net.pin_reports import MAX_PEERS, PinReports
from kiosk.net.trust import PeerTrust
from tests.integration.faults.waiting import wait_for

SECRET = bytes.fromhex("5f" * 32)


class Directory:
    def __init__(self, records: list[MirrorRecord]) -> None:
        self.records = records

    def mirrors(self) -> list[MirrorRecord]:
        return list(self.records)

    others = MirrorDirectory.others


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


def test_each_mirror_is_told_once_at_its_proven_address_and_the_round_is_bounded():
    book = PeerBook()
    book.proved("127.0.0.1:9002", "mirror-b")
    records = [
        _record("mirror-b", "127.0.0.2", 9001),  # B at a second address (or a device claiming its id)
        _record("mirror-b", "127.0.0.1", 9002),  # where B proved itself
        _record("mirror-a", "127.0.0.1", 9003),  # this mirror itself
        MirrorRecord("No id", "x.local.", ["127.0.0.1"], 9004, {}),  # nothing to check a hello against
        *(_record(f"rogue-{i}", "127.0.0.3", 10000 + i) for i in range(2 * MAX_PEERS)),
    ]
    book.failed("127.0.0.3:10000", "it cannot be reached")  # in backoff: skipped
    reports = PinReports(Directory(records), book)
    reports._trust = PeerTrust(SECRET, "mirror-a")
    mirrors = reports._mirrors()
    assert mirrors[0] == ("mirror-b", ["127.0.0.1:9002", "127.0.0.2:9001"])
    assert len(mirrors) == MAX_PEERS
    assert not any(m == "mirror-a" or m == "rogue-0" for m, _ in mirrors)


def test_a_mirror_that_missed_a_hello_is_still_told():
    # One hello that timed out (the console's or the hello round's) puts a proven mirror in a
    # few seconds' backoff; a report is not sent again, so skipping it would lose those wrong PINs.
    book = PeerBook()
    book.proved("127.0.0.1:9002", "mirror-b")
    book.failed("127.0.0.1:9002", "it did not answer in time")
    assert book.waiting("127.0.0.1:9002") is not None
    reports = PinReports(Directory([_record("mirror-b", "127.0.0.1", 9002)]), book)
    reports._trust = PeerTrust(SECRET, "mirror-a")
    assert reports._mirrors() == [("mirror-b", ["127.0.0.1:9002"])]


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
        assert reports._mirrors() == []  # the next rounds do not knock there

    asyncio.run(main())


def test_names_pointing_at_a_mirror_that_proved_to_be_another_do_not_crowd_the_stores_mirrors_out():
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
    mirrors = reports._mirrors()
    assert len(mirrors) == MAX_PEERS
    assert mirrors[:2] == [("mirror-b", ["127.0.0.1:9002"]), ("mirror-c", ["127.0.0.4:9005"])]
