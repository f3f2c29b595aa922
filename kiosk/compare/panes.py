"""A pane of a comparison: one look's video, yaw track, turn and caption; made from a path or a look id.

A look from the library brings its stored ``"turn"`` analysis (the yaw track the mirror kept
while recording it). A video file, or a look stored without a track, is analysed first with
the live mirror's own detector (``kiosk.analysis.video``) through ``analyse_file``, the one
adapter that reads its results. A video in which the detector never finds a person is refused:
there is nothing to compare.

A look's stored ``"turn"`` analysis says one of four things (``stored_analysis``): none at
all (never analysed: analyse it), a usable yaw track (use it), or no usable track from an
analysis stamped with this detector's version (``"detector_version"``, written by the
renderer that analysed it) and, where the renderer asks, with the settings it ran with
(``"detector_settings"``: the rotation, the pose model's and the body analysis's settings, the
rate), which either found the person but no body angle (the look plays by
time at once) or found no person (``"person": false``: the look is refused at once, as when it
was analysed), instead of being analysed again (minutes of a Pi's CPU) on every comparison. An
empty track stamped by another version, or by none (the live recorder's, or a renderer's from
before the stamp), or by the renderer with other settings, is analysed again: a newer detector
may find the angle, or the person, and so may the same one on an upright picture (an installer
who set ``display.rotation`` after the first looks) or a larger one.

A pane shows only the part of its look's width that the person reached over the take (the
analysis's ``"span"``, ``kiosk.analysis.extent``): one crop for the whole look, so it is
narrower and, side by side, taller than the whole picture (``Pane.size``, which the mirror's
layout, the scrub proxies and the rendered video all read). A look stored without a span, or
with one that is not a span, shows its whole width, and so does one whose span was measured on a
picture turned upright otherwise (``"span_rotation"``, the ``[display] rotation`` then, differs
from the pane's: an installer who changed the rotation after the look; its span is of another
picture's width and would cut her off). A span stored without the stamp is taken as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from kiosk.analysis.extent import read_span
from kiosk.compare.anglemap import AngleMap, Unaligned, build_angle_map
from kiosk.compare.decode import VideoShape, probe
from kiosk.compare.errors import CompareError, CompareStopped
from kiosk.compare.timeline import MAX_SECONDS, PaneTiming
from kiosk.compare.track import TurnSummary, YawTrack

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Analysed:
    """What the detector found in a video."""

    track: YawTrack
    turn: TurnSummary | None
    person: bool
    span: tuple[float, float] | None = None  # (x0, x1) of the width she reached; None: the whole width


Analyser = Callable[[Path, int], Analysed]  # (video, clockwise rotation) -> what it shows
Keeper = Callable[[str, Analysed], None]  # (source, what analysing it found just now)


@dataclass(frozen=True)
class Pane:
    """One look in a comparison."""

    source: str  # what was asked for: a path or a look id
    video: Path
    shape: VideoShape
    track: YawTrack
    turn: TurnSummary | None
    angle_map: AngleMap | None
    unaligned: str | None  # why it cannot follow the angle (None when it can)
    recorded_at: float | None = None  # Unix time
    note: str = ""
    rotation: int = 0  # clockwise degrees that make its frames upright
    span: tuple[float, float] | None = None  # the part of the upright width it shows (None: all)

    @property
    def size(self) -> tuple[int, int]:
        """The upright picture it shows (its span of the width), in the video's pixels."""
        width, height = self.shape.width, self.shape.height
        if self.span is None:
            return width, height
        return max(round(width * (self.span[1] - self.span[0])), 2), height

    @property
    def aspect(self) -> float:
        """Width / height of the picture it shows."""
        width, height = self.size
        return width / max(height, 1)

    def timing(self) -> PaneTiming:
        """What the timeline needs of it."""
        end = max(self.shape.duration_s - 1.0 / max(self.shape.fps, 1.0), 0.0)
        if self.turn is not None:
            start, turn_s = self.turn.start_s, self.turn.end_s - self.turn.start_s
        elif self.angle_map is not None:
            start, stop = self.angle_map.span
            turn_s = stop - start
        else:
            start, turn_s = 0.0, min(end, MAX_SECONDS)
        return PaneTiming(self.track, self.angle_map, max(start, 0.0), end, turn_s)

    def caption(self) -> str:
        """First caption line: when it was recorded, and the note if any."""
        parts = []
        if self.recorded_at is not None:
            parts.append(datetime.fromtimestamp(self.recorded_at).strftime("%d %b %H:%M"))
        if self.note:
            parts.append(self.note)
        return " · ".join(parts) or Path(self.source).name

    def to_json(self) -> dict:
        return {"source": self.source, "turn": self.turn.to_json() if self.turn else None}


