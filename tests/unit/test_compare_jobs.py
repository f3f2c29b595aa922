"""The comparison renderer's runs: a thread that outlived its stop() stays out of the next run, a
start renders what the previous run left queued only while its looks are kept and someone may
still wait for it, and a look stored without a yaw track is analysed once, not on every comparison
(one showing no person included: the next comparison with it fails at once)."""

from __future__ import annotations

import threading
import time

import pytest

import kiosk.compare.jobs as jobs_module
from kiosk.compare.errors import CompareStopped
from kiosk.compare.jobs import ComparisonJobs
from kiosk.compare.panes import Analysed, detector_settings, detector_version
from kiosk.compare.track import YawTrack
from kiosk.config import Config
from kiosk.library import Library, NewLook, records
from kiosk.library.comparisons import ComparisonBook
from tests.integration.faults.waiting import wait_for

from ._tracks import track
from ._videos import counting_video

TRACKS = [track((0.5, 0.0), (2.0, 360.0), (0.4, 360.0)), track((0.3, 0.0), (1.0, -360.0), (0.6, -360.0))]


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def a_look(library: Library, video, entries, kept: bool = True) -> str:
    """A look with its yaw track stored (nothing to analyse), kept (consented) or not; stored
    without any analysis (to analyse) when ``entries`` is None."""
    look_id = Library.new_id()
    video = counting_video(video, frames=90, width=96, height=160)
    library.add_look(NewLook(look_id, video, None, None, time.time(), 3.0, 96, 160, session_id="s1",
                             consent_by="operator" if kept else None))
    if entries is not None:
        library.set_analysis(look_id, "turn", {"turn": None, "yaw": entries})
    return look_id


def two_looks(library: Library, folder) -> list[str]:
    """Two kept looks with their yaw tracks stored (nothing to analyse)."""
    return [a_look(library, folder / f"look{i}.mp4", entries) for i, entries in enumerate(TRACKS)]


def test_a_renderer_that_outlived_its_stop_renders_nothing_of_the_next_run(library, tmp_path, monkeypatch):
    real = jobs_module.compare
    renders = []  # (thread, comparison id, what became of the render)
    # The first render (run 1) blocks past stop()'s timeout; the next (run 2) is held until looked at.
    old_began, old_release, new_began, new_release = (threading.Event() for _ in range(4))
    holds = iter([(old_began, old_release), (new_began, new_release)])

    def held(panes, out, align, settings, seconds=None, stop=None):
        began, release = next(holds, (None, None))
        if began is not None:
            began.set()
            release.wait(30)
        comparison_id = out.name.strip(".").removesuffix(".mp4")
        try:
            report = real(panes, out, align, settings, seconds, stop=stop)
        except BaseException as exc:
            renders.append((threading.current_thread(), comparison_id, exc))
            raise
        renders.append((threading.current_thread(), comparison_id, "rendered"))
        return report

    monkeypatch.setattr(jobs_module, "compare", held)
    ids = two_looks(library, tmp_path)
    book = ComparisonBook(library)
    jobs = ComparisonJobs(library, Config())
    jobs.start()
    old = jobs._thread
    try:
        blocked = jobs.submit(ids)
        assert old_began.wait(30)
        waiting = jobs.submit(ids[::-1])  # in run 1's queue when it stops
        jobs.stop(timeout=0.2)  # gives up: the render is blocked
        assert old.is_alive()

        jobs.start()  # run 2: the one left rendering is failed, the one waiting renders
        assert new_began.wait(30)
        assert jobs.health()["rendering"]
        old_release.set()  # the old thread wakes up in the middle of run 2
        old.join(30)
        assert not old.is_alive(), "the old thread ended at its next check"
        assert jobs.health()["rendering"], "the old thread did not clear run 2's current render"
        new_release.set()
        wait_for(lambda: book.get(waiting.id).state == "ready", 60, "run 2 did not render the waiting comparison")
    finally:
        old_release.set()
        new_release.set()
        jobs.stop()
    by_old = [(comparison_id, outcome) for thread, comparison_id, outcome in renders if thread is old]
    assert len(by_old) == 1 and by_old[0][0] == blocked.id and isinstance(by_old[0][1], CompareStopped), by_old
    assert [(c, o) for t, c, o in renders if t is not old] == [(waiting.id, "rendered")]
    # The next start marked it failed while the old thread was still blocked; it stays so.
    assert book.get(blocked.id).state == "failed"
    assert jobs.health()["rendered"] == 1


