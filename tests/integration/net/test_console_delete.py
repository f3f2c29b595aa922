"""Deleting looks from the console (real headless Chromium, a real mirror API, a PIN sign-in): a
shopper who tapped no card is told to ask the staff to delete her looks, so the associate deletes a
visit's looks, or one look, after the console's own question; Cancel keeps them."""

from __future__ import annotations

import time

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from kiosk.events import LookDeleted
from tests.integration.faults.waiting import wait_for

from .conftest import PIN, TOKEN
from .test_console import SHOWN
from .test_console_attention import FOCUSED, press_escape, sign_in
from .test_console_looks import add_look, server  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

DIALOG = "document.getElementById('delete-dialog')"
NOTICE = "document.getElementById('notice-text').textContent"
NOTICE_BG = "getComputedStyle(document.getElementById('notice')).backgroundColor"
FAILURE_RED = "rgb(254, 226, 226)"  # red-100, the notice of an action that failed (console.css)
LISTED = "[...document.querySelectorAll('#looks li.look')].map(l => l.dataset.id)"
VISIT_BUTTON = "#looks li.visit button[data-key=\"delete-visit\"]"


def press(browser, key: str, code: int, shift: bool = False) -> None:
    """A key pressed and released on the focused element (Enter types its "\\r", which presses a button)."""
    text = {"text": "\r"} if key == "Enter" else {}
    for kind in ("keyDown" if text else "rawKeyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", session=True, type=kind, key=key, code=key, windowsVirtualKeyCode=code,
                     modifiers=8 if shift else 0, **(text if kind == "keyDown" else {}))


def share(server, look_id: str) -> str:
    r = httpx.post(server.url + f"/api/v1/looks/{look_id}/share", headers=server.auth)
    assert r.status_code == 201, r.text
    return r.json()["url"]


def in_library(server, look_ids) -> set[str]:
    listed = httpx.get(server.url + "/api/v1/looks", headers={"Authorization": f"Bearer {TOKEN}"}).json()["looks"]
    return {look["id"] for look in listed} & set(look_ids)


def test_a_visits_looks_are_deleted_after_the_question_and_cancel_keeps_them(server, chromium):
    now = time.time()
    visit = [add_look(server.library, server.looks.consented, now - t, "visit-a") for t in (60, 120, 180)]
    link = share(server, visit[0])
    sign_in(chromium, server.url, 768, 1024)
    chromium.wait(f"{LISTED}.length === 4", timeout=10)
    assert chromium.accessible_name(VISIT_BUTTON).startswith("Delete this visit's looks, the visit at ")

    # asked first, in the console's own dialog, naming what goes; Cancel (focused) by the keyboard keeps them
    chromium.js(f"document.querySelector({VISIT_BUTTON!r}).focus()")
    press(chromium, "Enter", 13)
    chromium.wait(f"{DIALOG}.open", timeout=5)
    assert chromium.js("document.getElementById('delete-title').textContent") == "Delete the 3 looks of this visit for good?"
    assert chromium.js("document.getElementById('delete-about').textContent") == "Their share links stop working."
    assert chromium.accessible_name("#delete-dialog") == "Delete the 3 looks of this visit for good?"
    assert chromium.js(FOCUSED)[1] == "Cancel"
    press_escape(chromium)
    chromium.wait(f"!{DIALOG}.open", timeout=5)
    chromium.wait(f"{FOCUSED}[1] === \"Delete this visit's looks\"", timeout=5)  # back where the associate was
    press(chromium, "Enter", 13)
    chromium.wait(f"{DIALOG}.open", timeout=5)
    chromium.js("document.getElementById('delete-cancel').click()")
    chromium.wait(f"!{DIALOG}.open", timeout=5)
    assert in_library(server, visit) == set(visit) and httpx.get(link).status_code == 200
    assert set(visit) <= set(chromium.js(LISTED))

    # deleted once confirmed (Shift+Tab from Cancel to the dialog's Delete, Enter): off the page, out of
    # the library, its link ended, and the notice says what happened
    chromium.js(f"document.querySelector({VISIT_BUTTON!r}).focus()")
    press(chromium, "Enter", 13)
    chromium.wait(f"{DIALOG}.open", timeout=5)
    press(chromium, "Tab", 9, shift=True)
    assert chromium.js(FOCUSED)[1] == "Delete 3 looks"
    press(chromium, "Enter", 13)
    chromium.wait(f"{NOTICE} === 'Deleted the 3 looks of this visit.'", timeout=15)
    assert not chromium.js(f"{DIALOG}.open")
    assert chromium.js(LISTED) == [server.looks.consented]
    assert chromium.js("document.querySelectorAll('#looks li.visit').length") == 1
    assert in_library(server, visit) == set()
    assert httpx.get(link).status_code == 410


