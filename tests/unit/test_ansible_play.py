"""deploy/ansible/provision.yml, read as data: what it does after provisioning a real mirror.

The real play runs in tests/integration/test_ansible_rollout.py, into ``--root`` folders, where
the steps below are skipped (there is no systemd to ask and nothing to reboot or to answer).
"""

from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

PLAYBOOK = Path(__file__).resolve().parents[2] / "deploy" / "ansible" / "provision.yml"


def _tasks() -> list[dict]:
    """The play's tasks in the order they run, those of a block (and its rescue and always) in its place."""
    (play,) = yaml.safe_load(PLAYBOOK.read_text())

    def flat(tasks: list[dict]) -> list[dict]:
        return [inner for task in tasks
                for inner in (flat(task["block"] + task.get("rescue", []) + task.get("always", []))
                              if "block" in task else [task])]

    return flat(play["tasks"])


def _index(tasks: list[dict], module: str, argv_has: str | None = None) -> int:
    for i, task in enumerate(tasks):
        if module in task and (argv_has is None or argv_has in str(task[module])):
            return i
    raise AssertionError(f"the play has no {module} task" + (f" with {argv_has}" if argv_has else ""))


def test_a_first_install_is_rebooted_into_the_kiosk_before_the_play_waits_for_it():
    """provision enables the kiosk for the next boot without starting it: the play reboots a mirror
    whose kiosk is not running, and only then waits for its API (else it waited 5 minutes and failed)."""
    tasks = _tasks()
    provision = _index(tasks, "ansible.builtin.command", "scripts/provision")
    check = _index(tasks, "ansible.builtin.command", "is-active")
    reboot = _index(tasks, "ansible.builtin.reboot")
    wait = _index(tasks, "ansible.builtin.uri")
    assert provision < check < reboot < wait

    asked = tasks[check]["ansible.builtin.command"]["argv"]
    assert asked[:2] == ["systemctl", "is-active"]
    assert {"smartmirror-kiosk.service", "smartmirror-kiosk-eglfs.service"} <= set(asked)  # whichever one is enabled
    assert tasks[check]["failed_when"] is False and tasks[check]["changed_when"] is False
    register = tasks[check]["register"]

    when = tasks[reboot]["when"]
    assert f"{register}.rc" in when and "!= 0" in when  # only when no kiosk unit is active
    assert "provision is changed" in when  # a re-run that changes nothing reboots nothing
    assert "not host_root" in when  # never for --root installs (the tests, image building)
    assert "provision is changed" in tasks[wait]["when"] and "not host_root" in tasks[wait]["when"]
    # the wait outlasts a boot and the kiosk's start (TimeoutStartSec=180 in the unit)
    assert tasks[wait]["retries"] * tasks[wait]["delay"] >= 180
