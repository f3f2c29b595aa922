"""The store's own Prometheus scrapes the mirrors that ``kiosk discover --prometheus`` finds.

Mirrors (``kiosk serve``) announce themselves in the network namespaces of test_mdns_netns's lab;
``kiosk discover --prometheus FILE --ansible-inventory FILE`` runs in the browsing namespace and
keeps the files up to date; a real Prometheus (Debian's package) in that namespace reads the
target file and loads the example alert rules. The test asks Prometheus's own HTTP API, inside
the namespace, that every mirror is scraped with its labels and ``up == 1``, that a second mirror
is picked up while discover runs, and that a mirror that stops stays a target with ``up == 0``;
and that ``--once`` writes after one window and exits.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.integration.faults.waiting import wait_for
from tests.integration.test_mdns_netns import KIOSK, Lab, lab  # noqa: F401 (lab is a fixture)

pytestmark = [pytest.mark.netns, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "monitoring" / "smartmirror-alerts.yml"
PROM_PORT = 19090
STORE_SECRET = "5f" * 32

PROMETHEUS_CONFIG = """global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}
scrape_configs:
  - job_name: smartmirror
    file_sd_configs:
      - files: [{targets}]
        refresh_interval: 1s
"""


def _library(path: Path) -> Path:
    """A data folder holding the store secret every mirror of the test's store shares."""
    path.mkdir(parents=True)
    (path / "store-secret").write_text(STORE_SECRET + "\n")
    (path / "store-secret").chmod(0o600)
    return path


def _config(path: Path, room: str) -> Path:
    path.write_text(f'[api]\nname = "Mirror {room}"\nroom = "{room}"\nstore = "Oxford Street"\ntxt_interval_s = 0.5\n')
    return path


class PrometheusApi:
    """Prometheus's HTTP API, asked from inside the lab's browsing namespace."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    def get(self, path: str, **params: str) -> dict | None:
        url = f"http://127.0.0.1:{PROM_PORT}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        code = "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())"
        res = self.lab.in_ns(self.lab.ns_b, sys.executable, "-c", code, url, check=False, timeout=10)
        return json.loads(res.stdout)["data"] if res.returncode == 0 else None

    def up(self) -> dict[str, tuple[float, dict]]:
        """``up{job="smartmirror"}`` per mirror id: (value, labels)."""
        data = self.get("/api/v1/query", query='up{job="smartmirror"}') or {"result": []}
        return {r["metric"].get("id", ""): (float(r["value"][1]), r["metric"]) for r in data["result"]}


def _mirror_status(lab: Lab, target: str) -> dict:
    """The mirror's own /api/v1/status, asked from the browsing namespace as Prometheus asks it."""
    code = "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())"
    return json.loads(lab.in_ns(lab.ns_b, sys.executable, "-c", code, f"http://{target}/api/v1/status", timeout=10).stdout)


def _targets(path: Path) -> dict[str, dict]:
    try:
        return {g["labels"]["id"]: g for g in json.loads(path.read_text())}
    except (FileNotFoundError, ValueError):
        return {}


