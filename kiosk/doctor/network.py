"""The mirror on the network: its API answers with the configured token, the addresses it is told
to announce on are this device's, its mDNS announcement is seen on the LAN, and its webhook outbox
is not piling up.

Only this device is asked: the API on its own port (loopback for a wildcard bind), and the LAN's
multicast DNS for our own mirror id (only when ``api.announce`` is on: a mirror that does not
announce itself sends nothing here either). The outbox is read from the network database
read-only (``kiosk.doctor.databases.read_only``).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import time

from kiosk.doctor.check import Context, Result, fail, kiosk_holders, ok, warning

STATUS = "/api/v1/status"
# how a connection fails when no program listens on the port (any other failure: one took it and gave no HTTP answer)
NOTHING_LISTENS = ("refused", "unreachable", "cannot assign", "no route")
UNIT_HINT = "Start it with 'systemctl start smartmirror-kiosk'; 'journalctl -t smartmirror-kiosk' tells why it stopped."
KIOSK_UNITS = ("smartmirror-kiosk", "smartmirror-kiosk-eglfs")
PLAIN_HINT = ("See the data-folder check: replace the SD card, or remount the folder read-write; the plain mirror "
              "then exits by itself and systemd starts the full kiosk.")


def _given_up(ctx: Context) -> str:
    """The kiosk unit systemd gave up on (failed: its start limit reached), or "" (none, or no systemd)."""
    for unit in KIOSK_UNITS:
        code, _ = ctx.run(["systemctl", "--quiet", "is-failed", f"{unit}.service"])
        if code == 0:
            return unit
    return ""


def _retry_pending(ctx: Context, unit: str) -> bool:
    """Whether the retry timer will start ``unit`` again: armed by its failure, and the unit not stopped on
    purpose since it was started (its retry target still active; systemd/smartmirror-kiosk-retry@.*)."""
    return all(ctx.run(["systemctl", "--quiet", "is-active", f"smartmirror-kiosk-retry@{unit}.{kind}"])[0] == 0
               for kind in ("timer", "target"))


def _not_running(ctx: Context, where: str, why: str) -> Result:
    """The kiosk does not answer: stopped, or failed (then a plain start is refused until reset-failed)."""
    unit = _given_up(ctx)
    if not unit:
        return warning("api", f"No kiosk answers on {where} ({why}): the kiosk is not running here.", UNIT_HINT)
    later = ("the mirror tries again by itself within 10 minutes" if _retry_pending(ctx, unit)
             else "nothing will start it again by itself")
    return fail("api", f"No kiosk answers on {where} ({why}): its unit {unit} failed; {later}.",
                f"'journalctl -t smartmirror-kiosk' tells why it fails; once that is fixed, start it at once with "
                f"'systemctl reset-failed {unit}' then 'systemctl start {unit}' (a plain start is refused while "
                "systemd's start limit holds).")


def _address(ctx: Context) -> tuple[str, int] | None:
    from kiosk.liveness import local_address

    api = ctx.config.api
    return local_address(api.bind, api.port) if api.port else None


def _get(ctx: Context, path: str, token: str = "") -> tuple[int, str]:
    """(HTTP status, body) from this device's kiosk; (0, why) when nothing answers."""
    address = _address(ctx)
    if address is None:
        return 0, "api.port is 0 (a port picked at start)"
    conn = http.client.HTTPConnection(address[0], address[1], timeout=ctx.http_timeout_s)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        return response.status, response.read(1 << 20).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        return 0, getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    finally:
        conn.close()


def configured_token(ctx: Context) -> str:
    """The API token this device's kiosk takes ("" when none): its environment's, else its configuration's."""
    return ctx.environ.get("KIOSK_API_TOKEN") or ctx.config.api.token


def status_of_running_kiosk(ctx: Context) -> dict | None:
    """``/api/v1/status`` of the kiosk running on this device, or None."""

    def ask():
        code, body = _get(ctx, STATUS)
        try:
            return json.loads(body) if code == 200 else None
        except ValueError:
            return None

    return ctx.once("status", ask)


def plain_mirror_running(ctx: Context) -> bool:
    """Whether the kiosk on this device runs as a plain mirror (``kiosk.net.plain_pages``: its health has
    the ``plain_mirror`` check, and it answers nothing but health and metrics)."""

    def ask():
        code, body = _get(ctx, "/api/v1/health")
        try:
            return code == 200 and "plain_mirror" in json.loads(body).get("checks", {})
        except (ValueError, AttributeError):
            return False

    return ctx.once("plain", ask)


