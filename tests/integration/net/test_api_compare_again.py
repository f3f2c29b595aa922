"""A console sign-in asking again for the same comparison, or its link, gets the same one (a reload of the page).

Before, a reload of the console while it waited for a code asked the mirror again: the same looks
were rendered twice, and the comparison got a second link while the first stayed working, unused.
Consent still decides: a comparison or link that a withdrawn consent took away is never handed
back; the store's own token (scripts) still gets a new one each time.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.faults.waiting import wait_for

from .conftest import PIN
from .test_api_compare import API, AUTH, serving, wait_state

pytestmark = pytest.mark.slow


@pytest.fixture
def mirror(tmp_path):
    with serving(tmp_path) as served:
        yield served


def signed_in(url: str, secret: str = PIN) -> httpx.Client:
    r = httpx.post(f"{url}/console/api/sign-in", json={"secret": secret})
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=30)


def test_a_sign_in_asking_again_gets_the_same_comparison_and_link(mirror):
    url, ids, _, jobs = mirror
    looks = {"look_ids": [ids["cw"], ids["ccw"]]}
    with signed_in(url) as console, signed_in(url) as other:
        first = console.post(f"{API}/comparisons", json=looks)
        again = console.post(f"{API}/comparisons", json=looks)  # the page reloaded while it was made
        assert first.status_code == 202 and again.status_code == 200, again.text  # handed back: nothing queued
        assert again.json()["id"] == first.json()["id"]
        comparison = first.json()["id"]
        assert wait_state(console, comparison)["state"] == "ready"
        ready = console.post(f"{API}/comparisons", json=looks)
        assert ready.status_code == 200 and ready.json() == console.get(f"{API}/comparisons/{comparison}").json()
        asked = console.post(f"{API}/comparisons", json={"look_ids": [ids["ccw"], ids["cw"]]})
        reordered = asked.json()
        assert asked.status_code == 202 and reordered["id"] != comparison, "other panes' order is another video"

        link = console.post(f"{API}/comparisons/{comparison}/share")
        assert link.status_code == 201, link.text
        given = console.post(f"{API}/comparisons/{comparison}/share")
        assert given.status_code == 200 and given.json() == link.json(), "one link, not an orphan"
        assert other.post(f"{API}/comparisons/{comparison}/share").json()["token"] != link.json()["token"]
        scripted = [httpx.post(f"{url}{API}/comparisons/{comparison}/share", headers=AUTH) for _ in range(2)]
        assert [r.status_code for r in scripted] == [201, 201]
        assert len({r.json()["token"] for r in scripted}) == 2, "the store's token gets a new link each time, as before"

        # revoked by store IT: asking again makes a new one, never hands the revoked one back
        assert httpx.delete(f"{url}{API}/shares/{link.json()['token']}", headers=AUTH).status_code == 204
        asked = console.post(f"{API}/comparisons/{comparison}/share")
        renewed = asked.json()
        assert asked.status_code == 201 and renewed["token"] != link.json()["token"]
        assert httpx.get(renewed["url"]).status_code == 200
        assert wait_state(console, reordered["id"])["state"] == "ready"
    assert jobs.health()["rendered"] == 2, "the same looks were rendered once"


def test_consent_withdrawn_meanwhile_is_never_answered_with_the_old_comparison_or_link(mirror):
    url, ids, library, _ = mirror
    looks = {"look_ids": [ids["cw"], ids["partial"]]}
    with signed_in(url) as console:
        comparison = console.post(f"{API}/comparisons", json=looks).json()["id"]
        assert wait_state(console, comparison)["state"] == "ready"
        link = console.post(f"{API}/comparisons/{comparison}/share").json()

        library.set_consent(ids["partial"], False)
        assert console.post(f"{API}/comparisons/{comparison}/share").status_code == 404
        assert console.post(f"{API}/comparisons", json=looks).status_code == 403, "no comparison of a look not shared"

        library.set_consent(ids["partial"], True, by="operator")  # agreed again: new ones, the old link stays shut
        renewed = console.post(f"{API}/comparisons", json=looks).json()["id"]
        assert renewed != comparison
        assert wait_state(console, renewed)["state"] == "ready"
        new_link = console.post(f"{API}/comparisons/{renewed}/share").json()
        assert new_link["token"] != link["token"]
        assert httpx.get(link["url"]).status_code == 410 and httpx.get(new_link["url"]).status_code == 200


def test_a_forgotten_customer_gets_no_old_comparison_back(mirror):
    url, ids, _, _ = mirror
    looks = {"look_ids": [ids["cw"], ids["ccw"]]}
    with signed_in(url) as console:
        comparison = console.post(f"{API}/comparisons", json=looks).json()["id"]
        assert wait_state(console, comparison)["state"] == "ready"
        link = console.post(f"{API}/comparisons/{comparison}/share").json()
        assert httpx.delete(f"{url}{API}/looks/{ids['ccw']}", headers=AUTH).status_code == 204  # forget-me deletes looks
        assert console.post(f"{API}/comparisons/{comparison}/share").status_code == 404
        assert console.post(f"{API}/comparisons", json=looks).status_code == 404
        assert httpx.get(link["url"]).status_code == 410


def test_a_sign_in_that_ends_leaves_nothing_it_was_given_on_the_mirror(tmp_path, monkeypatch):
    # What a sign-in was given (a link's token among it) goes when it signs out or expires, not
    # when a thousand newer answers push it out; another sign-in keeps its own.
    import kiosk.net.auth

    held = []
    with serving(tmp_path, held) as (url, ids, _, _):
        book = held[0].ctx.asked
        looks = {"look_ids": [ids["cw"], ids["ccw"]]}
        with signed_in(url) as staying, signed_in(url) as leaving:
            assert staying.post(f"{API}/comparisons", json=looks).status_code == 202
            assert leaving.post(f"{API}/comparisons", json=looks).status_code == 202
            assert len(book) == 2
            assert leaving.post("/console/api/sign-out").status_code == 204
            assert len(book) == 1

            monkeypatch.setattr(kiosk.net.auth, "SESSION_S", 5)  # a shift in five seconds
            with signed_in(url) as expiring:
                assert expiring.post(f"{API}/comparisons", json=looks).status_code == 202
                assert len(book) == 2
                wait_for(lambda: expiring.get(f"{API}/comparisons").status_code == 401, 15, "the sign-in never expired")
            assert len(book) == 1
            assert staying.post(f"{API}/comparisons", json=looks).status_code == 200, "the one still signed in keeps its own"
