"""The console's reading of another mirror's ack answer, from a mirror of this version or an older one."""

from __future__ import annotations

import pytest

from kiosk.net.console import peer_ack_answer

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
