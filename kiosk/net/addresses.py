"""Which IPv4 addresses the mirror announces itself on."""

from __future__ import annotations

import ipaddress

import ifaddr

SERVICE_TYPE = "_smartmirror._tcp.local."


def host_addresses() -> list[str]:
    """Every IPv4 address of this host except loopback and link-local, sorted."""
    found: set[str] = set()
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not ip.is_IPv4:
                continue
            addr = ipaddress.IPv4Address(ip.ip)
            if addr.is_loopback or addr.is_link_local or addr.is_unspecified:
                continue
            found.add(str(addr))
    return sorted(found, key=ipaddress.IPv4Address)


def check_interfaces(addresses: list[str]) -> list[str]:
    """Validate ``--interface``/config addresses; raise ValueError naming the bad one."""
    checked = []
    for text in addresses:
        try:
            checked.append(str(ipaddress.IPv4Address(text.strip())))
        except ValueError:
            raise ValueError(f"{text!r} is not an IPv4 address") from None
    return checked