def test_a_visit_is_listed_and_deleted_whole_its_looks_older_than_four_hours_too(server, chromium):
    """A visit 10:00-10:30 asked about at 14:15 showed 2 looks, deleted 2 and said "Deleted the 2 looks of this
    visit." while its 10:05 look stayed kept, its link (maybe the one she took home) still working."""
    now = time.time()
    visit = [add_look(server.library, server.looks.consented, now - t, "visit-a") for t in (3 * 3600, 4 * 3600 + 600)]
    link = share(server, visit[1])
    sign_in(chromium, server.url, 768, 1024)
    chromium.wait(f"{LISTED}.length === 3", timeout=10)
    assert set(visit) <= set(chromium.js(LISTED)), "the visit's look older than 4 hours is not listed with it"
    heading = chromium.js(f"document.querySelector('#looks li.look[data-id=\"{visit[0]}\"]').closest('li.visit')"
                          ".querySelector('h3').textContent")
    assert heading.endswith(" · 2 looks"), heading
    chromium.js(f"document.querySelector('#looks li.look[data-id=\"{visit[0]}\"]').closest('li.visit')"
                ".querySelector('button[data-key=\"delete-visit\"]').click()")
    chromium.wait(f"{DIALOG}.open", timeout=5)
    assert chromium.js("document.getElementById('delete-title').textContent") == "Delete the 2 looks of this visit for good?"
    chromium.js("document.getElementById('delete-yes').click()")
    chromium.wait(f"{NOTICE} === 'Deleted the 2 looks of this visit.'", timeout=15)
    assert in_library(server, visit) == set()
    assert httpx.get(link).status_code == 410
    assert chromium.js(LISTED) == [server.looks.consented]


def test_a_visit_deleted_as_its_sign_in_ends_is_deleted_whole_under_that_sign_in(server, chromium, monkeypatch):
    """One request per look, the token read anew for each: an associate who signed out while her visit's looks
    were deleted left the rest to be deleted under the next sign-in, logged and told as the store token's."""
    import threading

    now = time.time()
    visit = [add_look(server.library, server.looks.consented, now - t, "visit-a") for t in (60, 120, 180)]
    sign_in(chromium, server.url, 768, 1024)
    chromium.wait(f"{LISTED}.length === 4", timeout=10)
    started, release = threading.Event(), threading.Event()
    real = server.library.delete_if_present

    def held(look_id):
        if not started.is_set():
            started.set()
            release.wait(30)
        return real(look_id)

    monkeypatch.setattr(server.library, "delete_if_present", held)
    on_bus = []
    unsubscribe = server.bus.subscribe(on_bus.append)
    try:
        chromium.js(f"document.querySelector({VISIT_BUTTON!r}).click()")
        chromium.wait(f"{DIALOG}.open", timeout=5)
        chromium.js("document.getElementById('delete-yes').click()")
        assert started.wait(10), "the deletion never reached the mirror"
        chromium.js("document.getElementById('sign-out').click()")
        # store IT signs in next on the same page, with the store token
        chromium.wait(f"{SHOWN}('sign-in-view')", timeout=10)
        chromium.js(f"document.getElementById('secret').value = '{TOKEN}'; "
                    "document.getElementById('sign-in').requestSubmit()")
        chromium.wait(f"{SHOWN}('console-view')", timeout=10)
        release.set()
        # each look is told once it is gone: all three, or the visit was left half deleted
        wait_for(lambda: sum(isinstance(e, LookDeleted) for e in on_bus) == 3, 15, "the visit was left half deleted")
    finally:
        release.set()
        unsubscribe()
    assert in_library(server, visit) == set()
    assert sorted((e.look_id, e.by) for e in on_bus if isinstance(e, LookDeleted)) == sorted(
        (look_id, "associate") for look_id in visit)


#: Whether the picture at blob URL ``url`` still loads in the page (the CSP lets pictures, not fetch, read blob URLs).
LOADS = """new Promise((done) => {{ const img = new Image(); img.onload = () => done('loads'); img.onerror = () => done('gone');
  img.src = '{url}'; }})"""


