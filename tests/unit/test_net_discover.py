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
