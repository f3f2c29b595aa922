"""The comparison API on a real server: yaw tracks, rendering in the background, playing, sharing, consent."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from kiosk.compare.jobs import ComparisonJobs, JobSettings, QueueFull
from kiosk.config import Config
from kiosk.events import EventBus
from kiosk.library import Library, NewLook
from kiosk.recording.container import verify
from tests.integration.faults.waiting import wait_for
from tests.unit._tracks import track
from tests.unit._videos import counting_video

from .conftest import TOKEN, server_config

API = "/api/v1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

TRACKS = {
    "cw": track((0.5, 0.0), (2.0, 360.0), (0.4, 360.0)),
    "ccw": track((0.3, 0.0), (1.0, -360.0), (0.6, -360.0)),
    "partial": track((0.5, 0.0), (1.5, 200.0), (0.9, 200.0)),
    "private": track((0.5, 0.0), (2.0, 360.0), (0.4, 360.0)),
}


def add_look(lib: Library, name: str, folder: Path, tracked: bool = True, created: float | None = None) -> str:
    """A 3 s look (30 fps) with its ``TRACKS`` yaw track stored, or stored without one (``tracked=False``);
    recorded now, or at ``created``."""
    look_id = Library.new_id()
    video = counting_video(folder / f"{name}.mp4", frames=90, width=96, height=160)
    lib.add_look(NewLook(look_id, video, None, None, time.time() if created is None else created, 3.0, 96, 160, session_id="s1",
                         consent_by=None if name == "private" else "operator"))
    if tracked:
        lib.set_analysis(look_id, "turn", {"turn": {"start_s": 0.5, "end_s": 2.5, "rotation_deg": 360, "direction": "cw"}
                                       if name == "cw" else None, "yaw": TRACKS[name]})
    return look_id


@contextmanager
def serving(tmp_path: Path, held: list | None = None, rotation: int = 0):
    """A network part over a library with the ``TRACKS`` looks and a renderer: (url, ids, library, jobs).

    ``held``, when given, gets the running ``NetService``, for a test that looks inside it;
    ``rotation``: the mirror's ``[display] rotation``.
    """
    from kiosk.net.service import NetParts, NetService

    root = tmp_path / "library"
    library = Library(root).open()
    ids = {name: add_look(library, name, tmp_path) for name in TRACKS}
    jobs = ComparisonJobs(library, Config())
    jobs.start()
    config = server_config()
    config.display.rotation = rotation
    service = NetService(config, NetParts(data_dir=root, library=library, bus=EventBus(), comparisons=jobs))
    service.start()
    if held is not None:
        held.append(service)
    try:
        yield service.url, ids, library, jobs
    finally:
        service.stop()
        jobs.stop()
        library.close()


@pytest.fixture
def mirror(tmp_path):
    with serving(tmp_path) as served:
        yield served


def hold_renders(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Renders wait, once started, until released: (started, release)."""
    import kiosk.compare.jobs as jobs_module

    started, release = threading.Event(), threading.Event()
    real = jobs_module.compare

    def held(*args, **kwargs):
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs_module, "compare", held)
    return started, release


def wait_state(client: httpx.Client, comparison_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"{API}/comparisons/{comparison_id}").json()
        if body["state"] in ("ready", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"comparison {comparison_id} still {body['state']} after {timeout} s")


def test_yaw_track_of_a_look(mirror):
    url, ids, _, _ = mirror
    with httpx.Client(base_url=url, headers=AUTH) as client:
        body = client.get(f"{API}/looks/{ids['cw']}/turn").json()
        assert body["video_url"] == f"{API}/looks/{ids['cw']}/video"
        assert len(body["yaw"]) == len(TRACKS["cw"]) and all(len(entry) == 4 for entry in body["yaw"])
        assert body["turn"] == {"start_s": 0.5, "end_s": 2.5, "rotation_deg": 360.0, "direction": "cw"}
        assert body["angle_aligned"] and body["coverage_deg"] == 360 and body["unaligned_reason"] is None
        assert body["span"] is None  # none kept: the whole width
        partial = client.get(f"{API}/looks/{ids['partial']}/turn").json()
        assert partial["angle_aligned"] and partial["coverage_deg"] < 250 and partial["turn"] is None
        assert client.get(f"{API}/looks/{ids['private']}/turn").status_code == 403
        assert client.get(f"{API}/looks/{'B' * 22}/turn").status_code == 404
    assert httpx.get(f"{url}{API}/looks/{ids['cw']}/turn").status_code == 401


