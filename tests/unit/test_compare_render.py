"""Rendering a comparison: the frames the timeline asks for, mirrored panes, a complete file or none."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.compare.comparison import compare
from kiosk.compare.errors import CompareError
from kiosk.compare.panes import Analysed, make_pane
from kiosk.compare.render import RenderSettings
from kiosk.compare.track import YawTrack
from kiosk.recording.container import verify

from ._tracks import track
from ._videos import counting_video, frame_index


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    return counting_video(folder / "a.mp4"), counting_video(folder / "b.mp4", frames=60)


def panes(videos):
    cw = Analysed(YawTrack.from_entries(track((0.5, 0.0), (2.0, 360.0), (0.4, 360.0))), None, True)
    ccw = Analysed(YawTrack.from_entries(track((0.3, 0.0), (1.0, -360.0), (0.6, -360.0))), None, True)
    return [make_pane("a", videos[0], cw, recorded_at=0.0), make_pane("b", videos[1], ccw, note="Größe 38")]


def read_panes(path, rendered):
    import av

    seen = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            y = frame.to_ndarray()[: frame.height]  # raw limited-range luma
            row = []
            for i in range(len(rendered.pane_widths)):
                left, width = rendered.pane_box(i)
                region = y[: y.shape[0] // 2, left : left + width]  # above the caption
                row.append((frame_index(region), region[:, : width // 2].mean() > region[:, width // 2 :].mean()))
            seen.append(row)
    return seen


@pytest.mark.parametrize("mirror", [True, False])
def test_each_pane_shows_the_frame_the_timeline_chose(videos, tmp_path, mirror):
    out = tmp_path / "cmp.mp4"
    report = compare(panes(videos), out, "angle", RenderSettings(mirror=mirror, max_height=48), seconds=2.0)
    info = verify(out)
    assert (info.codec, info.pix_fmt, info.moov_first) == ("h264", "yuv420p", True)
    assert info.frames == report.timeline.frames == 60
    assert (info.width, info.height) == (report.rendered.width, report.rendered.height)
    seen = read_panes(out, report.rendered)
    times = report.timeline.times
    for k, row in enumerate(seen):
        for p, (index, left_bright) in enumerate(row):
            assert abs(index - times[p, k] * 30) <= 1.01, (k, p, index, times[p, k])
            assert bool(left_bright) is (not mirror)  # the bright half of the source is on its left
    assert report.to_json()["frames"] == 60 and report.to_json()["align"] == "angle"


def test_the_counter_clockwise_look_plays_backwards_while_the_angle_turns_clockwise(videos, tmp_path):
    report = compare(panes(videos), tmp_path / "cmp.mp4", "angle", RenderSettings(max_height=48), seconds=2.0)
    a, b = report.timeline.times
    assert np.all(np.diff(a[3:-3]) >= 0) and np.all(np.diff(b[3:-3]) <= 0)
    assert report.timeline.mean_gap <= 5


def test_an_interrupted_render_leaves_nothing_behind(videos, tmp_path, monkeypatch):
    from kiosk.recording import mp4file

    written = []

    def interrupted(self, picture):
        written.append(1)
        if len(written) == 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(mp4file.Mp4File, "write_i420", interrupted)
    out = tmp_path / "cmp.mp4"
    with pytest.raises(KeyboardInterrupt):
        compare(panes(videos), out, "angle", RenderSettings(max_height=48), seconds=2.0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("after", [0, 50, 170])  # while decoding, then between frames (178 asks in all)
def test_a_stopped_render_ends_between_frames_and_leaves_nothing_behind(videos, tmp_path, after):
    from kiosk.compare.errors import CompareStopped

    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > after

    out = tmp_path / "cmp.mp4"
    with pytest.raises(CompareStopped):
        compare(panes(videos), out, "angle", RenderSettings(max_height=48), seconds=2.0, stop=stop)
    assert len(asked) <= after + 2, "went on after it was told to stop"
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_only_replaced_when_the_new_one_is_complete(videos, tmp_path, monkeypatch):
    from kiosk.recording import mp4file

    out = tmp_path / "cmp.mp4"
    out.write_bytes(b"previous")
    monkeypatch.setattr(mp4file.Mp4File, "close", lambda self: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(CompareError, match="No space left"):
        compare(panes(videos), out, "angle", RenderSettings(max_height=48), seconds=2.0)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["cmp.mp4"]


def test_a_missing_output_folder_is_refused(videos, tmp_path):
    with pytest.raises(CompareError, match="does not exist"):
        compare(panes(videos), tmp_path / "nope" / "cmp.mp4", "angle", RenderSettings(max_height=48))


def test_memory_budget_lowers_the_pane_height(videos):
    from kiosk.compare.render import pane_sizes
    from kiosk.compare.timeline import plan

    ps = panes(videos)
    timeline = plan([p.timing() for p in ps], "angle", 30.0, 2.0)
    full, _ = pane_sizes(ps, timeline, RenderSettings(max_height=48))
    small, widths = pane_sizes(ps, timeline, RenderSettings(max_height=48, memory_mb=0.1, min_height=8))
    assert full == 48 and small < full and small % 2 == 0 and all(w % 2 == 0 for w in widths)
    kept = sum(min(len(np.unique(np.round(row, 3))), 91) * w * small * 1.5 for row, w in zip(timeline.times, widths))
    assert kept <= 0.1e6 * 1.05


def test_captions_fold_text_to_what_the_font_can_draw_and_fit_the_pane():
    from kiosk.compare.caption import ascii_text, make_caption

    assert ascii_text("Größe 38 · très joli, 40°") == "Grosse 38 - tres joli, 40 deg"
    assert ascii_text("日本") == "??"
    band = make_caption(96, 160, ["03 Dec 14:32 · a very long note that cannot possibly fit in so narrow a pane", "second line"])
    assert band.y.shape[1] == 96 and band.u.shape == (band.height // 2, 48) and band.height % 2 == 0
    assert band.alpha_y.max() == 1.0 and band.alpha_y.min() >= 0.6  # opaque text on a see-through band
    assert band.height < 160 // 2
