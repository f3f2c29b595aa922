"""The console's side-by-side comparison in real headless Chromium, and its mapping against the mirror's.

The slider sets one body angle; every pane (a <video> of a look, fetched with the console's
token) must seek to the time the mirror's own mapping (``kiosk.compare.anglemap``) gives for
that angle. The JavaScript mapping is also run directly on canned tracks, noisy and unsure
ones included, and must pick the same view as the Python one for every degree.
"""

from __future__ import annotations

import json
import re
import threading
import time

import httpx
import numpy as np
import pytest

from kiosk.compare.anglemap import AngleMap, Unaligned, build_angle_map
from kiosk.compare.track import TurnSummary, YawTrack, angle_gap
from kiosk.events import EventBus
from kiosk.library import Library
from tests.unit._tracks import track

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN, TOKEN, server_config
from .test_api_compare import TRACKS, add_look, hold_renders, keep_span, serving
from .test_console import SHOWN
from .test_console_touch import SIDEWAYS, SMALL_TARGETS

pytestmark = pytest.mark.slow

API = "/api/v1"


@pytest.fixture
def mirror(tmp_path):
    with serving(tmp_path) as (url, ids, _, _):
        yield url, ids


def python_time(body: dict, angle: float) -> float:
    m = build_angle_map(YawTrack.from_entries(body["yaw"]), TurnSummary.from_stored(body["turn"]))
    assert isinstance(m, AngleMap)
    return m.at(angle).t


PANES = "[...document.querySelectorAll('#compare-panes figure')]"


def slide(browser, angle: float) -> None:
    """Move the slider as a finger would: set its value, fire its input event."""
    browser.js(f"(() => {{ const s = document.getElementById('compare-angle'); s.value = '{angle}';"
               " s.dispatchEvent(new Event('input')); })()")


def sign_in(browser, url: str, looks: int = 3) -> None:
    """Open the console, sign in with the PIN and wait for the ``looks`` looks with their compare boxes."""
    browser.open(url + "/console")
    browser.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
    browser.wait(f"document.querySelectorAll('#looks li.look input.compare-pick').length === {looks}", timeout=20)


def test_the_slider_turns_every_pane_to_the_angle(mirror, chromium):
    url, ids = mirror
    bodies = {n: httpx.get(f"{url}{API}/looks/{ids[n]}/turn", headers={"Authorization": f"Bearer {TOKEN}"}).json()
              for n in ("cw", "ccw", "partial")}
    sign_in(chromium, url)
    assert chromium.js("document.getElementById('compare-open').disabled") is True
    pick_looks(chromium, ids, "cw", "ccw", "partial")
    chromium.js("document.getElementById('compare-open').click()")
    chromium.wait(f"{PANES}.length === 3 && {PANES}.every(f => f.querySelector('video').readyState >= 1)", timeout=30)
    assert chromium.js(SMALL_TARGETS) == []  # the slider and the dialog's buttons too
    order = chromium.js(f"{PANES}.map(f => f.dataset.id)")
    names = {ids[n]: n for n in ids}
    previous = None
    for angle in (90, -90, 45, 180, -135):
        slide(chromium, angle)
        expected = [python_time(bodies[names[i]], angle) for i in order]
        got = chromium.wait(
            f"(() => {{ const v = {PANES}.map(f => f.querySelector('video'));"
            f" return v.every(x => !x.seeking) ? v.map(x => x.currentTime) : null; }})()", timeout=10)
        assert got == pytest.approx(expected, abs=1e-3), (angle, got, expected)
        assert got != previous  # every pane moved
        previous = got
    # the partial look (0°..200°) says so at an angle it never reaches
    slide(chromium, -90)
    hint = chromium.js(f"{PANES}.find(f => f.dataset.id === '{ids['partial']}').querySelector('.hint').textContent")
    assert "does not turn this far" in hint


def test_side_by_side_fits_a_phone(mirror, chromium):
    """Three looks side by side on a 360 px phone held upright: nothing past the screen's edges, every
    control still big enough to tap."""
    url, ids = mirror
    chromium.phone(360, 740)
    sign_in(chromium, url)
    compare_looks(chromium, ids, "cw", "ccw", "partial")
    chromium.wait(f"{PANES}.every(f => f.querySelector('video').readyState >= 1)", timeout=30)
    assert chromium.js(SIDEWAYS) == []
    assert chromium.js(SMALL_TARGETS) == []


BOX = ("(id => { const v = document.querySelector(`#compare-panes figure[data-id='${id}'] video`);"
       " const r = v.getBoundingClientRect(), s = getComputedStyle(v);"
       " return {width: r.width, height: r.height, video: v.videoWidth / v.videoHeight, fit: s.objectFit,"
       " position: s.objectPosition}; })")