def make_pane(source: str, video: Path, analysed: Analysed, rotation: int = 0, recorded_at: float | None = None,
              note: str = "", shape: VideoShape | None = None) -> Pane:
    """A pane from a video and its analysis; its angle map, or why it has none."""
    shape = shape or probe(video, rotation)
    mapped = build_angle_map(analysed.track, analysed.turn)
    if isinstance(mapped, Unaligned):
        _log.info("%s plays by time: %s", source, mapped.reason)
        return Pane(source, video, shape, analysed.track, analysed.turn, None, mapped.reason, recorded_at, note, rotation,
                    analysed.span)
    return Pane(source, video, shape, analysed.track, analysed.turn, mapped, None, recorded_at, note, rotation,
                analysed.span)


@dataclass(frozen=True)
class Located:
    """An input found and opened, not analysed yet."""

    source: str
    video: Path
    shape: VideoShape
    rotation: int = 0
    recorded_at: float | None = None
    note: str = ""
    stored: Analysed | None = None  # the look's stored analysis, when it has one


def stored_analysis(data: dict | None, settings: str | None = None, rotation: int | None = None) -> Analysed | None:
    """A look's stored ``"turn"`` analysis; None when it is still to be analysed (no yaw track,
    and no analysis by this detector that found none: see the module's docstring). ``settings``
    (``detector_settings``): an empty track counts only if analysed with them (None: any).
    ``rotation``: the pane's; a span measured at another (``"span_rotation"``) is left out (None: any)."""
    if not isinstance(data, dict):
        return None
    track = YawTrack.from_entries(data.get("yaw") or [])
    if not len(track) and not analysed_by_this_detector(data, settings):
        return None
    # Only an analysis that found nobody says so; one kept without the key found the person.
    person = data.get("person") is not False
    span = read_span(data.get("span")) if span_fits(data.get("span_rotation"), rotation) else None
    return Analysed(track, TurnSummary.from_stored(data.get("turn")), person, span)


def span_fits(measured, rotation: int | None) -> bool:
    """Whether a span measured on the picture turned upright by ``measured`` degrees (None: not
    stamped) is of the picture a pane turned by ``rotation`` shows (None: not known)."""
    if measured is None or rotation is None:
        return True
    if not isinstance(measured, int) or isinstance(measured, bool):
        return False
    return measured % 360 == rotation % 360


def detector_version() -> int:
    """The live detector's version, stamped on what it analysed for a comparison."""
    from kiosk.analysis.pose import VERSION  # no mediapipe: that is imported when the model loads

    return VERSION


def detector_settings(config, rotation: int) -> str:
    """A stamp of what, besides its version, changes what the detector finds in a look
    (``analyse_file``): the rotation, the pose and body settings, the analysis rate."""
    from kiosk.analysis.settings import body_settings, pose_settings

    cfg = config.analysis
    what = [cfg.max_fps, asdict(pose_settings(cfg, rotation)), asdict(body_settings(cfg))]
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]


def analysed_by_this_detector(data: dict, settings: str | None = None) -> bool:
    """Whether a stored analysis carries this detector's version stamp (and ``settings``, unless None)."""
    version = data.get("detector_version")
    if not (isinstance(version, int) and not isinstance(version, bool) and version == detector_version()):
        return False
    return settings is None or data.get("detector_settings") == settings


