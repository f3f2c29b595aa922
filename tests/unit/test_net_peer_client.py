"""kiosk.net.peer_client: what the console reads when a peer cannot be asked (plain words, no exception names)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kiosk.net.peer_client import PeerError, _fetch


@pytest.mark.parametrize("error, words", [
    (httpx.ConnectError("[Errno 111] Connection refused"), "cannot be reached"),
    (httpx.ConnectTimeout("timed out"), "does not answer in time"),
    (httpx.ReadTimeout("timed out"), "does not answer in time"),
    (httpx.RemoteProtocolError("peer closed connection"), "broke off the connection"),
])
def test_a_peer_that_cannot_be_asked_is_described_in_plain_words(error, words):
    def refuse(request):
        raise error

    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            await _fetch(client, "POST", "http://10.0.0.9:8080/api/v1/peer/hello", b"{}", {})

    with pytest.raises(PeerError) as caught:
        asyncio.run(main())
    assert str(caught.value) == words and type(error).__name__ not in str(caught.value)