def test_a_look_analysed_without_finding_a_body_angle_has_no_track_as_one_never_analysed(mirror, tmp_path):
    from kiosk.compare.panes import detector_version

    url, _, library, _ = mirror
    never, empty = add_look(library, "cw", tmp_path, tracked=False), add_look(library, "ccw", tmp_path, tracked=False)
    library.set_analysis(empty, "turn", {"turn": None, "yaw": [], "source": "analysed for a comparison",
                                         "detector_version": detector_version()})
    with httpx.Client(base_url=url, headers=AUTH) as client:
        replies = [client.get(f"{API}/looks/{look_id}/turn").json() for look_id in (never, empty)]
    for body in replies:
        assert (body["yaw"], body["turn"], body["angle_aligned"], body["coverage_deg"]) == ([], None, False, 0.0)
        assert body["unaligned_reason"] == "the mirror kept no body-angle track with this look"


def keep_span(library: Library, look_id: str, span, span_rotation=None, tracked: bool = True) -> None:
    """The look's stored turn analysis with a ``"span"`` (and ``"span_rotation"`` unless None)."""
    data = dict(library.analysis(look_id).get("turn") or {"turn": None, "yaw": []})
    data["span"] = span
    if span_rotation is not None:
        data["span_rotation"] = span_rotation
    if not tracked:
        data["yaw"] = []
    library.set_analysis(look_id, "turn", data)


SPANS = [  # (stored span, its span_rotation, what the console is sent on a mirror that turns nothing)
    ([0.2, 0.65], None, [0.2, 0.65]),  # kept before the stamp: taken as it is, as on the mirror
    ([0.2, 0.65], 0, [0.2, 0.65]),
    ([0.45, 0.55], 0, [0.325, 0.675]),  # narrower than 35 %: widened about its centre, as on the mirror
    ([0.2, 0.65], 90, None),  # measured on a picture turned upright: not of this video's width
    ([0.2, 0.65], "0", None),  # a broken stamp
    ([0.65, 0.2], 0, None),  # not a span
    ("wide", 0, None),
    ([0.0, 0.98], 0, None),  # nearly the whole width: no crop
]


@pytest.mark.parametrize("span,span_rotation,sent", SPANS)
def test_a_looks_span_is_sent_where_it_is_a_crop_of_its_video(mirror, span, span_rotation, sent):
    url, ids, library, _ = mirror
    keep_span(library, ids["cw"], span, span_rotation)
    keep_span(library, ids["ccw"], span, span_rotation, tracked=False)  # no body angle: cropped all the same
    with httpx.Client(base_url=url, headers=AUTH) as client:
        for name in ("cw", "ccw"):
            assert client.get(f"{API}/looks/{ids[name]}/turn").json()["span"] == sent, name


def test_a_sideways_mirror_sends_no_span(tmp_path):
    """Its looks' videos are stored as the camera sees them, sideways: a span of the upright picture
    is no crop of theirs, even one measured at this very rotation."""
    with serving(tmp_path, rotation=90) as (url, ids, library, _):
        keep_span(library, ids["cw"], [0.2, 0.65], 90)
        keep_span(library, ids["ccw"], [0.2, 0.65])
        with httpx.Client(base_url=url, headers=AUTH) as client:
            assert [client.get(f"{API}/looks/{ids[n]}/turn").json()["span"] for n in ("cw", "ccw")] == [None, None]


