"""The example alert rules in docs/monitoring pass ``promtool check rules`` and fire as their
names say under ``promtool test rules`` (synthetic series); the example scrape job is a valid
Prometheus configuration."""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "monitoring"

pytestmark = pytest.mark.skipif(not shutil.which("promtool"), reason="promtool is not installed (scripts/test installs prometheus)")

LABELS = 'job="smartmirror", instance="10.0.0.5:8080", mirror="Mirror 3", store="Oxford Street", room="3", id="m1"'
SERVE = 'job="smartmirror", instance="10.0.0.9:8080", mirror="Back office", store="Oxford Street", room="0", id="s1"'

RULE_TESTS = f"""rule_files:
  - {DOCS / "smartmirror-alerts.yml"}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{{{LABELS}}}'
        values: '1 1 0 0 0 0 0 0 0 0'
      - series: 'kiosk_camera_up{{{LABELS}}}'
        values: '1 1 1 0 0 0 0 0 0 0'
      - series: 'kiosk_disk_free_bytes{{{LABELS}}}'
        values: '50e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9 5e9'
      - series: 'kiosk_disk_total_bytes{{{LABELS}}}'
        values: '64e9x20'
    alert_rule_test:
      - eval_time: 3m
        alertname: MirrorDown
        exp_alerts: []
      - eval_time: 8m
        alertname: MirrorDown
        exp_alerts:
          - exp_labels: {{severity: critical, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Mirror Mirror 3 (Oxford Street, room 3, id m1) does not answer"
              description: "Prometheus has not reached 10.0.0.5:8080 for 5 minutes: no power, no network, or the kiosk is not running. Run `kiosk doctor` on it."
      - eval_time: 6m
        alertname: MirrorCameraDown
        exp_alerts:
          - exp_labels: {{severity: critical, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Camera of mirror Mirror 3 (room 3, id m1) delivers no pictures"
              description: "The mirror shows 'Camera unavailable'. Check the camera's USB cable; `kiosk doctor` names the device."
      - eval_time: 18m
        alertname: MirrorDiskNearlyFull
        exp_alerts:
          - exp_labels: {{severity: warning, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Mirror Mirror 3 (room 3, id m1) has 7.812% of its disk free"
              description: "Below recording.min_free_mb no look is recorded. Lower library.max_age_days or library.max_gb, or replace the SD card."
  - interval: 1m
    input_series:
      - series: 'kiosk_camera_up{{{LABELS}}}'
        values: '0x10'
      - series: 'kiosk_camera_configured{{{LABELS}}}'
        values: '1x10'
      - series: 'kiosk_camera_up{{{SERVE}}}'
        values: '0x10'
      - series: 'kiosk_camera_configured{{{SERVE}}}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 6m
        alertname: MirrorCameraDown
        exp_alerts:  # the mirror whose camera is down, not the headless server that has none
          - exp_labels: {{severity: critical, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Camera of mirror Mirror 3 (room 3, id m1) delivers no pictures"
              description: "The mirror shows 'Camera unavailable'. Check the camera's USB cable; `kiosk doctor` names the device."
  - interval: 1m
    input_series:
      - series: 'kiosk_camera_fps{{{LABELS}}}'
        values: '30 30 12x15'
      - series: 'kiosk_camera_up{{{LABELS}}}'
        values: '1x17'
    alert_rule_test:
      - eval_time: 5m
        alertname: MirrorFpsLow
        exp_alerts: []
      - eval_time: 15m
        alertname: MirrorFpsLow
        exp_alerts:
          - exp_labels: {{severity: warning, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Mirror Mirror 3 (room 3, id m1) runs at 12 frames per second"
              description: "Below 20 fps the mirror image looks jerky: too little light (long exposure), a USB 2 hub, or a busy CPU."
  - interval: 1m
    input_series:
      - series: 'kiosk_pin_sign_in_paused{{{LABELS}}}'
        values: '0 0 1 1 1 0 0'
      - series: 'kiosk_pin_sign_in_paused{{{LABELS.replace("Mirror 3", "Mirror 4").replace("m1", "m2").replace("10.0.0.5", "10.0.0.6")}}}'
        values: '0 0 1 1 1 0 0'
      - series: 'kiosk_pin_sign_in_paused{{job="smartmirror", instance="10.0.1.5:8080", mirror="Mirror 1", store="Leeds", room="1", id="m9"}}'
        values: '0x6'
    alert_rule_test:
      - eval_time: 1m
        alertname: MirrorSignInPaused
        exp_alerts: []
      - eval_time: 3m
        alertname: MirrorSignInPaused
        exp_alerts:  # one alert for the store, not one per mirror: its mirrors share the pause
          - exp_labels: {{severity: warning, store: "Oxford Street"}}
            exp_annotations:
              summary: "PIN sign-in is paused at Oxford Street"
              description: "Too many wrong console PINs at the store (10 within 5 minutes, or 50 within 24 hours): associates cannot sign in with the PIN until the pause ends; signed-in tablets and the store token still work. The sign_in check of /api/v1/health says which limit and until when (docs/SECURITY.md)."
      - eval_time: 6m
        alertname: MirrorSignInPaused
        exp_alerts: []
  - interval: 5m
    input_series:
      - series: 'kiosk_webhook_oldest_age_seconds{{{LABELS}}}'
        values: '0 300 0 240 540 840 1140 1440 1740 2040 2340 2640 2940'
    alert_rule_test:
      - eval_time: 10m
        alertname: MirrorWebhookStuck
        exp_alerts: []  # deliveries that wait a few minutes and go are no alert
      - eval_time: 45m
        alertname: MirrorWebhookStuck
        exp_alerts: []
      - eval_time: 60m
        alertname: MirrorWebhookStuck
        exp_alerts:
          - exp_labels: {{severity: warning, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Mirror Mirror 3 (room 3, id m1) has not delivered a webhook event for 49m 0s"
              description: "The store service does not take the mirror's events: check that it runs and answers 2xx and that webhook.secret matches. The mirror keeps them and retries; `kiosk doctor` (webhook check) names the last error."
  - interval: 1m
    input_series:
      - series: 'kiosk_reader_up{{{LABELS}}}'
        values: '1 0 0 1 1 0x15'
    alert_rule_test:
      - eval_time: 4m
        alertname: MirrorReaderDown
        exp_alerts: []  # a reader replugged within minutes is no alert
      - eval_time: 14m
        alertname: MirrorReaderDown
        exp_alerts: []
      - eval_time: 16m
        alertname: MirrorReaderDown
        exp_alerts:
          - exp_labels: {{severity: warning, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Card reader of mirror Mirror 3 (room 3, id m1) is not connected"
              description: "Loyalty cards are not read at this mirror (the mirror itself works). Check the reader's USB cable; `kiosk doctor` names the port."
  - interval: 1m
    input_series:
      - series: 'kiosk_store_secret_mismatch{{{LABELS}}}'
        values: '0 1 1 1 0 0 1x20'
      - series: 'kiosk_store_secret_mismatch{{{LABELS.replace("Mirror 3", "Mirror 4").replace("m1", "m2").replace("10.0.0.5", "10.0.0.6")}}}'
        values: '0x26'
    alert_rule_test:
      - eval_time: 10m
        alertname: MirrorStoreSecretMismatch
        exp_alerts: []  # a few minutes while the store's mirrors are being installed is no alert
      - eval_time: 20m
        alertname: MirrorStoreSecretMismatch
        exp_alerts: []
      - eval_time: 22m
        alertname: MirrorStoreSecretMismatch
        exp_alerts:  # only the mirror whose secret none of the others proves
          - exp_labels: {{severity: warning, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Mirror Mirror 3 (room 3, id m1) probably does not hold the store's secret"
              description: "The other mirrors found on the LAN answer it with another secret and none proves it holds this mirror's: loyalty cards made here are not found at the other mirrors, and its console shows none of them. Copy the store's secret file over this mirror's (/etc/smartmirror/store-secret, as the Ansible play does with store_secret_file), then restart the kiosk (`systemctl restart smartmirror-kiosk`). With two mirrors both raise it: fix the one whose file differs from the store's copy. The store_secret check of /api/v1/health says how many mirrors answered."
"""


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)


