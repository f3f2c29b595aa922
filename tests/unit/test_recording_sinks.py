"""``FileSink`` (``kiosk record --out``): takes left by a killed run are tidied, a live one never."""

from __future__ import annotations

import fcntl
import os

from kiosk.recording.sinks import FileSink


def _take(root, look_id: str) -> None:
    folder = root / look_id
    folder.mkdir(parents=True)
    (folder / "take.mp4").write_bytes(b"\0\0\0\x18ftypiso5 part of a take")
    (folder / "meta.json").write_text("{}")
    (folder / "lock").touch()


def test_takes_left_by_a_killed_run_are_removed_and_a_live_one_is_kept(tmp_path, caplog):
    sink = FileSink(tmp_path / "look.mp4")
    _take(sink.work_root, "killed")
    _take(sink.work_root, "live")
    fd = os.open(sink.work_root / "live" / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another kiosk record is recording into it
    try:
        sink.remove_abandoned()
        assert [p.name for p in sink.work_root.iterdir()] == ["live"]
        assert "removed the unfinished recording killed" in caplog.text
    finally:
        os.close(fd)
    sink.remove_abandoned()  # its recorder gone: removed, and the empty work folder with it
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_tidy_is_fine(tmp_path):
    FileSink(tmp_path / "look.mp4").remove_abandoned()
    assert list(tmp_path.iterdir()) == []
