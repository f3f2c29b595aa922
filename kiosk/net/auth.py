"""Who may call the protected API, and with which role.

Two roles. ``admin``: the store's API token (``KIOSK_API_TOKEN`` or ``api.token``, at least 32
characters), or a console sign-in made with it: everything, including deleting looks and
revoking share links. ``associate``: a console sign-in with the PIN: what the associate
console does on the shop floor (mirror state, live events, help requests and their
acknowledgement, consented looks and their share links), nothing that deletes or reveals what
the shopper did not agree to share. ``docs/SECURITY.md`` has the table.

Every comparison is constant time (``hmac.compare_digest``). Sign-in yields a random session
token (12 h) that the console sends as its bearer. When a session ends (sign-out, expiry, or
one ended to make room, below) ``on_end`` hears its key (``Auth.session_key``: a hash, never the
token), so the live event streams it opened are closed (``EventStream.end``).
Sign-ins are kept in memory, in bounded room that no one role or address can take from the
others: PIN sign-ins (at most ``MAX_SESSIONS``) never end a store-token sign-in (at most
``MAX_ADMIN_SESSIONS`` of their own), and within a role one address holds at most
``MAX_SESSIONS_PER_ADDRESS``: its next sign-in ends its own least recently used. When a role's room is full
anyway (sign-ins from many addresses), the address holding the most of them loses its least recently used
(of several holding as many, the one that signed in last), so a tablet with a sign-in or two
keeps them whatever a script signs in.
Wrong PINs and wrong bearer tokens are counted per client address (``throttle.FailureBook``);
an address that used up its tries is refused until they age out, whatever it sends. Wrong PINs
are also counted from all addresses together (``throttle.SignInPause``): past either of its limits
(a burst within 5 minutes, a budget for the day) every PIN sign-in is refused for a while, so
spreading guesses over many addresses, or over the day, does not help.
The store's API token still signs in during such a pause: it cannot be guessed, and store IT
must be able to get in. Each wrong PIN counted here is told to ``on_wrong_pin`` (which reports
it to the store's other mirrors, ``pin_reports``), and those they report are counted here
(``peer_wrong_pins``): the store's mirrors share one PIN, so they share one count. With
``pin_counts`` the store-wide counts and the pause are saved in the data folder and taken up again
at start (``restore_pin_counts``): a restart neither ends a pause nor gives a guesser a fresh day.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from kiosk.errors import NetServiceError
from kiosk.net.pin_counts import PinCountFile
from kiosk.net.throttle import FAILURE_WINDOW_S, MAX_FAILURES, FailureBook, PauseState, SignInPause, Throttled

__all__ = [
    "ADMIN", "ASSOCIATE", "FAILURE_WINDOW_S", "MAX_ADMIN_SESSIONS", "MAX_FAILURES", "MAX_SESSIONS",
    "MAX_SESSIONS_PER_ADDRESS", "MIN_TOKEN_CHARS", "SESSION_S", "Auth", "PauseState", "Throttled", "api_token",
]

SESSION_S = 12 * 3600
MAX_SESSIONS = 1000  # PIN sign-ins, all addresses together
MAX_ADMIN_SESSIONS = 100  # sign-ins made with the store's token, kept apart from the PIN's
#: Sign-ins of one role one address keeps (a store has 2 to 10 tablets, each signed in once or
#: twice a shift, several behind one address at most on a guest network); the next ends its oldest.
MAX_SESSIONS_PER_ADDRESS = 20
MIN_TOKEN_CHARS = 32

ADMIN = "admin"
ASSOCIATE = "associate"


def api_token(config_token: str, environ: dict | None = None) -> str:
    """The store's API token: ``KIOSK_API_TOKEN`` overrides ``api.token``; too short is an error."""
    env = os.environ if environ is None else environ
    token = env.get("KIOSK_API_TOKEN") or config_token
    if token and len(token) < MIN_TOKEN_CHARS:
        source = "KIOSK_API_TOKEN" if env.get("KIOSK_API_TOKEN") else "api.token"
        # the value itself is never repeated: it may be the real token with one character missing
        raise NetServiceError(f"{source} is too short: use at least {MIN_TOKEN_CHARS} random characters "
                         "(e.g. the output of: openssl rand -hex 24)")
    return token


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _credential(authorization: str | None) -> str | None:
    scheme, _, credential = (authorization or "").partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        return None
    return credential


