"""The card reader: does a reader answer on the configured port?

The product's own reader code (``hardware/card_reader_serial.py``, through ``kiosk.wiring``)
opens the port and, with ``protocol = auto``, asks for a PN532 first; its state reports are
the answer. A PN532 answers by itself; an RDM6300 or a line reader says nothing until a card is
held to it, so an open port with nobody answering is a warning, not a failure. While the kiosk
runs it owns the port, and a second reader would steal its bytes (a shopper's tap): the doctor
then reports the running kiosk's own reader state from ``/api/v1/health`` instead.
"""

from __future__ import annotations

import queue
import time

from kiosk.doctor.check import Context, Result, fail, kiosk_holders, ok, plain_mirror, warning


# A mirror without a reader fitted (provisioning names one on every mirror) fails this check for ever,
# and the monitoring's MirrorReaderDown with it, unless reader.port says there is none.
UNPLUGGED_HINT = ("Check the reader's USB cable and that reader.port names it (ls /dev/serial/by-id/); a mirror "
                  "with no card reader fitted: set reader.port = \"\" in the configuration and restart the kiosk.")


def check_reader(ctx: Context) -> Result:
    reader = ctx.config.reader
    if not reader.port:
        return ok("reader", "No card reader is configured (reader.port is empty): loyalty cards are off.")
    if kiosk_holders(ctx) and not plain_mirror(ctx):  # a plain mirror leaves the reader closed
        return _from_running_kiosk(ctx, reader.port)
    return _probe(ctx, reader.port)


def _probe(ctx: Context, port: str) -> Result:
    from kiosk import wiring

    events: queue.Queue = queue.Queue()
    card_reader = wiring.build_card_reader(ctx.config)
    card_reader.start(events.put)
    last = None
    try:
        deadline = time.monotonic() + ctx.reader_s
        while time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.1)
            except queue.Empty:
                continue
            state = getattr(event, "state", None)
            if state is None:
                continue  # a card held to the reader: its tap is not ours to report
            last = event
            if state == "connected" and event.protocol:
                break
            if state == "unavailable":
                break
    finally:
        card_reader.stop()
    if last is None:
        return fail("reader", f"The card reader on {port} did not report at all within {ctx.reader_s:g} s.",
                    "Check 'journalctl -t smartmirror-kiosk' and the reader's cable.")
    if last.state == "connected" and last.protocol:
        return ok("reader", f"A {last.protocol} card reader answers on {port} ({last.reason}).")
    if last.state == "connected":
        return warning("reader", f"The port {port} opens, but no PN532 answered; an RDM6300 or line reader says nothing "
                                 "until a card is held to it.",
                       f"Hold a card to the reader while running 'kiosk reader --port {port} --once'; set reader.protocol "
                       "if you know the reader's type.")
    hint = UNPLUGGED_HINT
    if "permission" in last.reason.lower():
        hint = "Add the kiosk's user to the 'dialout' group (scripts/provision does)."
    elif "not a serial port" in last.reason or "it is a folder" in last.reason:
        hint = ("Set reader.port to the reader itself: /dev/smartmirror-reader on a provisioned mirror (its udev name), "
                "or the name 'ls /dev/serial/by-id/' lists.")
    return fail("reader", f"The card reader does not answer: {last.reason}.", hint)


def _from_running_kiosk(ctx: Context, port: str) -> Result:
    from kiosk.doctor.network import _get, configured_token

    import json

    # with the token, the reader's words are whole (a device path); without, as the public reads them
    code, body = _get(ctx, "/api/v1/health", configured_token(ctx))
    check = None
    if code == 200:
        try:
            check = json.loads(body).get("checks", {}).get("reader")
        except ValueError:
            check = None
    if check is None:
        return warning("reader", f"The running kiosk holds {port}; the reader was not opened again and the kiosk's "
                                 "API did not say how it is.", "Stop the kiosk service and run 'kiosk doctor' again.")
    if check.get("ok"):
        return ok("reader", f"The running kiosk's card reader on {port} is {check.get('detail')}.")
    return fail("reader", f"The running kiosk's card reader on {port} is {check.get('detail')}.", UNPLUGGED_HINT)
