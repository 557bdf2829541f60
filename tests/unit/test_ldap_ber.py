"""The fast BER decoder gives exactly what ldap3 decodes from the same bytes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ldap3.operation.search import search_result_entry_response_to_dict_fast
from ldap3.protocol.rfc2696 import RealSearchControlValue
from ldap3.protocol.rfc4511 import (
    Control,
    Controls,
    LDAPMessage,
    MessageID,
    PartialAttribute,
    PartialAttributeList,
    ProtocolOp,
    Referral,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    Vals,
)
from ldap3.utils.asn1 import decode_message_fast, encode

from authprobe.sources.ldap import ber, ber_count
from authprobe.sources.ldap.limits import MAX_VALUE_RANGE


def entry_message(message_id: int, dn: bytes, attrs: list[tuple[bytes, list[bytes]]]) -> bytes:
    """Encode a SearchResultEntry with ldap3's own ASN.1 definitions (pyasn1 encoder)."""
    entry = SearchResultEntry()
    entry["object"] = dn
    attributes = PartialAttributeList()
    for i, (name, values) in enumerate(attrs):
        attribute = PartialAttribute()
        attribute["type"] = name
        vals = Vals()
        for j, value in enumerate(values):
            vals.setComponentByPosition(j, value)
        attribute["vals"] = vals
        attributes.setComponentByPosition(i, attribute)
    entry["attributes"] = attributes
    message = LDAPMessage()
    message["messageID"] = MessageID(message_id)
    message["protocolOp"] = ProtocolOp().setComponentByName("searchResEntry", entry)
    return bytes(encode(message))


def done_message(
    message_id: int, code: int, text: str, cookie: bytes | None, referrals: list[str]
) -> bytes:
    done = SearchResultDone()
    done["resultCode"] = code
    done["matchedDN"] = ""
    done["diagnosticMessage"] = text
    if referrals:
        referral = Referral()
        for i, uri in enumerate(referrals):
            referral.setComponentByPosition(i, uri)
        done["referral"] = referral
    message = LDAPMessage()
    message["messageID"] = MessageID(message_id)
    message["protocolOp"] = ProtocolOp().setComponentByName("searchResDone", done)
    if cookie is not None:
        value = RealSearchControlValue()
        value["size"] = 0
        value["cookie"] = cookie
        control = Control()
        control["controlType"] = ber.PAGED_RESULTS_OID
        control["criticality"] = False
        control["controlValue"] = bytes(encode(value))
        controls = Controls()
        controls.setComponentByPosition(0, control)
        message["controls"] = controls
    return bytes(encode(message))


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC-;0123456789", min_size=1, max_size=30)
values = st.binary(min_size=0, max_size=300) | st.integers(60000, 70000).map(lambda n: b"v" * n)


@settings(max_examples=60, deadline=None)
@given(
    message_id=st.integers(min_value=1, max_value=2**31 - 1),
    dn=st.text(min_size=0, max_size=200).map(str.encode),
    attrs=st.lists(
        st.tuples(names.map(str.encode), st.lists(values, min_size=1, max_size=4)),
        max_size=8,
        unique_by=lambda pair: pair[0].lower(),
    ),
)
def test_entry_decoding_equals_ldap3(
    message_id: int, dn: bytes, attrs: list[tuple[bytes, list[bytes]]]
) -> None:
    """DN, attribute types and every value (short, long, 64 KB) equal ldap3's decoding."""
    data = entry_message(message_id, dn, attrs)
    end = ber.frame_end(data, 0)
    assert end == len(data)
    message = ber.parse_message(data, 0, end)
    assert message.message_id == message_id
    assert message.op == ber.SEARCH_RESULT_ENTRY
    got_dn, got_attrs = ber.parse_entry(data, message.op_start, message.op_end)

    theirs = decode_message_fast(data)
    assert theirs["messageID"] == message_id
    entry = search_result_entry_response_to_dict_fast(theirs["payload"], None, None, False)
    assert got_dn == entry["raw_dn"]
    mine: dict[str, list[bytes]] = {}
    for name, vals in got_attrs:
        mine.setdefault(name.decode(), []).extend(vals)
    assert mine == {name: list(vals) for name, vals in entry["raw_attributes"].items()}
    assert [name for name, _ in got_attrs] == [name for name, _ in attrs]


def test_done_with_paged_cookie_and_referrals() -> None:
    """A SearchResultDone gives its code, message, referral URIs and the paged cookie."""
    data = done_message(7, 10, "see elsewhere", b"\x01\x02cookie", ["ldap://a/x", "ldap://b/y"])
    message = ber.parse_message(data, 0, len(data))
    assert (message.message_id, message.op) == (7, ber.SEARCH_RESULT_DONE)
    result = ber.parse_result(data, message.op_start, message.op_end)
    assert result == ber.Result(10, "", "see elsewhere", ("ldap://a/x", "ldap://b/y"))
    controls = ber.parse_controls(data, message.controls_start, message.controls_end)
    assert [c.oid for c in controls] == [ber.PAGED_RESULTS_OID]
    assert controls[0].value is not None
    assert ber.parse_paged_value(controls[0].value) == (0, b"\x01\x02cookie")


def test_done_without_controls() -> None:
    """A plain success result has no controls and no referrals."""
    data = done_message(3, 0, "", None, [])
    message = ber.parse_message(data, 0, len(data))
    assert message.controls_start == -1
    assert ber.parse_result(data, message.op_start, message.op_end) == ber.Result(0, "", "")


