"""kiosk.sdnotify against real unix datagram sockets (a path and an abstract name)."""

from __future__ import annotations

import os
import socket

import pytest

from kiosk.sdnotify import Notifier, watchdog_interval


def test_ready_and_watchdog_reach_a_socket_path(notify_socket):
    sock, path = notify_socket
    notifier = Notifier({"NOTIFY_SOCKET": path})
    assert notifier.enabled
    assert notifier.ready("first frame painted")
    assert sock.recv(4096) == b"READY=1\nSTATUS=first frame painted"
    assert notifier.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert notifier.status("camera lost\nreopening")
    assert sock.recv(4096) == b"STATUS=camera lost reopening"  # one line per field, always
    assert notifier.stopping()
    assert sock.recv(4096) == b"STOPPING=1"


def test_an_abstract_socket_is_reached_by_its_name():
    name = f"smartmirror-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(2)
        assert Notifier({"NOTIFY_SOCKET": f"@{name}"}).watchdog()
        assert sock.recv(4096) == b"WATCHDOG=1"


def test_without_systemd_nothing_is_sent_and_nothing_fails():
    for env in ({}, {"NOTIFY_SOCKET": ""}, {"NOTIFY_SOCKET": "@"}, {"NOTIFY_SOCKET": "vsock:2:1234"}):
        notifier = Notifier(env)
        assert not notifier.enabled
        assert notifier.ready() is False and notifier.watchdog() is False
        assert notifier.watchdog_interval() is None


def test_a_socket_that_is_gone_is_reported_once_and_never_raised(tmp_path, caplog):
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    assert notifier.watchdog() is False
    assert notifier.watchdog() is False
    assert len([r for r in caplog.records if "cannot notify systemd" in r.message]) == 1


@pytest.mark.parametrize(
    ("env", "interval"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "100"}, 15.0),  # this process
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, 15.0),  # its parent
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "555"}, None),  # someone else's watchdog
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "x"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_is_half_of_watchdog_usec_for_this_process_or_its_parent(env, interval):
    assert watchdog_interval(env, pid=100, ppid=1) == interval
    assert Notifier(env, pid=100, ppid=1).watchdog_interval() == interval
