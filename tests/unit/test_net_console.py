"""The console's reading of another mirror's ack answer, from a mirror of this version or an older one; and
which mirrors it lists and acknowledges, by the id each proved, never the id its TXT record claims."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from fastapi import HTTPException

from kiosk.net import console
from kiosk.net.console import peer_ack_answer
from kiosk.net.discover import MirrorDirectory, MirrorRecord
from kiosk.net.peers import PeerBook
from kiosk.net.trust import PeerTrust
from tests.unit._peer_lan import SECRET, Mirror, Rogue, use_lan

ANSWER = {"id": "r1", "kind": "size", "detail": "", "session_id": None, "created_at": 1.0, "acked_at": 2.0, "open": False}


@pytest.mark.parametrize(
    "answer, first",
    [
        ({**ANSWER, "acked_by": "associate", "first": True}, True),  # this version says
        ({**ANSWER, "acked_by": "associate", "first": False}, False),
        ({**ANSWER, "acked_by": "Sam"}, False),  # older: a name, so not this console's press
        ({**ANSWER, "acked_by": None}, False),  # older: acked through the API without a name
        ({**ANSWER, "acked_by": "associate"}, None),  # older: this tablet or another, no telling
    ],
)
def test_an_older_mirrors_ack_answer_says_first_only_where_it_can_tell(answer, first):
    read = peer_ack_answer(answer)
    assert read.get("first") is first
    assert {k: v for k, v in read.items() if k != "first"} == {k: v for k, v in answer.items() if k != "first"}


def test_rooms_sort_as_people_count_them_even_with_absurdly_long_numbers():
    # A room is text a mirror announces; a number too long for int() (4300 digits) must not make
    # the associates' overview fail.
    from kiosk.net.console import _by_room

    def mirror(room, name="m"):
        return {"room": room, "name": name}

    huge = "9" * 5000
    rooms = ["Room 10", "", "room 2", f"Room {huge}", "Room 02b", "Room 3", "Fitting 1"]
    ordered = [m["room"] for m in sorted(map(mirror, rooms), key=_by_room)]
    assert ordered == ["Fitting 1", "room 2", "Room 02b", "Room 3", "Room 10", f"Room {huge}", ""]


def test_rooms_typed_in_other_digits_sort_by_their_value():
    # \d also matches full-width digits (a Japanese keyboard's "２") and other scripts' ("٣"); a
    # store whose mirrors were named by different people lists "２" between 1 and 3, as int() did.
    from kiosk.net.console import _by_room

    rooms = ["Room 10", "Room 3", "Room ２", "Room 1", "Room ٤", "Room ０５"]
    ordered = [m["room"] for m in sorted(({"room": r, "name": "m"} for r in rooms), key=_by_room)]
    assert ordered == ["Room 1", "Room ２", "Room 3", "Room ٤", "Room ０５", "Room 10"]


class _Directory(MirrorDirectory):
    """The directory's own ``with_address`` and ``others``, over ``records`` instead of a browse."""

    def __init__(self, records: list[MirrorRecord]) -> None:  # no browse: nothing of the directory's own is set up
        self.records = records

    def mirrors(self) -> list[MirrorRecord]:
        return list(self.records)


class _Assist:
    def recent(self) -> list:
        return []


def _console(records: list[MirrorRecord], book: PeerBook):
    """(the request, the context) the console's routes are given on mirror A, which finds ``records``."""
    ctx = SimpleNamespace(mirror_id="mirror-a", name="Mirror Left", state="idle", peers=book, assist=_Assist(),
                          directory=_Directory(records), config=SimpleNamespace(api=SimpleNamespace(room="1", store="")))
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(trust=PeerTrust(SECRET, "mirror-a"))))
    return request, ctx


def _record(txt_id: str, address: str, name: str = "Mirror Right") -> MirrorRecord:
    return MirrorRecord(name, "m.local.", [address], 8001, {"id": txt_id})


@pytest.mark.parametrize("txt_id", ["mirror-a", "junk"])  # this mirror's own id, or anything at all
def test_a_mirror_announced_with_another_id_is_listed_and_acknowledged(monkeypatch, txt_id):
    # A rogue announced mirror B's name with an id of its choosing: the only record at B's address
    # carries it. B is on the console all the same, its requests can be acknowledged, and this
    # mirror (found at its own address under any TXT) is listed once, as itself.
    b, rogue = Mirror("mirror-b", "Mirror Right"), Rogue("mirror-b")
    use_lan(monkeypatch, {"10.0.0.2:8001": b, "10.0.0.66:8001": rogue, "10.0.0.1:8001": Mirror("mirror-a")})
    records = [_record(txt_id, "10.0.0.2"), _record("mirror-b", "10.0.0.66", "Rogue"),
               _record(txt_id, "10.0.0.1", "Mirror Left")]
    book = PeerBook()
    request, ctx = _console(records, book)
    seen = asyncio.run(console.overview(request, ctx))
    listed = [(m["id"], m["trusted"]) for m in seen["mirrors"]]
    assert listed[0] == ("mirror-a", True), listed
    assert sorted(listed[1:]) == [("mirror-b", True), ("unverified:10.0.0.66:8001", False)], listed
    answer = asyncio.run(console.ack("mirror-b", "req-1", request, ctx))
    assert answer["first"] is True and b.acks() == ["/api/v1/peer/assist/req-1/ack"]
    assert "/api/v1/peer/assist/req-1/ack" not in rogue.received


@pytest.mark.parametrize("txt_id", ["mirror-a", "junk"])
def test_an_ack_reaches_a_mirror_not_proven_yet_whatever_its_txt_says(monkeypatch, txt_id):
    b, rogue = Mirror("mirror-b"), Rogue("mirror-b")
    use_lan(monkeypatch, {"10.0.0.2:8001": b, "10.0.0.66:8001": rogue})
    book = PeerBook()  # nothing proven yet (this mirror just started, or B moved)
    request, ctx = _console([_record("mirror-b", "10.0.0.66", "Rogue"), _record(txt_id, "10.0.0.2")], book)
    answer = asyncio.run(console.ack("mirror-b", "req-1", request, ctx))
    assert answer["first"] is True and b.acks() == ["/api/v1/peer/assist/req-1/ack"]
    assert rogue.received == ["/api/v1/peer/hello"] and book.proven_as("10.0.0.2:8001") == "mirror-b"


def test_an_ack_for_a_mirror_nowhere_to_be_found_says_it_is_not_on_the_network(monkeypatch):
    use_lan(monkeypatch, {"10.0.0.3:8001": Mirror("mirror-c"), "10.0.0.66:8001": Rogue("mirror-b")})
    request, ctx = _console([_record("mirror-b", "10.0.0.66"), _record("mirror-b", "10.0.0.3")], PeerBook())
    with pytest.raises(HTTPException) as caught:
        asyncio.run(console.ack("mirror-b", "req-1", request, ctx))
    assert caught.value.status_code == 404 and caught.value.detail == "that mirror is not on the network right now"
