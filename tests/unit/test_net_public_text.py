"""What the public health may say: no address, host name, URL or file path, the sentence still readable."""

import ipaddress
import re

import pytest
from hypothesis import given, strategies as st

from kiosk.net.public_text import public_answer, public_text


@pytest.mark.parametrize(
    "line,public",
    [
        ("could not handle a mail: SMTPConnectError: cannot reach smtp.store.lan:25 (10.0.0.5)",
         "could not handle a mail: SMTPConnectError: cannot reach a host (an address)"),
        ("webhook https://user:pw@hooks.store.lan:8443/events?token=abc123 failed.", "webhook https://a host failed."),
        ("(see http://[2001:db8::7]/hook)", "(see http://a host)"),
        ("[Errno 13] Permission denied: '/home/alice/mirror/net.db'", "[Errno 13] Permission denied: '.../net.db'"),
        ("cannot write in /home/kiosk/ nor /etc/smartmirror/../../home/alice/x.db", "cannot write in a folder nor .../x.db"),
        ("mail to it@store.lan, then hooks.example.com and smartmirror-0b8e2c5e5d0e.local.",
         "mail to it@a host, then a host and a host."),
        ("OpenCV version 4.8.0.74 and a call from 10.0.0.7", "OpenCV version 4.8.0.74 and a call from an address"),
        # urllib3's words name the path and query without the URL: the key in the query goes.
        ("Max retries exceeded with url: /hook?token=s3cret&x=1 (Caused by ...)",
         "Max retries exceeded with url: /hook?... (Caused by ...)"),
        ("POST a host/api/v1/events?key=s3cret.", "POST a host/api/v1/events?...."),
        ("no room in ~/looks/x.mp4 nor ~pi/y.mp4 nor /data/mirror/net.db", "no room in .../x.mp4 nor .../y.mp4 nor .../net.db"),
    ],
)
def test_the_public_health_says_what_failed_but_not_where(line, public):
    assert public_text(line) == public


def test_what_store_it_needs_stays():
    line = ("kiosk.net.api: GET /looks/abc failed at 14:05:33 (e.g. 3.5 s, version 1.2.3, v4.8.0.74): "
            "net.db, clip.mp4, /dev/ttyUSB0 and /dev/smartmirror-camera; i.e. the store service answered HTTP 503; "
            "copy it over /etc/smartmirror/store-secret, see /var/lib/smartmirror/network.sqlite3")
    assert public_text(line) == line


def test_a_configured_service_host_is_masked_whatever_its_suffix():
    line = "crm.acme-retail:8443 refused; CRM.ACME-RETAIL again; crm is down; a store answered"
    assert public_text(line, ["crm.acme-retail", "crm", "store"]) == "a host refused; a host again; crm is down; a store answered"


def test_every_string_of_an_answer_is_masked_but_its_keys_and_fixed_words():
    answer = {"status": "degraded", "version": "4.8.0.74", "checks": {"db.lan": {"ok": False, "detail": "from 10.0.0.5"}},
              "problems": ["db.lan: from 10.0.0.5"], "webhook": {"last_error": "http://x.lan/a", "queued": 3}, "n": None}
    assert public_answer(answer, keep=frozenset({"status", "version"})) == {
        "status": "degraded", "version": "4.8.0.74", "checks": {"db.lan": {"ok": False, "detail": "from an address"}},
        "problems": ["a host: from an address"], "webhook": {"last_error": "http://a host", "queued": 3}, "n": None}


_WORDS = st.sampled_from(["failed", "from", "to", "(", ")", "'", ",", ";", ":", "then", "the store service", "."])
_SUFFIXES = st.sampled_from(["lan", "local", "internal", "home.arpa", "com", "net", "org", "de", "store"])
_LABEL = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
_HOST = st.builds(lambda labels, suffix: ".".join(labels) + "." + suffix, st.lists(_LABEL, min_size=1, max_size=3),
                  _SUFFIXES)


@st.composite
def _address(draw) -> tuple[str, str]:
    """(the address, how a line writes it: bare, with its port, an IPv6 one in brackets)."""
    ip = draw(st.ip_addresses())
    port = draw(st.integers(1, 65535))
    if ip.version == 4:
        return str(ip), draw(st.sampled_from([str(ip), f"{ip}:{port}", f"('{ip}', {port})"]))
    return str(ip), draw(st.sampled_from([str(ip), f"[{ip}]:{port}", f"[{ip}]"]))


@st.composite
def _url(draw) -> tuple[str, str]:
    """(its secret part: the host and a token in the query, the URL)."""
    host = draw(st.one_of(_HOST, st.ip_addresses().map(lambda ip: str(ip) if ip.version == 4 else f"[{ip}]")))
    token = draw(st.from_regex(r"[A-Za-z0-9_-]{16,24}", fullmatch=True))
    path = draw(st.from_regex(r"(/[a-z0-9._-]{1,8}){0,3}", fullmatch=True))
    scheme = draw(st.sampled_from(["http", "https", "smtp", "ws"]))
    return token, f"{scheme}://{host}{path}?token={token}"


def _line(draw, secret_parts: st.SearchStrategy) -> tuple[list[str], str]:
    parts, words = [], []
    for _ in range(draw(st.integers(1, 4))):
        secret, written = draw(secret_parts)
        parts.append(secret)
        words += [draw(_WORDS), written, draw(_WORDS)]
    return parts, " ".join(words)


@given(st.data())
def test_no_address_survives(data):
    addresses, line = _line(data.draw, _address())
    public = public_text(line)
    for address in addresses:
        assert address not in public, (line, public)
    for word in re.findall(r"[0-9A-Fa-f:.%\[\]]+", public):  # nothing left that parses as an address
        with pytest.raises(ValueError):
            ipaddress.ip_address(word.strip("[].:"))


@given(st.data())
def test_no_url_host_or_token_survives(data):
    tokens, line = _line(data.draw, st.one_of(_url(), _HOST.map(lambda h: (h, h))))
    public = public_text(line)
    for secret in tokens:
        assert secret not in public, (line, public)
    assert re.findall(r"://\S*", public) == ["://a"] * public.count("://"), public  # scheme://a host, nothing more


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=80))
def test_masking_twice_changes_nothing_more(line):
    once = public_text(line)
    assert public_text(once) == once
