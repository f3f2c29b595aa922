"""Recording real camera-like footage (the labelled clips) into a library: every look plays."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_record_media import assert_playable_mp4, kiosk, library_state

pytestmark = [pytest.mark.slow, pytest.mark.footage]


def test_each_clip_records_into_a_playable_look(footage_dir, footage_labels, tmp_path):
    lib = tmp_path / "lib"
    recorded = {}
    for label in footage_labels:
        clip = footage_dir / label["file"]
        if not clip.is_file():
            continue
        # Real time, at the clip's own rate (5 to 33 fps, portrait and square sizes).
        result = kiosk("record", "--source", f"file:{clip}?loop=1", "--seconds", "2.5", "--library", str(lib))
        assert result.returncode == 0, result.stderr
        recorded[result.stdout.strip().splitlines()[-1]] = (clip, label["fps"])
    assert recorded, "no clip found in labels.json"
    looks = library_state(lib)
    assert set(looks) == set(recorded)
    for look_id, look in looks.items():
        clip, fps = recorded[look_id]
        stream = assert_playable_mp4(Path(look["path"]), fps=fps)
        assert 2.5 - 1 / fps - 1e-3 <= float(stream["format"]["duration"]) <= 2.5 + 1 / fps + 0.15, clip.name
        assert (look["width"], look["height"]) == (stream["width"], stream["height"])
        assert Path(look["poster_path"]).stat().st_size > 2000
