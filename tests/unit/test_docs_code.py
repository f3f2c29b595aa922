"""The docs in step with the code they describe: the tests they cite exist, the doctor's every
check has its row, docs/cards.md quotes the consent wordings in force, the live events
route names every event a client may see, and docs/STORE-IT.md names where provisioning
downloads from."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEST_FILES = {path.name: path for path in (ROOT / "tests").rglob("test_*.py")}


def cited_tests(text: str) -> list[tuple[str, str]]:
    """(file, test) for every test a doc cites in a code span: `test_x.py`, `test_x.py::test_y`,
    and `::test_z` or `test_z` after the last file named on the same line ("" where none)."""
    found = []
    for line in text.splitlines():
        last = ""
        for span in re.findall(r"`([^`\n]+)`", line):
            match = re.fullmatch(r"(?:[\w./-]*/)?(test_\w+\.py)?(?:::)?(test_\w+)?", span.strip())
            if not match or not (match[1] or match[2]):
                continue
            last = match[1] or last
            found.append((match[1] or last, match[2] or ""))
    return found


def missing(cited: list[tuple[str, str]]) -> list[str]:
    """The cited files and tests that are not in tests/ (a test with no file named: in any file)."""
    wrong = []
    for file, test in cited:
        if file and file not in TEST_FILES:
            wrong.append(file)
            continue
        if not test:
            continue
        where = [TEST_FILES[file]] if file else TEST_FILES.values()
        if not any(re.search(rf"^\s*(?:async )?def {test}\(", path.read_text(), re.M) for path in where):
            wrong.append(f"{file}::{test}" if file else test)
    return wrong


def test_every_test_the_docs_cite_exists():
    wrong = [f"{doc.relative_to(ROOT)}: {bad}" for doc in DOCS for bad in missing(cited_tests(doc.read_text()))]
    assert wrong == [], "no such test: " + "; ".join(wrong)


def test_the_cited_test_check_can_fail():
    cited = cited_tests("| x | `test_api.py::test_delete_look_revokes_its_links`, `::test_no_such_one`, `test_nope.py` |")
    assert cited == [("test_api.py", "test_delete_look_revokes_its_links"), ("test_api.py", "test_no_such_one"),
                     ("test_nope.py", "")]
    assert missing(cited) == ["test_api.py::test_no_such_one", "test_nope.py"]
    assert missing(cited_tests("see `test_what_a_pin_sign_in_may_do` and `test_not_written_yet`")) == ["test_not_written_yet"]


def doctor_check_ids() -> set[str]:
    """Every id a doctor check answers under: the first argument of ok/warning/fail, and the
    databases' ids."""
    ids = set()
    for path in (ROOT / "kiosk" / "doctor").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("ok", "warning", "fail")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                ids.add(node.args[0].value)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"db-[a-z]+", node.value):
                ids.add(node.value)
    return ids


def test_docs_doctor_has_a_row_for_every_check():
    from kiosk.doctor.runner import CHECKS

    ids = doctor_check_ids() | {check_id for check_id, _ in CHECKS} - {"databases"}
    assert {"pose-model", "clock", "api", "db-looks", "db-identity", "api-pin"} <= ids
    rows = set(re.findall(r"^\| ((?:`[a-z0-9-]+`(?:, )?)+) \|", (ROOT / "docs" / "DOCTOR.md").read_text(), re.M))
    documented = {name for row in rows for name in re.findall(r"`([a-z0-9-]+)`", row)}
    assert ids - documented == set(), "checks without a row in docs/DOCTOR.md"


def test_docs_cards_quotes_the_consent_wordings_in_force():
    from kiosk.identity.consent import WORDING, WORDING_NO_READER

    cards = (ROOT / "docs" / "cards.md").read_text()
    table = {(row[0], row[1]): row[2] for row in re.findall(r"^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", cards, re.M)}
    said = {asked: (version, words) for (asked, version), words in table.items()}
    assert said["right after a tap"][0] == WORDING.version
    assert f'"{WORDING.card_tapped}"' in said["right after a tap"][1]
    assert f'"{WORDING.forget_tapped}"' in said["right after a tap"][1]
    assert said["before any tap"][0] == WORDING.version
    assert f'"{WORDING.card_not_tapped}"' in said["before any tap"][1]
    assert f'"{WORDING.forget_not_tapped}"' in said["before any tap"][1]
    assert said["no card reader works"][0] == WORDING_NO_READER.version
    quoted = re.findall(r'"([^"]+)"', said["no card reader works"][1])
    assert quoted and all(q in WORDING_NO_READER.text for q in quoted)


def test_the_live_events_route_names_every_event_a_client_may_see():
    from kiosk.net.api_status import router
    from kiosk.net.stream import EVENT_NAMES

    (route,) = [r for r in router.routes if getattr(r, "path", "").endswith("/events")]
    named = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b|\bstate\b", route.description.split(".")[0]))
    fields = {"look_id", "note_id", "deleted_at", "store_token", "customer_id", "session_id"}
    assert named - fields == set(EVENT_NAMES)


def test_store_it_says_what_provisioning_downloads_from_where():
    """Every host uv.lock downloads from, the uv provision installs and the proxy variables are in
    docs/STORE-IT.md: a store whose mirrors reach the internet only through a proxy or a firewall
    must know before the first run."""
    import tomllib
    from urllib.parse import urlsplit

    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    urls = [p["source"].get("registry", "") for p in lock["package"]]
    urls += [f["url"] for p in lock["package"] for f in [*p.get("wheels", []), p.get("sdist", {})] if "url" in f]
    hosts = {urlsplit(u).hostname for u in urls if u.startswith("http")}
    uv = re.search(r'^UV_VERSION="([^"]+)"', (ROOT / "scripts/lib/bootstrap.sh").read_text(), re.M)[1]
    doc = (ROOT / "docs/STORE-IT.md").read_text()
    assert hosts and not [h for h in hosts if f"`{h}`" not in doc], hosts
    assert f"uv {uv}" in doc and "https_proxy" in doc and "apt-get" in doc
