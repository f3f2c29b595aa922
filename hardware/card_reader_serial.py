"""Card readers on a serial line (PN532, RDM6300, line readers), kept alive in a named thread.

The port is any pyserial URL (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``, ``loop://``,
``socket://host:port``, a pseudo-terminal). One ``reader`` thread opens it, runs the protocol
and reports ``CardEvent``s and ``ReaderState``s through one callback. Every failure (the port
vanishes, the device goes silent, a driver error) closes the port and reopens it with
exponential backoff; garbage, partial frames and silence never end the thread.

``auto`` first sends a PN532 wake-up and GetFirmwareVersion at 115200 baud; when nothing
answers it listens at the passive readers' rate and takes the first valid RDM6300 frame or ID
line as the answer (that first card counts as a tap). It re-probes now and then until it knows.

A connection proves itself by a good frame (a PN532 answering a poll, a valid card frame) or
by staying up ``healthy_s``; only then is the backoff reset and the outage over. A reader
that opens and fails at once, again and again, is one outage: reconnecting during an outage
is not announced as "connected" (nor logged) until the connection has proved itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hardware.card_frames import FrameError, LineDecoder, LineId, Rdm6300Decoder, Rdm6300Frame
from hardware.card_pn532 import Pn532Error, Pn532Link, Pn532Silent, poll_card, start_pn532
from hardware.card_port import RecordingPort, close_port, open_serial, plain_error
from hardware.card_tap import CardEvent, ReaderState, TapTracker

_log = logging.getLogger(__name__)

PROTOCOLS = ("auto", "pn532", "rdm6300", "line")
DEFAULT_BAUD = {"pn532": 115200, "rdm6300": 9600, "line": 9600}


@dataclass(frozen=True)
class ReaderSettings:
    """How a serial card reader is driven."""

    protocol: str = "auto"
    baudrate: int | None = None  # None: the protocol's usual rate
    removal_s: float = 0.5
    poll_interval_s: float = 0.1
    response_timeout_s: float = 0.5
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 10.0
    reprobe_s: float = 30.0
    healthy_s: float = 5.0  # connected this long (or one good frame) ends an outage and resets the backoff


class ReaderLost(Exception):
    """The connection failed; ``cause`` is open, silent, lost or protocol."""

    def __init__(self, cause: str, reason: str) -> None:
        super().__init__(reason)
        self.cause = cause


Listener = Callable[[CardEvent | ReaderState], None]


class SerialCardReader:
    """A card reader on ``port``; ``start`` runs it in the ``reader`` thread."""

    def __init__(self, port: str, settings: ReaderSettings | None = None, opener=open_serial) -> None:
        self.port = port
        self.settings = settings or ReaderSettings()
        self.opener = opener
        self.protocol: str | None = None  # the detected or configured protocol, once known
        self.frame_errors = 0
        self._listener: Listener = lambda event: None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tracker = TapTracker(self.settings.removal_s)
        self._connected = False  # this connection got as far as talking to a reader
        self._connected_at = 0.0
        self._proven = False  # this connection read a good frame or stayed up healthy_s
        self._held: tuple[str, str | None] | None = None  # a "connected" held back during an outage
        self._last_problem = ""  # the outage's failure, said once; "" when there is no outage

    def start(self, listener: Listener) -> None:
        """Start reading; ``listener`` runs on the reader thread and must return quickly."""
        if self.settings.protocol not in PROTOCOLS:
            raise ValueError(f"unknown card reader protocol {self.settings.protocol!r}")
        if self._thread is not None:
            raise RuntimeError("card reader already started")
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop reading and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # -- connection loop ---------------------------------------------------------------------

    def _run(self) -> None:
        backoff = self.settings.backoff_initial_s
        while not self._stop.is_set():
            self._connected, self._proven, self._held = False, False, None
            self._state("connecting", f"opening {self.port}")
            try:
                ser = self._open(self._baud(self.settings.protocol))
                try:
                    self._serve(ser)
                finally:
                    self._emit_cards(self._tracker.clear(), self.protocol or "")
                    close_port(ser)
            except ReaderLost as exc:
                self._state("unavailable", str(exc), cause=exc.cause)
            except Exception as exc:  # noqa: BLE001 - a driver bug must not end the reader
                _log.debug("card reader %s failed", self.port, exc_info=True)
                self._state("unavailable", f"card reader {self.port} failed ({exc})", cause="lost")
            if self._stop.is_set():
                break
            # Only a connection that proved itself resets the backoff: one that opens and fails at
            # once backs off like one that cannot open.
            backoff = self.settings.backoff_initial_s if self._proven else min(backoff * 2, self.settings.backoff_max_s)
            self._stop.wait(backoff)
        self._state("stopped", "stopped")

    def _open(self, baudrate: int):
        try:
            return self.opener(self.port, baudrate)
        except Exception as exc:  # noqa: BLE001 - pyserial raises several types for "cannot open"
            raise ReaderLost("open", f"cannot open {self.port}: {plain_error(exc)}") from None

    def _serve(self, ser) -> None:
        protocol = self.settings.protocol
        try:
            if protocol == "pn532":
                self._serve_pn532(ser, Pn532Link(ser, self._stop))
            elif protocol == "auto":
                self._serve_auto(ser)
            else:
                self._state("connected", f"listening on {self.port}", protocol)
                self._serve_passive(ser, protocol, _decoder(protocol))
        except Pn532Silent as exc:
            raise ReaderLost("silent", f"no PN532 answers on {self.port} ({exc})") from None
        except Pn532Error as exc:
            raise ReaderLost("protocol", f"the PN532 on {self.port} did not answer as expected ({exc})") from None
        except OSError as exc:  # pyserial's SerialException is an OSError
            raise ReaderLost("lost", f"card reader {self.port} disconnected ({plain_error(exc)})") from None

    def _serve_pn532(self, ser, link: Pn532Link, firmware=None) -> None:
        s = self.settings
        if firmware is None:
            firmware = start_pn532(link, s.response_timeout_s)
        self._state("connected", f"{firmware} on {self.port}", "pn532")
        silent = 0
        while not self._stop.is_set():
            try:
                target = poll_card(link, s.response_timeout_s)
            except Pn532Silent:
                silent += 1
                if silent >= 3:
                    raise
                link.wake()
                continue
            except Pn532Error as exc:
                self.frame_errors += 1
                _log.debug("PN532 on %s: %s; resynchronising", self.port, exc)
                link.cancel()
                continue
            silent = 0
            self._prove(good=True)  # the PN532 answered a poll
            now = time.monotonic()
            events = self._tracker.seen(target.uid_hex, now) if target else self._tracker.tick(now)
            self._emit_cards(events, "pn532")
            self._stop.wait(s.poll_interval_s)

    def _serve_passive(self, ser, protocol: str, decoder, first: str | None = None) -> None:
        if first is not None:
            self._emit_cards(self._tracker.seen(first, time.monotonic()), protocol)
        while not self._stop.is_set():
            chunk = ser.read(max(1, min(ser.in_waiting, 256)))
            now = time.monotonic()
            events = []
            for item in decoder.feed(chunk):
                if isinstance(item, FrameError):
                    self.frame_errors += 1
                    _log.debug("%s on %s: %s", protocol, self.port, item.reason)
                else:
                    self._prove(good=True)
                    events += self._tracker.seen(item.uid, now)
            self._prove()
            self._emit_cards(events + self._tracker.tick(now), protocol)

    def _serve_auto(self, ser) -> None:
        s = self.settings
        while not self._stop.is_set():
            ser.baudrate = self._baud("pn532")
            probe = RecordingPort(ser)
            link = Pn532Link(probe, self._stop)
            try:
                firmware = start_pn532(link, s.response_timeout_s)
            except Pn532Error:
                _log.debug("no PN532 on %s; listening for other readers", self.port)
            else:
                link.port = ser
                return self._serve_pn532(ser, link, firmware)
            ser.baudrate = self._baud("rdm6300")
            self._state("connected", f"listening on {self.port} (reader type not known yet)")
            found = self._listen_for_passive(ser, bytes(probe.data), time.monotonic() + s.reprobe_s)
            if found:
                protocol, decoder, uid = found
                self._state("connected", f"{protocol} reader on {self.port}", protocol)
                return self._serve_passive(ser, protocol, decoder, first=uid)
        return None

    def _listen_for_passive(self, ser, heard: bytes, deadline: float):
        """Wait for an RDM6300 frame or an ID line; ``heard`` is what came during the probe."""
        decoders = [("rdm6300", Rdm6300Decoder()), ("line", LineDecoder())]
        chunk = heard
        while not self._stop.is_set():
            for protocol, decoder in decoders:
                for item in decoder.feed(chunk):
                    if isinstance(item, (Rdm6300Frame, LineId)):
                        decoder.reset()
                        return protocol, decoder, item.uid
            self._prove()
            if time.monotonic() >= deadline:
                break
            chunk = ser.read(max(1, min(ser.in_waiting, 256)))
        return None

    # -- reporting ---------------------------------------------------------------------------

    def _baud(self, protocol: str) -> int:
        return self.settings.baudrate or DEFAULT_BAUD.get(protocol, DEFAULT_BAUD["pn532"])

    def _emit_cards(self, events: list[tuple[str, str]], protocol: str) -> None:
        for kind, uid in events:
            _log.info("card %s on %s (%s)", kind, self.port, protocol)
            self._emit(CardEvent(kind, uid, protocol, self.port))

    def _state(self, state: str, reason: str, protocol: str | None = None, cause: str = "") -> None:
        if protocol:
            self.protocol = protocol
        # A reader left unplugged fails at every retry: say so once, then quietly. That it works
        # (again) is worth a line too: the journal shows when an outage ended.
        level = logging.DEBUG
        if state == "unavailable" and reason != self._last_problem:
            level = logging.WARNING
        elif state == "connected" and not self._connected:
            level = logging.INFO
        if state == "unavailable":
            self._last_problem = reason
        if state == "connected":
            if not self._connected:
                self._connected, self._connected_at = True, time.monotonic()
            if self._last_problem and not self._proven:
                # During an outage, a connection is not news until it proves itself (_prove).
                self._held = (reason, protocol or self.protocol)
                _log.debug("card reader %s: connected again (%s); waiting for it to prove itself", self.port, reason)
                return
        _log.log(level, "card reader %s: %s (%s)", self.port, state, reason)
        self._emit(ReaderState(state, reason, protocol or self.protocol, cause))

    def _prove(self, good: bool = False) -> None:
        """A good frame, or ``healthy_s`` connected: the outage is over (said once, with the held "connected")."""
        if self._proven or not self._connected:
            return
        if not good and time.monotonic() - self._connected_at < self.settings.healthy_s:
            return
        self._proven = True
        held, self._held = self._held, None
        if self._last_problem and held is not None:
            self._last_problem = ""
            reason, protocol = held
            _log.info("card reader %s: connected (%s)", self.port, reason)
            self._emit(ReaderState("connected", reason, protocol, ""))
        self._last_problem = ""

    def _emit(self, event) -> None:
        try:
            self._listener(event)
        except Exception:  # a broken listener must not stop the reader
            _log.exception("card reader listener failed")


def _decoder(protocol: str):
    return Rdm6300Decoder() if protocol == "rdm6300" else LineDecoder()
