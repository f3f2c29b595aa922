"""Which addresses the mirror announces: only those of interfaces whose link is up."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kiosk.net import addresses


def _adapter(name: str, ip: str):
    return SimpleNamespace(name=name, ips=[SimpleNamespace(ip=ip, is_IPv4=True)])


def test_an_interface_whose_link_is_down_is_not_announced(tmp_path, monkeypatch):
    for name, state in (("eth0", "up"), ("eth1", "down"), ("wlan0", "dormant"), ("tun0", "unknown")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "operstate").write_text(state + "\n")
    monkeypatch.setattr(addresses, "SYS_NET", tmp_path)
    adapters = [_adapter("eth0", "192.168.10.23"), _adapter("eth1", "10.0.0.5"), _adapter("wlan0", "10.1.0.7"),
                _adapter("tun0", "10.8.0.2"), _adapter("usb0", "172.16.0.9"), _adapter("lo", "127.0.0.1")]
    monkeypatch.setattr(addresses.ifaddr, "get_adapters", lambda: adapters)
    # usb0 has no operstate file here (not Linux's sysfs): assumed usable, as before
    assert addresses.host_addresses() == ["10.8.0.2", "172.16.0.9", "192.168.10.23"]


@pytest.mark.parametrize(
    "address,loopback,ok",
    [
        ("10.0.0.5", False, True),
        ("192.168.1.20", False, True),
        ("127.0.0.1", False, False),  # the mirror itself: a rogue's way to its local services
        ("127.0.0.66", True, True),  # allowed when the mirror itself browses on loopback (tests)
        ("169.254.10.1", False, False),  # link-local
        ("224.0.0.251", False, False),  # multicast (mDNS's own group)
        ("0.0.0.0", True, False),
        ("255.255.255.255", True, False),
        ("240.0.0.1", False, False),
        ("not-an-address", True, False),
        ("::1", True, False),
    ],
)
def test_only_addresses_another_mirror_can_have_are_contacted(address, loopback, ok):
    assert addresses.peer_address_ok(address, loopback) is ok


def test_a_mirrors_host_name_comes_from_its_id():
    assert addresses.mirror_host("0b8e2c5e-5d0e-4c3a-9a57-0c1d2e3f4a5b") == "smartmirror-0b8e2c5e5d0e"


@pytest.mark.parametrize(
    "line,public",
    [
        ("refused a connection from 192.168.10.23: it already has 64 open",
         "refused a connection from an address: it already has 64 open"),
        ("cut a connection from 10.0.0.5:51234.", "cut a connection from an address."),
        ("Connect call failed ('10.0.0.5', 8443)", "Connect call failed ('an address', 8443)"),
        ("from fe80::1%eth0, [2001:db8::7]:8443 and ::ffff:10.0.0.5", "from an address, an address and an address"),
        ("http://[2001:db8::7]/hook and http://10.0.0.9:8080/hook", "http://an address/hook and http://an address/hook"),
        ("from 2001:db8::: refused, then fd00::.", "from an address: refused, then an address."),
        ("OpenCV version 4.8.0.74 from 10.0.0.74, the version of 10.0.0.5", "OpenCV version 4.8.0.74 from an address, "
         "the version of an address"),
    ],
)
def test_the_public_health_says_an_address_for_any_address(line, public):
    assert addresses.without_addresses(line) == public


def test_only_what_parses_as_an_address_is_taken_out():
    line = "at 14:05:33, version 1.2.3, 0.25 s, 3.5:1, kiosk.net.api, 999.1.2.3, deadbeef: {token} failed"
    assert addresses.without_addresses(line) == line
