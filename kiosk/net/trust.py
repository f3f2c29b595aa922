"""Trust between the mirrors of one store: proof of the store secret, never the secret itself.

Zeroconf tells a mirror where the other mirrors are and nothing it believes. Anyone on the
store LAN can announce ``_smartmirror._tcp``, so before one mirror (A, whose console an
associate is using) sends another (B) a request, B must prove it holds the store secret, the
one every mirror of the store already has for card keys (``[identity] secret_file``):

1. A → B ``POST /api/v1/peer/hello {from: A, nonce: na}``: nothing secret, nothing derived.
2. B → A ``{id: B, nonce: nb, proof: MAC("hello", A, B, na, nb), at: MAC("hello-at", A, B,
   na, nb, ADDR:PORT)}``. B remembers ``nb`` for ``NONCE_TTL_S``, for A only, for one use. A
   checks the proof over its own fresh ``na``: only a holder of the secret can make it, and an
   old proof is useless (``na`` is new every time). ``at`` names the address and port the hello
   reached B on (B's end of the connection): a device that passes A's hello on to a real mirror
   gets a proof for the mirror's address, not its own, so A can tell where the mirror really is
   (``kiosk discover`` checks it before a device enters the fleet files).
3. A → B the request with ``Smartmirror-Peer: v1; from=A; nonce=nb; sig=MAC("request", A, B,
   nb, method, path, sha256(body))``. B accepts it once: ``nb`` is consumed whatever the outcome,
   expires on its own, and binds the request to B, so a captured request can be replayed
   neither to B nor to any other mirror.
4. B answers with ``Smartmirror-Peer-Proof: MAC("response", A, B, nb, status, sha256(body))``,
   so A shows nothing a relay or an impostor made up.

The MAC key is ``HMAC-SHA256(store secret, "smartmirror/peer/v1")``, domain-separated from the
card keys; every MAC is HMAC-SHA256 over length-prefixed fields, so no two messages of
different kinds or splits can collide. The store secret, the peer key and the API token never
go over the wire; a device that does not hold the secret gets a hello (step 1) and nothing
else. What this does not give: confidentiality (plain HTTP on the store LAN; a relay between
two real mirrors can read, but not change or replay, the help requests they exchange).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from kiosk.paths import STORE_SECRET_NAME

_log = logging.getLogger(__name__)

PEER_LABEL = b"smartmirror/peer/v1"
NONCE_BYTES = 16
NONCE_TTL_S = 30.0
MAX_NONCES = 4096
HEADER = "Smartmirror-Peer"
PROOF_HEADER = "Smartmirror-Peer-Proof"
#: Mirror ids are UUIDs; the pattern is loose enough for any id we make, strict enough for a header.
ID_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,64}$")
NONCE_PATTERN = re.compile(rf"^[0-9a-f]{{{NONCE_BYTES * 2}}}$")
_HEADER_PATTERN = re.compile(
    r"^v1; from=(?P<sender>[0-9A-Za-z-]{1,64}); nonce=(?P<nonce>[0-9a-f]{32}); sig=(?P<sig>[0-9a-f]{64})$"
)


class Untrusted(Exception):
    """A peer did not prove it holds the store secret, or a request or answer does not check out."""


class WrongSecret(Untrusted):
    """A well-formed hello answer whose proof was made with another secret: a mirror of another
    store, one installed with a secret that is not the store's, or a device posing as a mirror."""


