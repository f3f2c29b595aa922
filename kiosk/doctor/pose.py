"""The body-analysis model: the mirror sees a shopper turn and raise a hand only if it can load it.

Without it the kiosk still shows the mirror and records by hand, but logs "body analysis is off"
once and never starts a recording on a turn nor reacts to a gesture. The doctor looks the way
the kiosk would: is mediapipe installed (``importlib.util.find_spec`` finds it without importing
it), is the model file for ``analysis.model_complexity`` inside its package (the kiosk refuses to
let mediapipe download one: mirrors are offline), and does the model load and run: tried on one
blank picture in a Python of its own (seconds on a Pi), as an upgrade that left mediapipe or a
library it needs broken is otherwise seen only by the running kiosk. The doctor itself loads nothing.
"""

from __future__ import annotations

import re
import signal

from kiosk.doctor.check import Context, Result, fail, ok, warning

#: What mediapipe writes to stderr as it loads and runs, whatever went wrong: absl's log lines
#: ("W0000 00:00:1796684316.982109   26655 inference_feedback_manager.cc:114] ..."), its notice
#: before them, and TensorFlow Lite's "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.".
_LOG_LINE = re.compile(r"[IWEF]\d{4} \d\d:\d\d:\d\d|INFO: |WARNING: All log messages before absl::")

LOST = "so the mirror does not start a recording when a shopper turns, and hand gestures do nothing"
REINSTALL_HINT = ("Reinstall the kiosk: run scripts/provision again from the kiosk's release (it installs mediapipe "
                  "0.10.18, which bundles the model), then restart the kiosk ('systemctl restart smartmirror-kiosk').")
NAMES = {0: "lite", 1: "full", 2: "heavy"}


def check_pose_model(ctx: Context) -> Result:
    from kiosk.analysis.pose import MODEL_FILES, bundled_model

    analysis = ctx.config.analysis
    if not analysis.enabled:
        return ok("pose-model", "Body analysis is off in the configuration (analysis.enabled = false): the mirror "
                                "does not start a recording when a shopper turns and has no hand gestures.")
    package = ctx.find_package("mediapipe")
    if package is None:
        return fail("pose-model", f"The body analysis library (mediapipe) is not installed, {LOST}.", REINSTALL_HINT)
    complexity = analysis.model_complexity
    model = bundled_model(package, complexity)
    if not model.is_file():
        hint = REINSTALL_HINT if complexity == 1 else (
            "Set analysis.model_complexity = 1 in the configuration file: mediapipe 0.10.18 bundles only that model, "
            "and the kiosk never downloads one.")
        return fail("pose-model", f"The body analysis model for analysis.model_complexity = {complexity} "
                                  f"({MODEL_FILES[complexity]}) is not installed in {model.parent}, {LOST}.", hint)
    code, out = ctx.try_pose(complexity)
    if code == 124:
        return warning("pose-model", "The body analysis model is installed, but loading it did not finish within a "
                                     "minute, so whether it works could not be told.",
                       "Run 'kiosk doctor' again once the machine is less busy; 'top' shows what keeps it busy.")
    if code != 0:
        return fail("pose-model", f"The body analysis model is installed but does not load ({_why(out, code)}), {LOST}.",
                    REINSTALL_HINT)
    return ok("pose-model", f"The body analysis model is installed: the {NAMES[complexity]} pose model "
                            f"({model.name}, analysis.model_complexity = {complexity}).")


def _why(out: str, code: int) -> str:
    """The error that ended the trial: the signal that killed it (a broken native library: nothing
    of Python's is said then), else its last line that is not one of mediapipe's log lines, less the
    exception's name."""
    if code < 0:
        try:
            return f"it was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"it was killed by signal {-code}"
    said = (line.strip() for line in reversed(out.splitlines()))
    last = next((line for line in said if line and not _LOG_LINE.match(line)), "")
    name, sep, message = last.partition(": ")
    if sep and message and " " not in name:
        last = message
    return last.rstrip(".") or f"it stopped with exit status {code}"
