"""The comparison renderer behind the HTTP API: one render at a time, a bounded queue, a named thread.

``submit`` records a queued comparison in the library and returns at once (the HTTP handler
never renders); the ``compare-render`` thread, at low priority so the mirror's screen keeps its
CPU, takes one at a time: it reads each look's stored yaw track (analysing a look stored
without one with the live detector, and keeping the result with the look as soon as that look
is done, before the next is analysed), renders the MP4
(``comparison.compare``) and moves it into place (``ComparisonBook.finish``). A full queue is
refused (``QueueFull``), not grown. Any failure marks that comparison failed with its sentence
and the loop goes on; ``health()`` says how it is doing.

A comparison deleted while it renders (``DELETE``, one of its looks deleted, consent to one
withdrawn) stops rendering between frames instead of using the CPU to the end: ``cancel(id)``
stops it at once, and the render looks every ``CHECK_S`` whether its row is still there, which
catches every other road. Its partial file is removed; it counts as neither rendered nor failed.

``stop()`` (the mirror shutting down or restarting) stops the render in progress the same way,
between frames, so that shutdown is not held up by a long render on a Pi: its partial file is
removed and it goes back to ``queued``, as do those still waiting; the next ``start()`` queues
every ``queued`` comparison again, oldest first, and renders it, but for one showing a look gone
or not kept (deleted) and one asked for more than ``queued_for_s`` before (failed: nobody waits
for it any more). One left ``rendering`` (the process died mid-render, perhaps because of that
render) is marked failed by ``sweep()`` instead.
The analysis of a look stored without a yaw track, before the frames, is stopped the same way
(by a deletion too), between the frames it analyses; the looks of that comparison analysed to
the end before it keep their tracks, so the next start analyses only the rest. A look in which
the analysis finds no person fails the comparison, and keeps that too: the next comparison
with it fails at once with the same sentence, without analysing it or the others again.

Each run (one ``start()`` to its ``stop()``) has its own queue, stop request and current
render (``_Run``): a thread that outlived its ``stop()`` (blocked past the timeout) stops at
its next check and never takes, renders or clears anything of the next run's.

Wiring: build it with the open library and the configuration, ``start()`` it before the network
service and ``stop()`` it after; hand it to the service as ``NetParts(comparisons=...)``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kiosk.compare.comparison import check_count, compare, render_settings
from kiosk.compare.errors import CompareError, CompareStopped
from kiosk.errors import CompareQueueFull as QueueFull
from kiosk.compare.panes import PaneMaker, analyse_file, detector_settings, detector_version
from kiosk.compare.priority import lower_priority
from kiosk.errors import KioskError
from kiosk.words import count, duration

_log = logging.getLogger(__name__)

CHECK_S = 0.25  # how often a render looks whether its comparison still exists
TOO_LATE = "the mirror was off too long after it was asked for; ask for it again"


@dataclass(frozen=True)
class JobSettings:
    queue_limit: int = 4  # comparisons waiting, besides the one rendering
    nice: int = 10
    # A comparison a start finds queued longer than this is failed, not rendered: the visit it
    # was asked in is over (a restart takes a minute), so nobody waits for it any more.
    queued_for_s: float = 3600.0


@dataclass
class _Run:
    """What one run of the renderer owns; a thread that outlived its ``stop()`` touches only this."""

    waiting: queue.Queue = field(default_factory=queue.Queue)  # ids; None: end the thread
    stopping: threading.Event = field(default_factory=threading.Event)  # set by stop(), never cleared
    cancel: threading.Event = field(default_factory=threading.Event)  # set: stop the current render
    current: str | None = None  # the comparison rendering (guarded by the jobs' lock)


class ComparisonJobs:
    """Queue and worker for rendering comparisons stored in the library."""

    def __init__(self, library, config, settings: JobSettings | None = None,
                 analyse: Callable | None = None, on_change: Callable | None = None) -> None:
        self.library = library
        self.config = config
        self.settings = settings or JobSettings()
        # (video, rotation, stop) -> Analysed, for a look stored without a yaw track
        self.analyse = analyse or (lambda video, rotation, stop: analyse_file(video, rotation, config, stop))
        self.on_change = on_change  # called with each comparison whose state changed (worker thread)
        self.rendered = 0
        self.failed = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._waiting = 0
        self._run = _Run()  # replaced by each start()
        self._thread: threading.Thread | None = None

    @property
    def book(self):
        from kiosk.library.comparisons import ComparisonBook

        return ComparisonBook(self.library)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Tidy what a previous run left, queue the comparisons it left queued, then start the
        ``compare-render`` thread."""
        book = self.book
        book.sweep()
        self._tidy_queue(book)
        # A run of its own (the library says what waits, not what a previous run left): a thread
        # that outlived a stop() timeout still sees its own stop request and takes from its own queue.
        run = _Run()
        waiting = book.queued()
        with self._lock:
            self._run = run
            self._waiting = len(waiting)
        for comparison_id in waiting:
            run.waiting.put(comparison_id)
        if waiting:
            _log.info("%s left queued by the previous run, to render", count(len(waiting), "comparison"))
        self._thread = threading.Thread(target=self._work, args=(run,), name="compare-render", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the render in progress between frames and end the thread (giving up after ``timeout``).

        The stopped comparison goes back to ``queued`` (its partial file removed), and those still
        waiting stay queued: the next ``start()`` renders them.
        """
        if self._thread is None:
            return
        run = self._run
        run.stopping.set()
        run.waiting.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            _log.warning("the comparison renderer did not stop within %.0f s", timeout)
        self._thread = None

    def _tidy_queue(self, book) -> None:
        """What a previous run left queued, before it renders: not a comparison whose looks are not
        all kept any more (deleted), nor one asked for too long ago (failed, with why)."""
        dropped = book.drop_unkept_queued()
        for comparison in dropped:
            self._tell(replace(comparison, state="deleted", error=None))
        expired = book.expire_queued(time.time() - self.settings.queued_for_s, TOO_LATE)
        for comparison in expired:
            self._tell(comparison)
        if dropped:
            _log.info("%s left queued deleted: a look in it is gone or not kept", count(len(dropped), "comparison"))
        if expired:
            _log.info("%s left queued for more than %s failed: nobody waits for it any more",
                      count(len(expired), "comparison"), duration(self.settings.queued_for_s))

    # -- intents (any thread) ---------------------------------------------------------------------

    def submit(self, look_ids: list[str], align: str = "angle"):
        """Queue a comparison of these looks; returns it (state ``queued``). Raises ``QueueFull``."""
        check_count(len(look_ids))
        if len(set(look_ids)) != len(look_ids):
            raise CompareError("each look can be in a comparison only once")
        if self._thread is None:
            raise CompareError("the comparison renderer is not running")
        with self._lock:
            if self._waiting >= self.settings.queue_limit:
                raise QueueFull(f"{self._waiting} comparisons are waiting to be rendered; try again in a minute")
            comparison = self.book.create(look_ids, align)
            self._waiting += 1
            run = self._run
        run.waiting.put(comparison.id)
        return comparison

    def cancel(self, comparison) -> None:
        """``comparison`` (as it was) was deleted: stop rendering it now (a waiting one is skipped
        anyway), and tell the listener it is gone (state ``deleted``): a shopper waiting for its
        code on the mirror would otherwise wait for ever, as nothing more is said of a deleted one."""
        with self._lock:
            if self._run.current == comparison.id:
                self._run.cancel.set()
        self._tell(replace(comparison, state="deleted", error=None))

    def health(self) -> dict:
        """For /health and the logs."""
        alive = self._thread is not None and self._thread.is_alive()
        return {
            "state": "running" if alive else "stopped",
            "waiting": self._waiting,
            "rendering": self._run.current is not None,
            "rendered": self.rendered,
            "failed": self.failed,
            "last_error": self.last_error,
        }

    # -- the worker -------------------------------------------------------------------------------

    def _work(self, run: _Run) -> None:
        lower_priority(self.settings.nice, "comparison renderer")
        while True:
            comparison_id = run.waiting.get()
            with self._lock:
                # Under the lock start() resets the count under: a thread stopped before that start
                # never counts against the next run's waiting.
                if comparison_id is None or run.stopping.is_set():
                    return
                self._waiting -= 1
                run.current = comparison_id
                run.cancel.clear()
            try:
                self._render(run, comparison_id)
            except CompareStopped as exc:
                if run.stopping.is_set():
                    self._requeue(comparison_id)
                else:
                    _log.info("comparison %s deleted while rendering: %s", comparison_id, exc)
            except Exception as exc:  # the loop must survive anything; the comparison says what went wrong
                self._fail(comparison_id, exc)
            finally:
                with self._lock:
                    run.current = None

    def _render(self, run: _Run, comparison_id: str) -> None:
        book = self.book
        # Only from queued: deleted while waiting, or (this thread outlived its stop()) rendered,
        # failed or rendering in the next run, it is not this thread's any more.
        if not book.set_state(comparison_id, "rendering", was="queued"):
            return
        self._changed(comparison_id)
        comparison = book.get(comparison_id)
        stop = self._stopper(run, book, comparison_id)  # asked by the analysis of a look as by the render
        maker = PaneMaker(lambda video, rotation: self.analyse(video, rotation, stop), self.library,
                          self.config.display.rotation, settings=self._detector_settings())
        # Each look's analysis is kept as soon as it is done: a shutdown during the next look's
        # does not cost it again after the restart, nor does a look without a person (refused).
        panes = maker.make_all(list(comparison.look_ids), keep=self._keep_analysis)
        work = book.folder() / f".{comparison_id}.mp4"
        report = compare(panes, work, comparison.align, render_settings(self.config), stop=stop)
        data = report.to_json()
        data["out"] = None  # where it lives is the library's business
        if book.finish(comparison_id, work, report.rendered.width, report.rendered.height, data):
            self.rendered += 1
            _log.info("comparison %s rendered (%d looks, %d frames)", comparison_id, len(panes), report.rendered.frames)
            self._changed(comparison_id)

    def _stopper(self, run: _Run, book, comparison_id: str) -> Callable[[], bool]:
        """``stop()`` for a render: its run stopping, cancelled, or its row gone (looked up at most every
        ``CHECK_S``); once True, always True (the renderer may ask again)."""
        next_look = time.monotonic() + CHECK_S

        def stop() -> bool:
            nonlocal next_look
            if run.cancel.is_set() or run.stopping.is_set():
                return True
            now = time.monotonic()
            if now < next_look:
                return False
            next_look = now + CHECK_S
            try:
                gone = book.find(comparison_id) is None
            except KioskError:  # the database in trouble: render on, finish() decides
                return False
            if gone:
                run.cancel.set()
            return gone

        return stop

    def _requeue(self, comparison_id: str) -> None:
        """A render stopped by ``stop()``: queued again for the next start (unless deleted meanwhile,
        or already marked failed by a next start that came before this thread stopped)."""
        try:
            if self.book.set_state(comparison_id, "queued", was="rendering"):
                _log.info("comparison %s stopped part-way by the shutdown; it renders after the next start", comparison_id)
                self._changed(comparison_id)
        except Exception as exc:  # the database in trouble: the next start marks it failed
            _log.error("cannot queue comparison %s again: %s", comparison_id, exc)

    def _keep_analysis(self, look_id: str, analysed) -> None:
        """A look stored without a yaw track was analysed: keep the track with it for next time,
        or, stamped with the detector's version, that it has none (it then plays by time at once)
        or shows no person (it is then refused at once)."""
        turn = analysed.turn
        data = {
            "clock": "seconds from the first frame of the video",
            "turn": None if turn is None else {**turn.to_json(), "complete": turn.complete},
            "yaw": analysed.track.to_entries(),
            "person": analysed.person,
            "span": None if analysed.span is None else list(analysed.span),
            "span_rotation": self.config.display.rotation % 360,  # the upright picture the span is of
            "source": "analysed for a comparison",
            "detector_version": detector_version(),
            "detector_settings": self._detector_settings(),
        }
        try:
            self.library.set_analysis(look_id, "turn", data)
        except KioskError as exc:
            _log.info("could not keep the analysis of look %s: %s", look_id, exc)

    def _detector_settings(self) -> str:
        """The stamp of what this renderer's analysis runs with (its looks are stored unrotated)."""
        return detector_settings(self.config, self.config.display.rotation)

    def _fail(self, comparison_id: str, exc: Exception) -> None:
        sentence = str(exc) if isinstance(exc, KioskError) else f"rendering failed ({type(exc).__name__})"
        if not isinstance(exc, KioskError):
            _log.error("comparison %s failed", comparison_id, exc_info=exc)
        else:
            _log.warning("comparison %s failed: %s", comparison_id, sentence)
        self.failed += 1
        self.last_error = sentence
        try:
            self.book.set_state(comparison_id, "failed", sentence)
            self._changed(comparison_id)
        except Exception as inner:  # the database itself is in trouble: say so, keep the loop
            _log.error("cannot record that comparison %s failed: %s", comparison_id, inner)

    def _changed(self, comparison_id: str) -> None:
        found = self.book.find(comparison_id)
        if found is not None:
            self._tell(found)

    def _tell(self, comparison) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(comparison)
        except Exception:
            _log.exception("comparison listener failed")