def analyse_file(video: Path, rotation: int, config, stop: Callable[[], bool] | None = None) -> Analysed:
    """Run the live mirror's detector over a video file (the adapter that reads its results).

    ``stop`` is asked before each frame; True raises ``CompareStopped``, as a render stopped does."""
    from kiosk.analysis.settings import body_settings, pose_settings
    from kiosk.analysis.video import AnalysisStopped, VideoError, VideoOptions, analyse_video

    cfg = config.analysis
    options = VideoOptions(cfg.max_fps, pose_settings(cfg, rotation), body_settings(cfg))
    try:
        result = analyse_video(str(video), options, stop)
    except VideoError as exc:
        raise CompareError(str(exc)) from None
    except AnalysisStopped as exc:
        raise CompareStopped(str(exc)) from None
    person = any(pose is not None for _, pose in result.poses)
    return Analysed(YawTrack.from_samples(result.track), TurnSummary.main_of(result.turns), person, result.span)


class PaneMaker:
    """Turns what was asked for (video paths, look ids) into panes.

    Every input is found and opened first (``locate``, cheap), so a typo in the last argument,
    or a look already known to show no person, is reported before minutes of analysis of the
    first ones.
    """

    def __init__(self, analyse: Analyser, library=None, look_rotation: int = 0, person_required: bool = True,
                 settings: str | None = None) -> None:
        self.analyse = analyse
        self.library = library  # kiosk.library.Library, or a callable opening one on first use (or None)
        self.look_rotation = look_rotation  # looks are stored as the camera sees them
        # Refuse a look whose analysis (stored, or just now) found no person: there is nothing to compare.
        self.person_required = person_required
        # What the analysis runs with (``detector_settings``): a look analysed otherwise is analysed again.
        self.settings = settings

    def make_all(self, sources: list[str], keep: Keeper | None = None) -> list[Pane]:
        """Every pane; ``keep(source, analysed)`` is called as each input is analysed, before the
        next is analysed and before one without a person is refused (a stop part-way loses only the
        analysis it stopped, and a look without a person is refused at once next time)."""
        located = [self.locate(source) for source in sources]
        for found in located:
            if found.stored is not None:
                self._check_person(found.source, found.stored)
        return [self.make(found, keep) for found in located]

    def make(self, found: Located, keep: Keeper | None = None) -> Pane:
        analysed = found.stored
        if analysed is None:
            analysed = self.analyse(found.video, found.rotation)
            if keep is not None:
                keep(found.source, analysed)
        self._check_person(found.source, analysed)
        return make_pane(found.source, found.video, analysed, found.rotation, found.recorded_at, found.note, found.shape)

    def _check_person(self, source: str, analysed: Analysed) -> None:
        if not analysed.person and self.person_required:
            raise CompareError(f"{source} shows no person to compare")

    def locate(self, source: str) -> Located:
        path = Path(source).expanduser()
        if path.is_dir():
            raise CompareError(f"{source} is a folder, not a video")
        if path.exists():
            if not os.access(path, os.R_OK):
                raise CompareError(f"the video file {source} cannot be read (permission denied)")
            return Located(source, path, probe(path), 0, path.stat().st_mtime)
        return self._look(source)

    def _look(self, look_id: str) -> Located:
        from kiosk.library import LibraryMissing, LookNotFound
        from kiosk.library.layout import valid_id

        try:
            library = self._library() if valid_id(look_id) else None
        except LibraryMissing as exc:  # a mistyped --library: say so, not only that no such file exists
            raise CompareError(f"there is no video file {look_id}, and {exc}") from None
        if library is None:
            raise CompareError(f"the video file {look_id} does not exist")
        try:
            look = library.get(look_id)
            stored = stored_analysis(library.analysis(look_id).get("turn"), self.settings, self.look_rotation)
        except LookNotFound:
            raise CompareError(f"there is no video file {look_id} and no look with that id in the library") from None
        video = Path(look.path)
        if not video.is_file():
            raise CompareError(f"the video of look {look_id} is missing from the library")
        note = getattr(look, "note", "") or ""
        return Located(look_id, video, probe(video, self.look_rotation), self.look_rotation, look.created, note, stored)

    def _library(self):
        if callable(self.library) and not hasattr(self.library, "get"):
            self.library = self.library()
        return self.library
