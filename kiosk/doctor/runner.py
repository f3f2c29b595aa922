"""Runs every check in a stated order and turns a check that breaks into a failed answer, never a traceback."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable

from kiosk.doctor.camera import check_camera
from kiosk.doctor.check import Context, Result, State, fail
from kiosk.doctor.clock import check_clock
from kiosk.doctor.configuration import check_config
from kiosk.doctor.databases import check_databases
from kiosk.doctor.display import check_display, check_qt_plugin
from kiosk.doctor.forgets import check_pending_forgets
from kiosk.doctor.network import check_api, check_interfaces, check_mdns, check_webhook
from kiosk.doctor.pose import check_pose_model
from kiosk.doctor.power import check_power
from kiosk.doctor.reader import check_reader
from kiosk.doctor.secret import check_store_secret
from kiosk.doctor.storage import check_data_folder, check_disk_space, check_library
from kiosk.doctor.timezone import check_timezone

_log = logging.getLogger(__name__)

EGLFS_UNIT = "smartmirror-kiosk-eglfs"
# a hint's command for the kiosk's (cage) unit: "systemctl restart smartmirror-kiosk", not "...-eglfs" or "...-retry@"
_UNIT_COMMAND = re.compile(r"(systemctl (?:start|restart|stop|reset-failed) )smartmirror-kiosk(?![\w@.-])")

# (the id a broken check answers under, the check). The databases come before the library,
# whose consistency is only read from a sound database.
CHECKS: tuple[tuple[str, Callable[[Context], Result | list[Result]]], ...] = (
    ("config", check_config),
    ("camera", check_camera),
    ("pose-model", check_pose_model),
    ("display", check_display),
    ("qt-plugin", check_qt_plugin),
    ("reader", check_reader),
    ("data-folder", check_data_folder),
    ("disk-space", check_disk_space),
    ("databases", check_databases),
    ("library", check_library),
    ("store-secret", check_store_secret),
    ("forgets", check_pending_forgets),
    ("clock", check_clock),
    ("timezone", check_timezone),
    ("api", check_api),
    ("interfaces", check_interfaces),
    ("mdns", check_mdns),
    ("webhook", check_webhook),
    ("power", check_power),
)


def run_checks(ctx: Context, checks=CHECKS) -> list[Result]:
    """Every answer, in order."""
    results: list[Result] = []
    for check_id, check in checks:
        try:
            answer = check(ctx)
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others' answers
            _log.debug("the %s check failed", check_id, exc_info=True)
            answer = fail(check_id, f"The {check_id} check itself failed ({type(exc).__name__}: {exc}).",
                          "Run 'kiosk -v doctor' for details and report it with the output.")
        results.extend(answer if isinstance(answer, list) else [answer])
    if _eglfs_installed(ctx):
        results = [dataclasses.replace(r, hint=_UNIT_COMMAND.sub(rf"\g<1>{EGLFS_UNIT}", r.hint)) for r in results]
    return results


def _eglfs_installed(ctx: Context) -> bool:
    """Whether this device runs the kiosk through its eglfs unit (enabled instead of the cage one): a hint's
    'systemctl restart smartmirror-kiosk' would start the cage unit there, which stops the eglfs one."""
    try:
        return ctx.run(["systemctl", "--quiet", "is-enabled", f"{EGLFS_UNIT}.service"])[0] == 0
    except Exception:  # noqa: BLE001 - a runner that breaks leaves the hints as written
        _log.debug("could not ask systemd which kiosk unit is enabled", exc_info=True)
        return False


def exit_code(results: list[Result]) -> int:
    """1 when any check failed, else 0 (warnings do not fail)."""
    return 1 if any(r.state is State.FAIL for r in results) else 0
