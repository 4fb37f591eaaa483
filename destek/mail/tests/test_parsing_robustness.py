"""parse_email never raises anything but UnparseableEmail, whatever bytes arrive."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destek.mail.parsing import ParsedEmail, UnparseableEmail, parse_email

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
# Bytes that steer the MIME parser: boundaries, headers, encodings, charsets.
TOKENS = [b"\r\n", b"\n", b"--", b":", b";", b"=?", b"?=", b"?Q?", b"?B?", b"=", b"\x00", b"\xff",
          b"boundary=", b"Content-Type: multipart/mixed; boundary=x\r\n", b"--x\r\n",
          b"Content-Transfer-Encoding: base64\r\n", b"charset=x-unknown", b"message/rfc822",
          b"application/ms-tnef", b"\r\n\r\n", b"\t", b" "]


def _check(raw: bytes) -> None:
    try:
        parsed = parse_email(raw)
    except UnparseableEmail as exc:
        assert str(exc)
        assert not str(exc).startswith("parser error"), str(exc)  # a bug, not a bad message
        return
    assert isinstance(parsed, ParsedEmail)
    assert parsed.size == len(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes(raw: bytes) -> None:
    _check(raw)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        position = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["insert", "delete", "flip", "truncate"]))
        if action == "insert":
            data[position:position] = draw(st.sampled_from(TOKENS) | st.binary(max_size=20))
        elif action == "delete":
            del data[position:position + draw(st.integers(min_value=1, max_value=200))]
        elif action == "flip" and position < len(data):
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif action == "truncate":
            del data[position:]
    return bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_messages(raw: bytes) -> None:
    _check(raw)