def test_a_renderer_that_outlived_its_stop_leaves_alone_what_the_next_run_rendered(library, tmp_path):
    # The old thread took a comparison, then was held before it marked it rendering, past
    # stop()'s timeout; the next run renders that comparison (still queued) to the end. When the
    # old thread goes on, the comparison stays ready: not rendering, not queued again.
    ids = two_looks(library, tmp_path)
    book = ComparisonBook(library)
    jobs = ComparisonJobs(library, Config())
    real_render = jobs._render
    began, release = threading.Event(), threading.Event()
    old_done = []

    def held(run, comparison_id):
        if not began.is_set():  # the first call only: the old thread
            began.set()
            release.wait(30)
            try:
                return real_render(run, comparison_id)
            finally:
                old_done.append(comparison_id)
        return real_render(run, comparison_id)

    jobs._render = held
    jobs.start()
    old = jobs._thread
    try:
        made = jobs.submit(ids)
        assert began.wait(30)
        jobs.stop(timeout=0.2)
        assert old.is_alive() and book.get(made.id).state == "queued"
        jobs.start()  # run 2 finds it queued and renders it
        wait_for(lambda: book.get(made.id).state == "ready", 60, "run 2 did not render the comparison")
        release.set()
        old.join(30)
        assert not old.is_alive() and old_done == [made.id]
        assert book.get(made.id).state == "ready", "the old thread moved a rendered comparison back"
        assert book.get(made.id).error is None
    finally:
        release.set()
        jobs.stop()


def test_a_start_deletes_a_comparison_left_queued_with_a_look_not_kept_instead_of_rendering_it(library, tmp_path):
    # Left queued by the previous run: one shows a look nobody agreed to keep (a comparison is
    # kept only while all of its looks are), the other two kept looks.
    kept = two_looks(library, tmp_path)
    unkept = a_look(library, tmp_path / "unkept.mp4", TRACKS[1], kept=False)
    book = ComparisonBook(library)
    doomed = book.create([kept[0], unkept], "angle")
    fine = book.create(kept, "angle")
    told = []
    jobs = ComparisonJobs(library, Config(), on_change=told.append)
    jobs.start()
    try:
        assert book.find(doomed.id) is None, "deleted before anything renders"
        wait_for(lambda: book.get(fine.id).state == "ready", 60, "the comparison of kept looks was not rendered")
    finally:
        jobs.stop()
    assert (doomed.id, "deleted") in [(c.id, c.state) for c in told], "a listener waiting for it is told it is gone"
    assert (jobs.health()["rendered"], jobs.health()["failed"]) == (1, 0)
    assert [p.name for p in library.layout.comparisons.iterdir()] == [f"{fine.id}.mp4"]


def test_a_start_fails_a_comparison_left_queued_for_more_than_an_hour_and_renders_a_recent_one(library, tmp_path):
    ids = two_looks(library, tmp_path)
    book = ComparisonBook(library)
    stale, recent = book.create(ids, "angle"), book.create(ids[::-1], "angle")
    now = time.time()
    with library.transaction() as conn:  # asked for before the mirror was off: yesterday, and 50 minutes ago
        conn.executemany("UPDATE comparisons SET created = ? WHERE id = ?",
                         [(now - 86400, stale.id), (now - 3000, recent.id)])
    told = []
    jobs = ComparisonJobs(library, Config(), on_change=told.append)
    jobs.start()
    try:
        assert book.get(stale.id).state == "failed", "failed before anything renders"
        wait_for(lambda: book.get(recent.id).state == "ready", 60, "the recent comparison was not rendered")
    finally:
        jobs.stop()
    assert book.get(stale.id).error == jobs_module.TOO_LATE
    assert (stale.id, "failed") in [(c.id, c.state) for c in told]
    assert (jobs.health()["rendered"], jobs.health()["failed"]) == (1, 0), "no render failed"
    assert not (library.layout.comparisons / f"{stale.id}.mp4").exists()


class CountingAnalysis:
    """The analysis of a look stored without a track: counts its calls, finds ``entries`` (and a
    person, unless ``person`` is False: then no person and no entries)."""

    def __init__(self, entries: list, person: bool = True, span: tuple[float, float] | None = None) -> None:
        self.entries = entries
        self.person = person
        self.span = span
        self.looks: list[str] = []

    def __call__(self, video, rotation, stop=None) -> Analysed:
        self.looks.append(video.stem)  # the library keeps a video under its look id
        return Analysed(YawTrack.from_entries(self.entries if self.person else []), None, self.person, self.span)