def test_a_deleted_look_lets_its_poster_go(server, chromium):
    """The poster (a blob URL fetched with the session's token) of a look deleted from the tablet stayed in the
    page until the sign-out."""
    deleted = add_look(server.library, server.looks.consented, time.time() - 60, "visit-a")
    sign_in(chromium, server.url, 768, 1024)
    img = f"document.querySelector('#looks li.look[data-id=\"{deleted}\"] img')"
    poster = chromium.wait(f"!!{img} && {img}.naturalWidth > 0 && {img}.src", timeout=10)
    assert chromium.js(LOADS.format(url=poster)) == "loads"
    chromium.js(f"document.querySelector('#looks li.look[data-id=\"{deleted}\"] button[data-key=\"delete\"]').click()")
    chromium.wait(f"{DIALOG}.open", timeout=5)
    chromium.js("document.getElementById('delete-yes').click()")
    chromium.wait(f"{NOTICE}.startsWith('Deleted the look recorded at ')", timeout=15)
    chromium.js("window.drawn = 0; document.addEventListener('console:looks', () => { window.drawn += 1; })")
    chromium.wait("window.drawn > 0", timeout=10)  # the list drawn after the deletion
    assert chromium.js(LOADS.format(url=poster)) == "gone", "the deleted look's poster is still held by the page"


#: The next list of looks the console asks for is sent by the mirror at once, and reaches the page only once
#: ``window.held`` is let go: a slow answer, as under load.
HOLD_NEXT_LIST = """window.held = [];
const fetchNow = window.fetch;
window.fetch = (path, options) => {
  const answer = fetchNow(path, options);
  if (path !== '/api/v1/looks' || window.held.length) return answer;
  return new Promise((resolve) => window.held.push(() => resolve(answer)));
};"""


def test_a_list_sent_before_the_deletion_does_not_bring_the_deleted_looks_back(server, chromium):
    """A refresh asked for by the event of a visit's first deleted look, answered after the last one went, drew
    the visit again under 'Deleted the 3 looks of this visit.' until the next refresh, 3 s later."""
    now = time.time()
    visit = [add_look(server.library, server.looks.consented, now - t, "visit-a") for t in (60, 120, 180)]
    sign_in(chromium, server.url, 768, 1024)
    chromium.wait(f"{LISTED}.length === 4", timeout=10)
    chromium.js(HOLD_NEXT_LIST)
    chromium.js("document.dispatchEvent(new CustomEvent('console:changed'))")
    chromium.wait("window.held.length === 1", timeout=10)  # the mirror has sent the list with all 4 looks

    chromium.js(f"document.querySelector({VISIT_BUTTON!r}).click()")
    chromium.wait(f"{DIALOG}.open", timeout=5)
    chromium.js("document.getElementById('delete-yes').click()")
    chromium.wait(f"{NOTICE} === 'Deleted the 3 looks of this visit.'", timeout=15)
    assert chromium.js(LISTED) == [server.looks.consented] and in_library(server, visit) == set()

    chromium.js(f"window.drawn = []; document.addEventListener('console:looks', () => window.drawn.push({LISTED}));"
                "window.held.forEach((go) => go())")
    drawn = chromium.wait("window.drawn.length > 0 && window.drawn", timeout=10)
    assert drawn[0] == [server.looks.consented], "the list sent before the deletion drew the deleted looks again"
    assert chromium.js(NOTICE) == "Deleted the 3 looks of this visit."


def test_one_look_is_deleted_and_a_refusal_says_why(server, chromium):
    now = time.time()
    kept, withdrawn = add_look(server.library, server.looks.consented, now - 60, "visit-a"), \
        add_look(server.library, server.looks.consented, now - 600, "visit-b")
    sign_in(chromium, server.url, 768, 1024)
    chromium.wait(f"{LISTED}.length === 3", timeout=10)
    button = f"#looks li.look[data-id=\"{kept}\"] button[data-key=\"delete\"]"
    assert chromium.accessible_name(button).startswith("Delete the look recorded at ")
    chromium.js(f"document.querySelector({button!r}).click()")
    chromium.wait(f"{DIALOG}.open", timeout=5)
    title = chromium.js("document.getElementById('delete-title').textContent")
    assert title.startswith("Delete the look recorded at ") and title.endswith(" for good?"), title
    assert chromium.js("document.getElementById('delete-about').textContent") == "Its share links stop working."
    chromium.js("document.getElementById('delete-yes').click()")
    chromium.wait(f"{NOTICE}.startsWith('Deleted the look recorded at ')", timeout=15)
    assert kept not in chromium.js(LISTED) and in_library(server, [kept]) == set()
    # it worked: never in the red of a failure, which the refusal below gets
    assert chromium.js(NOTICE_BG) != FAILURE_RED, "'Deleted the look' reads as something gone wrong"

    # the shopper withdraws her yes while the question is up: the mirror refuses, and the notice says why
    other = f"#looks li.look[data-id=\"{withdrawn}\"] button[data-key=\"delete\"]"
    chromium.js(f"document.querySelector({other!r}).click()")
    chromium.wait(f"{DIALOG}.open", timeout=5)
    server.library.set_session_consent("visit-b", False)
    chromium.js("document.getElementById('delete-yes').click()")
    chromium.wait(f"{NOTICE}.startsWith('Could not delete the look recorded at ')", timeout=15)
    assert "agreed to keep" in chromium.js(NOTICE)
    assert chromium.js(NOTICE_BG) == FAILURE_RED
    assert in_library(server, [withdrawn]) == {withdrawn}


