import pytest
from hypothesis import given, strategies as st

from kiosk.source_spec import SourceSpecError, parse_source_spec


@pytest.mark.parametrize(
    "text, kind, target, options",
    [
        ("v4l2:/dev/video0?width=1920&height=1080&fps=30&fourcc=MJPG", "v4l2", "/dev/video0",
         {"width": 1920, "height": 1080, "fps": 30.0, "fourcc": "MJPG"}),
        ("file:clip.mp4?loop=1&realtime=0", "file", "clip.mp4", {"loop": True, "realtime": False}),
        ("file:/tmp/a b.mp4", "file", "/tmp/a b.mp4", {}),
        ("synthetic:?width=1280&height=720&fps=30", "synthetic", "", {"width": 1280, "height": 720, "fps": 30.0}),
        ("synthetic:", "synthetic", "", {}),
        ("v4l2:/dev/v4l/by-id/usb-cam-video-index0?fourcc=yuyv", "v4l2", "/dev/v4l/by-id/usb-cam-video-index0",
         {"fourcc": "YUYV"}),
    ],
)
def test_good_specs(text, kind, target, options):
    spec = parse_source_spec(text)
    assert (spec.kind, spec.target, spec.options) == (kind, target, options)
    assert parse_source_spec(str(spec)) == spec  # round trip


@pytest.mark.parametrize(
    "text, message",
    [
        ("v4l:/dev/video0", "unknown source kind 'v4l'; expected v4l2, file or synthetic"),
        ("", "empty source spec"),
        ("/dev/video0", "has no kind"),
        ("v4l2:", "needs a target"),
        ("file:", "needs a target"),
        ("synthetic:abc", "takes no target"),
        ("synthetic:?width=abc", "width='abc' is not a whole number"),
        ("synthetic:?width=0", "width=0 must be greater than 0"),
        ("synthetic:?fps=-3", "fps=-3 must be a number greater than 0"),
        ("synthetic:?fps=nan", "fps=nan must be a number greater than 0"),
        ("synthetic:?colour=red", "unknown option 'colour' for synthetic source"),
        ("file:x.mp4?loop=maybe", "loop='maybe' must be 0 or 1"),
        ("v4l2:/dev/video0?fourcc=MJPEG", "must be four characters"),
        ("synthetic:?width=10&width=20", "given twice"),
    ],
)
def test_bad_specs_name_the_bad_part(text, message):
    with pytest.raises(SourceSpecError) as err:
        parse_source_spec(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@given(st.text(max_size=60))
def test_any_text_parses_or_gives_a_one_line_error(text):
    try:
        parse_source_spec(text)
    except SourceSpecError as exc:
        assert str(exc) and "\n" not in str(exc)


def test_fourcc_names_become_v4l2_codes():
    from hardware.camera_v4l2 import fourcc_code

    assert fourcc_code("MJPG") == 0x47504A4D and fourcc_code("YUYV") == 0x56595559
