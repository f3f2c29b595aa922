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


def check_interfaces(addresses: list[str]) -> list[str]:
    """Validate ``--interface``/config addresses; raise ValueError naming the bad one."""
    checked = []
    for text in addresses:
        try:
            checked.append(str(ipaddress.IPv4Address(text.strip())))
        except ValueError:
            raise ValueError(f"{text!r} is not an IPv4 address") from None
    return checked