def test_a_look_with_a_span_is_shown_cropped_to_it(tmp_path, chromium):
    """As on the mirror and in the shared video: a pane shows only the part of its look's width the
    shopper reached, a box of that shape the picture covers from x0; a look without a span its whole width."""
    with serving(tmp_path) as (url, ids, library, _):
        keep_span(library, ids["cw"], [0.2, 0.65], 0)
        sign_in(chromium, url)
        compare_looks(chromium, ids, "cw", "ccw")
        chromium.wait(f"{PANES}.every(f => f.querySelector('video').readyState >= 1)", timeout=30)
        cropped, whole = (chromium.js(f"{BOX}('{ids[n]}')") for n in ("cw", "ccw"))
    assert cropped["video"] == whole["video"] == pytest.approx(96 / 160)
    assert cropped["fit"] == "cover"
    assert cropped["width"] / cropped["height"] == pytest.approx(0.45 * 96 / 160, abs=0.01)
    x = 0.2 / (1 - 0.45) * 100  # x0 at the box's left edge
    assert re.fullmatch(r"([\d.]+)% 50%", cropped["position"]) and float(cropped["position"].split("%")[0]) == (
        pytest.approx(x, abs=1e-3)), cropped["position"]
    assert whole["fit"] == "contain" and whole["width"] / whole["height"] >= 96 / 160 - 0.01
    assert cropped["height"] > 0 and whole["height"] > 0


def test_a_session_over_while_comparing_signs_the_console_out(mirror, chromium):
    """The compare dialog's own requests find the session over (it expired, or was signed out
    elsewhere): the console asks for the PIN again, as for its own requests, and the dialog
    closes instead of showing an HTTP error."""
    url, ids = mirror
    sign_in(chromium, url)
    pick_looks(chromium, ids, "cw", "ccw")
    session = chromium.js("sessionStorage.getItem('smartmirror.console.token')")
    assert session and session != TOKEN
    ended = httpx.post(f"{url}/console/api/sign-out", headers={"Authorization": f"Bearer {session}"})
    assert ended.status_code == 204
    chromium.js("document.getElementById('compare-open').click()")
    chromium.wait(f"{SHOWN}('sign-in-view')", timeout=10)
    # before its time: the console cannot tell a sign-out elsewhere from a restart, which it names
    assert chromium.js("document.getElementById('sign-in-error').textContent") == (
        "The mirror ended this sign-in early (it may have restarted); sign in again.")
    assert chromium.js(f"{SHOWN}('console-view')") is False
    assert chromium.js("document.getElementById('compare-dialog').open") is False
    assert chromium.js("sessionStorage.getItem('smartmirror.console.token')") is None


def test_a_look_withdrawn_while_compared_leaves_the_comparison(tmp_path, chromium):
    """A shopper withdraws consent (or is forgotten) while an associate compares their look: its
    pane (a video already fetched into the page) goes at the console's next look of the list, and
    a comparison left with one look closes."""
    from kiosk.net.service import NetParts, NetService

    root = tmp_path / "library"
    library = Library(root).open()
    ids = {name: add_look(library, name, tmp_path) for name in TRACKS}
    service = NetService(server_config(), NetParts(data_dir=root, library=library, bus=EventBus()))
    service.start()
    try:
        url = service.url
        sign_in(chromium, url)
        compare_looks(chromium, ids, "cw", "ccw", "partial")
        library.set_consent(ids["ccw"], False)
        chromium.wait(f"{PANES}.length === 2", timeout=15)
        assert ids["ccw"] not in chromium.js(f"{PANES}.map(f => f.dataset.id)")
        assert "left the comparison" in chromium.js("document.getElementById('compare-status').textContent")
        library.delete(ids["partial"])  # forgotten: the look is gone
        chromium.wait("document.getElementById('compare-dialog').open === false", timeout=15)
        notice = chromium.js("document.getElementById('notice').hidden ? ''"
                             " : document.getElementById('notice-text').textContent")
        assert "comparison closed" in notice and "still shared (withdrawn or deleted)" in notice, "it did not just vanish: " + notice
    finally:
        service.stop()
        library.close()


def test_a_comparison_withdrawn_while_it_is_made_says_so(tmp_path, chromium, monkeypatch):
    """"Share as one video" is rendering when a shopper withdraws consent to one of the looks:
    the mirror deletes the comparison, and the console says why no code comes, not an HTTP 404."""
    started, release = hold_renders(monkeypatch)
    with serving(tmp_path) as (url, ids, library, _):
        try:
            sign_in(chromium, url)
            compare_looks(chromium, ids, "cw", "ccw", "partial")
            chromium.js("document.getElementById('compare-share').click()")
            assert started.wait(30)
            library.set_consent(ids["ccw"], False)
            release.set()
            status = chromium.wait("(() => { const t = document.getElementById('compare-status').textContent;"
                                   " return t.includes('not made') ? t : null; })()", timeout=20)
            assert "withdrawn" in status and "404" not in status and "no comparison" not in status
            assert chromium.js("document.getElementById('qr-dialog').open") is False
        finally:
            release.set()  # the renderer must finish before the service stops