def ask_twice(library: Library, look_ids: list[str], analyse: CountingAnalysis) -> list:
    """Ask for two comparisons of ``look_ids``, one after the other, with a renderer started afresh
    for each (as on two visits); both comparisons as they ended (ready or failed)."""
    return [render_once(library, look_ids, analyse) for _ in range(2)]


def render_once(library: Library, look_ids: list[str], analyse: CountingAnalysis, config: Config | None = None):
    """Ask for one comparison of ``look_ids`` with a renderer started afresh; the comparison as it
    ended (ready or failed)."""
    book = ComparisonBook(library)
    jobs = ComparisonJobs(library, config or Config(), analyse=analyse)
    jobs.start()
    try:
        comparison = jobs.submit(look_ids)
        wait_for(lambda: book.get(comparison.id).state in ("ready", "failed"), 60, "the comparison was not rendered")
    finally:
        jobs.stop()
    return book.get(comparison.id)


def compare_twice(library: Library, look_ids: list[str], analyse: CountingAnalysis) -> list:
    """Render two comparisons of ``look_ids`` (as ``ask_twice``); both comparisons as rendered."""
    made = ask_twice(library, look_ids, analyse)
    assert [c.state for c in made] == ["ready", "ready"], [c.error for c in made]
    return made


def fail_twice(library: Library, look_ids: list[str], analyse: CountingAnalysis) -> list:
    """Ask for two comparisons of ``look_ids`` (as ``ask_twice``) that both fail; their sentences."""
    made = ask_twice(library, look_ids, analyse)
    assert [c.state for c in made] == ["failed", "failed"], [c.error for c in made]
    return [c.error for c in made]


def test_a_look_analysed_without_finding_a_body_angle_is_not_analysed_again_on_the_next_comparison(library, tmp_path):
    tracked = a_look(library, tmp_path / "tracked.mp4", TRACKS[0])
    bare = a_look(library, tmp_path / "bare.mp4", None)
    analyse = CountingAnalysis([])  # a person, but no body angle in any frame
    first, second = compare_twice(library, [tracked, bare], analyse)
    assert analyse.looks == [bare], "analysed for the first comparison only"
    kept = library.analysis(bare)["turn"]
    assert kept["yaw"] == [] and kept["detector_version"] == detector_version()
    assert records.read(library.layout.record_file(bare), bare)[1]["turn"] == kept, "its record file keeps it too"
    for comparison in (first, second):  # the look plays by time both times, for the same reason
        looks = comparison.report["looks"]
        assert [look["aligned_by"] for look in looks] == ["angle", "time"]
        assert looks[1]["unaligned_reason"] == "it has too few body-angle measurements"


def test_a_look_analysed_with_a_track_keeps_it_and_is_not_analysed_again(library, tmp_path):
    tracked = a_look(library, tmp_path / "tracked.mp4", TRACKS[0])
    bare = a_look(library, tmp_path / "bare.mp4", None)
    analyse = CountingAnalysis(TRACKS[1])
    first, second = compare_twice(library, [tracked, bare], analyse)
    assert analyse.looks == [bare]
    assert YawTrack.from_entries(library.analysis(bare)["turn"]["yaw"]).to_entries() == YawTrack.from_entries(TRACKS[1]).to_entries()
    for comparison in (first, second):
        assert [look["aligned_by"] for look in comparison.report["looks"]] == ["angle", "angle"]


@pytest.mark.parametrize("stamp", [None, -1], ids=["before the stamp", "an older detector"])
def test_an_empty_track_not_stamped_by_this_detector_is_analysed_again_once(library, tmp_path, stamp):
    tracked = a_look(library, tmp_path / "tracked.mp4", TRACKS[0])
    bare = a_look(library, tmp_path / "bare.mp4", None)
    old = {"turn": None, "yaw": [], "source": "analysed for a comparison"}
    if stamp is not None:
        old["detector_version"] = detector_version() + stamp
    library.set_analysis(bare, "turn", old)
    analyse = CountingAnalysis([])
    compare_twice(library, [tracked, bare], analyse)
    assert analyse.looks == [bare], "analysed again by this detector, then not again"
    assert library.analysis(bare)["turn"]["detector_version"] == detector_version()


