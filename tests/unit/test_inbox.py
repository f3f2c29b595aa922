"""The core's inbox: one thread, items in order, a clock, and no mistake that stops it."""

import threading

from kiosk.inbox import Inbox


def make(handled, ticks, faults, tick_s=0.05):
    return Inbox("inbox-test", handled.append, ticks.append, lambda what, exc: faults.append((what, str(exc))), tick_s)


def test_items_are_handled_in_order_on_one_thread():
    handled, ticks, faults = [], [], []
    threads = set()
    inbox = make(handled, ticks, faults)
    inbox.start()
    try:
        for i in range(100):
            inbox.post(i)
            inbox.call(lambda: threads.add(threading.current_thread().name))
        assert inbox.flush(5)
    finally:
        inbox.stop()
    assert handled == list(range(100)) and threads == {"inbox-test"} and not faults


def test_the_clock_ticks_while_nothing_is_posted():
    handled, ticks, faults = [], [], []
    inbox = make(handled, ticks, faults)
    inbox.start()
    try:
        done = threading.Event()
        inbox.call(lambda: None)
        while len(ticks) < 3:
            done.wait(0.05)
    finally:
        inbox.stop()
    assert ticks == sorted(ticks)


def test_a_failing_item_is_reported_and_the_next_one_still_runs():
    handled, ticks, faults = [], [], []

    def handle(item):
        if item == "bad":
            raise ValueError("boom")
        handled.append(item)

    inbox = Inbox("inbox-test", handle, ticks.append, lambda what, exc: faults.append((what, str(exc))))
    inbox.start()
    try:
        inbox.post("bad")
        inbox.post("good")
        assert inbox.flush(5)
    finally:
        inbox.stop()
    assert handled == ["good"] and faults == [("str", "boom")] and not inbox.alive


def test_stop_handles_what_was_posted_first():
    handled, ticks, faults = [], [], []
    inbox = make(handled, ticks, faults)
    inbox.start()
    for i in range(10):
        inbox.post(i)
    inbox.stop()
    assert handled == list(range(10))