QR_SHOWN = "document.getElementById('qr-dialog').open && document.getElementById('qr-image').naturalWidth > 0"
MAKING = "The mirror is putting the looks into one video…"
STILL_MAKING = "The comparison video you asked for is still being made; its code will show here."
READY_BEHIND = "The comparison video you asked for earlier is ready: close this comparison to see its code."
WAITING = "sessionStorage.getItem('smartmirror.console.comparison')"


def share_while_it_renders(chromium, url: str, ids: dict, started) -> None:
    """Signed in, two looks compared and "Share as one video" pressed: the render (held) has begun."""
    sign_in(chromium, url)
    compare_looks(chromium, ids, "cw", "ccw")
    chromium.js("document.getElementById('compare-share').click()")
    assert started.wait(30), "the render did not begin"
    chromium.wait(f"{STATUS} === '{MAKING}'")


@pytest.mark.parametrize("reopened, width, height", [("another", 1024, 768), ("another", 390, 844), ("the same", 1024, 768)],
                         ids=["other-looks-tablet", "other-looks-phone", "the-same-looks"])
def test_a_code_ready_while_another_comparison_is_open_waits_until_it_is_closed(tmp_path, chromium, monkeypatch,
                                                                                reopened, width, height):
    """While the video is made, the associate opens another comparison (other looks) in the dialog. It
    stays when the code is ready: the code waits until it is closed (over it, a customer could scan the
    wrong video), then shows saying which looks it is of. The same looks opened again are the same
    comparison: the code takes their place, as when the dialog stayed open."""
    from .test_console_notes import screenshot

    started, release = hold_renders(monkeypatch)
    with serving(tmp_path) as (url, ids, _, _):
        try:
            if width < 600:
                chromium.phone(width, height)
            else:
                chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                              deviceScaleFactor=1, mobile=False)
            share_while_it_renders(chromium, url, ids, started)
            chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
            chromium.wait("!document.getElementById('compare-dialog').open")
            if reopened == "another":
                pick_looks(chromium, ids, "ccw", "partial")  # ccw unticked, partial ticked
            chromium.js("document.getElementById('compare-open').click()")
            chromium.wait(f"{PANES}.length === 2 && {PANES}.every(f => f.querySelector('video').readyState >= 1)", timeout=30)
            shown = chromium.js(f"{PANES}.map(f => f.dataset.id)")

            if reopened == "the same":
                chromium.wait(f"{STATUS} === '{MAKING}'")  # the wait's words, under its own panes again
                release.set()
                chromium.wait(QR_SHOWN, timeout=60)
                assert chromium.js("document.getElementById('compare-dialog').open") is False, "the code takes its place"
                assert chromium.js(f"{SHOWN}('qr-about')") is False
                return

            assert sorted(shown) == sorted([ids["cw"], ids["partial"]])
            # the wait speaks on the page's notice, not under the panes of a comparison it is not the video of
            assert chromium.wait(f"{SHOWN}('notice') && document.getElementById('notice-text').textContent") == STILL_MAKING
            assert chromium.js(STATUS) == "Drag to turn all looks together."
            (tmp_path / f"console-share-other-waiting-{width}.png").write_bytes(screenshot(chromium))

            release.set()
            said = chromium.wait(f"(t => t.includes('ready') && t)({STATUS})", timeout=60)
            assert said == READY_BEHIND
            assert chromium.js("document.getElementById('compare-dialog').open") is True, "the comparison looked at vanished"
            assert chromium.js(f"{PANES}.map(f => f.dataset.id)") == shown
            assert chromium.js("document.getElementById('qr-dialog').open") is False, "another comparison's code over this one"
            assert chromium.js("document.getElementById('notice').hidden"), "no 'still being made' left"
            (tmp_path / f"console-share-other-ready-{width}.png").write_bytes(screenshot(chromium))

            chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
            chromium.wait(QR_SHOWN, timeout=10)
            assert chromium.js(f"{SHOWN}('qr-about')"), "the code says which looks it is of"
            about = chromium.js("document.getElementById('qr-about').textContent")
            assert about.startswith("The comparison you asked for earlier: the looks recorded at ") and " and " in about, about
            assert chromium.js(SMALL_TARGETS) == []
            assert chromium.js(WAITING) is None, "nothing left to wait for"
            (tmp_path / f"console-share-other-code-{width}.png").write_bytes(screenshot(chromium))
        finally:
            release.set()  # the renderer must finish before the service stops


def pick_looks(chromium, ids: dict, *names: str) -> None:
    """Tick the Compare boxes of these looks (``TRACKS`` names) on the console's list."""
    for name in names:
        chromium.js(f"document.querySelector('#looks li[data-id=\"{ids[name]}\"] input.compare-pick').click()")
    chromium.wait("!document.getElementById('compare-open').disabled")