def _key(session: str) -> str:
    """What names a sign-in session outside this module: a SHA-256 of its token, not the token."""
    return hashlib.sha256(session.encode("utf-8")).hexdigest()


class _Session(NamedTuple):
    expires: float
    role: str
    client: str  # the address that signed in
    used: float = 0.0  # when a request last used it (its sign-in, at first): room is made from the least used


def _to_end(sessions: dict[str, _Session], role: str, client: str) -> str | None:
    """The sign-in that must end to make room for one of ``role`` from ``client``; None if there is room.

    Only a sign-in of the same role is ever ended: the address's own least recently used when it
    holds its share (a tab left open all day and still in use outlives tabs closed since), else,
    when the role's room is full, the least recently used of the address holding the most (of
    several holding as many, the one that signed in last: a script signing in from many addresses
    loses its own before a tablet that signed in at the start of the shift).
    """
    mine = {token: s for token, s in sessions.items() if s.role == role}
    own = [token for token, s in mine.items() if s.client == client]
    if len(own) >= MAX_SESSIONS_PER_ADDRESS:
        return min(own, key=lambda token: (mine[token].used, mine[token].expires))
    if len(mine) < (MAX_ADMIN_SESSIONS if role == ADMIN else MAX_SESSIONS):
        return None
    held: dict[str, list[str]] = {}
    for token, s in mine.items():
        held.setdefault(s.client, []).append(token)
    biggest = max(held.values(), key=lambda tokens: (len(tokens), max(mine[t].expires for t in tokens)))
    return min(biggest, key=lambda token: (mine[token].used, mine[token].expires))


