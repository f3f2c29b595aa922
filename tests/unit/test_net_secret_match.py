"""kiosk.net.secret_match and hello_round: whether this mirror's store secret is the one the others hold."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from kiosk.net import hello_round
from kiosk.net.discover import MirrorDirectory, MirrorRecord
from kiosk.net.hello_round import HelloRounds
from kiosk.net.peer_client import PeerError, say_hello
from kiosk.net.peers import PeerBook
from kiosk.net.secret_match import LOADED, Tally, judge, tally
from kiosk.net.trust import PeerTrust
from tests.unit._peer_lan import Mirror, use_lan

OURS = bytes.fromhex("5f" * 32)
THEIRS = bytes.fromhex("6e" * 32)


def _record(mirror_id: str, port: int, address: str = "10.0.0.2") -> MirrorRecord:
    return MirrorRecord(f"Mirror {mirror_id}", "m.local.", [address], port, {"id": mirror_id})


@pytest.mark.parametrize("seen, ok, words, never", [
    (None, True, LOADED, "prove"),  # not judged yet
    (Tally(), True, LOADED, "prove"),  # alone on the LAN: nothing alarming
    (Tally(proving=2), True, "the store secret is loaded: 2 other mirrors prove they hold it", "not"),
    (Tally(proving=1), True, "the store secret is loaded: 1 other mirror proves it holds it", "not"),
    # a rogue among good mirrors is a device that does not prove it, not "our secret is wrong"
    (Tally(proving=2, not_proving=1), True, "1 other device answering as a mirror does not prove it", "probably"),
    (Tally(proving=1, not_proving=3), True, "3 other devices answering as a mirror do not prove it", "probably"),
    # every mirror found fails: this mirror is the odd one out
    (Tally(not_proving=3), False, "none of the 3 other mirrors found proves it holds this mirror's store secret: "
     "this mirror's secret is probably not the store's", "127.0.0."),
    (Tally(not_proving=1), False, "the one other mirror found does not prove it holds this mirror's store secret: "
     "this mirror's secret or that one's is not the store's", "127.0.0."),
])
def test_the_judgement_names_a_secret_that_is_not_the_stores_only_when_no_mirror_proves_it(seen, ok, words, never):
    verdict, detail = judge(seen)
    assert verdict is ok and words in detail and never not in detail, detail
    if not ok:  # what to do, in the same sentence
        assert "copy the store's secret" in detail and "restart the kiosk" in detail


def test_the_tally_counts_proven_mirrors_once_and_only_devices_answering_with_another_secret():
    book = PeerBook()
    records = [
        _record("mirror-b", 8001), _record("mirror-b", 8001, "10.0.0.3"),  # B at two addresses: one mirror
        _record("mirror-c", 8002),
        _record("rogue", 8003),  # answers the hello as a mirror, with a proof it made up
        _record("printer", 8004),  # answers the hello with 404: not a mirror at all
        _record("gone", 8005),  # never answered
        _record("mirror-a", 8006),  # this mirror itself
    ]
    book.proved("10.0.0.2:8001", "mirror-b")
    book.proved("10.0.0.3:8001", "mirror-b")
    book.proved("10.0.0.2:8002", "mirror-c")
    book.failed("10.0.0.2:8003", "not a mirror of this store", reachable=True, wrong_secret=True)
    book.failed("10.0.0.2:8004", "not a mirror of this store: it refused to say hello (HTTP 404)", reachable=True)
    book.failed("10.0.0.2:8005", "it cannot be reached")
    seen = tally(records, book, "mirror-a")
    assert (seen.proving, seen.not_proving, seen.not_proving_at) == (2, 1, ("10.0.0.2:8003",))
    assert judge(seen)[0] is True and not seen.mismatch
    # the same devices without the good mirrors: every one answering as a mirror fails
    alone = tally([r for r in records if r.mirror_id not in ("mirror-b", "mirror-c")], book, "mirror-a")
    assert alone.mismatch and judge(alone)[0] is False
    # a device that stops answering keeps what its last answer proved; a proven one that answers wrongly now does not
    book.failed("10.0.0.2:8003", "it cannot be reached")
    book.failed("10.0.0.2:8002", "not a mirror of this store", reachable=True, wrong_secret=True)
    again = tally(records, book, "mirror-a")
    assert (again.proving, again.not_proving) == (1, 2)
    # a mirror that proves it later counts as proving
    book.proved("10.0.0.2:8003", "mirror-d")
    assert tally(records, book, "mirror-a").not_proving_at == ("10.0.0.2:8002",)


def _peer(secret: bytes | None, status: int = 200):
    """A transport answering hellos as a mirror holding ``secret`` (None: a made-up proof)."""
    mirror = PeerTrust(secret or THEIRS, "mirror-b")

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/peer/hello"  # nothing but the hello is sent
        hello = json.loads(request.content)
        body = mirror.answer_hello(hello["from"], hello["nonce"])
        if secret is None:
            body["proof"] = "cd" * 32
        return httpx.Response(status, json=body)

    return httpx.MockTransport(answer)


def _say_hello(transport) -> str:
    async def main():
        async with httpx.AsyncClient(transport=transport) as client:
            return await say_hello(client, PeerTrust(OURS, "mirror-a"), "http://10.0.0.2:8001")

    return asyncio.run(main())


def test_a_hello_tells_another_secret_apart_from_a_device_that_is_no_mirror():
    assert _say_hello(_peer(OURS)) == "mirror-b"
    for transport in (_peer(THEIRS), _peer(None)):  # another store's secret, or a rogue's made-up proof
        with pytest.raises(PeerError) as caught:
            _say_hello(transport)
        assert caught.value.untrusted and caught.value.wrong_secret
        assert str(caught.value) == "does not prove it holds this store's secret"
    with pytest.raises(PeerError) as caught:
        _say_hello(_peer(OURS, status=404))
    assert caught.value.untrusted and not caught.value.wrong_secret


def test_a_mirror_busy_with_hellos_is_still_a_mirror_of_the_store():
    """Its limit on hellos per address (429) says nothing of the secret: the mirror stays proven and is
    asked again soon, never called "not a mirror of this store" and left alone for minutes."""
    book = PeerBook()
    book.proved("10.0.0.2:8001", "mirror-b")
    with pytest.raises(PeerError) as caught:
        _say_hello(_peer(OURS, status=429))
    assert not caught.value.untrusted and not caught.value.wrong_secret
    problem = book.failed_with("10.0.0.2:8001", caught.value)
    assert "not a mirror" not in problem and "busy" in problem, problem
    assert book.is_proven("10.0.0.2:8001") and book.proven_as("10.0.0.2:8001") == "mirror-b"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Directory(MirrorDirectory):
    """The directory's own ``with_address`` and ``others``, over ``records`` instead of a browse."""

    def __init__(self, records: list[MirrorRecord]) -> None:  # no browse: nothing of the directory's own is set up
        self.records = records

    def mirrors(self) -> list[MirrorRecord]:
        return list(self.records)