def compare_looks(chromium, ids: dict, *names: str) -> None:
    """Pick these looks and open them side by side: every pane shown."""
    pick_looks(chromium, ids, *names)
    chromium.js("document.getElementById('compare-open').click()")
    chromium.wait(f"{PANES}.length === {len(names)}", timeout=30)


def _tracks() -> dict[str, tuple[list, dict | None]]:
    from tests.unit.test_compare_anglemap import CASES

    cases = {name: (entries, None) for name, entries, _ in CASES}
    cases["noisy"] = (track((1.0, 0.0), (4.0, 360.0), (1.0, 360.0), noise=6.0, seed=5), None)
    unsure = [list(e) for e in track((1.0, 0.0), (4.0, -360.0), (1.0, -360.0), noise=3.0, seed=9)]
    rng = np.random.default_rng(4)
    for entry in unsure:
        entry[3] = float(rng.uniform(0.05, 1.0))
    cases["unsure"] = (unsure, None)
    turn = {"start_s": 1.0, "end_s": 4.0, "rotation_deg": 300, "direction": "cw"}
    cases["with turn"] = (track((1.0, 0.0), (3.0, 300.0), (3.0, -60.0)), turn)
    cases["old three-element"] = (track((1.0, 0.0), (2.0, 250.0), confidence=None), None)
    cases["standing"] = (track((3.0, 10.0), (3.0, -10.0)), None)
    return cases


def test_the_browser_maps_angles_like_the_mirror(mirror, chromium):
    url, _ = mirror
    chromium.open(url + "/console")
    chromium.wait("typeof AngleMaps === 'object'")
    for name, (entries, turn) in _tracks().items():
        js = chromium.js(
            f"(() => {{ const m = AngleMaps.buildAngleMap({json.dumps(entries)}, {json.dumps(turn)});"
            " return m.reason ? {reason: m.reason} : {times: Array.from(m.times), yaws: Array.from(m.yaws),"
            " covered: Array.from(m.covered), at: [-170, -90, 0, 33, 90, 179].map(a => m.at(a).t)}; })()"
        )
        py = build_angle_map(YawTrack.from_entries(entries), TurnSummary.from_stored(turn))
        if isinstance(py, Unaligned):
            assert js == {"reason": py.reason}, name
            continue
        times, yaws = np.array(js["times"]), np.array(js["yaws"])
        same_time = np.abs(times - py.times) < 1e-6
        # where a tie in a pause is broken differently, both show the same side of the body
        assert np.all(same_time | (angle_gap(yaws, py.yaws) < 0.5)), name
        assert same_time.mean() >= 0.95, name
        assert np.array_equal(np.array(js["covered"], dtype=bool), py.covered), name
        assert js["at"] == pytest.approx([py.at(a).t for a in (-170, -90, 0, 33, 90, 179)], abs=0.05), name


def test_a_comparison_shared_as_one_video_shows_its_code(tmp_path, chromium):
    """"Share as one video": the mirror renders the comparison, and the console shows the link's
    QR code for the customer to scan, as for one look."""
    with serving(tmp_path) as (url, ids, _, _):
        sign_in(chromium, url)
        compare_looks(chromium, ids, "cw", "ccw")
        chromium.js("document.getElementById('compare-share').click()")
        chromium.wait("document.getElementById('qr-dialog').open && document.getElementById('qr-image').naturalWidth > 0",
                      timeout=60)
        link = chromium.js("document.getElementById('qr-link').href")
        assert link.startswith(url) and "/s/" in link
        assert chromium.js("document.getElementById('qr-expiry').textContent").startswith("Works until ")
        assert chromium.js("document.getElementById('qr-title').textContent") == "Scan to take these looks home"
        assert httpx.get(link).status_code == 200  # the page a phone opens
        assert chromium.js("document.getElementById('compare-dialog').open") is False, "the code takes its comparison's place"
        assert chromium.js(f"{SHOWN}('qr-about')") is False, "no words of which looks: the code is of the comparison just shown"


def share_in_vain(browser) -> str:
    """Press "Share as one video" and wait for the sentence saying the video could not be made."""
    browser.js("document.getElementById('compare-share').click()")
    return browser.wait("(t => /could not|not made/i.test(t) && t)(document.getElementById('compare-status').textContent)",
                        timeout=60)


