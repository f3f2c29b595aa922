"""The looks on the console (real headless Chromium, a real mirror API): grouped by visit, so that an
associate shares a shopper's own looks, and each one playable on its own."""

from __future__ import annotations

import shutil
import time

import pytest

from kiosk.library import Library
from kiosk.library.look import NewLook

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import copy_library, server_config, start_server, stop_server
from .test_console_attention import FOCUSED, press_escape, sign_in

pytestmark = pytest.mark.slow

CARD_KEY = "ck_9f2a71d04be35c6e"  # what a loyalty card's look carries: never on the page


def add_look(library: Library, source: str, created: float, session_id: str, customer_id: str | None = None) -> str:
    """A copy of a recorded look's files entering the library as a new look of ``session_id`` (as the recorder does)."""
    look_id = Library.new_id()
    library.layout.work.mkdir(exist_ok=True)
    files = []
    for suffix in (".mp4", ".jpg", ".strip.jpg"):
        files.append(library.layout.work / f"{look_id}{suffix}")
        shutil.copy(library.layout.looks / f"{source}{suffix}", files[-1])
    library.add_look(NewLook(look_id, *files, created, 1.0, 320, 180, session_id=session_id, customer_id=customer_id,
                             consent_by="customer"))
    return look_id


@pytest.fixture
def server(recorded_library, tmp_path):
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        yield srv
    finally:
        stop_server(srv)


VISITS = ("[...document.querySelectorAll('#looks li.visit')].map(v => [v.querySelector('h3').textContent,"
          " [...v.querySelectorAll('li.look')].map(l => l.dataset.id)])")


def test_looks_are_grouped_by_visit_without_any_card_key(server, chromium):
    now = time.time()
    carded = [add_look(server.library, server.looks.consented, now - t, "visit-a", CARD_KEY) for t in (60, 120)]
    other = add_look(server.library, server.looks.consented, now - 600, "visit-b")
    sign_in(chromium, server.url, 1024, 768)
    shown = chromium.wait(f"(v => v.length === 3 ? v : null)({VISITS})", timeout=10)
    headings = {tuple(ids): heading for heading, ids in shown}
    assert set(headings) == {tuple(carded), (other,), (server.looks.consented,)}, shown  # newest look first in each
    assert headings[tuple(carded)].startswith("Visit at ")
    assert headings[tuple(carded)].endswith(", Room 7 · loyalty card · 2 looks"), headings
    assert headings[(other,)].startswith("Visit at ") and headings[(other,)].endswith(", Room 7 · 1 look"), headings
    assert headings[(server.looks.consented,)].startswith("Look at ")  # recorded outside any visit
    assert [ids for _, ids in shown].index(carded) < [ids for _, ids in shown].index([other]), "newest visit first"
    markup = chromium.js("document.documentElement.outerHTML")
    assert CARD_KEY not in markup and "visit-a" not in markup and "visit-b" not in markup


def test_a_look_plays_on_its_own_from_its_poster(server, chromium):
    sign_in(chromium, server.url, 768, 1024)
    look = f"#looks li.look[data-id=\"{server.looks.consented}\"]"
    play = f"document.querySelector('{look} button.play')"
    chromium.wait(f"!!{play} && {play}.querySelector('img').naturalWidth > 0", timeout=10)
    assert chromium.js(f"{play}.getAttribute('aria-label')").startswith("Play the look recorded at ")
    chromium.js(f"{play}.focus(); {play}.click()")
    video = "document.getElementById('video-player')"
    chromium.wait(f"document.getElementById('video-dialog').open && {video}.src.startsWith('blob:')"
                  f" && {video}.readyState >= 1", timeout=15)
    assert chromium.js(f"{video}.duration") > 0.5
    press_escape(chromium)
    chromium.wait(f"!document.getElementById('video-dialog').open && !{video}.getAttribute('src')")
    chromium.wait(f"{FOCUSED}[0] === 'BUTTON'", timeout=5)
    assert chromium.js(f"document.activeElement === {play}")


VIDEO = "document.getElementById('video-player')"