@pytest.mark.parametrize(
    "names,status,words",
    [
        (["cw"], 422, "look_ids"),
        (["cw", "ccw", "partial", "cw", "ccw"], 422, "look_ids"),
        (["cw", "cw"], 422, "only once"),
        (["cw", "private"], 403, "not agreed"),
        (["cw", "unknown"], 404, "no look"),
    ],
)
def test_bad_comparison_requests(mirror, names, status, words):
    url, ids, _, _ = mirror
    look_ids = [ids.get(n, "C" * 22) for n in names]
    resp = httpx.post(f"{url}{API}/comparisons", headers=AUTH, json={"look_ids": look_ids})
    assert resp.status_code == status, resp.text
    assert words in resp.json()["message"]


def test_render_play_share_and_withdraw(mirror, tmp_path):
    url, ids, library, jobs = mirror
    with httpx.Client(base_url=url, headers=AUTH, timeout=30) as client:
        resp = client.post(f"{API}/comparisons", json={"look_ids": [ids["cw"], ids["ccw"], ids["partial"]]})
        assert resp.status_code == 202, resp.text
        queued = resp.json()
        assert queued["state"] in ("queued", "rendering") and queued["video_url"] is None
        done = wait_state(client, queued["id"])
        assert done["state"] == "ready", done
        assert done["mean_angle_gap_deg"] is not None and done["frames"] > 0 and done["width"] > done["height"]
        assert [c["id"] for c in client.get(f"{API}/comparisons").json()["comparisons"]] == [queued["id"]]

        video = client.get(done["video_url"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        saved = tmp_path / "got.mp4"
        saved.write_bytes(video.content)
        info = verify(saved)
        assert (info.codec, info.pix_fmt, info.moov_first, info.frames) == ("h264", "yuv420p", True, done["frames"])
        part = client.get(done["video_url"], headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100

        share = client.post(f"{API}/comparisons/{queued['id']}/share")
        assert share.status_code == 201, share.text
        link = share.json()
        assert link["comparison_id"] == queued["id"] and link["url"].startswith(url + "/s/")
        page = httpx.get(link["url"])
        assert page.status_code == 200 and "side by side" in page.text and "<video" in page.text and "poster=" not in page.text
        assert httpx.get(link["url"] + "/video").content == video.content
        assert httpx.get(link["url"] + "/qr.svg").status_code == 200

        # one shopper withdraws consent: the comparison goes (its file too), as if the look were deleted
        path = Path(library.layout.comparison_video(queued["id"]))
        assert path.is_file()
        library.set_consent(ids["ccw"], False)
        assert httpx.get(link["url"]).status_code == 410
        assert client.get(done["video_url"]).status_code == 404
        assert client.get(f"{API}/comparisons/{queued['id']}").status_code == 404
        assert not path.exists()
        library.set_consent(ids["ccw"], True, by="operator")
        assert httpx.get(link["url"]).status_code == 410  # withdrawn is for good (issue 11): the old link stays shut
        assert client.post(f"{API}/comparisons/{queued['id']}/share").status_code == 404

        # deleting one of its looks deletes the comparison, its file and what the link shows
        again = client.post(f"{API}/comparisons", json={"look_ids": [ids["cw"], ids["partial"]], "align": "time"}).json()
        assert wait_state(client, again["id"])["state"] == "ready"
        link = client.post(f"{API}/comparisons/{again['id']}/share").json()
        path = Path(library.layout.comparison_video(again["id"]))
        assert path.is_file()
        assert client.delete(f"{API}/looks/{ids['partial']}").status_code == 204
        assert client.get(f"{API}/comparisons/{again['id']}").status_code == 404
        assert not path.exists()
        gone = httpx.get(link["url"])  # told it was deleted, not that someone took the link back
        assert gone.status_code == 410 and "These looks were deleted." in gone.text and "withdrawn" not in gone.text
    assert jobs.health()["rendered"] == 2


def test_a_failed_render_says_why_and_the_renderer_goes_on(mirror):
    url, ids, library, jobs = mirror
    Path(library.get(ids["ccw"]).path).write_bytes(b"broken")
    with httpx.Client(base_url=url, headers=AUTH, timeout=30) as client:
        bad = client.post(f"{API}/comparisons", json={"look_ids": [ids["cw"], ids["ccw"]]}).json()
        good = client.post(f"{API}/comparisons", json={"look_ids": [ids["cw"], ids["partial"]], "align": "time"}).json()
        failed, ready = wait_state(client, bad["id"]), wait_state(client, good["id"])
        assert failed["state"] == "failed" and "cannot open" in failed["error"]
        assert ready["state"] == "ready" and ready["align"] == "time"
        assert client.get(f"{API}/comparisons/{bad['id']}/video").status_code == 409
        health = httpx.get(f"{url}{API}/health").json()
        assert health["checks"]["comparisons"]["ok"] and "cannot open" in health["checks"]["comparisons"]["detail"]
        assert client.delete(f"{API}/comparisons/{bad['id']}").status_code == 204
        assert client.get(f"{API}/comparisons/{bad['id']}").status_code == 404


def test_withdrawn_consent_cancels_comparisons_waiting_or_rendering(mirror, monkeypatch):
    url, ids, library, jobs = mirror
    started, release = hold_renders(monkeypatch)
    with httpx.Client(base_url=url, headers=AUTH, timeout=30) as client:
        rendering = client.post(f"{API}/comparisons", json={"look_ids": [ids["cw"], ids["ccw"]]}).json()
        assert started.wait(30)
        waiting = client.post(f"{API}/comparisons", json={"look_ids": [ids["partial"], ids["ccw"]]}).json()
        kept = client.post(f"{API}/comparisons", json={"look_ids": [ids["cw"], ids["partial"]], "align": "time"}).json()
        library.set_consent(ids["ccw"], False)  # the shopper's no after a yes; the look itself stays
        release.set()
        assert wait_state(client, kept["id"])["state"] == "ready"  # rendered after the other two
        for gone in (rendering, waiting):
            assert client.get(f"{API}/comparisons/{gone['id']}").status_code == 404
        assert [c["id"] for c in client.get(f"{API}/comparisons").json()["comparisons"]] == [kept["id"]]
    files = sorted(p.name for p in library.layout.comparisons.iterdir())
    assert files == [f"{kept['id']}.mp4"], "nothing of an unconsented look is kept in a shareable video"
    assert library.find(ids["ccw"]) is not None
    assert jobs.health()["failed"] == 0 and jobs.health()["rendered"] == 1


@pytest.mark.parametrize("how", ["DELETE", "look withdrawn", "look deleted"])
def test_a_comparison_deleted_while_it_renders_stops_between_frames(mirror, monkeypatch, how):
    import threading

    import kiosk.compare.jobs as jobs_module
    from kiosk.compare.errors import CompareStopped

    url, ids, library, jobs = mirror
    started, outcome = threading.Event(), []
    real = jobs_module.compare

    def slow(*args, stop, **kwargs):
        def stop_slowly() -> bool:
            started.set()
            time.sleep(0.01)  # a render that takes seconds, as on the kiosk's two cores
            return stop()

        try:
            return real(*args, stop=stop_slowly, **kwargs)
        except BaseException as exc:
            outcome.append(exc)
            raise

    monkeypatch.setattr(jobs_module, "compare", slow)
    told: list = []
    jobs.on_change = told.append  # what the mirror's core hears (``ComparisonChanged``)
    with httpx.Client(base_url=url, headers=AUTH, timeout=30) as client:
        made = client.post(f"{API}/comparisons", json={"look_ids": [ids["cw"], ids["ccw"]]}).json()
        assert started.wait(30)
        if how == "DELETE":
            assert client.delete(f"{API}/comparisons/{made['id']}").status_code == 204
        elif how == "look withdrawn":
            library.set_consent(ids["ccw"], False)
        else:
            library.delete(ids["ccw"])
        deadline = time.monotonic() + 30
        while jobs.health()["rendering"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get(f"{API}/comparisons/{made['id']}").status_code == 404
    # Stopped between frames, not rendered to the end (a render stopped raises CompareStopped).
    assert len(outcome) == 1 and isinstance(outcome[0], CompareStopped)
    if how == "DELETE":  # the store's deletion: a shopper waiting for its code hears it went
        assert [(c.id, c.state) for c in told if c.state == "deleted"] == [(made["id"], "deleted")]
    assert list(library.layout.comparisons.iterdir()) == [], "no partial file"
    health = jobs.health()
    assert (health["rendered"], health["failed"], health["rendering"]) == (0, 0, False)


def test_a_full_queue_is_refused_with_429(mirror, monkeypatch):
    url, ids, _, jobs = mirror

    def full(*args, **kwargs):
        raise QueueFull("4 comparisons are waiting to be rendered; try again in a minute")

    monkeypatch.setattr(jobs, "submit", full)
    resp = httpx.post(f"{url}{API}/comparisons", headers=AUTH, json={"look_ids": [ids["cw"], ids["ccw"]]})
    assert resp.status_code == 429 and resp.headers["retry-after"] == "30"


def test_the_queue_is_bounded_and_renders_one_at_a_time(tmp_path, monkeypatch):
    import threading

    import kiosk.compare.jobs as jobs_module

    library = Library(tmp_path / "library").open()
    ids = [add_look(library, name, tmp_path) for name in ("cw", "ccw", "partial")]
    release, running, peak = threading.Event(), [], []
    real = jobs_module.compare

    def slow(*args, **kwargs):
        running.append(1)
        peak.append(len(running))
        release.wait(30)
        try:
            return real(*args, **kwargs)
        finally:
            running.pop()

    monkeypatch.setattr(jobs_module, "compare", slow)
    jobs = ComparisonJobs(library, Config(), JobSettings(queue_limit=2))
    jobs.start()
    try:
        first = jobs.submit(ids[:2])
        deadline = time.monotonic() + 30
        while not running and time.monotonic() < deadline:
            time.sleep(0.02)
        waiting = [jobs.submit(ids[1:]), jobs.submit([ids[0], ids[2]])]
        with pytest.raises(QueueFull):
            jobs.submit(ids[:2])
        release.set()
        from kiosk.library.comparisons import ComparisonBook

        book = ComparisonBook(library)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(book.get(c.id).state != "ready" for c in [first, *waiting]):
            time.sleep(0.05)
        assert all(book.get(c.id).ready for c in [first, *waiting])
        assert max(peak) == 1
    finally:
        release.set()
        jobs.stop()
        library.close()
    assert not any(t.name == "compare-render" for t in threading.enumerate())


def test_stopping_the_mirror_stops_a_render_between_frames_and_the_next_start_renders_it(tmp_path, monkeypatch):
    import kiosk.compare.jobs as jobs_module
    from kiosk.compare.errors import CompareStopped
    from kiosk.compare.timeline import DEFAULT_FPS, plan
    from kiosk.library.comparisons import ComparisonBook

    root = tmp_path / "library"
    library = Library(root).open()
    ids = [add_look(library, name, tmp_path) for name in ("cw", "ccw")]
    per_frame_s = 0.05  # a render as slow as on a Pi
    started, slow, lengths, outcome = threading.Event(), threading.Event(), [], []
    slow.set()
    real = jobs_module.compare

    def slowly(panes, out, align, settings, seconds=None, stop=None):
        if not slow.is_set():
            return real(panes, out, align, settings, seconds, stop=stop)
        lengths.append(plan([p.timing() for p in panes], align, DEFAULT_FPS, seconds).frames * per_frame_s)

        def stop_slowly() -> bool:
            started.set()
            time.sleep(per_frame_s)
            return stop()

        try:
            return real(panes, out, align, settings, seconds, stop=stop_slowly)
        except BaseException as exc:
            outcome.append(exc)
            raise

    monkeypatch.setattr(jobs_module, "compare", slowly)
    jobs = ComparisonJobs(library, Config())
    jobs.start()
    try:
        made, waiting = jobs.submit(ids), jobs.submit(ids[::-1])
        assert started.wait(30)
        began = time.monotonic()
        jobs.stop()
        took = time.monotonic() - began
    finally:
        jobs.stop()
    # The render would have gone on for at least lengths[0] seconds; stop() did not wait for it.
    assert took < lengths[0] / 4, f"stop() took {took:.2f} s of a render of at least {lengths[0]:.1f} s"
    assert len(outcome) == 1 and isinstance(outcome[0], CompareStopped)
    assert not any(t.name == "compare-render" for t in threading.enumerate())
    assert list(library.layout.comparisons.iterdir()) == [], "no partial file"
    book = ComparisonBook(library)
    assert [book.get(c.id).state for c in (made, waiting)] == ["queued", "queued"], "neither failed nor lost"
    health = jobs.health()
    assert (health["rendered"], health["failed"], health["state"]) == (0, 0, "stopped")
    library.close()

    slow.clear()  # the mirror starts again
    library = Library(root).open()
    jobs = ComparisonJobs(library, Config())
    jobs.start()
    try:
        book = ComparisonBook(library)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(book.get(c.id).state != "ready" for c in (made, waiting)):
            time.sleep(0.05)
        assert [book.get(c.id).state for c in (made, waiting)] == ["ready", "ready"]
        assert jobs.health()["rendered"] == 2
        verify(Path(book.get(made.id).path))
    finally:
        jobs.stop()
        library.close()


class SlowAnalysis:
    """The mirror's analysis of a look stored without a yaw track, each frame as slow as on a Pi
    while ``slow`` is set (from the ``slow_from``-th analysis on, counting from 0); the pose model is
    a stand-in that finds nobody (a counting video shows no one), so what the analysis returns is
    the ``TRACKS`` track it would have found."""

    per_frame_s = 0.1

    def __init__(self, monkeypatch, config: Config, name: str) -> None:
        import kiosk.analysis.video as video_module

        self.config, self.name = config, name
        self.began, self.slow, self.outcome = threading.Event(), threading.Event(), []
        self.slow.set()
        self.slow_from = 0
        analysis = self

        class Model:
            def __init__(self, settings) -> None:
                pass

            def start(self) -> None:
                pass

            def close(self) -> None:
                pass

            def estimate(self, pixels, t):
                if analysis.slow.is_set() and len(analysis.outcome) >= analysis.slow_from:
                    analysis.began.set()
                    time.sleep(analysis.per_frame_s)
                return None

        monkeypatch.setattr(video_module, "PoseEstimator", Model)

    def least_s(self) -> float:
        """The shortest a slow analysis of a 3 s look takes: the frames it analyses, at the Pi's pace."""
        return 3.0 * self.config.analysis.max_fps * self.per_frame_s

    def __call__(self, video, rotation, stop=None):
        from kiosk.compare.panes import Analysed, analyse_file
        from kiosk.compare.track import YawTrack

        try:
            analyse_file(video, rotation, self.config, stop)
        except BaseException as exc:
            self.outcome.append(exc)
            raise
        self.outcome.append("analysed")
        return Analysed(YawTrack.from_entries(TRACKS[self.name]), None, True)


class SlowMirror:
    """A library and a renderer whose analysis of a look is as slow as a Pi's (``SlowAnalysis``),
    stopped and started again as the mirror is."""

    def __init__(self, tmp_path: Path, monkeypatch) -> None:
        self.folder, self.root = tmp_path, tmp_path / "library"
        self.config = Config()
        self.analyse = SlowAnalysis(monkeypatch, self.config, "ccw")
        self.library = Library(self.root).open()
        self.jobs: ComparisonJobs | None = None

    def looks(self, *names: str, tracked: tuple[bool, ...] = (True, False)) -> list[str]:
        """Looks of these ``TRACKS`` names, stored with their yaw track or without one."""
        return [add_look(self.library, name, self.folder, tracked=t) for name, t in zip(names, tracked, strict=True)]

    def start(self) -> ComparisonJobs:
        self.jobs = ComparisonJobs(self.library, self.config, analyse=self.analyse)
        self.jobs.start()
        return self.jobs

    def stop(self) -> float:
        """Stop the renderer as the mirror's shutdown does; how long that took, in seconds."""
        began = time.monotonic()
        self.jobs.stop()
        return time.monotonic() - began

    def restart(self) -> ComparisonJobs:
        """The mirror stopped (its library closed) starts again, its analyses at full speed."""
        self.jobs.stop()
        self.library.close()
        self.analyse.slow.clear()
        self.library = Library(self.root).open()
        return self.start()

    def close(self) -> None:
        if self.jobs is not None:
            self.jobs.stop()
        self.library.close()


@pytest.fixture
def slow_mirror(tmp_path, monkeypatch):
    mirror = SlowMirror(tmp_path, monkeypatch)
    try:
        yield mirror
    finally:
        mirror.close()


def test_stopping_the_mirror_stops_the_analysis_of_a_look_and_the_next_start_renders_it(slow_mirror):
    from kiosk.compare.errors import CompareStopped
    from kiosk.library.comparisons import ComparisonBook

    ids = slow_mirror.looks("cw", "ccw")
    analyse = slow_mirror.analyse
    jobs = slow_mirror.start()
    made = jobs.submit(ids)
    assert analyse.began.wait(30)
    took = slow_mirror.stop()
    # The analysis would have gone on for at least least_s() seconds; stop() did not wait for it.
    assert took < analyse.least_s() / 4, f"stop() took {took:.2f} s of an analysis of at least {analyse.least_s():.1f} s"
    assert len(analyse.outcome) == 1 and isinstance(analyse.outcome[0], CompareStopped)
    assert not any(t.name == "compare-render" for t in threading.enumerate())
    book = ComparisonBook(slow_mirror.library)
    assert book.get(made.id).state == "queued", "neither failed nor lost"
    assert slow_mirror.library.analysis(ids[1]).get("turn") is None, "no track kept of an analysis stopped part-way"
    health = jobs.health()
    assert (health["rendered"], health["failed"], health["state"]) == (0, 0, "stopped")

    jobs = slow_mirror.restart()
    book = ComparisonBook(slow_mirror.library)
    wait_for(lambda: book.get(made.id).state == "ready", 60, "the comparison was not rendered after the restart")
    assert analyse.outcome[1:] == ["analysed"]
    assert jobs.health()["rendered"] == 1
    assert slow_mirror.library.analysis(ids[1])["turn"]["yaw"], "the track is kept for next time"


def test_a_look_analysed_before_the_shutdown_stopped_the_next_is_not_analysed_again(slow_mirror):
    # A comparison of two looks stored without a track: the first is analysed to the end, the
    # shutdown stops the analysis of the second. After the restart only the second is analysed.
    from kiosk.compare.errors import CompareStopped
    from kiosk.library.comparisons import ComparisonBook

    ids = slow_mirror.looks("cw", "ccw", tracked=(False, False))
    analyse = slow_mirror.analyse
    analyse.slow_from = 1  # the first look's analysis runs at full speed
    jobs = slow_mirror.start()
    made = jobs.submit(ids)
    assert analyse.began.wait(30), "the second look's analysis did not begin"
    slow_mirror.stop()
    assert len(analyse.outcome) == 2 and analyse.outcome[0] == "analysed" and isinstance(analyse.outcome[1], CompareStopped)
    assert ComparisonBook(slow_mirror.library).get(made.id).state == "queued"
    kept = slow_mirror.library.analysis(ids[0]).get("turn")
    assert kept and kept["yaw"], "the first look's finished analysis is kept"
    assert slow_mirror.library.analysis(ids[1]).get("turn") is None

    slow_mirror.restart()
    book = ComparisonBook(slow_mirror.library)
    wait_for(lambda: book.get(made.id).state == "ready", 60, "the comparison was not rendered after the restart")
    assert analyse.outcome[2:] == ["analysed"], "only the look not analysed before is analysed after the restart"
    assert slow_mirror.library.analysis(ids[1])["turn"]["yaw"]


def test_a_comparison_deleted_while_a_look_of_it_is_analysed_stops(slow_mirror):
    from kiosk.compare.errors import CompareStopped
    from kiosk.library.comparisons import ComparisonBook

    ids = slow_mirror.looks("cw", "ccw")
    analyse, library = slow_mirror.analyse, slow_mirror.library
    jobs = slow_mirror.start()
    made = jobs.submit(ids)
    assert analyse.began.wait(30)
    began = time.monotonic()
    assert ComparisonBook(library).delete(made.id)  # as DELETE does, without telling the renderer
    deadline = time.monotonic() + 30
    while jobs.health()["rendering"] and time.monotonic() < deadline:
        time.sleep(0.02)
    took = time.monotonic() - began
    # Noticed by the row's check (every CHECK_S), well before the analysis would have ended.
    assert took < analyse.least_s() / 4, f"stopped {took:.2f} s into an analysis of at least {analyse.least_s():.1f} s"
    assert len(analyse.outcome) == 1 and isinstance(analyse.outcome[0], CompareStopped)
    health = jobs.health()
    assert (health["rendered"], health["failed"], health["rendering"]) == (0, 0, False)
    assert list(library.layout.comparisons.glob("*")) == [], "not rendered after all"


def test_comparison_routes_are_in_the_openapi_schema(mirror):
    url, _, _, _ = mirror
    schema = httpx.get(f"{url}{API}/openapi.json").json()
    for path in ("/looks/{look_id}/turn", "/comparisons", "/comparisons/{comparison_id}", "/comparisons/{comparison_id}/video",
                 "/comparisons/{comparison_id}/share"):
        assert f"{API}{path}" in schema["paths"], path
    post = schema["paths"][f"{API}/comparisons"]["post"]
    assert {"202", "401", "403", "404", "429"} <= set(post["responses"])
    assert post.get("security"), "token-protected"


def test_an_associate_sees_only_comparisons_of_consented_looks(mirror):
    from kiosk.library.comparisons import ComparisonBook

    from .conftest import PIN

    url, ids, library, _ = mirror
    book = ComparisonBook(library)
    shown = book.create([ids["cw"], ids["ccw"]], "angle")
    # a comparison with a look never kept (withdrawing consent deletes the comparison: that test is above)
    withdrawn = book.create([ids["cw"], ids["private"]], "angle")

    def sign_in(secret: str) -> dict:
        r = httpx.post(f"{url}/console/api/sign-in", json={"secret": secret})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    pin, admin = sign_in(PIN), sign_in(TOKEN)
    listed = httpx.get(f"{url}{API}/comparisons", headers=pin).json()["comparisons"]
    assert [c["id"] for c in listed] == [shown.id]
    assert httpx.get(f"{url}{API}/comparisons/{shown.id}", headers=pin).status_code == 200
    refused = httpx.get(f"{url}{API}/comparisons/{withdrawn.id}", headers=pin)
    assert refused.status_code == 403 and "agreed" in refused.json()["message"]
    # the store's token sees every comparison, as it sees every look
    assert {c["id"] for c in httpx.get(f"{url}{API}/comparisons", headers=admin).json()["comparisons"]} == {shown.id, withdrawn.id}
    assert httpx.get(f"{url}{API}/comparisons/{withdrawn.id}", headers=AUTH).status_code == 200
