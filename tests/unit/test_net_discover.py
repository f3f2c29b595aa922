"""kiosk.net.discover: TXT records read back as zeroconf writes them, whatever bytes they hold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from zeroconf import ServiceInfo

from kiosk.net.addresses import SERVICE_TYPE
from kiosk.net.discover import _txt

_keys = st.text(st.characters(codec="ascii", min_codepoint=33, max_codepoint=126, exclude_characters="="),
                min_size=1, max_size=9)


@given(st.dictionaries(_keys, st.text(max_size=40), max_size=8))
def test_a_txt_record_reads_back_as_announced(properties):
    text = ServiceInfo(SERVICE_TYPE, f"M.{SERVICE_TYPE}", port=1, properties=properties).text
    assert _txt(text) == properties


@given(st.binary(max_size=300))
def test_any_bytes_read_as_a_txt_record_never_raise(text):
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in _txt(text).items())


def test_kiosk_discover_writes_out_control_characters_from_the_lan(monkeypatch, capsys):
    # A rogue's name or TXT values with escape sequences must not rewrite store IT's terminal
    # (making a rogue look like a proven mirror, setting the clipboard): written out instead.
    import argparse

    import kiosk.net.discover as net_discover
    from kiosk.commands.discover import discover
    from kiosk.config import Config
    from kiosk.net.discover import MirrorRecord

    rogue = MirrorRecord("Room 3\x1b[2K\rRoom 4 (proven)", "rogue.local", ["192.0.2.9"], 8080,
                         {"id": "x\x1b]52;c;ZWNobw==\x07", "room": "4\n", "state": "idle", "ver": "1",
                          "rel": "1-3f2a\x1b[8m"})

    async def browse(timeout, interfaces):
        return [rogue]

    monkeypatch.setattr(net_discover, "async_browse", browse)
    args = argparse.Namespace(timeout=0.5, prometheus=None, ansible_inventory=None, once=False, store_secret=None,
                              unverified=False, json=False)
    monkeypatch.setattr("kiosk.commands.discover.load_config", lambda _: Config())
    monkeypatch.setattr("kiosk.net.addresses.host_addresses", lambda: ["127.0.0.1"])
    assert discover(args) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out and out.count("\n") == 1
    assert "Room 3\\x1b[2K\\rRoom 4 (proven)" in out and "room 4\\n" in out
    assert out.endswith("ver 1, rel 1-3f2a\\x1b[8m)\n")  # the release it announces, written out as well