def test_a_video_that_cannot_be_made_names_the_look_by_its_time_never_its_id(tmp_path, chromium):
    """The mirror cannot make the video (no person in one of the looks): the console says which look
    by when it was recorded, as the panes do, not by the look's id the mirror's reason gives."""
    from .test_api_compare import add_look as add_tracked_look

    with serving(tmp_path) as (url, ids, library, _):
        empty = add_tracked_look(library, "empty", tmp_path, tracked=False)  # a counting video: nobody in it
        sign_in_ids = {**ids, "empty": empty}
        sign_in(chromium, url, looks=4)
        compare_looks(chromium, sign_in_ids, "cw", "empty")
        status = share_in_vain(chromium)
        when = chromium.js(f"{PANES}.find(f => f.dataset.id === '{empty}').querySelector('strong').textContent")
        assert empty not in status and "/" not in status, status
        assert status.startswith("The video could not be made: the look recorded at ") and "shows no person" in status, status
        assert when in status, (when, status)
        assert chromium.js("document.getElementById('qr-dialog').open") is False


#: What the list calls each look, by id: what its Play button says it plays.
NAMES = ("Object.fromEntries([...document.querySelectorAll('#looks li.look')].map(l => [l.dataset.id,"
         " l.querySelector('button.play').getAttribute('aria-label').replace('Play the look recorded at ', '')]))")


