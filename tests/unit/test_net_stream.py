"""Server-sent events fan-out, the TXT record, addresses and the metrics page."""

from __future__ import annotations

import asyncio
import json

import pytest

from kiosk.net.addresses import check_interfaces, host_addresses
from kiosk.net.announce import Announcement
from kiosk.net.stream import QUEUE_SIZE, EventStream, StreamEvent, TooManyFromAddress, TooManySubscribers


def test_event_encoding_is_one_sse_frame():
    frame = StreamEvent(7, "assist_requested", {"a": "x\ny"}).encode().decode()
    assert frame.endswith("\n\n") and frame.count("\n\n") == 1
    lines = frame.strip().split("\n")
    assert lines[0] == "id: 7" and lines[1] == "event: assist_requested"
    assert json.loads(lines[2][6:]) == {"a": "x\ny"}  # newlines stay inside the JSON string


def test_publish_reaches_subscribers_and_a_slow_one_loses_the_oldest():
    async def main():
        stream = EventStream()
        stream.bind(asyncio.get_running_loop())
        sub = stream.subscribe()
        assert (await sub.__anext__()).startswith(b"retry:")
        for i in range(QUEUE_SIZE + 10):
            stream.publish("state", {"i": i})
        await asyncio.sleep(0.05)
        first = await sub.__anext__()
        await sub.aclose()
        assert stream.subscribers == 0
        return first

    first = asyncio.run(main())
    assert b'"i":10' in first  # ten oldest dropped, the rest kept in order


def test_publish_before_bind_is_dropped_not_delivered_later():
    async def main():
        stream = EventStream()
        stream.publish("early", {"n": 0})  # no loop yet: must neither raise nor queue
        stream.bind(asyncio.get_running_loop())
        sub = stream.subscribe()
        await sub.__anext__()
        stream.publish("late", {"n": 1})
        frame = await asyncio.wait_for(sub.__anext__(), 2)
        await sub.aclose()
        return frame

    frame = asyncio.run(main())
    assert b"event: late" in frame and b"early" not in frame
    assert frame.startswith(b"id: 1\n")  # the dropped event took no id either


def test_the_subscriber_limit_is_taken_at_open_and_given_back():
    async def main():
        stream = EventStream(max_subscribers=3)
        stream.bind(asyncio.get_running_loop())
        held = [stream.open() for _ in range(3)]
        with pytest.raises(TooManySubscribers):
            stream.open()  # refused before anything is sent, not while streaming
        assert stream.subscribers == 3
        held[0].close()
        held[0].close()  # closing twice gives back one slot
        assert stream.subscribers == 2
        frames = held[1].frames()
        await frames.__anext__()
        await frames.aclose()  # a stream that ends frees its slot too
        assert stream.subscribers == 1
        again = stream.open()
        assert stream.subscribers == 2
        again.close()
        held[2].close()
        assert stream.subscribers == 0

    asyncio.run(main())


def test_one_address_holds_its_share_of_the_subscribers_and_no_more():
    async def main():
        stream = EventStream(max_subscribers=5, max_per_address=2)
        stream.bind(asyncio.get_running_loop())
        mine = [stream.open(client="10.0.0.9") for _ in range(2)]
        with pytest.raises(TooManyFromAddress):
            stream.open(client="10.0.0.9")
        others = [stream.open(client="10.0.0.3"), stream.open(client="10.0.0.4"), stream.open()]
        assert stream.subscribers == 5
        with pytest.raises(TooManyFromAddress):  # its own share first, even when all are taken
            stream.open(client="10.0.0.9")
        with pytest.raises(TooManySubscribers):
            stream.open(client="10.0.0.5")
        mine[0].close()
        again = stream.open(client="10.0.0.9")  # a closed stream gives back the address's slot
        for subscription in [again, mine[1], *others]:
            subscription.close()
        assert stream.subscribers == 0

    asyncio.run(main())


async def _drain(frames, timeout: float = 2.0) -> list[bytes]:
    """Every frame left until the stream ends by itself (fails if it does not end within ``timeout``)."""
    out = []

    async def read():
        async for frame in frames:
            out.append(frame)

    await asyncio.wait_for(read(), timeout)
    return out


def test_a_stream_ends_when_its_session_is_ended_and_the_others_go_on():
    async def main():
        stream = EventStream()  # the real 15 s keep-alive: ending must not wait for it
        stream.bind(asyncio.get_running_loop())
        valid = {"a": True, "b": True}
        mine = stream.open("a", lambda: valid["a"])
        other = stream.open("b", lambda: valid["b"])
        token = stream.open()  # the store's token: no key, no sign-out ends it
        streams = [s.frames() for s in (mine, other, token)]
        for frames in streams:
            await frames.__anext__()
        valid["a"] = False
        stream.end("a")
        stream.publish("look_shared", {"url": "http://mirror/s/secret"})
        rest = await _drain(streams[0])
        assert rest == [b": signed out or expired: sign in again\n\n"]  # no event after the end
        assert stream.subscribers == 2
        for frames in streams[1:]:
            assert b"event: look_shared" in await asyncio.wait_for(frames.__anext__(), 2)
            await frames.aclose()
        assert stream.subscribers == 0

    asyncio.run(main())


