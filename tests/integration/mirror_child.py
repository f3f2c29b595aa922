"""The headless mirror in a child process, for tests that kill it (``python -m tests.integration.mirror_child``).

``take LIB yes|no``: start the kiosk core on a synthetic camera with its look library in LIB,
step in (a touch), answer the consent question (or not), start a take and keep recording
until killed. ``start LIB``: start the core (start-up recovery and clean-up run) and stop it
again, printing the library's looks as JSON. Everything is the product's own wiring.
"""

from __future__ import annotations

import json
import sys
import threading

from kiosk.config import Config
from kiosk.identity.prompt import ConsentPromptClosed
from kiosk.recording.events import RecordingStarted
from kiosk.wiring import build_core
from tests.integration.faults.waiting import wait_until

SOURCE = "synthetic:?width=320&height=240&fps=30"


def build(lib: str):
    config = Config()
    config.library.data_dir = lib
    config.analysis.enabled = False
    config.recording.max_s = 60.0
    return build_core(config, SOURCE)


def take(lib: str, consent: bool) -> None:
    core = build(lib)
    started, answered = [], threading.Event()
    core.bus.subscribe(lambda e: started.append(e) if isinstance(e, RecordingStarted) else None)
    core.bus.subscribe(lambda e: answered.set() if isinstance(e, ConsentPromptClosed) else None)
    core.start()
    core.touch()
    assert core.flush()
    session = core.session.session_id
    if consent:
        core.ask_consent()
        core.answer_consent(True)
        assert answered.wait(30) and core.flush(), "the consent question was not answered"
        assert core.parts.identity.is_consented(session)
    # As a shopper would, record once there is a picture: the mirror refuses a take without one
    # (asked at once after start, the camera could still be opening).
    wait_until(lambda: core.camera_status().state == "running", "the camera delivering a picture", 30, every=0.05)
    core.start_recording("manual")
    wait_until(lambda: started, "the take starting", 30, every=0.05)
    look_id = started[0].look_id
    print(json.dumps({"session_id": session, "look_id": look_id}), flush=True)
    threading.Event().wait()  # record until SIGKILL


def start(lib: str) -> None:
    core = build(lib)
    core.start()
    looks = [look.to_dict() for look in core.parts.library.list()]
    core.stop()
    print(json.dumps(looks), flush=True)


if __name__ == "__main__":
    command, folder = sys.argv[1], sys.argv[2]
    if command == "take":
        take(folder, sys.argv[3] == "yes")
    else:
        start(folder)