def test_hello_rounds_are_bounded_in_count_and_rate_and_ask_proven_mirrors_first():
    clock = Clock()
    book = PeerBook(clock)
    records = [_record(f"rogue-{i}", 9000 + i) for i in range(40)] + [_record("mirror-b", 8001), _record("mirror-a", 8002)]
    book.proved("10.0.0.2:8001", "mirror-b")
    book.failed("10.0.0.2:9000", "it cannot be reached")  # in backoff: skipped
    rounds = HelloRounds(Directory(records), book, clock)
    rounds._trust = PeerTrust(OURS, "mirror-a")
    first = rounds.due()
    assert first[0] == "10.0.0.2:8001" and len(first) == hello_round.MAX_PER_ROUND
    assert "10.0.0.2:9000" not in first
    rounds._last_round = clock.now
    for where in first:
        book.failed(where, "not a mirror of this store", reachable=True, wrong_secret=True)
    clock.now += hello_round.NEW_GAP_S - 0.1
    assert rounds.due() == []  # addresses never asked are waiting, but rounds keep their distance
    clock.now += 0.2
    assert 0 < len(rounds.due()) <= hello_round.MAX_PER_ROUND
    rounds._last_round = clock.now
    records[:] = records[-2:]  # only B left (and this mirror): nothing new, so not before the round is due
    book.proved("10.0.0.2:8001", "mirror-b")
    book.proved("10.0.0.2:8002", "mirror-a")  # only its hello tells this mirror's own address (not its TXT)
    clock.now += hello_round.NEW_GAP_S
    assert rounds.due() == []
    clock.now += hello_round.ROUND_S
    # this mirror's address too, once a round: it may pass to another device
    assert rounds.due() == ["10.0.0.2:8001", "10.0.0.2:8002"]
    assert HelloRounds(Directory([]), book, clock).check() is None  # not started: no store secret


@pytest.mark.parametrize("txt_id", ["mirror-a", "junk"])  # this mirror's own id, or anything at all
def test_a_mirror_announced_with_another_id_is_still_asked_and_proven(monkeypatch, txt_id):
    # A rogue announced mirror B's name with an id of its choosing: the only record at B's address
    # carries it. The hello round asks B all the same, and counts it by the id it proved; this
    # mirror, found at its own address under any TXT, proves to be itself and is not counted.
    b, a = Mirror("mirror-b"), Mirror("mirror-a")
    use_lan(monkeypatch, {"10.0.0.2:8001": b, "10.0.0.1:8001": a})
    records = [_record(txt_id, 8001), _record(txt_id, 8001, "10.0.0.1")]
    book = PeerBook()
    rounds = HelloRounds(Directory(records), book, Clock())
    rounds._trust = PeerTrust(OURS, "mirror-a")
    rounds.tally = Tally()
    asyncio.run(rounds.poll())
    assert book.proven_as("10.0.0.2:8001") == "mirror-b" and book.proven_as("10.0.0.1:8001") == "mirror-a"
    assert rounds.tally == Tally(proving=1)