def test_looks_of_the_same_minute_are_told_apart_alike_everywhere(tmp_path, chromium):
    """Looks recorded one after the other in the same minute: the list says each one's seconds (never
    two looks under one name), and the compare panes and a failed video's reason name each look as the
    list does; a look alone in its minute keeps its plain time."""
    from .test_api_compare import add_look as add_tracked_look

    minute = (time.time() // 60 - 3) * 60  # three minutes ago, on the minute
    with serving(tmp_path) as (url, ids, library, _):
        ids = {**ids, "early": add_tracked_look(library, "cw", tmp_path, created=minute + 5),
               "empty": add_tracked_look(library, "empty", tmp_path, tracked=False, created=minute + 41),
               "alone": add_tracked_look(library, "ccw", tmp_path, created=minute - 600)}
        sign_in(chromium, url, looks=6)
        names = chromium.js(NAMES)
        assert len(set(names.values())) == len(names), names  # the TRACKS looks too: all recorded in one second
        shown = chromium.js("Object.fromEntries([...document.querySelectorAll('#looks li.look')].map(l => [l.dataset.id,"
                            " l.querySelector('.hint .when')?.textContent]))")
        assert shown == names, "each look says its name on the list, not only to a screen reader"
        assert re.search(r":05\b", names[ids["early"]]) and re.search(r":41\b", names[ids["empty"]]), names
        assert names[ids["alone"]].count(":") == 1, "alone in its minute: no seconds"
        compare_looks(chromium, ids, "early", "empty")
        panes = chromium.js(f"Object.fromEntries({PANES}.map(f => [f.dataset.id, f.querySelector('strong').textContent]))")
        assert panes == {ids["early"]: names[ids["early"]], ids["empty"]: names[ids["empty"]]}
        status = share_in_vain(chromium)
        assert status.startswith(f"The video could not be made: the look recorded at {names[ids['empty']]} "), status


def test_a_full_disk_names_the_comparison_video_not_a_look(tmp_path, chromium, monkeypatch):
    """The mirror cannot write the video (a full disk): its reason names the hidden file the video is
    written to, by the comparison's id. The associate reads "the comparison video", not "a look"."""
    import kiosk.compare.jobs as jobs_module
    from kiosk.compare.errors import CompareError

    def disk_full(panes, out, *args, **kwargs):
        raise CompareError(f"cannot write {out}.tmp.part (No space left on device)")

    monkeypatch.setattr(jobs_module, "compare", disk_full)
    with serving(tmp_path) as (url, ids, _, _):
        sign_in(chromium, url)
        compare_looks(chromium, ids, "cw", "ccw")
        status = share_in_vain(chromium)
        assert status == "The video could not be made: cannot write the comparison video (No space left on device).", status


HINTS = f"{PANES}.map(f => f.querySelector('.hint').textContent)"
STATUS = "document.getElementById('compare-status').textContent"


def test_looks_that_all_play_by_time_say_so_once(tmp_path, chromium):
    """Looks recorded without a body-angle track play side by side by time. On a phone's narrow panes the
    reason is said once for the comparison, not repeated under every pane; a pane says it only when the
    panes differ (one follows the body angle, the other cannot). The "Body angle" slider shows only when a
    look follows it."""
    from .test_api_compare import add_look as add_tracked_look

    with serving(tmp_path) as (url, ids, library, _):
        ids = {**ids, **{name: add_tracked_look(library, name, tmp_path, tracked=False) for name in ("bare-a", "bare-b")}}
        chromium.phone(390, 844)
        sign_in(chromium, url, looks=5)
        compare_looks(chromium, ids, "bare-a", "bare-b")
        said = chromium.wait(f"!{STATUS}.startsWith('Loading') && {STATUS}", timeout=30)
        assert said == "These looks play side by side by time: the mirror kept no body angles for them.", said
        assert chromium.js(HINTS) == ["", ""]
        dialog = chromium.js("document.getElementById('compare-dialog').innerText")
        assert dialog.count("by time") == 1, dialog
        assert chromium.js(f"{SHOWN}('compare-angle')") is False, "no body angle to set: they play by time"

        chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
        chromium.wait("!document.getElementById('compare-dialog').open")
        pick_looks(chromium, ids, "bare-b", "cw")  # bare-b unticked, cw ticked: one of each
        chromium.js("document.getElementById('compare-open').click()")
        chromium.wait(f"{PANES}.length === 2 && {STATUS} === 'Drag to turn all looks together.'", timeout=30)
        hints = dict(zip(chromium.js(f"{PANES}.map(f => f.dataset.id)"), chromium.js(HINTS)))
        assert hints == {ids["bare-a"]: "Plays by time: the mirror kept no body-angle track with this look", ids["cw"]: ""}
        assert chromium.js(f"{SHOWN}('compare-angle')") is True, "cw follows the body angle"


ONE_AT_A_TIME = "Share as one video works again once the code of the video you asked for earlier has shown."
SHARE_GREYED = "document.getElementById('compare-share').disabled"
WHY = "document.getElementById('compare-share-why').textContent"


def why_beside_the_button(chromium) -> str:
    """The line that says why Share as one video is greyed, shown just under the button: its words."""
    gap = chromium.js("(() => { const b = document.getElementById('compare-share').getBoundingClientRect();"
                      " const w = document.getElementById('compare-share-why').getBoundingClientRect();"
                      " return w.height > 0 && w.top >= b.bottom && w.top - b.bottom < 40; })()")
    assert gap, "the reason is not right under the greyed button"
    return chromium.js(WHY)


def test_a_greyed_share_button_always_says_why(tmp_path, chromium, monkeypatch):
    """While the console waits for a code, "Share as one video" is greyed (one wait at a time) and says why
    where the associate looks: under the panes of the comparison waited for, the wait's own words; over
    another comparison, and after a reload of the page (which greyed nothing before), the line under the button."""
    started, release = hold_renders(monkeypatch)
    with serving(tmp_path) as (url, ids, _, _):
        try:
            chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=1024, height=768,
                          deviceScaleFactor=1, mobile=False)
            share_while_it_renders(chromium, url, ids, started)
            assert chromium.js(SHARE_GREYED) and not chromium.js(f"{SHOWN}('compare-share-why')"), "said once, above it"

            chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
            pick_looks(chromium, ids, "ccw", "partial")  # another comparison: cw and partial
            chromium.js("document.getElementById('compare-open').click()")
            chromium.wait(f"{PANES}.length === 2 && {STATUS} === 'Drag to turn all looks together.'", timeout=30)
            assert chromium.js(SHARE_GREYED)
            assert why_beside_the_button(chromium) == ONE_AT_A_TIME

            chromium.open(url + "/console")  # a reload: still signed in, the wait picked up again
            chromium.wait(f"{SHOWN}('notice') && document.getElementById('notice-text').textContent === '{STILL_MAKING}'",
                          timeout=20)
            chromium.wait("document.querySelectorAll('#looks li.look input.compare-pick').length === 3", timeout=20)
            compare_looks(chromium, ids, "cw", "partial")
            chromium.wait(f"{SHARE_GREYED} && {SHOWN}('compare-share-why')", timeout=10)
            assert why_beside_the_button(chromium) == ONE_AT_A_TIME

            chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
            pick_looks(chromium, ids, "partial", "ccw")  # the looks waited for, opened again: its words, under its panes
            chromium.js("document.getElementById('compare-open').click()")
            chromium.wait(f"{PANES}.length === 2 && {STATUS} === '{MAKING}'", timeout=30)
            assert chromium.js(SHARE_GREYED) and not chromium.js(f"{SHOWN}('compare-share-why')")

            release.set()
            chromium.wait(QR_SHOWN, timeout=60)
            assert not chromium.js(SHARE_GREYED) and chromium.js(WHY) == "", "free again once the code showed"
        finally:
            release.set()  # the renderer must finish before the service stops


def held_turns(monkeypatch, fail: bool = True) -> tuple[threading.Event, threading.Event, threading.Event]:
    """While ``hold`` is set, a look's turn asked for (what a comparison loads first) waits until released,
    then fails (the mirror could not read it), or with ``fail`` false is answered late: (hold, asked, release)."""
    import kiosk.compare.panes as panes_module
    from fastapi import HTTPException

    hold, asked, release = threading.Event(), threading.Event(), threading.Event()
    real = panes_module.stored_analysis

    def held(*args, **kwargs):
        if not hold.is_set():
            return real(*args, **kwargs)
        asked.set()
        release.wait(5)  # well inside the console's 10 s for an answer: a slow mirror, not a lost one
        if not fail:
            return real(*args, **kwargs)
        raise HTTPException(500, "the look's body angles could not be read")

    monkeypatch.setattr(panes_module, "stored_analysis", held)
    return hold, asked, release


