"""``CompareSession``: 2–4 looks turning together on the mirror, frames for any angle in O(1).

What the comparison view (QML, through a thin bridge) uses: ``start()`` decodes every look into
its scrub proxy (``proxy``) on one named worker thread at low priority, so the UI thread never
decodes; ``frames(angle)`` then answers with two array reads per look; ``angle_at(seconds)``
is the slow automatic turn (one full turn in ``seconds``, from facing the camera, the first
look's way) that dragging interrupts and letting go resumes.

Why the proxy is made when the comparison opens and not when a look is stored: most looks are
never compared, and a proxy is only right for one pane size (two panes on a portrait screen are
twice as wide as four); made at store time it would take disk for every look and CPU right when
the shopper watches the replay of the turn they just made, and it would still be decoded from
disk into memory on opening. Decoding on opening costs one pass over each video (a 10 s 720p
look decodes in well under a second on the development machine; the numbers are in
docs/PERFORMANCE.md), and the panes fill as it goes: ``frames`` returns None for a pane whose
frame is not decoded yet, and ``progress`` says how far it is. A look whose video turns out to
be damaged part-way is marked in ``failed`` and counts as done, so the view says so instead of
"Preparing…" for ever.

Memory: everything stays under ``memory_mb`` (300 MB): the frames the slots need (a slow or
pausing turn needs fewer distinct frames than slots) plus what the decoder holds. When they
would not fit at every 2.5°, the angle step grows (down to every 10°), then the panes shrink.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from kiosk.compare.panes import Pane
from kiosk.compare.priority import lower_priority
from kiosk.compare.proxy import ProxyFrame, ScrubProxy, fit, frames_needed
from kiosk.compare.timeline import default_seconds

_log = logging.getLogger(__name__)

MIN_SLOTS = 36  # every 10°
MAX_SLOTS = 144  # every 2.5°
SLOT_CHOICES = (144, 120, 96, 72, 60, 48, 36)
DECODER_MB = 32.0  # what decoding itself holds besides the kept frames (measured: 15–20 MB)


@dataclass(frozen=True)
class SessionSettings:
    """How big each pane may be, how finely the angle is cut and how much memory the frames may take."""

    pane_box: tuple[int, int] = (540, 960)
    slots: int = MAX_SLOTS
    memory_mb: float = 300.0
    seconds: float | None = None  # one slow turn; None: the slowest look's turn (4–15 s)
    nice: int = 10
    pixel_format: str = "rgb24"  # or "yuv420p": planes the GPU converts, half the memory per frame


def plan_sizes(panes: list[Pane], settings: SessionSettings, seconds: float, sweep: int = 1) -> tuple[list[tuple[int, int]], int]:
    """Each pane's size and the finest slot count whose distinct frames fit in ``memory_mb``."""
    sizes = [fit(*p.size, settings.pane_box) for p in panes]
    budget = (settings.memory_mb - DECODER_MB) * 1e6
    choices = [n for n in SLOT_CHOICES if n <= settings.slots] or [MIN_SLOTS]
    for slots in choices:
        kept = sum(frames_needed(p, slots, seconds, sweep) * ScrubProxy.frame_bytes(s, settings.pixel_format)
                   for p, s in zip(panes, sizes))
        if kept <= budget:
            return sizes, slots
    slots = choices[-1]
    shrink = (budget / max(kept, 1)) ** 0.5
    return [fit(w, h, (int(w * shrink), int(h * shrink))) for w, h in sizes], slots


class CompareSession:
    """The looks of one comparison on the mirror, decoded ahead into memory."""

    def __init__(self, panes: list[Pane], settings: SessionSettings | None = None) -> None:
        self.panes = panes
        self.settings = settings or SessionSettings()
        self.seconds = self.settings.seconds or default_seconds([p.timing() for p in panes])
        leader = next((p.angle_map for p in panes if p.angle_map is not None), None)
        self.sweep = leader.sign if leader is not None else 1
        sizes, slots = plan_sizes(panes, self.settings, self.seconds, self.sweep)
        fmt = self.settings.pixel_format
        self.proxies = [ScrubProxy(p, size, slots, self.seconds, self.sweep, fmt) for p, size in zip(panes, sizes)]
        self.error: str | None = None
        self._failed: frozenset[int] = frozenset()  # panes whose decoding failed (replaced whole: read from any thread)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start decoding on the ``compare-proxy`` thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="compare-proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop decoding (if it still runs) and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10.0)
            self._thread = None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every proxy is filled (or failed); True when done. For tools and tests, not the UI."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # -- what the view reads (any thread, O(1)) ---------------------------------------------------

    def frames(self, angle_deg: float) -> list[ProxyFrame | None]:
        """Each pane's frame for the shared body angle (None: not decoded yet)."""
        return [proxy.frame(angle_deg) for proxy in self.proxies]

    def angle_at(self, seconds: float) -> float:
        """The shared angle of the slow automatic turn ``seconds`` after it began."""
        return (self.sweep * 360.0 * seconds / self.seconds) % 360.0

    @property
    def by_angle(self) -> bool:
        """Some pane follows the shared body angle; False: every pane plays by time, the angle means nothing."""
        return any(p.by_angle for p in self.proxies)

    def play_seconds(self, angle_deg: float) -> float:
        """How far into their play (0..``seconds``) the panes playing by time are at a shared angle."""
        return ((self.sweep * angle_deg) % 360.0) / 360.0 * self.seconds

    @property
    def progress(self) -> float:
        """Share of the frames decoded, 0..1; a look that failed counts as done (its frames will never come)."""
        failed = self.failed
        total = sum(len(p.frames) for p in self.proxies)
        done = sum(len(p.frames) if broken else sum(f is not None for f in p.frames)
                   for p, broken in zip(self.proxies, failed))
        return done / total if total else 1.0

    @property
    def ready(self) -> bool:
        return all(p.ready for p in self.proxies)

    @property
    def failed(self) -> tuple[bool, ...]:
        """Per pane: its video could not be decoded (the view says so instead of waiting for it)."""
        return tuple(i in self._failed for i in range(len(self.proxies)))

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.proxies)

    # -- the worker -------------------------------------------------------------------------------

    def _run(self) -> None:
        lower_priority(self.settings.nice, "comparison decoder")
        for index, proxy in enumerate(self.proxies):
            if self._stop.is_set():
                return
            try:
                proxy.fill(self._stop.is_set)
            except Exception as exc:  # a broken file must not take the view down; the pane says so
                self.error = f"{proxy.pane.source}: {exc}"
                self._failed = self._failed | {index}
                _log.warning("cannot decode look %s for comparing: %s", proxy.pane.source, exc)
        _log.info("comparison ready: %d looks, %.0f MB", len(self.proxies), self.nbytes / 1e6)

