"""``public_text``: a free text of ``/api/v1/health`` (a check's detail, a fault's or an error's
own words) made fit for anyone on the store LAN to read.

Health is public: the store's monitoring reads it without a token. Its sentences say what
failed, in the words store IT needs ("the store service has not taken an event for 6 min"),
but never where on the network or on the disk: an exception's text can name a device, the
webhook's host, a URL with a token in its query, or a file under someone's home. The full text
stays in the log, in the health a signed-in caller reads, and in ``kiosk doctor``.

What goes, in this order (each rule works on what the one before left):

- a URL keeps its scheme only, "https://a host": no user, host, port, path or query;
- a query string left without its URL ("Max retries exceeded with url: /hook?token=..."), from
  its "?" on, reads "?...": a key in a query is the commonest secret in a request's error;
- an absolute file path under the system's folders, or under a home ("~/looks/x.mp4"), keeps its file name, ".../net.db"
  (device paths, "/dev/video0", and the appliance's own folders, "/etc/smartmirror/...",
  stay: they are the mirror's own, in its docs, and store IT needs them; API routes,
  "GET /looks/{id}", are no files);
- a host name of the store's services (``hosts``: the webhook's), and any name under a
  private suffix ("smtp.store.lan", "smartmirror-0b8e.local") or a common public one
  ("hooks.example.com"), with its port, reads "a host" (the kiosk's own module names,
  "kiosk.net.api", stay);
- an IPv4 or IPv6 address, with its port, reads "an address" (``without_addresses``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kiosk.net.addresses import without_addresses
from kiosk.paths import APP_NAME, SYSTEM_DATA_DIR

#: What a host name becomes in a public sentence.
SOME_HOST = "a host"

#: scheme://anything up to a space or a quote; the authority may be an IPv6 literal in brackets.
_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,15})://(?!a host\b)(?:\[[^\]\s]*\]|[^\s'\"<>\[\]{}|\\^`])*")
#: "?name=value", and whatever follows it up to a space or a quote: a query without its URL.
_QUERY = re.compile(r"\?(?!\.\.\.)[^\s'\"<>?]*=[^\s'\"<>]*")
#: A path from the root through one of the system's folders, or from a home ("~/", "~alice/"),
#: to a space, a quote or a bracket.
_PATH = re.compile(
    r"(?<![\w.~/:-])(?:/(?:home|root|var|srv|opt|etc|tmp|run|media|mnt|usr|boot|lib|snap|proc|sys|data)/|~[\w.-]*/)"
    r"[^\s'\"()<>,;]*"
)
#: The appliance's own folders, written in its docs and in its remedies ("copy ... over
#: /etc/smartmirror/store-secret"): a path under them tells nobody anything new, and stays.
_OWN_FOLDERS = (f"/etc/{APP_NAME}/", f"{SYSTEM_DATA_DIR}/")
#: Two or more DNS labels (the last one starting with a letter), with an optional port.
_NAME = re.compile(
    r"(?<![\w./-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*(?![\w-])(?::\d{1,5}(?!\d))?"
)
#: Suffixes of names that only a store's own network resolves (RFC 6762, 8375, 2606 and common practice).
PRIVATE_SUFFIXES = frozenset({"lan", "local", "localdomain", "internal", "intranet", "home", "corp", "private", "arpa",
                              "localhost", "test", "example", "invalid"})
#: Common public suffixes a store service (a CRM, a mail relay) may sit under.
PUBLIC_SUFFIXES = frozenset({"com", "net", "org", "io", "co", "info", "biz", "eu", "de", "fr", "uk", "nl", "be", "ch",
                             "at", "it", "es", "pl", "se", "dk", "fi", "ie", "pt", "cz", "us", "ca", "au", "nz", "jp",
                             "cloud", "app", "dev", "shop", "store", "online", "site", "tech"})
#: The kiosk's own modules (logger names, "kiosk.net.api"): words store IT looks up, never a host.
_OWN_MODULES = ("kiosk.", "ui.", "hardware.")
#: Characters a sentence may close a URL or a path with; they stay after the masked part.
_CLOSING = ".,;:!?)]}'\""


def public_text(text: str, hosts: Iterable[str] = ()) -> str:
    """``text`` without URLs, file paths, host names and addresses (see the module), readable as before.

    ``hosts``: host names of the store's services (the webhook's), masked wherever they stand.
    """
    # a name without a dot ("crm") would mask that word in every sentence; an address is masked anyway
    known = {h.lower().rstrip(".") for h in hosts if h and "." in h and not h[-1:].isdigit()}

    def url(match: re.Match) -> str:
        whole = match.group()
        kept = whole.rstrip(_CLOSING)
        return f"{match.group(1)}://{SOME_HOST}" + whole[len(kept):]

    def path(match: re.Match) -> str:
        whole = match.group()
        kept = whole.rstrip(_CLOSING)
        if kept.startswith(_OWN_FOLDERS) and "/../" not in kept:
            return whole
        name = kept.rsplit("/", 1)[-1]
        return (f".../{name}" if name else "a folder") + whole[len(kept):]

    def name(match: re.Match) -> str:
        host = match.group().rsplit(":", 1)[0].lower()
        if host.startswith(_OWN_MODULES):
            return match.group()
        suffix = host.rsplit(".", 1)[-1]
        return SOME_HOST if host in known or suffix in PRIVATE_SUFFIXES or suffix in PUBLIC_SUFFIXES else match.group()

    text = _URL.sub(url, text)
    text = _QUERY.sub(lambda m: "?..." + m.group()[len(m.group().rstrip(_CLOSING)):], text)
    text = _PATH.sub(path, text)
    if known:  # a service host outside the suffixes above ("crm.acme-retail"), with or without its port
        pattern = "|".join(re.escape(h) for h in sorted(known, key=len, reverse=True))
        text = re.sub(rf"(?<![\w.-])(?:{pattern})(?![\w-])(?::\d{{1,5}}(?!\d))?", SOME_HOST, text, flags=re.IGNORECASE)
    text = _NAME.sub(name, text)
    return without_addresses(text)


def public_answer(data, hosts: Iterable[str] = (), keep: frozenset[str] = frozenset()):
    """``data`` (an answer as JSON-ready dicts, lists and values) with every string in it made
    ``public_text``, except the values of the keys in ``keep`` (fixed words: a status, a version).

    Every free text of an answer, and one a later change adds, is masked without being named
    here; keys (the checks' names) are the answer's own words and stay.
    """
    if isinstance(data, str):
        return public_text(data, hosts)
    if isinstance(data, dict):
        return {k: v if k in keep else public_answer(v, hosts, keep) for k, v in data.items()}
    if isinstance(data, list):
        return [public_answer(v, hosts, keep) for v in data]
    return data
