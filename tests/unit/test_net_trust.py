"""The trust protocol between mirrors, without a network: proofs, signatures, replays."""

from __future__ import annotations

import pytest

from kiosk.net.trust import MAX_NONCES, NONCE_TTL_S, PeerTrust, Untrusted, derive_peer_key

SECRET = bytes(range(32))
A, B, C = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002", "cccccccc-0000-4000-8000-000000000003"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _pair(clock=None):
    clock = clock or Clock()
    return PeerTrust(SECRET, A, clock), PeerTrust(SECRET, B, clock), clock


def _handshake(asker: PeerTrust, asked: PeerTrust) -> tuple[str, str]:
    mine = asker.new_nonce()
    return asker.check_hello(mine, asked.answer_hello(asker.mirror_id, mine))


def test_a_full_exchange_checks_out_both_ways():
    a, b, _ = _pair()
    peer, nonce = _handshake(a, b)
    assert peer == B
    header = a.request_header(peer, nonce, "POST", "/api/v1/peer/assist/x/ack", b'{"by":"associate"}')
    assert b.check_request(header, "POST", "/api/v1/peer/assist/x/ack", b'{"by":"associate"}') == (A, nonce)
    proof = b.sign_response(A, nonce, 200, b"{}")
    a.check_response(B, nonce, 200, b"{}", proof)
    with pytest.raises(Untrusted):
        a.check_response(B, nonce, 200, b'{"forged":1}', proof)  # a relay cannot change the answer
    with pytest.raises(Untrusted):
        a.check_response(B, nonce, 500, b"{}", proof)


def test_a_peer_without_the_secret_cannot_prove_itself():
    a, _, clock = _pair()
    impostor = PeerTrust(b"another store's secret, 32 bytes", B, clock)
    mine = a.new_nonce()
    with pytest.raises(Untrusted, match="does not prove"):
        a.check_hello(mine, impostor.answer_hello(A, mine))
    for answer in (None, [], {"id": B}, {"id": B, "nonce": "00" * 16, "proof": "00" * 32}, {"id": 1, "nonce": 2, "proof": 3}):
        with pytest.raises(Untrusted):
            a.check_hello(mine, answer)


def test_an_old_proof_is_useless_because_the_askers_nonce_is_new():
    a, b, _ = _pair()
    first = a.new_nonce()
    recorded = b.answer_hello(A, first)
    with pytest.raises(Untrusted):
        a.check_hello(a.new_nonce(), recorded)  # replaying B's earlier proof to A's next hello


def test_a_signed_request_works_once():
    a, b, _ = _pair()
    peer, nonce = _handshake(a, b)
    header = a.request_header(peer, nonce, "GET", "/api/v1/peer/overview", b"")
    b.check_request(header, "GET", "/api/v1/peer/overview", b"")
    with pytest.raises(Untrusted, match="unknown, used or expired"):
        b.check_request(header, "GET", "/api/v1/peer/overview", b"")


def test_a_request_cannot_be_replayed_to_another_mirror():
    a, b, clock = _pair()
    c = PeerTrust(SECRET, C, clock)
    peer, nonce = _handshake(a, b)
    header = a.request_header(peer, nonce, "GET", "/api/v1/peer/overview", b"")
    with pytest.raises(Untrusted):
        c.check_request(header, "GET", "/api/v1/peer/overview", b"")  # C never issued that nonce
    _, c_nonce = _handshake(a, c)
    forged = header.replace(nonce, c_nonce)
    with pytest.raises(Untrusted, match="not signed"):
        c.check_request(forged, "GET", "/api/v1/peer/overview", b"")  # the signature names B


def test_tampering_with_method_path_or_body_is_refused_and_spends_the_nonce():
    a, b, _ = _pair()
    for method, path, body in (("POST", "/api/v1/peer/overview", b""), ("GET", "/api/v1/peer/other", b""),
                               ("GET", "/api/v1/peer/overview", b"x")):
        peer, nonce = _handshake(a, b)
        header = a.request_header(peer, nonce, "GET", "/api/v1/peer/overview", b"")
        with pytest.raises(Untrusted, match="not signed"):
            b.check_request(header, method, path, body)
        with pytest.raises(Untrusted, match="unknown, used"):
            b.check_request(header, "GET", "/api/v1/peer/overview", b"")  # no second guess on that nonce