def test_every_stream_ends_when_the_mirror_stops_and_one_opened_later_at_once():
    async def main():
        stream = EventStream()  # the real 15 s keep-alive: the stop must not wait for it
        stream.bind(asyncio.get_running_loop())
        streams = [stream.open("a").frames(), stream.open().frames()]
        for frames in streams:
            await frames.__anext__()
        stream.end_all()
        stream.publish("state", {"state": "idle"})
        for frames in streams:
            assert await _drain(frames) == [b": the mirror is stopping\n\n"]  # no event after the stop
        late = stream.open().frames()  # before the server stopped taking connections
        assert await _drain(late) == [b"retry: 2000\n: connected\n\n", b": the mirror is stopping\n\n"]
        assert stream.subscribers == 0

    asyncio.run(main())


def test_no_event_is_sent_once_the_credential_is_no_longer_valid():
    async def main():
        stream = EventStream()
        stream.bind(asyncio.get_running_loop())
        valid = [True]
        frames = stream.open("a", lambda: valid[0]).frames()
        await frames.__anext__()
        stream.publish("card_tapped", {"n": 1})
        assert b"event: card_tapped" in await asyncio.wait_for(frames.__anext__(), 2)
        valid[0] = False  # e.g. expired, with nobody calling end()
        stream.publish("card_tapped", {"n": 2})
        assert b"card_tapped" not in b"".join(await _drain(frames))
        assert stream.subscribers == 0

    asyncio.run(main())


def test_the_credential_is_checked_at_every_keep_alive():
    async def main():
        stream = EventStream(keepalive_s=0.02)
        stream.bind(asyncio.get_running_loop())
        checks = []

        def still_valid():
            checks.append(True)
            return len(checks) < 3

        frames = stream.open("a", still_valid).frames()
        got = await _drain(frames)  # no event at all: only keep-alives, until the check says no
        assert got[1:] == [b": keep-alive\n\n", b": keep-alive\n\n", b": signed out or expired: sign in again\n\n"]
        assert len(checks) == 3 and stream.subscribers == 0

    asyncio.run(main())


def test_a_check_that_breaks_closes_the_stream_and_the_others_go_on(caplog):
    async def main():
        stream = EventStream()
        stream.bind(asyncio.get_running_loop())

        def broken():
            raise RuntimeError("boom")

        bad = stream.open("a", broken).frames()
        good = stream.open("b").frames()
        await bad.__anext__()
        await good.__anext__()
        stream.publish("state", {"state": "idle"})
        assert b"event: state" not in b"".join(await _drain(bad))
        assert b"event: state" in await asyncio.wait_for(good.__anext__(), 2)
        await good.aclose()

    asyncio.run(main())
    assert "cannot check an event stream's credential" in caplog.text


def test_ending_before_bind_or_an_unknown_key_does_nothing():
    EventStream().end("a")

    async def main():
        stream = EventStream()
        stream.bind(asyncio.get_running_loop())
        frames = stream.open("a").frames()
        await frames.__anext__()
        stream.end("someone-else")
        stream.publish("state", {"state": "idle"})
        assert b"event: state" in await asyncio.wait_for(frames.__anext__(), 2)
        await frames.aclose()

    asyncio.run(main())


def test_txt_record_has_the_issue_keys():
    a = Announcement("Fitting Room 3 Mirror", 8080, "0b8e2c5e-5d0e-4c3a-9a57-0c1d2e3f4a5b", "1.2.3", "3", "Store", "session",
                     release="1.2.3-3f2a9c01b7de")
    assert a.txt() == {
        "id": "0b8e2c5e-5d0e-4c3a-9a57-0c1d2e3f4a5b",
        "ver": "1.2.3",
        "rel": "1.2.3-3f2a9c01b7de",  # the build: "ver" is the same for every build of a version
        "api": "/api/v1",
        "room": "3",
        "store": "Store",
        "state": "session",
    }  # the announcer adds a changing "seq" to every record it sends (see test_mdns_loopback)
    assert a.host_name() == "smartmirror-0b8e2c5e5d0e.local."


def test_interfaces_are_checked():
    assert check_interfaces([" 10.0.0.1"]) == ["10.0.0.1"]
    with pytest.raises(ValueError, match="eth0"):
        check_interfaces(["eth0"])
    assert "127.0.0.1" not in host_addresses()