#: Each look tile's controls top to bottom: [what, top, bottom] (its Delete, its Compare box's label, its other buttons).
CONTROLS = """[...document.querySelectorAll('#looks li.look')].map(t => [...t.querySelectorAll(':scope > button:not(.play), :scope > label')]
  .map(c => [c.dataset.key || c.className, c.getBoundingClientRect().top, c.getBoundingClientRect().bottom]))"""


@pytest.mark.parametrize("width, height, phone", [(820, 1180, False), (390, 844, True)], ids=["tablet", "phone"])
def test_a_look_s_delete_is_its_last_control_set_apart_from_the_everyday_ones(server, chromium, width, height, phone):
    """Between "Add note or product" and the Compare box, .4rem from each, a tap meant for either could land on Delete."""
    from .test_console_touch import sign_in_on_phone

    add_look(server.library, server.looks.consented, time.time() - 60, "visit-a")
    if phone:
        sign_in_on_phone(chromium, server.url, width, height)
    else:
        sign_in(chromium, server.url, width, height)
    tiles = chromium.wait(f"(t => t.length === 2 && t.every(c => c.some(([k]) => k === 'compare-label')) && t)({CONTROLS})",
                          timeout=10)
    for controls in tiles:
        assert [what for what, *_ in controls][-2:] == ["compare-label", "delete"], controls
        (_, _, above), (_, top, _) = controls[-2:]
        assert top - above >= 14, f"Delete is {top - above:.0f} px under the Compare box"


def test_a_deletion_that_ends_after_its_sign_in_leaves_the_next_associates_question_alone(server, chromium,
                                                                                        monkeypatch):
    """An associate presses Delete, the mirror is slow, and she signs out; the next associate signs in and
    asks to delete another look. The first deletion's answer must neither close the second question nor
    say "Deleted..." on the shared tablet."""
    import threading

    import kiosk.net.api_delete as api_delete

    now = time.time()
    first, second = add_look(server.library, server.looks.consented, now - 60, "visit-a"), \
        add_look(server.library, server.looks.consented, now - 600, "visit-b")
    sign_in(chromium, server.url, 768, 1024)
    chromium.wait(f"{LISTED}.length === 3", timeout=10)
    started, release = threading.Event(), threading.Event()
    real = api_delete.visible_look

    def held(ctx, look_id, request):
        if look_id == first:
            started.set()
            release.wait(30)
        return real(ctx, look_id, request)

    monkeypatch.setattr(api_delete, "visible_look", held)
    try:
        chromium.js(f"document.querySelector('#looks li.look[data-id=\"{first}\"] button[data-key=\"delete\"]').click()")
        chromium.wait(f"{DIALOG}.open", timeout=5)
        chromium.js("document.getElementById('delete-yes').click()")
        assert started.wait(10), "the deletion never reached the mirror"
        chromium.js("document.getElementById('sign-out').click()")
        # the next associate signs in on the same page (no reload: what the last sign-in left runs on)
        chromium.wait(f"{SHOWN}('sign-in-view')", timeout=10)
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; "
                    "document.getElementById('sign-in').requestSubmit()")
        chromium.wait(f"{SHOWN}('console-view')", timeout=10)
        other = f"#looks li.look[data-id=\"{second}\"] button[data-key=\"delete\"]"
        chromium.wait(f"!!document.querySelector({other!r})", timeout=10)
        chromium.js(f"document.querySelector({other!r}).click()")
        chromium.wait(f"{DIALOG}.open", timeout=5)
    finally:
        release.set()
    # The first deletion is answered (its timing entry is written once the answer is in), then a moment
    # for the page to act on it.
    answered = f"performance.getEntriesByType('resource').some((e) => e.name.endsWith('/looks/{first}') && e.responseEnd > 0)"
    chromium.wait(answered, timeout=10)
    chromium.js("window.__answered = Date.now()")
    chromium.wait("Date.now() - window.__answered > 500", timeout=5)
    assert chromium.js(f"{DIALOG}.open"), "the next associate's question was closed by the last one's deletion"
    assert chromium.js("document.getElementById('delete-title').textContent").startswith("Delete the look recorded at ")
    assert not chromium.js(f"{NOTICE}.startsWith('Deleted')"), chromium.js(NOTICE)
    assert in_library(server, [first, second]) == {second}  # the first went, as its associate asked
