"""A pane cropped to how far across the picture the person reached: stored, read back, laid out
taller, decoded and rendered as that part of the width (mirrored as a whole, rotation included)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from kiosk.compare import decode
from kiosk.compare.comparison import compare
from kiosk.compare.layout import pane_layout
from kiosk.compare.panes import Analysed, PaneMaker, make_pane, stored_analysis
from kiosk.compare.render import RenderSettings
from kiosk.compare.track import YawTrack

from ._tracks import track

SPAN = (0.45, 0.85)  # where she stood: right of the picture's centre
STRIPE = (0.6, 0.7)  # her body, bright on a dark wall


def stripe_video(path, width: int = 96, height: int = 160, frames: int = 30, rotation: int = 0):
    """A dark picture with a bright vertical stripe at ``STRIPE`` of its upright width; stored turned
    ``rotation`` degrees anticlockwise (as a camera mounted sideways records it: a clockwise
    ``rotation`` makes it upright again)."""
    import av

    upright = np.full((height, width, 3), 30, np.uint8)
    upright[:, int(STRIPE[0] * width) : int(STRIPE[1] * width)] = (230, 200, 40)
    stored = np.ascontiguousarray(np.rot90(upright, rotation // 90))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(15))
        stream.width, stream.height, stream.pix_fmt = stored.shape[1], stored.shape[0], "yuv420p"
        stream.codec_context.options = {"qp": "0", "preset": "ultrafast"}
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, 15)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def bright_columns(luma: np.ndarray) -> tuple[float, float]:
    """The bright stripe's first and last column, as fractions of the picture's width."""
    cols = np.nonzero(luma.mean(axis=0) > 110)[0]
    assert cols.size, "no stripe in the picture"
    return cols[0] / luma.shape[1], (cols[-1] + 1) / luma.shape[1]


def inside_crop(x: float) -> float:
    return (x - SPAN[0]) / (SPAN[1] - SPAN[0])


@pytest.mark.parametrize("rotation", [0, 90])
@pytest.mark.parametrize("fmt", ["yuv420p", "rgb24"])
def test_the_crop_keeps_the_person_where_she_stands(tmp_path, rotation, fmt):
    video = stripe_video(tmp_path / "v.mp4", rotation=rotation)
    shape = decode.probe(video, rotation)
    assert (shape.width, shape.height) == (96, 160)
    [full] = decode.pick(video, [0.5], (96, 160), rotation, fmt)
    [cut] = decode.pick(video, [0.5], (38, 160), rotation, fmt, crop=SPAN)
    y_full = full[0] if fmt == "yuv420p" else full.mean(axis=2)
    y_cut = cut[0] if fmt == "yuv420p" else cut.mean(axis=2)
    assert y_cut.shape == (160, 38)
    if fmt == "yuv420p":
        assert cut[1].shape == cut[2].shape == (80, 19)
    assert bright_columns(y_full) == pytest.approx(STRIPE, abs=0.03)
    x0, x1 = bright_columns(y_cut)
    assert (x0, x1) == pytest.approx((inside_crop(STRIPE[0]), inside_crop(STRIPE[1])), abs=0.06)
    # That part of the whole picture at its own scale, not stretched: her stripe as many pixels wide.
    stripe = [int((luma.mean(axis=0) > 110).sum()) for luma in (y_full, y_cut)]
    assert abs(stripe[0] - stripe[1]) <= 1.5, stripe


def test_without_a_crop_the_picture_is_as_before(tmp_path):
    video = stripe_video(tmp_path / "v.mp4")
    [plain] = decode.pick(video, [0.5], (48, 80), 0, "rgb24")
    [same] = decode.pick(video, [0.5], (48, 80), 0, "rgb24", crop=None)
    assert plain.shape == (80, 48, 3) and np.array_equal(plain, same)


def analysed(span=None) -> Analysed:
    return Analysed(YawTrack.from_entries(track((0.3, 0.0), (1.2, 360.0), (0.4, 360.0))), None, True, span)


@pytest.mark.parametrize("mirror", [False, True])
def test_the_shared_video_shows_each_pane_cropped_mirrored_as_a_whole(tmp_path, mirror):
    video = stripe_video(tmp_path / "v.mp4")
    panes = [make_pane("a", video, analysed(SPAN)), make_pane("b", video, analysed())]
    report = compare(panes, tmp_path / "cmp.mp4", "angle", RenderSettings(max_height=160, mirror=mirror), seconds=1.0)
    rendered = report.rendered
    assert rendered.height == 160
    assert rendered.pane_widths == (38, 96)  # the cropped look is its span's width: 0.4 × 96, even
    assert rendered.width == 38 + 96 + 4

    import av

    with av.open(str(rendered.out)) as container:
        frame = next(iter(container.decode(video=0)))
        assert (frame.width, frame.height) == (rendered.width, rendered.height)
        luma = frame.to_ndarray()[: frame.height][:80]  # above the caption
    left, width = rendered.pane_box(0)
    x0, x1 = bright_columns(luma[:, left : left + width])
    want = (inside_crop(STRIPE[0]), inside_crop(STRIPE[1]))
    if mirror:  # the crop, mirrored: her stripe on the other side of the pane
        want = (1 - want[1], 1 - want[0])
    assert (x0, x1) == pytest.approx(want, abs=0.06)


def test_two_cropped_portrait_looks_stand_much_taller_on_a_portrait_mirror(tmp_path):
    video = stripe_video(tmp_path / "v.mp4", width=90, height=160)  # 0.5625: a portrait look
    whole = [make_pane(s, video, analysed()) for s in "ab"]
    cropped = [make_pane(s, video, analysed((0.3, 0.75))) for s in "ab"]
    area = (1080, 1700)  # a 1080x1920 mirror's pane area, about
    before = pane_layout([p.aspect for p in whole], area)
    after = pane_layout([p.aspect for p in cropped], area)
    assert before[0].height < 0.6 * area[1]  # about half the screen's height: black bands above and below
    assert after[0].height >= 0.85 * area[1]
    assert after[0].height >= 1.6 * before[0].height
    assert cropped[0].size == (40, 160) and whole[0].size == (90, 160)


@pytest.mark.parametrize("stored, span", [
    ({"yaw": track((0.3, 0.0), (1.2, 360.0), (0.4, 360.0)), "span": [0.2, 0.7]}, (0.2, 0.7)),
    ({"yaw": track((0.3, 0.0), (1.2, 360.0), (0.4, 360.0))}, None),  # a look from before spans
    ({"yaw": track((0.3, 0.0), (1.2, 360.0), (0.4, 360.0)), "span": "wide"}, None),
    ({"yaw": track((0.3, 0.0), (1.2, 360.0), (0.4, 360.0)), "span": [0.7, 0.2]}, None),
    ({"yaw": track((0.3, 0.0), (1.2, 360.0), (0.4, 360.0)), "span": None}, None),
])
def test_a_looks_stored_span_is_read_back_and_garbage_is_the_whole_width(tmp_path, stored, span):
    got = stored_analysis(stored)
    assert got is not None and got.span == span
    video = stripe_video(tmp_path / "v.mp4")
    pane = make_pane("a", video, got)
    assert pane.size == ((48, 160) if span else (96, 160))  # half of 96 for (0.2, 0.7), else the whole width


def test_a_span_measured_at_another_rotation_shows_the_whole_width(tmp_path):
    """A span is of the picture turned upright by the rotation it was measured at: after an installer
    changed ``[display] rotation`` the look's stored span is of another picture's width (a band of
    what is now its height, or its mirror image) and would cut her off, so the pane shows it whole.
    A span stored without the stamp is taken as it is."""
    import time

    from kiosk.library import Library, NewLook

    def not_analysed(video, rotation):
        raise AssertionError("a look with its track stored is not analysed")

    yaw = track((0.3, 0.0), (1.2, 360.0), (0.4, 360.0))
    with Library(tmp_path / "lib") as library:
        looks = {}
        for name, stamp in (("stamped", {"span_rotation": 0}), ("unstamped", {})):
            looks[name] = Library.new_id()
            video = stripe_video(tmp_path / f"{name}.mp4")  # the library takes it in
            library.add_look(NewLook(looks[name], video, None, None, time.time(), 2.0, 96, 160, session_id="s1"))
            library.set_analysis(looks[name], "turn", {"turn": None, "yaw": yaw, "span": [0.2, 0.7], **stamp})
        for rotation, want in ((0, (0.2, 0.7)), (180, None), (90, None)):
            stamped, unstamped = PaneMaker(not_analysed, library, rotation).make_all([looks["stamped"], looks["unstamped"]])
            assert stamped.span == want, rotation
            assert unstamped.span == (0.2, 0.7)
            whole = (stamped.shape.width, stamped.shape.height)  # upright at this rotation
            assert stamped.size == ((48, 160) if want else whole)
