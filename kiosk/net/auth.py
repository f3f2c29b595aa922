"""Who may call the protected API: the store's bearer token, or a console sign-in.

The API token comes from ``KIOSK_API_TOKEN`` or ``api.token``; every comparison is constant
time (``hmac.compare_digest``). Signing in to the console with the token or the PIN yields a
random session token (12 h) that the console sends as its bearer. A PIN has few digits, so
failed sign-ins are limited per client address.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

SESSION_S = 12 * 3600
MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
MAX_SESSIONS = 1000


class Throttled(Exception):
    """Too many failed sign-ins from one address; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class Auth:
    """Checks bearer tokens and runs console sign-in."""

    def __init__(self, token: str, pin: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self._token = token
        self._pin = pin
        self._clock = clock
        self._sessions: dict[str, float] = {}
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @property
    def locked(self) -> bool:
        """True when no token is set: nothing but the public endpoints answer."""
        return not self._token and not self._pin

    @property
    def token(self) -> str:
        return self._token

    def check(self, authorization: str | None) -> bool:
        """True for ``Bearer <api token>`` or ``Bearer <live console session>``."""
        if not authorization:
            return False
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            return False
        if _same(credential, self._token):
            return True
        now = self._clock()
        with self._lock:
            for session, expires in list(self._sessions.items()):
                if expires <= now:
                    del self._sessions[session]
            # every live session is compared, so the time taken does not depend on which matched
            matched = False
            for session in self._sessions:
                matched |= hmac.compare_digest(credential.encode("utf-8"), session.encode("utf-8"))
        return matched

    def sign_in(self, secret: str, client: str) -> str | None:
        """A new console session token for the API token or the PIN; None when wrong."""
        now = self._clock()
        with self._lock:
            recent = self._failures[client]
            while recent and now - recent[0] > FAILURE_WINDOW_S:
                recent.popleft()
            if len(recent) >= MAX_FAILURES:
                raise Throttled(int(FAILURE_WINDOW_S - (now - recent[0])) + 1)
            if not (_same(secret, self._token) or _same(secret, self._pin)):
                recent.append(now)
                return None
            recent.clear()
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=self._sessions.get)
                del self._sessions[oldest]
            session = secrets.token_urlsafe(32)
            self._sessions[session] = now + SESSION_S
            return session

    def sign_out(self, authorization: str | None) -> None:
        _, _, credential = (authorization or "").partition(" ")
        with self._lock:
            self._sessions.pop(credential.strip(), None)
