"""One tap per presentation and one removal after silence, with an injected clock."""

from __future__ import annotations

from hardware.card_tap import REMOVED, TAP, TapTracker


def test_held_card_is_one_tap_then_removed_after_silence():
    t = TapTracker(removal_s=0.5)
    assert t.seen("AA11", 0.0) == [(TAP, "AA11")]
    for now in (0.1, 0.3, 0.6, 0.9):  # repeated frames while the card is held
        assert t.seen("AA11", now) == []
    assert t.tick(1.3) == []
    assert t.tick(1.45) == [(REMOVED, "AA11")]
    assert t.present is None
    assert t.seen("AA11", 2.0) == [(TAP, "AA11")]  # a second tap of the same card


def test_swapping_cards_reports_removal_then_tap():
    t = TapTracker(removal_s=0.5)
    t.seen("AA11", 0.0)
    assert t.seen("BB22", 0.2) == [(REMOVED, "AA11"), (TAP, "BB22")]


def test_late_sighting_after_expiry_is_a_new_tap():
    t = TapTracker(removal_s=0.5)
    t.seen("AA11", 0.0)
    assert t.seen("AA11", 0.7) == [(REMOVED, "AA11"), (TAP, "AA11")]


def test_clear_on_disconnect():
    t = TapTracker(removal_s=0.5)
    assert t.clear() == []
    t.seen("AA11", 0.0)
    assert t.clear() == [(REMOVED, "AA11")]
    assert t.tick(10.0) == []


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

steps = st.lists(st.tuples(st.floats(0, 2, allow_nan=False), st.sampled_from(["A1A1", "B2B2", None])), max_size=60)


@given(steps)
def test_taps_and_removals_always_alternate(sequence):
    t, now, present, out = TapTracker(removal_s=0.5), 0.0, None, []
    for gap, uid in sequence:
        now += gap
        out += t.seen(uid, now) if uid else t.tick(now)
    out += t.clear()
    for kind, uid in out:  # tap, removed, tap, removed... each removal names the card tapped before it
        if kind == TAP:
            assert present is None
            present = uid
        else:
            assert present == uid
            present = None
    assert present is None and t.present is None
