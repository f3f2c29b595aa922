"""Which IPv4 addresses the mirror announces itself on (and puts in share links), and
``without_addresses``, which takes every address out of a sentence the public health shows.

An address counts only while its interface's link is up: a pulled cable keeps the address on
the interface, but nobody can reach it there, so the announcement and share links must not
use it (the announcer polls these addresses and follows their changes).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import ifaddr

SYS_NET = Path("/sys/class/net")

SERVICE_TYPE = "_smartmirror._tcp.local."


def host_addresses() -> list[str]:
    """Every IPv4 address of this host except loopback, link-local and those whose link is down, sorted."""
    found: set[str] = set()
    for adapter in ifaddr.get_adapters():
        if not link_up(adapter.name):
            continue
        for ip in adapter.ips:
            if not ip.is_IPv4:
                continue
            addr = ipaddress.IPv4Address(ip.ip)
            if addr.is_loopback or addr.is_link_local or addr.is_unspecified:
                continue
            found.add(str(addr))
    return sorted(found, key=ipaddress.IPv4Address)


def assigned_addresses() -> list[str]:
    """Every IPv4 address an interface of this host holds, loopback and links that are down included, sorted."""
    found = {str(ipaddress.IPv4Address(ip.ip)) for adapter in ifaddr.get_adapters() for ip in adapter.ips if ip.is_IPv4}
    return sorted(found, key=ipaddress.IPv4Address)


def link_up(interface: str) -> bool:
    """False when the kernel says the interface's link is down (no cable, no carrier, taken down)."""
    try:
        state = (SYS_NET / interface / "operstate").read_text().strip()
    except OSError:
        return True  # not Linux, or no such file: assume it works, as before
    # "unknown" is what drivers without carrier detection (and some tunnels) report: usable.
    return state not in ("down", "lowerlayerdown", "notpresent", "dormant")


def mirror_host(mirror_id: str) -> str:
    """The mDNS host name a mirror announces (without ``.local.``): one of its own, from its id."""
    return f"smartmirror-{mirror_id.replace('-', '')[:12]}"


def is_loopback(text: str) -> bool:
    """True for an IPv4 loopback address (127.0.0.0/8); False for anything else, valid or not."""
    try:
        return ipaddress.IPv4Address(text).is_loopback
    except ValueError:
        return False


def peer_address_ok(text: str, loopback: bool = False) -> bool:
    """Whether another mirror of the store can have this address, so it may be contacted at all.

    mDNS records are anyone's to write: one pointing at 127.0.0.1, 0.0.0.0, a multicast group,
    the broadcast address or a link-local neighbour would turn the mirror into a tool for
    reaching what the announcer cannot reach itself. Mirrors announce the addresses
    :func:`host_addresses` gives (none of those); loopback only where the mirror itself was
    told to look there (``loopback``: tests and a single-machine set-up).
    """
    try:
        addr = ipaddress.IPv4Address(text)
    except ValueError:
        return False
    if addr.is_loopback:
        return loopback
    # reserved is 240.0.0.0/4, the broadcast address with it
    return not (addr.is_unspecified or addr.is_multicast or addr.is_link_local or addr.is_reserved)


def check_interfaces(addresses: list[str]) -> list[str]:
    """Validate ``--interface``/config addresses; raise ValueError naming the bad one."""
    checked = []
    for text in addresses:
        try:
            checked.append(str(ipaddress.IPv4Address(text.strip())))
        except ValueError:
            raise ValueError(f"{text!r} is not an IPv4 address") from None
    return checked


#: A run of characters an IP address (with a port, a zone, brackets) is written with, not part of a longer word.
_ADDRESS_LIKE = re.compile(r"(?<![\w.:%\[])\[?[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*(?:%[\w-]+)?\]?(?::\d+)?")
#: What an address becomes in a public sentence.
SOME_ADDRESS = "an address"
#: A four-part version number ("version 4.8.0.74") reads like an IPv4 address; after this it is one.
_VERSION_BEFORE = re.compile(r"\bversion[ :=]*$", re.IGNORECASE)
_DOTTED_QUAD = re.compile(r"\d+(?:\.\d+){3}")


def without_addresses(text: str) -> str:
    """``text`` with every IPv4 and IPv6 address, with or without its port ("10.0.0.5:8443",
    "[fe80::1%eth0]:8443", "('10.0.0.5', 8443)" keeps the port only), said as "an address".

    For what anyone on the LAN may read (``/api/v1/health``'s last error): the log keeps the
    address, the public never learns which device a line was about. Times ("14:05:33") and
    version numbers ("1.2.3", and "version 4.8.0.74" right after the word) are left as they are:
    only what parses as an address goes.
    """
    def mask(match: re.Match) -> str:
        found = match.group()
        # the longest address before the sentence's own full stop or colon ("2001:db8::" ends in two)
        core = found
        while core and not _is_address(core) and core[-1] in ".:":
            core = core[:-1]
        if not _is_address(core) or _is_version(core, match.string[max(0, match.start() - 12):match.start()]):
            return found
        return SOME_ADDRESS + found[len(core):]

    return _ADDRESS_LIKE.sub(mask, text)


def _is_version(found: str, before: str) -> bool:
    """A bare dotted quad right after the word "version": the only kind of address a version reads as."""
    return bool(_DOTTED_QUAD.fullmatch(found)) and bool(_VERSION_BEFORE.search(before))


def _is_address(text: str) -> bool:
    """An IP address as logs write it: bare, "[v6]", "[v6]:port" or "v4:port"."""
    if text.startswith("["):
        host, bracket, port = text[1:].partition("]")
        return bool(bracket) and (port == "" or port[1:].isdigit()) and _parses(host)
    if _parses(text):
        return True
    host, colon, port = text.rpartition(":")
    return bool(colon) and port.isdigit() and "." in host and _parses(host)


def _parses(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