def metrics_of_running_kiosk(ctx: Context) -> dict[str, float] | None:
    """The unlabelled samples of its ``/api/v1/metrics``, or None."""

    def ask():
        code, body = _get(ctx, "/api/v1/metrics")
        if code != 200:
            return None
        samples = {}
        for line in body.splitlines():
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#") and "{" not in parts[0]:
                try:
                    samples[parts[0]] = float(parts[1])
                except ValueError:
                    pass
        return samples

    return ctx.once("metrics", ask)


def check_api(ctx: Context) -> Result:
    address = _address(ctx)
    if address is None:
        return warning("api", "The API was not checked: api.port is 0, so the port is only known once the kiosk runs.",
                       "Set api.port (8080 by default) so the store's tools and monitoring can find the mirror.")
    status = status_of_running_kiosk(ctx)
    where = f"port {address[1]}"
    if status is None:
        code, why = _get(ctx, STATUS)
        if code == 0 and not any(words in why.lower() for words in NOTHING_LISTENS):
            return _not_answered(ctx, address[1], why)
        if code == 0:
            return _not_running(ctx, where, why)
        if plain_mirror_running(ctx):
            return warning("api", f"The kiosk on {where} runs as a plain mirror: only /api/v1/health and "
                                  "/api/v1/metrics answer until its data folder can be written.", PLAIN_HINT)
        return fail("api", f"Something on {where} answers {STATUS} with {code}, not the kiosk.",
                    "Another program uses the kiosk's port: stop it, or change api.port.")
    token = configured_token(ctx)
    name = status.get("name", "?")
    if not token:
        return warning("api", f"The kiosk {name!r} answers on {where}, but no API token is configured, so the API is locked.",
                       "Set api.token in the configuration (the same on every mirror of the store).")
    code, _ = _get(ctx, "/api/v1/session", token)
    if code == 200:
        return ok("api", f"The kiosk {name!r} answers on {where} and accepts the configured token.")
    if code in (401, 403):
        return fail("api", f"The kiosk {name!r} on {where} refuses the configured token.",
                    "The running kiosk uses another token: restart it after changing api.token or KIOSK_API_TOKEN, "
                    "so both agree.")
    return fail("api", f"The kiosk {name!r} on {where} answers an authenticated call with {code or 'nothing'}.",
                "See 'journalctl -t smartmirror-kiosk' for the error.")


def _not_answered(ctx: Context, port: int, why: str) -> Result:
    """Something took the connection on the kiosk's port but gave no HTTP answer: a stuck kiosk, or another program."""
    said = f"did not answer within {ctx.http_timeout_s:g} s" if "timed out" in why.lower() else "answered, but not as a web server does"
    running = kiosk_holders(ctx)
    if running:
        return fail("api", f"The kiosk (process {', '.join(map(str, running))}) runs, but on port {port} it {said}: "
                           "it is stuck.", "Restart it with 'systemctl restart smartmirror-kiosk'; "
                           "'journalctl -t smartmirror-kiosk' tells what it was doing.")
    if running is None:
        return fail("api", f"Something on port {port} took the connection but {said}: a stuck kiosk, or another "
                           "program holding the port.", "This user cannot see the kiosk's processes: run 'sudo kiosk "
                           f"doctor' to tell which, or 'sudo ss -ltnp' (it names the program on the line with :{port}).")
    return fail("api", f"Another program holds port {port}: it took the connection but {said}, so the kiosk "
                       "cannot start its API there.", f"Stop that program ('ss -ltnp' names it on the line with :{port}), "
                       "or change api.port.")