class Auth:
    """Checks bearer tokens, runs console sign-in and throttles guessing."""

    def __init__(
        self,
        token: str,
        pin: str = "",
        clock: Callable[[], float] = time.monotonic,
        on_end: Callable[[str], None] | None = None,
        on_wrong_pin: Callable[[bool], None] | None = None,
        pin_counts: PinCountFile | None = None,
    ) -> None:
        self._token = token
        self._pin = pin
        self._clock = clock
        self._on_end = on_end  # told the key (``session_key``) of every session that ends
        self._on_wrong_pin = on_wrong_pin  # told of each wrong PIN counted (True: it started a pause); never blocks
        self._sessions: dict[str, _Session] = {}  # token → its sign-in
        self._pin_failures = FailureBook("sign-ins", clock=clock)
        self._token_failures = FailureBook("tokens", clock=clock)
        # wrong PINs from all addresses together, kept across restarts in ``pin_counts`` (None: memory only)
        self._pin_pause = SignInPause(clock=clock, keeper=pin_counts)
        self._lock = threading.Lock()

    @property
    def session_s(self) -> float:
        """How long a sign-in lasts from the moment it is made; nothing extends it."""
        return SESSION_S

    @property
    def locked(self) -> bool:
        """True when neither a token nor a PIN is set: nothing but the public endpoints answer."""
        return not self._token and not self._pin

    def role(self, authorization: str | None) -> str | None:
        """``admin`` or ``associate`` for a valid ``Bearer`` credential, else None (not throttled)."""
        credential = _credential(authorization)
        if credential is None:
            return None
        if _same(credential, self._token):
            return ADMIN
        now = self._clock()
        encoded = credential.encode("utf-8")
        with self._lock:
            expired = self._sweep(now)
            # every live session is compared, so the time taken does not depend on which matched
            found = matched = None
            for session, held in self._sessions.items():
                if hmac.compare_digest(encoded, session.encode("utf-8")):
                    found, matched = held.role, session
            if matched is not None:
                self._sessions[matched] = self._sessions[matched]._replace(used=now)
        self._ended(expired)
        return found

    def still_valid(self, authorization: str | None) -> bool:
        """Whether a credential that was accepted earlier is still good now (not throttled, not counted).

        For what already holds a credential (an open event stream): a plain lookup, since the
        caller proved it knew the token when it was accepted.
        """
        credential = _credential(authorization)
        if credential is None:
            return False
        if _same(credential, self._token):
            return True
        now = self._clock()
        with self._lock:
            found = self._sessions.get(credential)
            if found is not None and found.expires > now:  # an open event stream: its tab is in use
                self._sessions[credential] = found._replace(used=now)
        return found is not None and found.expires > now

    def session_key(self, authorization: str | None) -> str | None:
        """The key naming a sign-in session (a hash of its token); None for the store's token (no sign-out ends it)."""
        credential = _credential(authorization)
        if credential is None or _same(credential, self._token):
            return None
        return _key(credential)

    def check(self, authorization: str | None) -> bool:
        """True for ``Bearer <api token>`` or ``Bearer <live console session>``."""
        return self.role(authorization) is not None

    def authorize(self, authorization: str | None, client: str) -> str | None:
        """Like ``role``, counting wrong credentials from ``client``; raises ``Throttled``.

        A request without a bearer credential is not a guess and is not counted.
        """
        if _credential(authorization) is None:
            return None
        self._token_failures.check(client)
        role = self.role(authorization)
        if role is None:
            self._token_failures.failed(client)
        return role

    def sign_in(self, secret: str, client: str) -> str | None:
        """A new console session token for the API token or the PIN; None when wrong."""
        try:
            self._pin_failures.check(client)
        except Throttled:
            # refused either way, before anything is compared; while the whole store is paused the
            # refusal says so (wait for the store, ask the manager), not "too many failed sign-ins" here
            self._pin_pause.check()
            raise
        if _same(secret, self._token):
            role = ADMIN
        else:
            self._pin_pause.check()  # while paused the PIN is not even compared: a refusal tells nothing
            if _same(secret, self._pin):
                role = ASSOCIATE
            else:
                self._pin_failures.failed(client)
                started = self._pin_pause.failed(client)
                if self._on_wrong_pin is not None and self._pin:  # without a PIN nothing here guesses the store's
                    self._on_wrong_pin(started)
                return None
        self._pin_failures.succeeded(client)
        now = self._clock()
        with self._lock:
            dropped = self._sweep(now)
            making_room = _to_end(self._sessions, role, client)
            if making_room is not None:
                del self._sessions[making_room]
                dropped.append(making_room)
            session = secrets.token_urlsafe(32)
            self._sessions[session] = _Session(now + self.session_s, role, client, now)
        self._ended(dropped)
        return session

    def pin_pause(self) -> PauseState:
        """Whether PIN sign-in is paused after too many wrong PINs from all addresses, for health."""
        return self._pin_pause.state()

    def restore_pin_counts(self) -> None:
        """Take up the wrong PINs and the pause saved before a restart (at start; reads a file)."""
        self._pin_pause.restore()

    def peer_wrong_pins(self, mirror: str, count: int, paused: bool) -> None:
        """Count wrong PINs another mirror of the store (``mirror``, proven) counted; ``paused``: it paused.
        Saves the counts to disk: call it off the event loop."""
        self._pin_pause.reported(mirror, count, paused)

    def sign_out(self, authorization: str | None) -> None:
        """End a sign-in session (the store's token itself is never ended); its event streams close."""
        credential = _credential(authorization)
        with self._lock:
            gone = self._sessions.pop(credential or "", None)
        if gone is not None:
            self._ended([credential])

    def _sweep(self, now: float) -> list[str]:
        """Forget the expired sessions and return them (under the lock)."""
        expired = [session for session, held in self._sessions.items() if held.expires <= now]
        for session in expired:
            del self._sessions[session]
        return expired

    def _ended(self, sessions: list[str]) -> None:
        # called outside the lock: the listener may take locks of its own
        if self._on_end is None:
            return
        for session in sessions:
            self._on_end(_key(session))
