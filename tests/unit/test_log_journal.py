"""The kiosk's lines reach journald with their priority: ``journalctl -p err`` finds its errors."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import logging
from kiosk.log import setup_logging
setup_logging(1)
log = logging.getLogger("kiosk.test")
log.info("started")
log.warning("the disk is almost full")
try:
    raise OSError(5, "Input/output error")
except OSError:
    log.exception("the plain mirror started")
"""


def logged(tmp_path, stream: str | None) -> list[str]:
    """What the kiosk writes to stderr (a file here), with JOURNAL_STREAM set to ``stream``."""
    err = tmp_path / "stderr"
    err.touch()
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "INVOCATION_ID")}
    if stream is not None:
        found = err.stat()
        env["JOURNAL_STREAM"] = stream.format(dev=found.st_dev, ino=found.st_ino)
    with open(err, "w") as fh:
        subprocess.run([sys.executable, "-c", SCRIPT], stderr=fh, env=env, cwd=ROOT, check=True, timeout=60)
    return err.read_text().splitlines()


def test_on_the_journal_each_line_is_led_by_its_priority(tmp_path):
    lines = logged(tmp_path, "{dev}:{ino}")
    assert lines[0] == "<6>INFO kiosk.test: started"
    assert lines[1] == "<4>WARNING kiosk.test: the disk is almost full"
    assert lines[2] == "<3>ERROR kiosk.test: the plain mirror started"
    assert len(lines) > 4 and all(line.startswith("<3>") for line in lines[3:]), "every traceback line is an error too"
    assert lines[-1] == "<3>OSError: [Errno 5] Input/output error"


def test_anywhere_else_no_prefix(tmp_path):
    # a terminal, a file, or a pipe stderr was redirected to (JOURNAL_STREAM inherited, another inode)
    for stream in (None, "{dev}:1", "garbage"):
        lines = logged(tmp_path, stream)
        assert not any(line.startswith("<") for line in lines), lines
        assert any("ERROR kiosk.test: the plain mirror started" in line for line in lines)