def play_on_tablet(server, chromium, look_id: str) -> str:
    """Sign in on a tablet and play the look from its poster until its video is in the page;
    returns the JavaScript that finds its list item."""
    sign_in(chromium, server.url, 768, 1024)
    item = f"document.querySelector('#looks li.look[data-id=\"{look_id}\"]')"
    chromium.wait(f"!!{item}", timeout=10)
    chromium.js(f"{item}.querySelector('button.play').click()")
    chromium.wait(f"document.getElementById('video-dialog').open && {VIDEO}.src.startsWith('blob:')", timeout=15)
    return item


@pytest.mark.parametrize("how", ["withdrawn", "deleted"])
def test_a_look_that_leaves_the_list_stops_playing_on_its_own(server, chromium, how):
    """The shopper withdraws consent (or the look is deleted, forgotten) while an associate plays it:
    the video already fetched into the page goes at the console's next look at the list, and the
    dialog says why, as the comparison dialog does."""
    look_id = add_look(server.library, server.looks.consented, time.time() - 60, "visit-a")
    play_on_tablet(server, chromium, look_id)
    if how == "withdrawn":
        server.library.set_session_consent("visit-a", False)
    else:
        server.library.delete(look_id)
    chromium.wait(f"!{VIDEO}.getAttribute('src')", timeout=15)
    assert chromium.js(f"{VIDEO}.paused") is True
    assert "no longer shared" in chromium.js("document.getElementById('video-status').textContent")


def test_a_look_that_grows_older_than_the_list_keeps_playing(server, chromium):
    """The list shows the last 4 hours; a look that passes that age while the associate plays it
    leaves the list, but it is still shared: its video stays, and nothing says it was withdrawn."""
    look_id = add_look(server.library, server.looks.consented, time.time() - 4 * 3600 + 4, "visit-a")
    item = play_on_tablet(server, chromium, look_id)
    chromium.wait(f"!{item}", timeout=20)  # older than the window now: off the list
    assert chromium.js(f"{VIDEO}.getAttribute('src') || ''").startswith("blob:")
    assert "no longer shared" not in chromium.js("document.getElementById('video-status').textContent")


def a_long_visit(server, chromium, width: int, height: int) -> list[str]:
    """Eight looks of one visit (beside the fixture's own), listed in a console signed in at this size: their ids."""
    now = time.time()
    looks = [add_look(server.library, server.looks.consented, now - 60 * n, "visit-a") for n in range(1, 9)]
    sign_in(chromium, server.url, width, height)
    chromium.wait("document.querySelectorAll('#looks li.look input.compare-pick').length === 9", timeout=15)
    return looks


@pytest.mark.parametrize("width, height", [(390, 844), (820, 1180)])
def test_the_compare_button_stays_in_sight_once_looks_are_ticked(server, chromium, width, height):
    """A busy visit's looks run far below the screen: "Compare 2 looks" under the last one would be out of
    sight when the associate ticks the first two. It stays at the screen's foot, clear of the header."""
    looks = a_long_visit(server, chromium, width, height)
    button = "document.getElementById('compare-open').getBoundingClientRect()"
    assert chromium.js(f"{button}.top") > chromium.js("innerHeight"), "the list is not long enough to test this"
    for look_id in looks[:2]:
        chromium.js(f"document.querySelector('#looks li.look[data-id=\"{look_id}\"] input.compare-pick').click()")
    chromium.wait("document.getElementById('compare-open').textContent === 'Compare 2 looks'")
    chromium.js(f"document.querySelector('#looks li.look[data-id=\"{looks[1]}\"]').scrollIntoView({{block: 'center'}})")
    header = chromium.js("document.querySelector('header').getBoundingClientRect().bottom")
    top, bottom = chromium.js(f"(r => [r.top, r.bottom])({button})")
    assert header <= top and bottom <= chromium.js("innerHeight"), (header, top, bottom)
    # at the end of the list it sits in its own place, under the last look, covering none of it
    chromium.js("window.scrollTo(0, document.documentElement.scrollHeight)")
    last = chromium.js("[...document.querySelectorAll('#looks li.look')].pop().getBoundingClientRect().bottom")
    assert chromium.js(f"{button}.top") >= last