def derive_peer_key(store_secret: bytes) -> bytes:
    """The key every MAC between mirrors uses (never the store secret itself)."""
    return hmac.new(store_secret, PEER_LABEL, hashlib.sha256).digest()


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class PeerTrust:
    """This mirror's side of the protocol, as the asking mirror and as the asked one; thread-safe."""

    def __init__(self, store_secret: bytes, mirror_id: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = derive_peer_key(store_secret)
        self.mirror_id = mirror_id
        self._clock = clock
        self._issued: OrderedDict[str, tuple[str, float]] = OrderedDict()  # nb → (for whom, expires)
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show key material in a traceback or log line
        return f"PeerTrust({self.mirror_id!r}, <key>)"

    # -- as the asked mirror (B) ----------------------------------------------------------------

    def answer_hello(self, sender: str, their_nonce: str, at: str | None = None) -> dict:
        """Step 2: prove we hold the secret over the sender's nonce and issue a one-use nonce.

        ``at`` is ``ADDR:PORT`` the hello reached us on; the answer then proves it too.
        """
        if not ID_PATTERN.match(sender) or not NONCE_PATTERN.match(their_nonce):
            raise Untrusted("a hello needs a mirror id and a 32-digit hexadecimal nonce")
        nonce = secrets.token_hex(NONCE_BYTES)
        now = self._clock()
        with self._lock:
            self._expire(now)
            while len(self._issued) >= MAX_NONCES:
                self._issued.popitem(last=False)
            self._issued[nonce] = (sender, now + NONCE_TTL_S)
        answer = {"id": self.mirror_id, "nonce": nonce, "proof": self._mac(b"hello", sender, self.mirror_id, their_nonce, nonce)}
        if at is not None:
            answer["at"] = self._mac(b"hello-at", sender, self.mirror_id, their_nonce, nonce, at)
        return answer

    def check_request(self, header: str | None, method: str, path: str, body: bytes) -> tuple[str, str]:
        """Step 3 on arrival: (sender id, nonce) of a valid request; ``Untrusted`` otherwise."""
        match = _HEADER_PATTERN.match(header or "")
        if match is None:
            raise Untrusted(f"a request between mirrors needs a valid {HEADER} header")
        sender, nonce, sig = match["sender"], match["nonce"], match["sig"]
        now = self._clock()
        with self._lock:
            self._expire(now)
            issued = self._issued.pop(nonce, None)  # one use, whatever happens next
        if issued is None:
            raise Untrusted("the nonce is unknown, used or expired; say hello again")
        if issued[0] != sender:
            raise Untrusted("the nonce was issued to another mirror")
        expected = self._mac(b"request", sender, self.mirror_id, nonce, method.upper(), path, body_digest(body))
        if not hmac.compare_digest(expected, sig):
            raise Untrusted("the request is not signed with this store's secret")
        return sender, nonce

    def sign_response(self, sender: str, nonce: str, status: int, body: bytes) -> str:
        """Step 4: the proof header value of our answer to ``sender``'s request."""
        return self._mac(b"response", sender, self.mirror_id, nonce, str(status), body_digest(body))

    # -- as the asking mirror (A) ---------------------------------------------------------------

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_hex(NONCE_BYTES)

    def check_hello(self, my_nonce: str, answer: object, at: str | None = None) -> tuple[str, str]:
        """Step 2 on arrival: (peer id, its nonce) when the proof is right; ``Untrusted`` otherwise
        (its words follow "it", as callers say them: "it does not prove …").

        With ``at`` (``ADDR:PORT`` the hello was sent to), the peer must also prove that it is
        the one listening there, not a device passing the hello on to a mirror.
        """
        if not isinstance(answer, dict):
            raise Untrusted("answered the hello with something that is not a JSON object")
        peer, nonce, proof = answer.get("id"), answer.get("nonce"), answer.get("proof")
        if not all(isinstance(v, str) for v in (peer, nonce, proof)):
            raise Untrusted("answered the hello without id, nonce or proof")
        if not ID_PATTERN.match(peer) or not NONCE_PATTERN.match(nonce):
            raise Untrusted("sent a malformed hello answer")
        expected = self._mac(b"hello", self.mirror_id, peer, my_nonce, nonce)
        if not hmac.compare_digest(expected, proof):
            raise WrongSecret("does not prove it holds this store's secret")  # callers say "it …"
        if at is not None:
            where = answer.get("at")
            if where is None:  # the proof is right but names no address: an older mirror, or a relay that dropped it
                raise Untrusted("does not prove its own address: its kiosk software may be older than this "
                                "one's (upgrade it, then run discover again), or the hello was passed on")
            expected = self._mac(b"hello-at", self.mirror_id, peer, my_nonce, nonce, at)
            if not isinstance(where, str) or not hmac.compare_digest(expected, where):
                raise Untrusted(f"is not the mirror listening at {at} (the hello was passed on)")
        return peer, nonce

    def request_header(self, peer: str, nonce: str, method: str, path: str, body: bytes) -> str:
        sig = self._mac(b"request", self.mirror_id, peer, nonce, method.upper(), path, body_digest(body))
        return f"v1; from={self.mirror_id}; nonce={nonce}; sig={sig}"

    def check_response(self, peer: str, nonce: str, status: int, body: bytes, proof: str | None) -> None:
        expected = self._mac(b"response", self.mirror_id, peer, nonce, str(status), body_digest(body))
        if not proof or not hmac.compare_digest(expected, proof):
            raise Untrusted("sent an answer not signed with this store's secret")

    # -- internals ------------------------------------------------------------------------------

    def _mac(self, kind: bytes, *fields: str) -> str:
        parts = [kind, *(f.encode("utf-8") for f in fields)]
        message = b"".join(len(p).to_bytes(4, "big") + p for p in parts)
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _expire(self, now: float) -> None:
        while self._issued:
            nonce, (_, expires) = next(iter(self._issued.items()))
            if expires > now:
                break
            del self._issued[nonce]


def secret_path(config, data_dir: Path | None) -> Path | None:
    """Where the store secret is: ``[identity] secret_file``, else ``store-secret`` in the data folder."""
    if config.identity.secret_file:
        return Path(config.identity.secret_file).expanduser()
    return Path(data_dir) / STORE_SECRET_NAME if data_dir is not None else None


def load_peer_trust(config, data_dir: Path | None, mirror_id: str) -> PeerTrust | None:
    """Trust built on the store secret (created once if absent, as the identity layer does); None if unusable."""
    from kiosk.identity.cardkey import load_secret
    from kiosk.identity.errors import IdentityError

    path = secret_path(config, data_dir)
    if path is None:
        return None
    try:
        return PeerTrust(load_secret(path, create=True), mirror_id)
    except IdentityError as exc:
        _log.warning("the other mirrors of the store cannot be reached: %s", exc)
        return None
