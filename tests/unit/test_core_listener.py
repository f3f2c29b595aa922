"""The bridges' shared inbox: events from any thread reach every bridge on the UI thread, through one timer."""

from __future__ import annotations

import os
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.events import EventBus, Notice, SessionStateChanged  # noqa: E402
from ui.core_listener import CoreListener, Inbox  # noqa: E402


class FakeCore:
    def __init__(self) -> None:
        self.bus = EventBus()


class Recorder(CoreListener):
    topic = "mirror"

    def __init__(self, core, fail_on: str | None = None) -> None:
        super().__init__(core)
        self.heard: list = []
        self.thread_ids: set[int] = set()
        self.fail_on = fail_on

    def on_event(self, event) -> None:
        self.thread_ids.add(threading.get_ident())
        if self.fail_on is not None and getattr(event, "state", None) == self.fail_on:
            raise RuntimeError("a bridge's bug")
        self.heard.append(event)


@pytest.fixture
def app():
    return QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])


def spin_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def subscribers(core: FakeCore) -> int:
    return len(core.bus._listeners)


def test_events_from_a_worker_reach_every_bridge_in_order_on_the_ui_thread(app):
    core = FakeCore()
    first, second = Recorder(core, fail_on="broken"), Recorder(core)
    assert Inbox.of(core) is first._inbox is second._inbox
    assert subscribers(core) == 1, "one subscription for all the bridges of a core"
    sent = [SessionStateChanged(state=s, session_id=None, started_at=None) for s in ("idle", "broken", "active")]
    sent.append(Notice("hello"))
    worker = threading.Thread(target=lambda: [core.bus.emit(e) for e in sent])
    worker.start()
    worker.join()
    spin_until(lambda: len(second.heard) == len(sent))
    assert second.heard == sent
    assert first.heard == [sent[0], sent[2], sent[3]], "one bridge's bug loses that event for it alone"
    assert first.thread_ids == second.thread_ids == {threading.get_ident()}
    assert first.message == second.message == "hello"
    first.close()
    second.close()
    assert subscribers(core) == 0 and core not in Inbox._by_core


def test_the_last_bridge_out_unsubscribes_and_stops_the_timer(app):
    core = FakeCore()
    first, second = Recorder(core), Recorder(core)
    inbox = first._inbox
    first.close()
    core.bus.emit(Notice("still here"))
    spin_until(lambda: second.heard)
    assert [e.text for e in second.heard] == ["still here"] and first.heard == []
    assert subscribers(core) == 1 and inbox._timer.isActive()
    second.close()
    assert subscribers(core) == 0 and not inbox._timer.isActive()
    again = Recorder(core)
    assert again._inbox is not inbox and subscribers(core) == 1, "a new bridge gets a fresh inbox"
    again.close()


def test_the_comparison_notifier_ticks_only_while_a_comparison_is_shown(app):
    from types import SimpleNamespace

    from ui.compare_pump import ComparePump

    pump = ComparePump()
    assert not pump._notify_timer.isActive(), "an idle mirror's UI thread is not woken for a comparison"
    pump.show(SimpleNamespace(proxies=[], seconds=4.0, sweep=1, ready=False, wait=lambda timeout=None: False))
    assert pump._notify_timer.isActive()
    pump.clear()
    assert not pump._notify_timer.isActive()


def test_a_bridge_failing_on_every_event_logs_one_traceback_and_its_recovery_once(app, caplog):
    import logging

    core = FakeCore()
    bridge = Recorder(core, fail_on="broken")
    failing = [SessionStateChanged(state="broken", session_id=None, started_at=None)] * 30
    with caplog.at_level(logging.DEBUG, logger="ui.core_listener"):
        try:
            for event in failing:
                core.bus.emit(event)
            core.bus.emit(Notice("between"))  # another kind of event handled meanwhile: the fault is not over
            for event in failing:
                core.bus.emit(event)
            core.bus.emit(SessionStateChanged(state="idle", session_id=None, started_at=None))
            spin_until(lambda: len(bridge.heard) == 2)
        finally:
            bridge.close()
    assert [getattr(e, "state", None) for e in bridge.heard] == [None, "idle"]
    failures = [r for r in caplog.records if "could not show SessionStateChanged" in r.message]
    assert len(failures) == 1, "one traceback, not one per event (repeats are summed up once a minute)"
    assert failures[0].levelno == logging.ERROR and failures[0].exc_info is not None
    assert len([r for r in caplog.records if "shows SessionStateChanged again" in r.message]) == 1


def test_a_message_stays_up_as_long_as_it_takes_to_read(app):
    core = FakeCore()
    bridge = Recorder(core)
    long = "Understood. Nothing is kept after you leave. Changed your mind? Tap Keep on a look."
    bridge.flash("Look deleted.", 5.0)
    assert bridge._message_timer.interval() == 5000, "a short message keeps the time asked for"
    bridge.flash(long, 5.0)
    assert bridge._message_timer.interval() >= 7000, "15 words do not go in 5 s"
    bridge.flash("", 5.0)
    assert bridge.message == "" and not bridge._message_timer.isActive()
    bridge.close()


def test_a_notice_carrying_an_error_s_own_words_is_shown_plainly_and_journalled(app, caplog):
    # "[Errno 30] Read-only file system: '/var/lib/...'" reached the message line as it was.
    import logging

    from kiosk.words import SOMETHING_WENT_WRONG

    core = FakeCore()
    bridge = Recorder(core)
    leak = "[Errno 30] Read-only file system: '/var/lib/smartmirror/work/3f2a'"
    try:
        with caplog.at_level(logging.INFO):
            core.bus.emit(Notice(leak, topic="mirror"))
            spin_until(lambda: bridge.heard)
            assert bridge.message == SOMETHING_WENT_WRONG
            core.bus.emit(Notice("Look deleted.", topic="mirror"))
            spin_until(lambda: len(bridge.heard) == 2)
            assert bridge.message == "Look deleted."
    finally:
        bridge.close()
    shown = [r.getMessage() for r in caplog.records if r.getMessage().startswith("shown to the shopper")]
    assert shown == [f"shown to the shopper: {SOMETHING_WENT_WRONG}", "shown to the shopper: Look deleted."]
    assert any(r.levelno == logging.WARNING and leak in r.getMessage() for r in caplog.records)
