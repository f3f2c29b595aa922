"""A Raspberry Pi's power supply and temperature: the firmware's throttling flags.

The firmware keeps one word of flags (``vcgencmd get_throttled``, also
``/sys/devices/platform/soc/soc:firmware/get_throttled`` on recent kernels): bits 0–3 say what
is happening now (under-voltage, frequency capped, throttled, soft temperature limit), bits
16–19 what has happened since boot. An under-voltage now is a fail (the SD card and the USB
camera misbehave on a weak supply); one in the past is a warning. Not a Pi: nothing to check.
"""

from __future__ import annotations

from kiosk.doctor.check import Context, Result, fail, ok, warning

NOW = {0: "under-voltage", 1: "the CPU frequency is capped", 2: "the CPU is throttled", 3: "the soft temperature limit is reached"}
SINCE_BOOT = {16: "under-voltage", 17: "frequency capping", 18: "throttling", 19: "the soft temperature limit"}
SUPPLY = ("Use the official power supply (5.1 V, 3 A for a Pi 4; 5 V, 5 A for a Pi 5) with a short cable, and power "
          "the camera from the Pi, not the other way round.")
COOLING = "Give the Pi air: a case with a fan or a heat sink, away from the screen's warm back."


def read_throttled(ctx: Context) -> int | None:
    """The firmware's flags from sysfs, else from vcgencmd; None when neither answers."""
    try:
        return int(ctx.path("/sys/devices/platform/soc/soc:firmware/get_throttled").read_text().strip(), 16)
    except (OSError, ValueError):
        pass
    code, out = ctx.run(["vcgencmd", "get_throttled"])
    if code == 0 and out.startswith("throttled="):
        try:
            return int(out.split("=", 1)[1], 16)
        except ValueError:
            return None
    return None


def check_power(ctx: Context) -> Result:
    try:
        model = ctx.path("/proc/device-tree/model").read_text(errors="replace").strip("\0 \n")
    except OSError:
        model = ""
    if "Raspberry Pi" not in model:
        return ok("power", "Not a Raspberry Pi: no firmware power flags to check.")
    flags = read_throttled(ctx)
    if flags is None:
        return warning("power", f"The {model}'s power flags could not be read (no get_throttled in /sys, no vcgencmd).",
                       "Install the Raspberry Pi firmware tools (libraspberrypi-bin) to read them.")
    now = [text for bit, text in NOW.items() if flags & 1 << bit]
    past = [text for bit, text in SINCE_BOOT.items() if flags & 1 << bit]
    if flags & 1:
        return fail("power", f"The {model}'s power supply is too weak right now: " + ", ".join(now) + f" (0x{flags:x}).", SUPPLY)
    if now:
        return fail("power", f"The {model} is slowed down right now: " + ", ".join(now) + f" (0x{flags:x}).",
                    COOLING if flags & 0b1100 else SUPPLY)
    if past:
        hint = SUPPLY if flags & 1 << 16 else COOLING
        return warning("power", f"Since it started, the {model} has seen " + ", ".join(past) + f" (0x{flags:x}).", hint)
    return ok("power", f"The {model}'s power supply and temperature are fine.")
