"""kiosk.net.peers: backoff after a failed hello, the limit on hellos in flight, a bounded book."""

from __future__ import annotations

import asyncio

from kiosk.net import peers
from kiosk.net.peers import PeerBook


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_device_that_failed_is_left_alone_for_longer_each_time():
    clock = Clock()
    book = PeerBook(clock)
    where = "10.0.0.66:8080"
    assert book.waiting(where) is None
    waits = []
    for _ in range(8):
        book.failed(where, "it does not answer")
        problem, reachable = book.waiting(where)
        assert problem.startswith("it does not answer (not asked again for") and reachable is False
        start = clock.now
        while book.waiting(where) is not None:
            clock.now += 1
        waits.append(clock.now - start)
    assert waits[:3] == [peers.FIRST_BACKOFF_S, 2 * peers.FIRST_BACKOFF_S, 4 * peers.FIRST_BACKOFF_S]
    assert max(waits) == peers.MAX_BACKOFF_S
    book.proved(where, "mirror-b")  # a success forgets the failures
    assert book.waiting(where) is None and book.is_proven(where)
    book.failed(where, "not a mirror of this store", reachable=True)
    assert not book.is_proven(where) and book.waiting(where)[1] is True


def test_no_more_than_the_limit_of_hellos_are_in_flight():
    book = PeerBook(max_hellos=3)
    inflight, most = 0, 0

    async def hello(release: asyncio.Event):
        nonlocal inflight, most
        async with book.slot():
            inflight += 1
            most = max(most, inflight)
            await release.wait()
            inflight -= 1

    async def main():
        release = asyncio.Event()
        tasks = [asyncio.create_task(hello(release)) for _ in range(20)]
        while inflight < 3:
            await asyncio.sleep(0)
        for _ in range(50):  # give every other task its chance to (wrongly) start
            await asyncio.sleep(0)
        assert inflight == 3
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert most == 3


def test_the_book_is_bounded():
    book = PeerBook()
    for i in range(peers.MAX_ENTRIES + 50):
        book.failed(f"10.0.{i // 250}.{i % 250}:8080", "it does not answer")
    assert len(book._entries) == peers.MAX_ENTRIES
    assert book.waiting("10.0.0.0:8080") is None  # the oldest was forgotten


def test_a_proven_mirrors_last_answer_outlives_its_failures_for_a_while():
    clock = Clock()
    book = PeerBook(clock)
    where = "10.0.0.9:8080"
    book.proved(where, "mirror-b")
    book.remember(where, {"id": "mirror-b", "name": "Left", "room": "9"}, [{"id": "r1", "open": True}], 1_700_000_000.0)
    book.failed(where, "it cannot be reached")
    last = book.last_answer(where)
    assert last.card["room"] == "9" and last.requests == ({"id": "r1", "open": True},) and last.seen_at == 1_700_000_000.0
    assert book.last_answers() == {where: last}
    clock.now += peers.REMEMBER_S + 1  # long gone: not shown any more
    assert book.last_answer(where) is None and book.last_answers() == {}


def test_a_last_answer_is_dropped_when_someone_else_answers_there():
    book = PeerBook(Clock())
    where = "10.0.0.9:8080"
    book.remember(where, {"id": "mirror-b"}, [], 1.0)
    book.forget_answer(where)
    assert book.last_answer(where) is None


def test_a_proven_mirror_that_stops_answering_is_asked_again_soon_and_stays_proven():
    # A mirror rebooting for five minutes: back-off meant for rogues would hide its next help
    # request for minutes after it returned.
    clock = Clock()
    book = PeerBook(clock)
    where = "10.0.0.5:8080"
    book.proved(where, "mirror-a")
    for _ in range(10):
        book.failed(where, "it cannot be reached")
        problem, reachable = book.waiting(where)
        assert problem == f"it cannot be reached (not asked again for {peers.PROVEN_RETRY_S:.0f} s)" and not reachable
        assert book.is_proven(where)
        clock.now += peers.PROVEN_RETRY_S
        assert book.waiting(where) is None
    # Someone else answering there, without the store's proof, is a stranger again: long back-off.
    book.failed(where, "it does not prove it holds this store's secret", reachable=True)
    assert not book.is_proven(where)
    clock.now += peers.PROVEN_RETRY_S
    assert book.waiting(where) is not None