@pytest.mark.parametrize("width, height", [(390, 844), (820, 1180)])
def test_the_first_tick_says_one_more_is_needed_where_the_associate_looks(server, chromium, width, height):
    """One look ticked: nothing could be compared yet, and the button that says so sat under the last look,
    far below the screen, so the tick seemed to do nothing. From the first tick it floats at the screen's
    foot, greyed, saying one more is needed; ticked off again, it goes back to its place."""
    looks = a_long_visit(server, chromium, width, height)
    button = "document.getElementById('compare-open')"
    assert chromium.js(f"{button}.getBoundingClientRect().top") > chromium.js("innerHeight"), "the list is too short"
    pick = f"document.querySelector('#looks li.look[data-id=\"{looks[0]}\"] input.compare-pick')"
    chromium.js(f"{pick}.scrollIntoView({{block: 'center'}}); {pick}.click()")
    said = chromium.wait(f"{button}.textContent !== 'Tick two to four looks to compare them' && {button}.textContent")
    assert said == "1 ticked: tick one more to compare"
    assert chromium.js(f"{button}.disabled") is True
    header = chromium.js("document.querySelector('header').getBoundingClientRect().bottom")
    top, bottom = chromium.js(f"(r => [r.top, r.bottom])({button}.getBoundingClientRect())")
    assert header <= top and bottom <= chromium.js("innerHeight"), (header, top, bottom)
    chromium.js(f"{pick}.click()")
    chromium.wait(f"{button}.textContent === 'Tick two to four looks to compare them'")
    assert chromium.js(f"{button}.getBoundingClientRect().top") > chromium.js("innerHeight"), "back in its place"


def test_a_fifth_tick_says_four_is_the_most_where_the_associate_looks(server, chromium):
    """Four looks at most are compared: a fifth tick was undone without a word, so the box seemed not to take
    the tap. The floating button, at the screen's foot, says why for a few seconds, still comparing the four."""
    looks = a_long_visit(server, chromium, 390, 844)
    button = "document.getElementById('compare-open')"
    picks = [f"document.querySelector('#looks li.look[data-id=\"{look_id}\"] input.compare-pick')" for look_id in looks]
    for pick in picks[:4]:
        chromium.js(f"{pick}.click()")
    chromium.wait(f"{button}.textContent === 'Compare 4 looks'")
    chromium.js(f"{picks[4]}.scrollIntoView({{block: 'center'}}); {picks[4]}.click()")
    said = chromium.wait(f"{button}.textContent !== 'Compare 4 looks' && {button}.textContent")
    assert said == "Compare 4 looks (four at most: untick one to add another)"
    assert chromium.js(f"{picks[4]}.checked") is False and chromium.js(f"{button}.disabled") is False
    header = chromium.js("document.querySelector('header').getBoundingClientRect().bottom")
    top, bottom = chromium.js(f"(r => [r.top, r.bottom])({button}.getBoundingClientRect())")
    assert header <= top and bottom <= chromium.js("innerHeight"), (header, top, bottom)
    chromium.wait(f"{button}.textContent === 'Compare 4 looks'", timeout=10)  # said for a few seconds only
    chromium.js(f"{picks[4]}.click()")
    chromium.wait(f"{button}.textContent === 'Compare 4 looks (four at most: untick one to add another)'")
    chromium.js(f"{picks[0]}.click()")  # unticked: there is room again, and nothing left to say
    chromium.wait(f"{button}.textContent === 'Compare 3 looks'", timeout=2)


def live_region(browser, selector: str) -> dict:
    """What the accessibility tree says of an element as a live region: its role and how it is announced."""
    root = browser.send("DOM.getDocument", session=True, depth=0)["root"]["nodeId"]
    node = browser.send("DOM.querySelector", session=True, nodeId=root, selector=selector)["nodeId"]
    ax = browser.send("Accessibility.getPartialAXTree", session=True, nodeId=node, fetchRelatives=False)["nodes"][0]
    props = {p["name"]: p["value"].get("value") for p in ax.get("properties", [])}
    return {"role": ax["role"]["value"], "live": props.get("live"), "ignored": ax["ignored"]}


