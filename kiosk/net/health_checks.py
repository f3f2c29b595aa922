"""The checks behind ``/api/v1/health``, one plain sentence each: the parts the network part
hears nothing from (the core, the recorder, the reader, the screen), the data folder and its disk, PIN sign-in,
the last error."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pydantic import BaseModel

from kiosk.net.context import NetContext
from kiosk.net.throttle import PEER, PauseState
from kiosk.storage.writable import unwritable
from kiosk.words import count, duration, mebibytes


class Check(BaseModel):
    ok: bool
    detail: str


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
        free = shutil.disk_usage(data_dir).free
    except OSError as exc:
        return Check(ok=False, detail=f"cannot read the disk ({exc.strerror})")
    return Check(ok=free >= floor, detail=f"{mebibytes(free)} free for looks (recording stops below {mebibytes(floor)})")


def data_folder_check(data_dir: Path) -> Check:
    """Whether the data folder can be written (its mount not read-only, its permissions): the disk
    check says nothing of it, since a read-only file system still has free space."""
    why = unwritable(data_dir)
    if not why:
        return Check(ok=True, detail=f"the data folder {data_dir} is writable")
    return Check(ok=False, detail=f"the data folder {data_dir} cannot be written: {why}; no look can be recorded, "
                 "kept or deleted, and the kiosk cannot start again until it can (check 'dmesg' for a file system "
                 "the kernel made read-only after disk errors, then run 'kiosk doctor')")


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