def test_prometheus_scrapes_every_mirror_discover_finds(lab, tmp_path):
    if not shutil.which("prometheus"):
        pytest.skip("prometheus is not installed (scripts/test installs Debian's prometheus)")
    targets, inventory = tmp_path / "smartmirrors.json", tmp_path / "inventory.yml"
    secret = _library(tmp_path / "secret") / "store-secret"  # store IT's copy, as the Ansible play has it
    mirror_a, _ = lab.mirror(lab.ns_a, lab.addr_a, _library(tmp_path / "lib-a"), _config(tmp_path / "a.toml", "3"))
    discover = lab.spawn(
        lab.ns_b, *KIOSK, "discover", "--timeout", "2", "--prometheus", str(targets), "--ansible-inventory", str(inventory),
        "--store-secret", str(secret),
    )
    try:
        wait_for(lambda: len(_targets(targets)) == 1, 30, "kiosk discover never wrote the first mirror into the target file")
    except AssertionError:
        discover.send_signal(signal.SIGTERM)
        raise AssertionError(f"kiosk discover never wrote the first mirror: {discover.wait(10)} {discover.stderr.read()}") from None
    (id_a, group_a), = _targets(targets).items()
    assert group_a["labels"]["store"] == "Oxford Street" and group_a["labels"]["room"] == "3"
    assert len(id_a) == 36
    # who and where the mirror is, never what it runs: that is the mirror's own to say (kiosk_build_info)
    assert set(group_a["labels"]) == {"__metrics_path__", "mirror", "host", "store", "room", "id"}
    assert group_a["targets"][0].startswith(f"{lab.addr_a}:")

    (tmp_path / "prometheus.yml").write_text(PROMETHEUS_CONFIG.format(rules=RULES, targets=targets))
    lab.spawn(
        lab.ns_b, "prometheus", f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{PROM_PORT}",
    )
    api = PrometheusApi(lab)
    wait_for(lambda: api.up().get(id_a, (0,))[0] == 1.0, 40, "Prometheus never scraped the first mirror with up == 1")
    labels = api.up()[id_a][1]
    assert labels["store"] == "Oxford Street" and labels["room"] == "3" and labels["instance"] == group_a["targets"][0]
    # the mirror's own metrics came through the fixed metrics path
    info = api.get("/api/v1/query", query="kiosk_info")["result"]
    assert [r["metric"]["id"] for r in info] == [id_a]
    # the mirror's version and release arrive as it reports them, not renamed exported_version by
    # a target label of the same name, and join onto its other series by instance
    status = _mirror_status(lab, group_a["targets"][0])
    build = api.get("/api/v1/query", query="kiosk_build_info")["result"]
    assert [(r["metric"]["version"], r["metric"]["release"]) for r in build] == [(status["version"], status["release"])]
    assert not [name for r in info + build for name in r["metric"] if name.startswith("exported_") and name != "exported_id"]
    joined = api.get("/api/v1/query", query="kiosk_uptime_seconds * on(instance) group_left(version, release) kiosk_build_info")
    assert [(r["metric"]["id"], r["metric"]["release"]) for r in joined["result"]] == [(id_a, status["release"])]
    # the example alert rules load in a real Prometheus
    rules = api.get("/api/v1/rules")["groups"]
    assert {r["name"] for g in rules for r in g["rules"]} >= {"MirrorDown", "MirrorCameraDown", "MirrorFpsLow", "MirrorDiskNearlyFull"}

    # --once: one listening window, merged into a file a person keeps, then exit
    once = tmp_path / "once.json"
    once.write_text(json.dumps([{"targets": ["10.9.9.9:8080"], "labels": {"id": "old-mirror", "store": "S", "room": "9"}}]))
    res = subprocess.run(
        ["ip", "netns", "exec", lab.ns_b, *KIOSK, "discover", "--once", "--timeout", "2", "--prometheus", str(once),
         "--store-secret", str(secret)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=lab.env,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"2 mirrors written to {once} (1 seen in 2 s)\n"
    assert _targets(once)["old-mirror"]["targets"] == ["10.9.9.9:8080"]  # a mirror a person put there stays
    assert _targets(once)[id_a] == group_a

    # a second mirror comes up while discover runs: the file is rewritten and Prometheus follows
    mirror_b, _ = lab.mirror(lab.ns_b, lab.addr_b, _library(tmp_path / "lib-b"), _config(tmp_path / "b.toml", "4"))
    wait_for(lambda: len(_targets(targets)) == 2, 20, "the second mirror never reached the target file")
    id_b = next(i for i in _targets(targets) if i != id_a)
    wait_for(lambda: api.up().get(id_b, (0,))[0] == 1.0, 30, "Prometheus never scraped the second mirror")
    hosts = json.loads(inventory.read_text())["all"]["children"]["smartmirrors"]["children"]["store_oxford_street"]["children"]
    assert {room: list(g["hosts"].values())[0]["room"] for room, g in hosts.items()} == {
        "store_oxford_street_room_3": "3", "store_oxford_street_room_4": "4"}

    # the first mirror stops: it stays a target, so Prometheus reports it down (MirrorDown)
    mirror_a.send_signal(signal.SIGTERM)
    assert mirror_a.wait(10) == 0
    wait_for(lambda: api.up().get(id_a, (1,))[0] == 0.0, 30, "Prometheus never saw the stopped mirror as down")
    assert set(_targets(targets)) == {id_a, id_b}

    discover.send_signal(signal.SIGTERM)
    assert discover.wait(10) == 0, discover.stderr.read()
    assert not list(tmp_path.glob(".smartmirrors.json.*")), "a temporary file was left behind"
    mirror_b.send_signal(signal.SIGTERM)