def test_each_tick_is_read_out_with_the_count_and_the_limit(server, chromium):
    """The compare button's "1 ticked: tick one more to compare" and "four at most" changed at the screen's
    foot, where a screen reader on the tick box is not: nothing was read out. A polite live region of its
    own says the button's words after each tick."""
    looks = a_long_visit(server, chromium, 820, 1180)
    said = "document.getElementById('compare-ticked')"
    assert chromium.js(f"[{said}.getAttribute('role'), {said}.getAttribute('aria-live')]") == ["status", "polite"]
    assert live_region(chromium, "#compare-ticked") == {"role": "status", "live": "polite", "ignored": False}
    picks = [f"document.querySelector('#looks li.look[data-id=\"{look_id}\"] input.compare-pick')" for look_id in looks]
    heard = []
    for pick in picks[:5]:
        before = chromium.js(f"{said}.textContent")
        chromium.js(f"{pick}.click()")
        heard.append(chromium.wait(f"{said}.textContent !== {before!r} && {said}.textContent"))
    assert heard == ["1 ticked: tick one more to compare", "Compare 2 looks", "Compare 3 looks", "Compare 4 looks",
                     "Compare 4 looks (four at most: untick one to add another)"], heard
    chromium.js(f"{picks[0]}.click()")  # unticked: room again
    chromium.wait(f"{said}.textContent === 'Compare 3 looks'", timeout=2)


#: Whether the sticky "Compare N looks" button covers any of an element's box.
UNDER_COMPARE = """(node => { const b = document.getElementById('compare-open').getBoundingClientRect();
  const r = node.getBoundingClientRect();
  return r.height > 0 && r.bottom > b.top && r.top < b.bottom && r.right > b.left && r.left < b.right; })"""
LOOK_CONTROLS = "[...document.querySelectorAll('#looks li.look :is(button, input, label)')]"


def press_tab(browser) -> None:
    for kind in ("rawKeyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", session=True, type=kind, key="Tab", code="Tab", windowsVirtualKeyCode=9)