def check_interfaces(ctx: Context) -> Result:
    # ``kiosk serve`` starts even on an address this device lacks (DHCP may bring it later) and only warns
    # in the log; here, once the network is up, such an address is most likely mistyped
    from kiosk.net.addresses import assigned_addresses, is_loopback

    configured = ctx.config.api.interfaces
    if not configured:
        return ok("interfaces", "api.interfaces is empty: the mirror uses every address this device has.")
    held = ctx.addresses() if ctx.addresses is not None else assigned_addresses()
    # the whole of 127.0.0.0/8 is this device's own (tests and a single-machine set-up use it)
    missing = [a for a in configured if a not in held and not is_loopback(a)]
    if not missing:
        return ok("interfaces", f"api.interfaces names {_and(configured)}, which this device has.")
    shown = [a for a in held if not (ipaddress.IPv4Address(a).is_loopback or ipaddress.IPv4Address(a).is_link_local)]
    has = f"it has {_and(shown)}" if shown else "it has no network address"
    return fail("interfaces", f"api.interfaces names {_and(missing)}, which this device does not have ({has}).",
                f"Fix api.interfaces in {ctx.config.origin} (or empty it: every address); until then the mirror "
                "is not announced there and does not find the store's other mirrors there. An address given by "
                "DHCP may only be late: check 'ip addr' once the network is up.")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def check_mdns(ctx: Context) -> Result:
    api = ctx.config.api
    if not api.announce:
        return ok("mdns", "The mirror is not announced on the LAN (api.announce = false).")
    status = status_of_running_kiosk(ctx)
    if status is None and plain_mirror_running(ctx):
        return warning("mdns", "The LAN announcement was not checked: the kiosk runs as a plain mirror, which is "
                               "not announced (the tablets do not see it until it can write its data folder).", PLAIN_HINT)
    if status is None:
        return warning("mdns", "The LAN announcement was not checked: the kiosk is not running here.", UNIT_HINT)
    mirror_id = status.get("id", "")
    import asyncio

    from kiosk.net.addresses import host_addresses
    from kiosk.net.discover import async_browse

    interfaces = api.interfaces or host_addresses()
    if not interfaces:
        return fail("mdns", "This device has no network address to announce the mirror on.",
                    "Connect it to the store network (cable or Wi-Fi) and check 'ip addr'.")
    began = time.monotonic()
    mirrors = asyncio.run(async_browse(ctx.mdns_s, interfaces))
    ours = [m for m in mirrors if m.mirror_id == mirror_id]
    if not ours:
        return fail("mdns", f"The mirror's own announcement (id {mirror_id}) was not seen on {', '.join(interfaces)} "
                            f"within {time.monotonic() - began:.0f} s.",
                    "Multicast DNS (UDP 5353) is blocked: a firewall, Wi-Fi client isolation or IGMP snooping without "
                    "a querier; or api.interfaces names the wrong address.")
    m = ours[0]
    where = ", ".join(f"{a}:{m.port}" for a in m.addresses) or "no address"
    return ok("mdns", f"The mirror is seen on the LAN as {m.name!r} at {where}.")


def check_webhook(ctx: Context) -> Result:
    from kiosk.doctor.databases import read_only
    from kiosk.net.outbox_status import queue_problem, read_queue
    from kiosk.words import duration

    url = ctx.config.webhook.url
    if not url:
        return ok("webhook", "No webhook is configured (webhook.url is empty).")
    path = ctx.data_dir / "network.sqlite3"
    if not path.exists():
        return ok("webhook", "No webhook delivery has been queued yet.")
    try:
        with read_only(path) as conn:
            queue = read_queue(_Rows(conn), time.time())
    except Exception as exc:  # noqa: BLE001 - a damaged database is reported by the database check
        return warning("webhook", f"The webhook outbox could not be read ({exc}).", "See the network database's check above.")
    waiting, age = queue["queued"], queue["oldest_age_s"]
    problem = queue_problem(queue)
    if not waiting and not problem:
        return ok("webhook", f"Every webhook delivery to {url} has been accepted.")
    sentence = f"{waiting} webhook deliveries to {url} are waiting"
    if problem:
        sentence += f": {problem}."
    elif age is not None:
        sentence += f", the oldest for {duration(age)}."
    hint = ("The store service does not accept them: check that it runs and answers 2xx, and that webhook.secret "
            "matches; the kiosk keeps retrying with back-off and loses nothing (docs/SECURITY.md: parked entries).")
    if waiting >= 100 or (age or 0) > 24 * 3600:
        return fail("webhook", sentence, hint)
    return warning("webhook", sentence, hint) if problem else ok("webhook", sentence[:-1] + " (being delivered).")


class _Rows:
    """``query`` over a read-only connection: what ``kiosk.net.outbox_status.read_queue`` asks of a database."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def query(self, sql: str, params: tuple = ()) -> list:
        return self._conn.execute(sql, params).fetchall()
