"""What the network layer knows of the mirror right now, learnt from the core's events.

``LiveState`` is written by one bus listener (``EventFeed``, on whichever thread emitted) and
read by the HTTP handlers on the network thread; a lock keeps each read consistent. The
network layer never asks the core: everything it shows comes from events.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class LiveView:
    """One consistent reading of the live state."""

    state: str  # idle, session or recording
    session_id: str | None
    session_started_at: float | None  # Unix time
    sessions_started: int
    looks_recorded: int
    analysis_state: str | None = None  # the body analysis' last AnalysisStatus (None: no analysis)
    analysis_reason: str = ""
    analysis_restarts: int = 0


class LiveState:
    """The mirror's state, current session and counters; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._view = LiveView("idle", None, None, 0, 0)

    def read(self) -> LiveView:
        with self._lock:
            return self._view

    def update(self, **changes) -> LiveView:
        """Change some fields; returns the previous view."""
        with self._lock:
            previous = self._view
            self._view = LiveView(**{**previous.__dict__, **changes})
            return previous

    def count(self, field: str) -> None:
        """Add one to ``sessions_started``, ``looks_recorded`` or ``analysis_restarts``."""
        with self._lock:
            self._view = LiveView(**{**self._view.__dict__, field: getattr(self._view, field) + 1})

    @property
    def state(self) -> str:
        return self.read().state

    @property
    def session_id(self) -> str | None:
        return self.read().session_id


class FollowsLive:
    """The figures a context reads from its ``live`` (a ``LiveState``): the network part's and a plain mirror's."""

    live: LiveState

    @property
    def state(self) -> str:
        return self.live.state

    @property
    def sessions_started(self) -> int:
        return self.live.read().sessions_started

    @property
    def looks_recorded(self) -> int:
        return self.live.read().looks_recorded