def test_no_look_control_is_left_under_the_compare_button(server, chromium):
    """The sticky "Compare 2 looks" floats over the looks while the associate scrolls. A control brought into
    view (Tab, a screen reader's cursor) must land clear of it, not right under it at the screen's foot; and
    at the end of the list every look, its Share and Note buttons included, is clear of it."""
    now = time.time()
    looks = [add_look(server.library, server.looks.consented, now - 60 * n, "visit-a") for n in range(1, 9)]
    sign_in(chromium, server.url, 390, 844)
    chromium.wait("document.querySelectorAll('#looks li.look input.compare-pick').length === 9", timeout=15)
    for look_id in looks[:2]:
        chromium.js(f"document.querySelector('#looks li.look[data-id=\"{look_id}\"] input.compare-pick').click()")
    chromium.wait("document.getElementById('compare-open').textContent === 'Compare 2 looks'")
    chromium.js("window.scrollTo(0, 0); document.querySelector('#looks li.look button.play').focus()")  # as Tab to it would
    covered = []
    for _ in range(60):  # every control of every look, in order: 9 looks of 4
        if not chromium.js("!!document.activeElement.closest('#looks')"):
            break
        if chromium.js(f"{UNDER_COMPARE}(document.activeElement)"):
            covered.append(chromium.js("`${document.activeElement.closest('li[data-id]').dataset.id}"
                                       " ${document.activeElement.className} at ${scrollY}`"))
        press_tab(chromium)
    assert chromium.js("document.activeElement.id") == "compare-open", "Tab went through every look"
    assert covered == [], covered
    chromium.js("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert chromium.js(f"{LOOK_CONTROLS}.filter({UNDER_COMPARE}).map(c => c.className)") == []


#: Whether the sticky header (the help count, sign-out, any banner) covers any of an element's box.
UNDER_HEADER = """(node => { const h = document.querySelector('header').getBoundingClientRect();
  const r = node.getBoundingClientRect();
  return r.height > 0 && r.top < h.bottom && r.bottom > h.top; })"""


def press_shift_tab(browser) -> None:
    for kind in ("rawKeyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", session=True, type=kind, key="Tab", code="Tab", windowsVirtualKeyCode=9,
                     modifiers=8)  # Shift


@pytest.mark.parametrize("width, height, notice", [(1024, 768, False), (390, 844, True)], ids=["tablet", "phone-notice"])
def test_no_look_control_is_left_under_the_header_when_tabbing_back(server, chromium, tmp_path, width, height, notice):
    """A keyboard user going back up the looks (Shift+Tab) brings each control into view at the screen's top:
    it must land below the sticky header, however tall a notice has made it, not under it. "Compare 2 looks"
    floats at the foot meanwhile."""
    from .test_console_notes import screenshot

    looks = a_long_visit(server, chromium, width, height)
    for look_id in looks[:2]:
        chromium.js(f"document.querySelector('#looks li.look[data-id=\"{look_id}\"] input.compare-pick').click()")
    chromium.wait("document.getElementById('compare-open').textContent === 'Compare 2 looks'")
    if notice:  # what a failed action leaves in the header until dismissed: two more lines on a phone
        chromium.js("window.consolePage.notify('Could not share: the connection to the mirror is lost. Try again once it is back.')")
    chromium.js("window.scrollTo(0, document.documentElement.scrollHeight);"
                f"{LOOK_CONTROLS}.filter(c => c.tabIndex >= 0).pop().focus()")  # the last look's last control
    covered, seen = [], 0
    for _ in range(60):  # every control of every look, last to first: 9 looks of 5, and their visit's Delete
        if not chromium.js("!!document.activeElement.closest('#looks')"):
            break
        seen += 1
        if chromium.js(f"{UNDER_HEADER}(document.activeElement) || {UNDER_COMPARE}(document.activeElement)"):
            covered.append(chromium.js("`${document.activeElement.closest('li[data-id]').dataset.id}"
                                       " ${document.activeElement.className} at ${scrollY}`"))
        if seen == 20:
            (tmp_path / f"console-shift-tab-{width}.png").write_bytes(screenshot(chromium))
        press_shift_tab(chromium)
    # Play, Share, Note, Delete, Compare; and "Delete this visit's looks"
    assert seen == 9 * 5 + 1, f"Shift+Tab went back through {seen} look controls only"
    assert covered == [], covered


def test_a_share_link_says_until_when_in_words_without_seconds(server, chromium):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    chromium.clock("America/New_York", "en-US")  # where "12/8/2026" is a December day that reads as August
    sign_in(chromium, server.url, 820, 1180)
    item = f"document.querySelector('#looks li.look[data-id=\"{server.looks.consented}\"]')"
    chromium.wait(f"!!{item}", timeout=10)
    # the mirror's answer to the share, as the console got it
    chromium.js("(() => { const f = window.fetch; window.fetch = async (...a) => { const r = await f(...a);"
                " if (String(a[0]).endsWith('/share')) window.__share = await r.clone().json(); return r; }; })()")
    chromium.js(f"{item}.querySelector('button.share').click()")
    ends = chromium.wait("document.getElementById('qr-dialog').open && window.__share && window.__share.expires_at", timeout=15)
    said = chromium.js("document.getElementById('qr-expiry').textContent")
    at = datetime.fromtimestamp(ends, ZoneInfo("America/New_York"))
    assert said.startswith("Works until "), said
    for part in (at.strftime("%a"), at.strftime("%b"), str(at.day), f"{at.hour % 12 or 12}:{at.minute:02d}"):
        assert part in said, f"{part!r} not in {said!r}"
    assert "/" not in said and f":{at.second:02d}" not in said.replace(f"{at.hour % 12 or 12}:{at.minute:02d}", ""), said