def test_alert_rules_pass_promtool_check():
    res = promtool("check", "rules", str(DOCS / "smartmirror-alerts.yml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS: 11 rules found" in res.stdout


def test_alerts_fire_when_and_only_when_they_should(tmp_path):
    tests = tmp_path / "rules_test.yml"
    tests.write_text(RULE_TESTS)
    res = promtool("test", "rules", str(tests))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


def test_every_alert_about_one_mirror_names_its_room_and_id_not_only_its_name():
    # the name can change with the order mirrors boot in ("Smart Mirror-2"); room and id do not
    summaries = [line.strip() for line in (DOCS / "smartmirror-alerts.yml").read_text().splitlines()
                 if line.strip().startswith("summary:")]
    about_one = [s for s in summaries if "$labels.mirror" in s]
    assert len(summaries) == 11 and len(about_one) == 9
    for summary in about_one:
        assert "$labels.room" in summary and "$labels.id" in summary, summary


def test_a_broken_rule_fails_the_check(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text((DOCS / "smartmirror-alerts.yml").read_text().replace("== 0", "=== 0", 1))
    assert promtool("check", "rules", str(broken)).returncode != 0


def test_example_scrape_job_is_a_valid_prometheus_configuration(tmp_path):
    (tmp_path / "smartmirrors.json").write_text("[]")
    config = (DOCS / "prometheus-scrape.example.yml").read_text()
    config = config.replace("/etc/prometheus/smartmirror-alerts.yml", str(DOCS / "smartmirror-alerts.yml"))
    config = config.replace("/etc/prometheus/file_sd/smartmirrors.json", str(tmp_path / "smartmirrors.json"))
    (tmp_path / "prometheus.yml").write_text(config)
    res = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_store_secret_alert_says_what_to_do_as_the_health_check_does():
    from kiosk.net.secret_match import REMEDY

    alert = (DOCS / "smartmirror-alerts.yml").read_text().split("- alert: MirrorStoreSecretMismatch", 1)[1]
    assert REMEDY[0].upper() + REMEDY[1:] in alert


def series_of(metrics: str, minutes: int) -> str:
    """A ``promtool test rules`` input for the samples of a metrics page, each held for ``minutes``,
    with the scrape's labels (the two info metrics, which carry labels of their own, left out)."""
    lines = []
    for sample in metrics.splitlines():
        if sample.startswith("#") or "{" in sample:
            continue
        name, value = sample.split()
        lines.append(f"      - series: '{name}{{{LABELS}}}'\n        values: '{value}x{minutes}'")
    return "\n".join(lines)


CAMERA_DOWN = f"""
          - exp_labels: {{severity: critical, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Camera of mirror Mirror 3 (room 3, id m1) delivers no pictures"
              description: "The mirror shows 'Camera unavailable'. Check the camera's USB cable; `kiosk doctor` names the device."
"""


def camera_down_after_10_minutes(tmp_path, metrics: str, exp_alerts: str) -> subprocess.CompletedProcess:
    """promtool's verdict on MirrorCameraDown's ``exp_alerts`` after 10 minutes of this metrics page."""
    tests = tmp_path / "camera_test.yml"
    tests.write_text(f"""rule_files:
  - {DOCS / "smartmirror-alerts.yml"}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
{series_of(metrics, 15)}
    alert_rule_test:
      - eval_time: 10m
        alertname: MirrorCameraDown
        exp_alerts: {exp_alerts}""")
    return promtool("test", "rules", str(tests))


@contextmanager
def serve_context(tmp_path):
    """The network part's context of a kiosk without a camera (``kiosk serve``), its database open."""
    from kiosk.config import Config
    from kiosk.net.assist import AssistQueue
    from kiosk.net.auth import Auth
    from kiosk.net.context import NetContext
    from kiosk.net.db import NetworkDatabase
    from kiosk.net.outbox import Outbox
    from kiosk.net.shares import ShareStore
    from tests.unit.test_net_feed import Stream

    db = NetworkDatabase(tmp_path / "n.sqlite3")
    db.open()
    try:
        yield NetContext(config=Config(), mirror_id="s1", auth=Auth("t"), shares=ShareStore(db, 60),
                         assist=AssistQueue(db), outbox=Outbox(db, None, {}), stream=Stream())
    finally:
        db.close()


def unplugged():
    """The status of a camera that has never given a frame."""
    from kiosk.capture import CameraStatus

    return CameraStatus(state="unavailable", reason="camera /dev/video0 is not plugged in", fps=0.0,
                        captured=0, dropped=0, reconnects=0, open_failures=9)


def test_a_headless_serve_raises_no_camera_alert_and_a_mirror_without_pictures_does(tmp_path):
    from kiosk.net.metrics_text import render_metrics

    with serve_context(tmp_path) as serve:
        headless, mirror = render_metrics(serve), render_metrics(replace(serve, camera=unplugged))
    assert "kiosk_camera_up 0" in headless.splitlines() and "kiosk_camera_up 0" in mirror.splitlines()
    quiet = camera_down_after_10_minutes(tmp_path, headless, "[]")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    raised = camera_down_after_10_minutes(tmp_path, mirror, CAMERA_DOWN)
    assert raised.returncode == 0, raised.stdout + raised.stderr


def scrapes_of(pages: list[str | None]) -> str:
    """A ``promtool test rules`` input for one scrape after another of a mirror: the samples of each
    metrics page, or stale markers where the scrape found no kiosk answering (None)."""
    samples = [dict(line.split() for line in page.splitlines() if not line.startswith("#") and "{" not in line)
               if page is not None else {} for page in pages]
    names = dict.fromkeys(name for scrape in samples for name in scrape)
    return "\n".join(f"      - series: '{name}{{{LABELS}}}'\n"
                     f"        values: '{' '.join(scrape.get(name, 'stale') for scrape in samples)}'" for name in names)


RESTARTING = f"""
          - exp_labels: {{severity: warning, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Mirror Mirror 3 (room 3, id m1) restarted several times in the last hour"
              description: "systemd restarts the kiosk when it freezes or crashes. `journalctl -t smartmirror-kiosk` on the mirror tells why."
"""

BOOT = 1_700_000_000.0  # the Unix time the mirror first started, in the scenarios below


def restarting_verdict(tmp_path, scrape_s: int, lives: list[float | None], eval_time: str, exp_alerts: str):
    """promtool's verdict on MirrorRestarting's ``exp_alerts`` at ``eval_time`` when Prometheus scrapes
    every ``scrape_s`` seconds a mirror whose camera never gave a frame, and finds in turn the kiosks
    started at ``lives`` (None: no kiosk answered)."""
    from kiosk.net.metrics_text import render_metrics

    with serve_context(tmp_path) as serve:
        mirror = replace(serve, camera=unplugged)
        pages = [None if started is None else render_metrics(replace(mirror, started_at=started)) for started in lives]
    assert all("kiosk_camera_frames_total 0" in page.splitlines() for page in pages if page is not None)
    tests = tmp_path / "restarting_test.yml"
    tests.write_text(f"""rule_files:
  - {DOCS / "smartmirror-alerts.yml"}
evaluation_interval: {scrape_s}s
tests:
  - interval: {scrape_s}s
    input_series:
{scrapes_of(pages)}
    alert_rule_test:
      - eval_time: {eval_time}
        alertname: MirrorRestarting
        exp_alerts: {exp_alerts}""")
    return promtool("test", "rules", str(tests))


def crash_loop_seen_every(scrape_s: int, first_scrape_s: int, minutes: int) -> list[float | None]:
    """What scrapes every ``scrape_s`` seconds find of a kiosk that restarts every 20 s: each run
    answers from 3 s after its start until it dies at 15 s (systemd starts the next 5 s later)."""
    lives = []
    for at in range(first_scrape_s, first_scrape_s + minutes * 60, scrape_s):
        started = at - at % 20
        lives.append(BOOT + started if 3 <= at - started < 15 else None)
    return lives


def test_a_mirror_crash_looping_without_a_single_frame_raises_the_restart_alert(tmp_path):
    # Every 15 s: two scrapes of a minute find nothing, the other two each find a new run.
    every_15_s = crash_loop_seen_every(15, 0, 10)
    assert every_15_s[:8] == [None, None, BOOT + 20, BOOT + 40, None, None, BOOT + 80, BOOT + 100]
    raised = restarting_verdict(tmp_path, 15, every_15_s, "5m", RESTARTING)
    assert raised.returncode == 0, raised.stdout + raised.stderr
    # Every minute: no scrape sees a run twice, two of three runs are never seen at all.
    every_minute = crash_loop_seen_every(60, 10, 10)
    assert every_minute[:3] == [BOOT, BOOT + 60, BOOT + 120]
    raised = restarting_verdict(tmp_path, 60, every_minute, "5m", RESTARTING)
    assert raised.returncode == 0, raised.stdout + raised.stderr


def test_one_restart_or_none_in_an_hour_raises_no_restart_alert(tmp_path):
    once = [BOOT] * 20 + [None] + [BOOT + 20 * 60 + 30] * 39  # a minute's scrapes: upgraded at 20 min
    quiet = restarting_verdict(tmp_path, 60, once, "59m", "[]")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    steady = restarting_verdict(tmp_path, 15, [BOOT] * 240, "59m", "[]")
    assert steady.returncode == 0, steady.stdout + steady.stderr


DATA_READ_ONLY = f"""
          - exp_labels: {{severity: warning, {LABELS.replace('=', ': ')}}}
            exp_annotations:
              summary: "Mirror Mirror 3 (room 3, id m1) cannot write its data folder"
              description: "Its SD card (the data folder) is read-only, usually because the kernel remounted it after disk errors: the mirror shows the live picture but records nothing, and shows no looks, cards, console or share links (a plain mirror). Replace the SD card, or remount the folder read-write if `dmesg` shows it was a passing fault; the full kiosk comes back by itself within a minute. `kiosk doctor` on the mirror names the folder."
"""


def scraped_for_10_minutes(tmp_path, metrics: str, alerts: dict[str, str]) -> subprocess.CompletedProcess:
    """promtool's verdict on each alert's ``exp_alerts`` (name → expected) after 10 minutes of this
    metrics page, every scrape of it a success (``up`` 1)."""
    tests = tmp_path / "scraped_test.yml"
    expected = "".join(f"""
      - eval_time: 10m
        alertname: {name}
        exp_alerts: {exp}""" for name, exp in alerts.items())
    tests.write_text(f"""rule_files:
  - {DOCS / "smartmirror-alerts.yml"}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{{{LABELS}}}'
        values: '1x15'
{series_of(metrics, 15)}
    alert_rule_test:{expected}""")
    return promtool("test", "rules", str(tests))


def running():
    from kiosk.capture import CameraStatus

    return CameraStatus(state="running", reason="", fps=30.0, captured=9000, dropped=0, reconnects=0, open_failures=0)


def test_a_plain_mirror_is_up_and_raises_the_read_only_alert_not_mirror_down(tmp_path, monkeypatch):
    # A mirror started on a read-only SD card is a plain mirror: it shows the live picture and answers
    # health and metrics (kiosk.net.plain_pages), so store IT reads "replace the card", not "down".
    from kiosk.config import Config
    from kiosk.net.metrics_text import mirror_metrics
    from kiosk.net.plain_pages import PlainContext
    from tests.unit.test_data_folder_read_only import read_only

    with monkeypatch.context() as card:
        read_only(card, tmp_path)
        plain = "\n".join(mirror_metrics(PlainContext(config=Config(), data_dir=tmp_path / "lib", camera=running)))
    assert "kiosk_data_writable 0" in plain.splitlines()
    raised = scraped_for_10_minutes(tmp_path, plain, {"MirrorDown": "[]", "MirrorCameraDown": "[]",
                                                      "MirrorDataReadOnly": DATA_READ_ONLY})
    assert raised.returncode == 0, raised.stdout + raised.stderr
    writable = "\n".join(mirror_metrics(PlainContext(config=Config(), data_dir=tmp_path, camera=running)))
    assert "kiosk_data_writable 1" in writable.splitlines()  # the card replaced
    quiet = scraped_for_10_minutes(tmp_path, writable, {"MirrorDataReadOnly": "[]"})
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