LOADING = "Share as one video works once the looks have loaded."
NOT_LOADED = "Share as one video needs the looks: close this comparison and open it again."


def test_a_comparison_without_its_looks_yet_cannot_be_shared_nor_turned(tmp_path, chromium, monkeypatch):
    """While a comparison's looks load, and after they could not be loaded, "Share as one video" is greyed,
    saying why under it (pressed, it asked the mirror for a video of no looks, refused); the "Body angle"
    slider of the comparison opened before does not stay: on each opening it is the comparison's own."""
    from .test_api_compare import add_look as add_tracked_look

    hold, asked, release = held_turns(monkeypatch)
    with serving(tmp_path) as (url, ids, library, _):
        try:
            ids = {**ids, **{name: add_tracked_look(library, name, tmp_path, tracked=False) for name in ("bare-a", "bare-b")}}
            chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=1024, height=768,
                          deviceScaleFactor=1, mobile=False)
            sign_in(chromium, url, looks=5)
            compare_looks(chromium, ids, "cw", "ccw")
            chromium.wait(f"{STATUS} === 'Drag to turn all looks together.'", timeout=30)
            assert chromium.js(f"{SHOWN}('compare-angle')") and not chromium.js(SHARE_GREYED)
            chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
            chromium.wait("!document.getElementById('compare-dialog').open")

            hold.set()  # the next comparison's looks take their time, then fail
            pick_looks(chromium, ids, "cw", "ccw", "bare-a", "bare-b")  # cw and ccw unticked: two looks that play by time
            chromium.js("document.getElementById('compare-open').click()")
            assert asked.wait(20), "the comparison did not ask for its looks"
            assert chromium.js(STATUS) == "Loading the looks…"
            assert chromium.js(SHARE_GREYED), "Share as one video pressable with no looks loaded"
            assert why_beside_the_button(chromium) == LOADING
            assert not chromium.js(f"{SHOWN}('compare-angle')"), "the last comparison's slider, over looks not loaded yet"

            release.set()
            said = chromium.wait(f"(t => t.startsWith('Could not') && t)({STATUS})", timeout=20)
            assert said.startswith("Could not load the looks: "), said
            assert chromium.js(SHARE_GREYED), "Share as one video pressable after the looks failed to load"
            assert why_beside_the_button(chromium) == NOT_LOADED
            assert not chromium.js(f"{SHOWN}('compare-angle')"), "a slider that turns no look"

            hold.clear()  # opened again, the looks load: they play by time, so still no slider, and Share works
            chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
            chromium.wait("!document.getElementById('compare-dialog').open")
            chromium.js("document.getElementById('compare-open').click()")
            chromium.wait(f"{PANES}.length === 2 && {STATUS}.startsWith('These looks play side by side by time')", timeout=30)
            assert not chromium.js(SHARE_GREYED) and not chromium.js(f"{SHOWN}('compare-share-why')")
            assert not chromium.js(f"{SHOWN}('compare-angle')")
        finally:
            release.set()  # a turn still held must not outlive the service


# Which blob URLs the page made for videos (window.videoUrls, in order) and which it released (window.released).
COUNT_VIDEO_URLS = (
    "(() => { window.videoUrls = []; window.released = new Set();"
    " const make = URL.createObjectURL.bind(URL), free = URL.revokeObjectURL.bind(URL);"
    " URL.createObjectURL = (b) => { const u = make(b); if (b.type.startsWith('video/')) videoUrls.push(u); return u; };"
    " URL.revokeObjectURL = (u) => { released.add(u); free(u); }; })()")


def close_comparison(chromium) -> None:
    chromium.js("document.querySelector('#compare-dialog form[method=dialog] button').click()")
    chromium.wait("!document.getElementById('compare-dialog').open")


