"""The checks behind ``/api/v1/health``, one plain sentence each: the camera and the analysis, the
parts the network part hears nothing from (the core, the recorder, the reader, the screen), the
data folder and its disk, PIN sign-in, the last error.

``device_checks`` and ``kiosk_checks`` read only what a plain mirror has too (``kiosk.net.plain_pages``):
the full kiosk's health puts its network checks around them."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pydantic import BaseModel

from kiosk.net.context import NetContext
from kiosk.net.throttle import PEER, PauseState
from kiosk.storage.writable import existing_parent, unwritable
from kiosk.words import count, duration, mebibytes


class Check(BaseModel):
    ok: bool
    detail: str


#: The plain mirror's own check (``kiosk.plain_mirror``): what it lacks, in store IT's words.
PLAIN_MIRROR = ("the mirror runs as a plain mirror: the live picture only, with no recording, looks, cards, console "
                "or share links until its data folder can be written; once it can, the full kiosk starts by itself")


def device_checks(view) -> dict[str, Check]:
    """The camera and the body analysis (``view``: a ``NetContext`` or a plain mirror's context)."""
    checks: dict[str, Check] = {}
    if view.camera is not None:
        cam = view.camera()
        checks["camera"] = Check(ok=cam.state == "running", detail=f"{cam.state}: {cam.reason}" if cam.reason else cam.state)
    live = view.live.read()
    if live.analysis_state is not None:
        n = live.analysis_restarts
        restarts = f" ({n} restart{'s' if n != 1 else ''} so far)" if n else ""
        checks["analysis"] = Check(ok=live.analysis_state in ("starting", "running"),
                                   detail=f"{live.analysis_state}: {live.analysis_reason}{restarts}")
    return checks


def kiosk_checks(view, plain: bool = False) -> dict[str, Check]:
    """The parts the network part does not hold, the look library (on a ``plain`` mirror, that it
    is one), the data folder and its disk."""
    checks = part_checks(view.readings) if view.readings is not None else {}
    if plain:
        checks["plain_mirror"] = Check(ok=False, detail=PLAIN_MIRROR)
    else:
        checks["library"] = Check(
            ok=view.library is not None, detail="look library open" if view.library is not None else "no look library"
        )
    if view.data_dir is not None:
        readings = view.readings
        floor = readings.disk_floor_bytes if readings is not None and readings.disk_floor_bytes else 512 * 2**20
        checks["disk"] = disk_check(view.data_dir, floor)
        checks["data_folder"] = data_folder_check(view.data_dir, plain)
    return checks


def part_checks(readings) -> dict[str, Check]:
    """Health of the parts the network part does not hold and hears nothing from: the core, the reader, the screen."""
    checks: dict[str, Check] = {}
    if getattr(readings, "core", None) is not None:
        checks["core"] = core_check(readings.core())
    if getattr(readings, "recorder", None) is not None:
        checks["recorder"] = recorder_check(readings.recorder())
    if readings.reader is not None:
        reader = readings.reader()
        checks["reader"] = Check(ok=reader.state == "connected", detail=f"{reader.state}: {reader.reason}")
    if readings.screen is not None and readings.screen() is not None:
        screen = readings.screen()
        detail = f"{'lit' if screen.on else 'dark'} ({screen.reason}); switched by {screen.method}"
        if screen.failures:
            detail += f"; the panel could not be switched {count(screen.failures, 'time')}, the screen goes black instead"
        stuck = getattr(screen, "stuck", "")
        if stuck:  # the panel is not what the mirror wants (lit when it should be dark, or dark when it should be lit)
            detail = f"should be {'lit' if screen.on else 'dark'} but the panel is not: {stuck}; " + detail
        checks["screen"] = Check(ok=not stuck, detail=detail)
    return checks


def core_check(core) -> Check:
    """The core thread (kiosk.vitals.CoreStatus): fails while it is dead, after a recent fault, or with a part off."""
    problems = []
    if core.state == "dead":
        problems.append("the core thread has stopped: the mirror no longer reacts to people, cards or touches "
                        "(restart the kiosk)")
    if core.recent_faults:
        ago = round(time.time() - core.last_fault_at) if core.last_fault_at else 0
        problems.append(f"the core failed {count(core.recent_faults, 'time')} in the last "
                        f"{round(core.recent_s)} s, the last {ago} s ago "
                        f"({utc(core.last_fault_at)}): {core.last_fault}")
    for name, reason in core.parts_off.items():
        problems.append(f"the {name} part could not start and is off ({reason})")
    if problems:
        return Check(ok=False, detail="; ".join(problems))
    detail = core.state
    if core.faults:
        detail += f"; {count(core.faults, 'fault')} since start, the last at {utc(core.last_fault_at)}: {core.last_fault}"
    return Check(ok=True, detail=detail)


def recorder_check(enc) -> Check:
    """The encoder thread (kiosk.recording.recorder.EncoderHealth): fails while it is dead or failing."""
    if not enc.alive:
        return Check(ok=False, detail="the encoder thread is not running: no look can be recorded")
    if enc.error:
        return Check(ok=False, detail=f"the encoder fails since {utc(enc.failing_since)} ({enc.error}): no look can be "
                     "recorded; it is reopened with backoff")
    if enc.last_encoded_at is None:
        return Check(ok=True, detail="waiting for the first camera frame")
    detail = f"encoding ({count(enc.encoded, 'frame')}, the last {max(0.0, time.time() - enc.last_encoded_at):.1f} s ago)"
    if enc.failures:
        detail += f"; the encoder failed {count(enc.failures, 'time')} since start"
    return Check(ok=True, detail=detail)


def disk_check(data_dir: Path, floor: int) -> Check:
    """Free space on the data folder's disk against ``floor`` (bytes), in the doctor's words and unit."""
    try:
        free = shutil.disk_usage(existing_parent(data_dir) or data_dir).free  # a plain mirror's may not exist yet
    except OSError as exc:
        return Check(ok=False, detail=f"cannot read the disk ({exc.strerror})")
    return Check(ok=free >= floor, detail=f"{mebibytes(free)} free for looks (recording stops below {mebibytes(floor)})")


def data_folder_check(data_dir: Path, plain: bool = False) -> Check:
    """Whether the data folder can be written (its mount not read-only, its permissions): the disk
    check says nothing of it, since a read-only file system still has free space. On a ``plain``
    mirror (``kiosk.plain_mirror``), what the folder's fix brings back."""
    why = unwritable(data_dir)
    if not why:
        if plain:  # until the visit in front of it ends (kiosk.plain_mirror.VISIT_WAIT_MAX_S)
            return Check(ok=True, detail=f"the data folder {data_dir} can be written again: the full kiosk starts "
                         "as soon as nobody is using the mirror")
        return Check(ok=True, detail=f"the data folder {data_dir} is writable")
    then = ("nothing is recorded, kept or deleted until it can" if plain
            else "no look can be recorded, kept or deleted, and a restart would start a plain mirror (no recording, "
                 "looks or cards) until it can")
    return Check(ok=False, detail=f"the data folder {data_dir} cannot be written: {why}; {then} (check 'dmesg' for "
                 "a file system the kernel made read-only after disk errors: replace the SD card, or remount the folder "
                 "read-write; then run 'kiosk doctor')")


def utc(at: float | None) -> str:
    """A time for store IT to read (UTC), or "an unknown time"."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at)) if at else "an unknown time"


def sign_in_check(pause: PauseState) -> Check:
    """PIN sign-in open, or paused after too many wrong PINs from all addresses and the store's other mirrors."""
    if pause.paused_for_s:
        until = f"{duration(pause.paused_for_s)} more, until {utc(time.time() + pause.paused_for_s)}"
        why = pause.reason()
        started = "; another mirror of the store started the pause" if pause.by_peer and pause.cause != PEER else ""
        kept = f"; {pause.kept_problem}" if pause.kept_problem else ""
        return Check(ok=False, detail=f"PIN sign-in is paused for {until}: {why} (someone may be guessing it)"
                     f"{started}; the API token still signs in{kept}")
    detail = "PIN sign-in open"
    if pause.recent_failures:
        detail += f"; {count(pause.recent_failures, 'wrong PIN')} in the last {round(pause.window_s / 60)} min"
        if pause.recent_reported:
            detail += f" ({pause.recent_reported} of them at other mirrors of the store)"
    if pause.day_failures:
        detail += (f"; {count(pause.day_failures, 'wrong PIN')} in the last {duration(pause.day_window_s)} "
                   f"(PIN sign-in pauses at {pause.day_max})")
    if pause.pauses:
        detail += f"; paused {count(pause.pauses, 'time')} since start"
    if pause.kept_problem:  # sign-in works; what a restart would forget is said, never silent
        detail += f"; {pause.kept_problem}"
    return Check(ok=True, detail=detail)


def last_error(ctx: NetContext) -> str | None:
    """The last error logged, with its time (UTC), or None.

    In the error's own words: the public health masks it (``kiosk.net.public_text``) with its
    other free texts; a signed-in caller reads it whole, as the journal keeps it.
    """
    errors = ctx.readings.errors if ctx.readings is not None else None
    if errors is None or errors.last is None:
        return None
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(errors.last.at))
    return f"{stamp} UTC {errors.last.logger}: {errors.last.message}"
