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