def test_a_nonce_belongs_to_the_mirror_that_said_hello_and_expires():
    a, b, clock = _pair()
    peer, nonce = _handshake(a, b)
    c = PeerTrust(SECRET, C, clock)
    with pytest.raises(Untrusted, match="another mirror"):
        b.check_request(c.request_header(B, nonce, "GET", "/p", b""), "GET", "/p", b"")
    peer, nonce = _handshake(a, b)
    clock.now += NONCE_TTL_S + 0.1
    with pytest.raises(Untrusted, match="expired"):
        b.check_request(a.request_header(B, nonce, "GET", "/p", b""), "GET", "/p", b"")


@pytest.mark.parametrize("header", [None, "", "v1; from=x; nonce=zz; sig=00", "Bearer abc", "v1; from=a b; nonce=" + "0" * 32 + "; sig=" + "0" * 64])
def test_malformed_headers_are_refused(header):
    _, b, _ = _pair()
    with pytest.raises(Untrusted):
        b.check_request(header, "GET", "/p", b"")


def test_hello_checks_its_input_and_the_nonce_table_is_bounded():
    _, b, _ = _pair()
    with pytest.raises(Untrusted):
        b.answer_hello("not an id!", "00" * 16)
    with pytest.raises(Untrusted):
        b.answer_hello(A, "short")
    for _ in range(MAX_NONCES + 50):
        b.answer_hello(A, "00" * 16)
    assert len(b._issued) == MAX_NONCES


def test_the_peer_key_is_derived_and_never_shown():
    assert derive_peer_key(SECRET) != SECRET and len(derive_peer_key(SECRET)) == 32
    assert derive_peer_key(SECRET) != derive_peer_key(SECRET[::-1])
    trust = PeerTrust(SECRET, A)
    assert SECRET.hex() not in repr(trust) and derive_peer_key(SECRET).hex() not in repr(trust)


def test_a_hello_passed_on_to_a_mirror_proves_the_mirrors_address_not_the_relays():
    a, b, _ = _pair()
    mine = a.new_nonce()
    # B answers where the hello reached it: its own address, though A sent it to a relay
    answer = b.answer_hello(A, mine, at="10.0.0.5:8080")
    assert a.check_hello(mine, answer, at="10.0.0.5:8080")[0] == B
    with pytest.raises(Untrusted, match="passed on"):
        a.check_hello(mine, answer, at="10.0.0.66:8080")
    # an answer without the address proof (an older mirror, or a forger) proves no address
    mine = a.new_nonce()
    bare = b.answer_hello(A, mine)
    assert "at" not in bare and a.check_hello(mine, bare)[0] == B
    with pytest.raises(Untrusted, match=r"does not prove its own address: its kiosk software may be older .* passed on"):
        a.check_hello(mine, bare, at="10.0.0.5:8080")
    # nor can a device without the secret make one
    mine = a.new_nonce()
    forged = PeerTrust(b"\x01" * 32, B).answer_hello(A, mine, at="10.0.0.66:8080")
    with pytest.raises(Untrusted):
        a.check_hello(mine, {**b.answer_hello(A, mine), "at": forged["at"]}, at="10.0.0.66:8080")


def test_a_failed_proof_reads_after_it():
    # Discover and the console say "it " + the reason: "it does not prove …", never "it it …" or "it the …".
    a, b, _ = _pair()
    mine = a.new_nonce()
    good = b.answer_hello(A, mine, at="10.0.0.5:8080")
    bad_answers = [
        (["not", "an", "object"], None), ({"id": B}, None), ({**good, "id": "not an id!"}, None),
        ({**good, "proof": "00" * 32}, None), (b.answer_hello(A, mine), "10.0.0.5:8080"), (good, "10.0.0.66:8080"),
    ]
    reasons = []
    for answer, at in bad_answers:
        with pytest.raises(Untrusted) as caught:
            a.check_hello(mine, answer, at=at)
        reasons.append(str(caught.value))
    with pytest.raises(Untrusted) as caught:
        a.check_response(B, mine, 200, b"{}", "00" * 32)
    reasons.append(str(caught.value))
    for reason in reasons:
        assert not reason.startswith(("it ", "its ", "the ", "a ")), f"it {reason}"