def test_reference_uris() -> None:
    """A SearchResultReference yields its URIs."""
    reference = SearchResultReference()
    reference.setComponentByPosition(0, "ldap://forest.example/CN=Configuration,DC=x")
    message = LDAPMessage()
    message["messageID"] = MessageID(2)
    message["protocolOp"] = ProtocolOp().setComponentByName("searchResRef", reference)
    data = bytes(encode(message))
    parsed = ber.parse_message(data, 0, len(data))
    assert parsed.op == ber.SEARCH_RESULT_REFERENCE
    assert ber.parse_reference(data, parsed.op_start, parsed.op_end) == [
        "ldap://forest.example/CN=Configuration,DC=x"
    ]


def test_reader_frames_messages_split_across_reads() -> None:
    """Messages split at every byte boundary are framed whole, in order."""
    stream = b"".join(
        entry_message(i, f"uid=u{i},dc=x".encode(), [(b"uid", [f"u{i}".encode()])])
        for i in range(1, 6)
    ) + done_message(6, 0, "", None, [])
    chunks = [stream[i : i + 3] for i in range(0, len(stream), 3)] + [b""]
    feed = iter(chunks)
    reader = ber.MessageReader(lambda _size: next(feed))
    ids = []
    for message in reader.messages():
        ids.append(message.message_id)
        if message.op == ber.SEARCH_RESULT_DONE:
            break
    assert ids == [1, 2, 3, 4, 5, 6]
    with pytest.raises(EOFError):
        next(reader.messages())


def test_garbage_is_a_ber_error() -> None:
    """Bytes that are not an LDAP message raise BerError."""
    with pytest.raises(ber.BerError):
        ber.frame_end(b"\x04\x01x", 0)
    with pytest.raises(ber.BerError):
        ber.read_length(b"\x85\x00\x00\x00\x00\x00", 0)


@settings(max_examples=60, deadline=None)
@given(
    attrs=st.lists(
        st.tuples(names.map(str.encode), st.lists(values, min_size=1, max_size=4)),
        max_size=8,
        unique_by=lambda pair: pair[0].lower(),
    ),
    known=st.sets(names.map(str.encode), max_size=8),
)
def test_fused_decoder_equals_parse_entry(
    attrs: list[tuple[bytes, list[bytes]]], known: set[bytes]
) -> None:
    """decode_entry gives parse_entry's values: text ones decoded, everything else raw."""
    data = entry_message(1, b"uid=x,dc=y", attrs)
    message = ber.parse_message(data, 0, len(data))
    _, reference = ber.parse_entry(data, message.op_start, message.op_end)
    text_names = {name: name.decode().upper() for name in known | {a for a, _ in attrs[:2]}}
    dn, decoded, others = ber.decode_entry(data, message.op_start, message.op_end, text_names)
    assert dn == b"uid=x,dc=y"
    rebuilt: dict[bytes, list[bytes]] = {name: list(vals) for name, vals in others}
    for name, vals in reference:
        if name in rebuilt:
            assert rebuilt[name] == vals
            continue
        assert decoded[text_names[name]] == [v.decode("utf-8") for v in vals]
    not_utf8 = {name for name, vals in reference if any(_not_utf8(v) for v in vals)}
    assert not_utf8 <= set(rebuilt)


def _not_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@settings(max_examples=80, deadline=None)
@given(
    attrs=st.lists(
        st.tuples(
            st.sampled_from([b"uid", b"mail", b"cn", b"objectClass", b"jpegPhoto"]),
            st.lists(st.sampled_from([b"a", b"B", b"a" * 200, b"\xff"]), max_size=3),
        ),
        max_size=6,
        unique_by=lambda pair: pair[0],
    ),
    before=st.lists(st.sampled_from(["a", "B", "z"]), max_size=3),
)
def test_count_entry_hands_over_or_takes_back_exactly(
    attrs: list[tuple[bytes, list[bytes]]], before: list[str]
) -> None:
    """count_entry passes one-value text attributes on and the rest to `pending`; when it
    cannot take the entry, uncount_entry leaves the buffers exactly as before."""
    data = entry_message(1, b"uid=x,dc=y", attrs)
    message = ber.parse_message(data, 0, len(data))
    buffers = {name: list(before) for name in (b"uid", b"mail", b"cn")}
    single = {name: buffer.append for name, buffer in buffers.items()}
    multi: dict[bytes, bytes] = {name: name for name in (b"uid", b"mail", b"cn", b"objectClass")}
    pending: list[tuple[bytes, list[str]]] = []
    done = ber_count.count_entry(data, message.op_start, message.op_end, single, multi, pending)
    simple = all(
        name in multi and vals and not any(_not_utf8(v) for v in vals) for name, vals in attrs
    )
    assert (done == -1) == simple
    if done == -1:
        for name, vals in attrs:
            if name in buffers and len(vals) == 1:
                assert buffers[name] == [*before, vals[0].decode()]
            else:
                assert (name, [v.decode() for v in vals]) in pending
        done = len(attrs)
    ber_count.uncount_entry(data, message.op_start, message.op_end, buffers, done)
    for name in (b"uid", b"mail", b"cn"):
        assert buffers[name] == before


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="outside CI the C compiler is optional")
def test_ci_builds_the_c_accelerator() -> None:
    """.ci/run installs gcc and Python's headers, so `ldap scan` runs the C entry walk there."""
    assert ber_count.ACCELERATED


def test_the_c_walk_names_the_same_value_limit() -> None:
    """`_bercount.c` sends lists of `limits.MAX_VALUE_RANGE` values to the general path too."""
    source = (Path(ber.__file__).parent / "_bercount.c").read_text(encoding="utf-8")
    defined = re.search(r"^#define MAX_VALUE_RANGE (\d+)$", source, re.MULTILINE)
    assert defined is not None
    assert int(defined.group(1)) == MAX_VALUE_RANGE
    assert "limits.MAX_VALUE_RANGE" in source  # the comment names the Python constant
    assert "1500" not in source.replace(defined.group(0), "")