def test_an_opening_whose_looks_come_late_neither_replaces_the_next_nor_keeps_its_videos(tmp_path, chromium, monkeypatch):
    """A comparison closed while its looks load, and opened again, gets the first opening's looks afterwards
    (a slow mirror): they took the new opening's panes and its status, and their videos (blob URLs) were
    never released. Now a closed or superseded opening releases them and shows nothing."""
    from .test_api_compare import add_look as add_tracked_look

    hold, asked, release = held_turns(monkeypatch, fail=False)
    with serving(tmp_path) as (url, ids, library, _):
        try:
            ids = {**ids, **{name: add_tracked_look(library, name, tmp_path, tracked=False) for name in ("bare-a", "bare-b")}}
            sign_in(chromium, url, looks=5)
            chromium.js(COUNT_VIDEO_URLS)
            pick_looks(chromium, ids, "cw", "ccw")

            hold.set()  # opened, then closed while its looks load: nothing left of them once they come
            chromium.js("document.getElementById('compare-open').click()")
            assert asked.wait(20), "the comparison did not ask for its looks"
            close_comparison(chromium)
            release.set()
            chromium.wait("videoUrls.length === 2", timeout=20)
            chromium.wait("videoUrls.every(u => released.has(u))", timeout=5)
            assert chromium.js(f"{PANES}.length") == 0

            asked.clear()
            release.clear()  # opened again while its looks load, closed, and other looks opened
            chromium.js("document.getElementById('compare-open').click()")
            assert asked.wait(20), "the comparison did not ask for its looks"
            close_comparison(chromium)
            hold.clear()
            # other looks: the browser would hold a request for the same address until the first one's answer
            pick_looks(chromium, ids, "cw", "ccw", "bare-a", "bare-b")
            chromium.js("document.getElementById('compare-open').click()")
            chromium.wait(f"{PANES}.length === 2 && {STATUS}.startsWith('These looks play side by side by time')", timeout=30)
            chromium.js(f"window.shown = {PANES}; window.shownUrls = shown.map(f => f.querySelector('video').src)")
            status = chromium.js(STATUS)
            release.set()  # the second opening's looks come in (one held until now), after the third opening's
            chromium.wait("videoUrls.length === 6", timeout=20)
            chromium.wait("videoUrls.slice(2).every(u => shownUrls.includes(u) || released.has(u))", timeout=5)
            assert chromium.js(f"{PANES}.length === 2 && {PANES}.every((f, i) => f === shown[i])"), "panes replaced"
            assert chromium.js("shownUrls.some(u => released.has(u))") is False, "the shown videos released"
            assert chromium.js(STATUS) == status
            assert not chromium.js(SHARE_GREYED)
        finally:
            release.set()  # a turn still held must not outlive the service


TICKED = "document.querySelectorAll('#looks input.compare-pick:checked').length"


@pytest.mark.parametrize("how", ["signed-out", "ended"])
def test_the_next_associate_on_the_tablet_finds_nothing_of_the_last_ones_looks(tmp_path, chromium, how):
    """The tablet is shared. An associate compares two ticked looks, has typed a note and shown a look's code,
    then signs out (or the sign-in ends: expired, or ended by the mirror). The next associate to sign in found
    those looks still ticked, another shopper's; behind the sign-in screen the comparison's videos, the note
    and the last code (a working link) stayed in the page. Now nothing of it stays."""
    with serving(tmp_path) as (url, ids, _, _):
        sign_in(chromium, url)
        item = f"document.querySelector('#looks li[data-id=\"{ids['partial']}\"]')"
        chromium.js(f"{item}.querySelector('button.share').click()")
        chromium.wait(QR_SHOWN, timeout=15)
        chromium.js("document.querySelector('#qr-dialog form[method=dialog] button').click()")
        chromium.js(f"{item}.querySelector('button.add-note').click()")
        chromium.wait("document.getElementById('note-dialog').open")
        chromium.js("document.getElementById('note-product').value = 'Linen shirt, navy';"
                    " document.getElementById('note-text').value = 'Wants it in 38'")
        chromium.js("document.getElementById('note-cancel').click()")
        chromium.js(COUNT_VIDEO_URLS)
        compare_looks(chromium, ids, "cw", "ccw")

        if how == "signed-out":
            chromium.js("document.getElementById('sign-out').click()")
        else:  # the mirror no longer knows the sign-in: the console's next request finds it over
            session = chromium.js("sessionStorage.getItem('smartmirror.console.token')")
            assert httpx.post(f"{url}/console/api/sign-out", headers={"Authorization": f"Bearer {session}"}).status_code == 204
        chromium.wait(f"{SHOWN}('sign-in-view')", timeout=15)
        chromium.wait(f"{PANES}.length === 0 && videoUrls.length === 2 && videoUrls.every(u => released.has(u))")
        assert chromium.js(f"{TICKED}") == 0
        assert chromium.js("document.getElementById('compare-ticked').textContent") == ""
        assert chromium.js("[document.getElementById('note-product').value, document.getElementById('note-text').value]") == ["", ""]
        assert chromium.js("document.getElementById('qr-image').getAttribute('src')") is None
        assert chromium.js("document.getElementById('qr-link').textContent") == ""
        assert chromium.js("document.querySelectorAll('#looks li.look').length") == 0, "the list shown until the next refresh"

        # the next associate signs in on the same page (no reload)
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
        chromium.wait("document.querySelectorAll('#looks li.look input.compare-pick').length === 3", timeout=20)
        assert chromium.js(f"{TICKED}") == 0, "the last associate's looks still ticked"
        assert chromium.js("document.getElementById('compare-open').textContent") == "Tick two to four looks to compare them"
        assert chromium.js("document.getElementById('compare-open').disabled") is True
