"""Which IPv4 addresses the mirror announces itself on (and puts in share links).

An address counts only while its interface's link is up: a pulled cable keeps the address on
the interface, but nobody can reach it there, so the announcement and share links must not
use it (the announcer polls these addresses and follows their changes).
"""

from __future__ import annotations

import ipaddress
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
