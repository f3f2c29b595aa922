"""The comparison's dial tells what the panes follow: the body angle, or, when every look plays by
time, how far into their play they are (an angle would mean nothing then).

AngleDial.qml is loaded offscreen in a child process (tests/qml_offscreen.py) and given what
CompareView binds to it.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtQml")

from tests.qml_offscreen import shown as qml_shown  # noqa: E402 (after the skip)



def shown(**properties) -> dict:
    seen = qml_shown("AngleDial.qml", properties, named=("dialBody",))
    return {"texts": seen["texts"], "body": seen["visible"]["dialBody"]}


def test_a_comparison_by_angle_shows_the_side_and_the_angle():
    dial = shown(angle=95, byAngle=True, position=1.3, length=6.0)
    assert dial["texts"] == ["Left side", "95°"]
    assert dial["body"], "the body seen from above"


def test_looks_that_all_play_by_time_show_the_time_and_no_angle():
    dial = shown(angle=95, byAngle=False, position=1.3, length=6.0)
    assert dial["texts"] == ["Plays by time", "1.3 / 6.0 s"]
    assert not any("°" in text or "side" in text for text in dial["texts"]), dial
    assert not dial["body"], "no body turning on the dial: the looks do not follow one"
