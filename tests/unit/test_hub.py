"""The frames hub never blocks capture; slow consumers skip frames and the skips are counted."""

import threading
import time

import numpy as np

from hardware.frames import Frame
from kiosk.hub import FrameHub


def frame(seq: int) -> Frame:
    return Frame.wrap(np.zeros((4, 4, 3), np.uint8), time.monotonic(), seq)


def test_newest_frame_and_skip_count():
    hub = FrameHub()
    sub = hub.subscribe("slow")
    for seq in range(1, 11):
        hub.publish(frame(seq))
    got = sub.poll()
    assert got.seq == 10
    assert sub.stats.skipped == 0  # nothing seen before: the first frame is not a skip
    for seq in range(11, 16):
        hub.publish(frame(seq))
    assert sub.poll().seq == 15
    assert sub.stats.skipped == 4 and sub.stats.received == 2
    assert sub.poll() is None  # nothing new


def test_publish_does_not_wait_for_a_consumer_that_never_reads():
    hub = FrameHub()
    hub.subscribe("stuck")  # never reads
    started = time.perf_counter()
    for seq in range(1, 5001):
        hub.publish(frame(seq))
    assert hub.published == 5000
    # 5000 publishes with a consumer that never reads: bounded by O(1) work each
    assert time.perf_counter() - started < 2.0


def test_publish_is_not_blocked_by_a_consumer_holding_its_frame():
    hub = FrameHub()
    sub = hub.subscribe("busy")
    release = threading.Event()
    seen = []

    def consumer():
        f = sub.next(timeout=2)
        seen.append(f.seq)
        release.wait(2)  # "processing" while the camera keeps publishing

    t = threading.Thread(target=consumer)
    t.start()
    hub.publish(frame(1))
    time.sleep(0.05)
    for seq in range(2, 100):
        hub.publish(frame(seq))
    assert hub.latest().seq == 99
    release.set()
    t.join()
    assert seen == [1]


def test_frames_are_shared_not_copied_and_read_only():
    hub = FrameHub()
    a, b = hub.subscribe("a"), hub.subscribe("b")
    f = frame(1)
    hub.publish(f)
    fa, fb = a.poll(), b.poll()
    assert fa is f and fb is f and fa.pixels is fb.pixels
    assert not fa.pixels.flags.writeable


def test_close_wakes_a_waiting_consumer():
    hub = FrameHub()
    sub = hub.subscribe("x")
    result = []
    t = threading.Thread(target=lambda: result.append(sub.next(timeout=5)))
    t.start()
    time.sleep(0.1)
    sub.close()
    t.join(1)
    assert not t.is_alive() and result == [None]
    assert sub not in hub.subscriptions()


def test_the_frame_before_the_newest_is_there_for_the_flow_while_the_hub_holds_it():
    hub = FrameHub()
    sub = hub.subscribe("analysis")
    first, second = frame(1), frame(2)
    hub.publish(first)
    assert hub.before(first) is None  # nothing came before it
    hub.publish(second)
    got = sub.poll()
    assert got is second and hub.before(got) is first
    third = frame(3)
    hub.publish(third)
    assert hub.before(third) is second
    assert hub.before(second) is None  # gone: the hub keeps only the last two
