"""The C walk of search result entries (`_bercount`) gives exactly what `ber_count.count_entry`
gives.

Same return value, same appends to the same buffers and to `pending` in the same order, and on
bytes it does not take (truncated, over-long lengths, entries Python rejects) no change at all,
so that `ber_count.count_entry_buffered` falls back to the Python function and its exact errors.
The entries are encoded by ldap3's own ASN.1 encoder (pyasn1), then cut and damaged at random.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from authprobe.sources.ldap import ber, ber_count
from tests.unit.test_ldap_ber import entry_message

_bercount = pytest.importorskip(
    "authprobe.sources.ldap._bercount", reason="the C accelerator is not built (no compiler)"
)

NAMES = (b"uid", b"mail", b"cn", b"objectClass", b"memberOf", b"x" * 130)
SINGLE = (b"uid", b"mail", b"cn")
MULTI = (b"uid", b"mail", b"cn", b"objectClass", b"memberOf")

_VALUE = st.one_of(
    st.sampled_from([b"", b"a", b"B", b"\xff", b"\xc3\xa9t\xc3\xa9", b"a" * 127, b"a" * 128]),
    st.sampled_from([b"b" * 255, b"c" * 256, b"d" * 70000]),
    st.binary(max_size=20),
)
_ATTRS = st.lists(
    st.tuples(st.sampled_from(NAMES), st.lists(_VALUE, max_size=4)),
    max_size=8,
    unique_by=lambda pair: pair[0],
)


def _run(count: Any, data: bytes, start: int, end: int, *, python: bool) -> tuple[object, ...]:
    """One walk on fresh buffers: (result or exception, buffers, pending)."""
    buffers: dict[bytes, list[str]] = {name: ["before"] for name in SINGLE}
    multi = {name: name.decode() for name in MULTI}
    pending: list[tuple[str, list[str]]] = []
    try:
        if python:
            single = {name: buffer.append for name, buffer in buffers.items()}
            result: object = count(data, start, end, single, multi, pending)
        else:
            result = count(data, start, end, buffers, multi, pending)
    except Exception as exc:  # the same class and message on both sides
        result = (type(exc).__name__, str(exc))
    return result, buffers, pending


def _both(data: bytes, start: int, end: int) -> None:
    expected = _run(ber_count.count_entry, data, start, end, python=True)
    assert _run(ber_count.count_entry_buffered, data, start, end, python=False) == expected
    raw = _run(_bercount.count_entry, data, start, end, python=False)
    if raw[0] == -2:  # not taken: nothing changed, the Python function decides
        assert raw[1:] == ({name: ["before"] for name in SINGLE}, [])
    else:
        assert raw == expected


@settings(max_examples=300, deadline=None)
@given(_ATTRS)
@example([(b"uid", [b"u1"]), (b"objectClass", [b"top", b"person"]), (b"mail", [b"m"])])
@example([(b"memberOf", [b"g"] * 1500)])
@example([(b"memberOf", [b"g"] * 1499), (b"cn", [b"\xff"])])
def test_well_formed_entries_give_the_python_result(
    attrs: list[tuple[bytes, list[bytes]]],
) -> None:
    data = entry_message(7, b"uid=x,dc=example,dc=org", attrs)
    message = ber.parse_message(data, 0, len(data))
    _both(data, message.op_start, message.op_end)
    # a well-formed entry is always taken in C (no fallback to Python)
    raw = _run(_bercount.count_entry, data, message.op_start, message.op_end, python=False)
    assert raw[0] != -2


@settings(max_examples=400, deadline=None)
@given(
    _ATTRS,
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=3),
    st.integers(min_value=0),
    st.integers(min_value=-3, max_value=3),
)
def test_damaged_and_cut_entries_give_the_python_result_or_error(
    attrs: list[tuple[bytes, list[bytes]]],
    damage: list[tuple[int, int]],
    cut: int,
    shift: int,
) -> None:
    data = bytearray(entry_message(7, b"uid=x,dc=example,dc=org", attrs))
    message = ber.parse_message(bytes(data), 0, len(data))
    for at, byte in damage:
        data[at % len(data)] = byte
    cut_data = bytes(data[: max(1, len(data) - cut % len(data))])
    _both(cut_data, message.op_start, message.op_end + shift)
    _both(bytes(data), message.op_start + shift, message.op_end)


def test_the_scan_uses_the_accelerator_unless_told_not_to() -> None:
    assert ber_count.ACCELERATED  # built here, so the live scan runs it