def test_a_look_in_which_no_person_is_found_fails_the_next_comparison_at_once_without_analysing_it(library, tmp_path):
    tracked = a_look(library, tmp_path / "tracked.mp4", TRACKS[0])
    nobody = a_look(library, tmp_path / "nobody.mp4", None)
    analyse = CountingAnalysis([], person=False)
    errors = fail_twice(library, [tracked, nobody], analyse)
    assert analyse.looks == [nobody], "analysed for the first comparison only"
    # The same sentence both times, naming the look by its id (the console says when it was recorded).
    assert errors == [f"{nobody} shows no person to compare"] * 2
    kept = library.analysis(nobody)["turn"]
    assert kept["person"] is False and kept["yaw"] == [] and kept["detector_version"] == detector_version()
    assert records.read(library.layout.record_file(nobody), nobody)[1]["turn"] == kept, "its record file keeps it too"


def test_a_look_found_without_a_person_by_another_detector_is_analysed_again_once(library, tmp_path):
    tracked = a_look(library, tmp_path / "tracked.mp4", TRACKS[0])
    nobody = a_look(library, tmp_path / "nobody.mp4", None)
    library.set_analysis(nobody, "turn", {"turn": None, "yaw": [], "person": False, "source": "analysed for a comparison",
                                          "detector_version": detector_version() - 1})
    analyse = CountingAnalysis([], person=False)  # this detector finds nobody either
    errors = fail_twice(library, [tracked, nobody], analyse)
    assert analyse.looks == [nobody], "analysed again by this detector, then not again"
    assert errors == [f"{nobody} shows no person to compare"] * 2
    assert library.analysis(nobody)["turn"]["detector_version"] == detector_version()


def test_a_look_known_to_show_no_person_fails_the_comparison_before_another_look_of_it_is_analysed(library, tmp_path):
    bare = a_look(library, tmp_path / "bare.mp4", None)  # to analyse: a person, with a track
    nobody = a_look(library, tmp_path / "nobody.mp4", None)
    library.set_analysis(nobody, "turn", {"turn": None, "yaw": [], "person": False, "source": "analysed for a comparison",
                                          "detector_version": detector_version(),
                                          "detector_settings": detector_settings(Config(), 0)})
    analyse = CountingAnalysis(TRACKS[1])
    errors = fail_twice(library, [bare, nobody], analyse)
    assert analyse.looks == [], "no minutes spent on a comparison that fails anyway"
    assert errors == [f"{nobody} shows no person to compare"] * 2


@pytest.mark.parametrize("change", ["rotation", "input size"])
def test_a_look_found_without_a_person_is_analysed_again_once_the_analysis_is_set_up_otherwise(library, tmp_path, change):
    """The installer turns the picture upright (display.rotation), or gives the model a larger
    picture: what the detector found before is no verdict on what it finds now."""
    tracked = a_look(library, tmp_path / "tracked.mp4", TRACKS[0])
    nobody = a_look(library, tmp_path / "nobody.mp4", None)
    analyse = CountingAnalysis([], person=False)  # sideways, or too small: nobody found
    assert render_once(library, [tracked, nobody], analyse).state == "failed"
    config = Config()
    if change == "rotation":
        config.display.rotation = 90
    else:
        config.analysis.input_size = 640
    analyse.person, analyse.entries = True, TRACKS[1]  # set up right, the detector finds the shopper
    again = render_once(library, [tracked, nobody], analyse, config)
    assert analyse.looks == [nobody, nobody], "the look was not analysed again with the new settings"
    assert again.state == "ready", again.error
    assert library.analysis(nobody)["turn"]["person"] is True


def test_a_look_analysed_keeps_how_far_across_she_reached_and_is_cropped_to_it(library, tmp_path):
    """The analysis's span is kept with the look (read back, not analysed again) and both comparisons
    show only that part of its width: narrower than the same looks uncropped."""
    tracked = a_look(library, tmp_path / "tracked.mp4", TRACKS[0])
    bare = a_look(library, tmp_path / "bare.mp4", None)
    analyse = CountingAnalysis(TRACKS[1], span=(0.25, 0.75))
    first, second = compare_twice(library, [tracked, bare], analyse)
    assert analyse.looks == [bare]
    assert library.analysis(bare)["turn"]["span"] == [0.25, 0.75]
    assert library.analysis(bare)["turn"]["span_rotation"] == 0  # of the picture upright at this rotation
    uncropped = a_look(library, tmp_path / "uncropped.mp4", TRACKS[1])  # its track stored, no span
    whole = render_once(library, [tracked, uncropped], analyse)
    assert whole.state == "ready", whole.error
    assert first.height == second.height == whole.height
    assert first.width == second.width < whole.width - first.height * 96 / 160 / 2 * 0.8
