"""A small, fast BER decoder for the LDAP messages a search returns (RFC 4511).

ldap3 stays the protocol layer (connection, TLS, binds, requests and controls); this module only
decodes what comes back from a search: search result entries (DN and raw attribute values),
references, the final result and its controls (the paged-results cookie). ldap3 spends most of
a large search building dictionaries and formatting values; here an entry is a DN and a list of
`(attribute, [values])` in bytes, decoded with offsets into one buffer, without copies of the
message itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, NamedTuple

from authprobe.sources.ldap.limits import MAX_VALUE_RANGE

# [APPLICATION n] tags of the responses a search can produce.
SEARCH_RESULT_ENTRY: Final = 0x64
SEARCH_RESULT_DONE: Final = 0x65
SEARCH_RESULT_REFERENCE: Final = 0x73
EXTENDED_RESPONSE: Final = 0x78
INTERMEDIATE_RESPONSE: Final = 0x79
PAGED_RESULTS_OID: Final = "1.2.840.113556.1.4.319"

RawAttributes = list[tuple[bytes, list[bytes]]]


class BerError(ValueError):
    """The bytes are not the LDAP message they claim to be."""


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """The definite length at `pos` -> (length, position of the value)."""
    try:
        first = data[pos]
    except IndexError:
        raise BerError("truncated length") from None
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 4:
        raise BerError(f"unsupported length form 0x{first:02x}")
    end = pos + 1 + count
    if end > len(data):
        raise BerError("truncated length")
    return int.from_bytes(data[pos + 1 : end], "big"), end


def frame_end(data: bytes, start: int) -> int:
    """End offset of the complete message starting at `start`, or -1 if more bytes are needed."""
    available = len(data) - start
    if available < 2:
        return -1
    if data[start] != 0x30:
        raise BerError(f"an LDAP message starts with 0x30, not 0x{data[start]:02x}")
    first = data[start + 1]
    if first < 0x80:
        end = start + 2 + first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise BerError(f"unsupported length form 0x{first:02x}")
        if available < 2 + count:
            return -1
        length = int.from_bytes(data[start + 2 : start + 2 + count], "big")
        end = start + 2 + count + length
    return end if end <= len(data) else -1


class Message(NamedTuple):
    """One decoded LDAPMessage envelope: ids and where the operation and controls lie.

    A named tuple: one is made per entry of a scan, and a tuple is made faster than an object.
    """

    data: bytes
    message_id: int
    op: int  # the protocolOp tag, e.g. SEARCH_RESULT_ENTRY
    op_start: int  # first byte of the operation's value
    op_end: int
    controls_start: int  # -1 when there are no controls
    controls_end: int


def parse_message(data: bytes, start: int, end: int) -> Message:
    """Decode the envelope of the message in data[start:end] (as framed by `frame_end`)."""
    _, pos = read_length(data, start + 1)
    if data[pos] != 0x02:
        raise BerError("messageID missing")
    length, pos = read_length(data, pos + 1)
    message_id = int.from_bytes(data[pos : pos + length], "big", signed=True)
    pos += length
    op = data[pos]
    length, op_start = read_length(data, pos + 1)
    op_end = op_start + length
    if op_end > end:
        raise BerError("operation longer than its message")
    controls_start = controls_end = -1
    if op_end < end and data[op_end] == 0xA0:
        length, controls_start = read_length(data, op_end + 1)
        controls_end = controls_start + length
    return Message(data, message_id, op, op_start, op_end, controls_start, controls_end)


def parse_entry(data: bytes, start: int, end: int) -> tuple[bytes, RawAttributes]:
    """A SearchResultEntry's value -> (DN bytes, [(attribute type, [values])]).

    This is the hot path of a large scan: lengths are decoded inline, in one function (a call
    per length would cost about a third of the time), hence its length.
    """
    if data[start] != 0x04:
        raise BerError("entry without objectName")
    n = data[start + 1]
    if n < 0x80:
        pos = start + 2
        dn_end = pos + n
    else:
        k = n & 0x7F
        pos = start + 2 + k
        dn_end = pos + int.from_bytes(data[start + 2 : pos], "big")
    dn = data[pos:dn_end]
    if data[dn_end] != 0x30:
        raise BerError("entry without attribute list")
    n = data[dn_end + 1]
    pos = dn_end + 2 if n < 0x80 else dn_end + 2 + (n & 0x7F)
    attributes: RawAttributes = []
    append = attributes.append
    from_bytes = int.from_bytes
    while pos < end:
        # PartialAttribute ::= SEQUENCE { type OCTET STRING, vals SET OF OCTET STRING }
        n = data[pos + 1]
        if n < 0x80:
            pos += 2
        else:
            pos += 2 + (n & 0x7F)
        n = data[pos + 1]
        if n < 0x80:
            type_start = pos + 2
            pos = type_start + n
        else:
            k = n & 0x7F
            type_start = pos + 2 + k
            pos = type_start + from_bytes(data[pos + 2 : type_start], "big")
        name = data[type_start:pos]
        n = data[pos + 1]
        if n < 0x80:
            vpos = pos + 2
            set_end = vpos + n
        else:
            k = n & 0x7F
            vpos = pos + 2 + k
            set_end = vpos + from_bytes(data[pos + 2 : vpos], "big")
        values = []
        while vpos < set_end:
            n = data[vpos + 1]
            if n < 0x80:
                value_start = vpos + 2
                vpos = value_start + n
            else:
                k = n & 0x7F
                value_start = vpos + 2 + k
                vpos = value_start + from_bytes(data[vpos + 2 : value_start], "big")
            values.append(data[value_start:vpos])
        append((name, values))
        pos = set_end
    if pos != end:
        raise BerError("entry attributes overrun the message")
    return dn, attributes


def decode_entry(
    data: bytes, start: int, end: int, text_names: dict[bytes, str]
) -> tuple[bytes, dict[str, list[str]], RawAttributes]:
    """`parse_entry` fused with UTF-8 decoding, for the attributes the caller knows are text.

    `text_names` maps an attribute type as sent (bytes) to the name to store it under. Those
    attributes' values are decoded straight into the returned dict; every other attribute (not
    in `text_names`, not valid UTF-8, or with `MAX_VALUE_RANGE` values or more, to check for
    truncation) is returned raw in the third item for the caller to classify. The same bytes
    give the same values as `parse_entry` (the tests check both against ldap3). One function,
    lengths decoded inline, as in `parse_entry`: the hot path of a scan that builds records.
    """
    if data[start] != 0x04:
        raise BerError("entry without objectName")
    n = data[start + 1]
    if n < 0x80:
        pos = start + 2
        dn_end = pos + n
    else:
        k = n & 0x7F
        pos = start + 2 + k
        dn_end = pos + int.from_bytes(data[start + 2 : pos], "big")
    dn = data[pos:dn_end]
    if data[dn_end] != 0x30:
        raise BerError("entry without attribute list")
    n = data[dn_end + 1]
    pos = dn_end + 2 if n < 0x80 else dn_end + 2 + (n & 0x7F)
    attrs: dict[str, list[str]] = {}
    others: RawAttributes = []
    from_bytes = int.from_bytes
    get_name = text_names.get
    max_values = MAX_VALUE_RANGE
    while pos < end:
        n = data[pos + 1]
        pos += 2 if n < 0x80 else 2 + (n & 0x7F)
        n = data[pos + 1]
        if n < 0x80:
            type_start = pos + 2
            pos = type_start + n
        else:
            k = n & 0x7F
            type_start = pos + 2 + k
            pos = type_start + from_bytes(data[pos + 2 : type_start], "big")
        raw_name = data[type_start:pos]
        n = data[pos + 1]
        if n < 0x80:
            vpos = pos + 2
            set_end = vpos + n
        else:
            k = n & 0x7F
            vpos = pos + 2 + k
            set_end = vpos + from_bytes(data[pos + 2 : vpos], "big")
        pos = set_end
        name = get_name(raw_name)
        if name is not None:
            values: list[str] = []
            add = values.append
            start_values = vpos
            try:
                while vpos < set_end:
                    n = data[vpos + 1]
                    if n < 0x80:
                        value_start = vpos + 2
                        vpos = value_start + n
                    else:
                        k = n & 0x7F
                        value_start = vpos + 2 + k
                        vpos = value_start + from_bytes(data[vpos + 2 : value_start], "big")
                    add(data[value_start:vpos].decode("utf-8"))
            except UnicodeDecodeError:
                vpos = start_values
            else:
                if len(values) < max_values:
                    existing = attrs.get(name)
                    if existing is None:
                        attrs[name] = values
                    else:
                        existing.extend(values)
                    continue
                vpos = start_values
        raw_values: list[bytes] = []
        append = raw_values.append
        while vpos < set_end:
            n = data[vpos + 1]
            if n < 0x80:
                value_start = vpos + 2
                vpos = value_start + n
            else:
                k = n & 0x7F
                value_start = vpos + 2 + k
                vpos = value_start + from_bytes(data[vpos + 2 : value_start], "big")
            append(data[value_start:vpos])
        others.append((raw_name, raw_values))
    if pos != end:
        raise BerError("entry attributes overrun the message")
    return dn, attrs, others


def _octet_strings(data: bytes, pos: int, end: int) -> list[bytes]:
    out = []
    while pos < end:
        length, value = read_length(data, pos + 1)
        out.append(data[value : value + length])
        pos = value + length
    return out


@dataclass(frozen=True, slots=True)
class Result:
    """An LDAPResult: code, matched DN, diagnostic message, referral URIs."""

    code: int
    matched_dn: str
    message: str
    referrals: tuple[str, ...] = ()


def parse_result(data: bytes, start: int, end: int) -> Result:
    """An LDAPResult value (SearchResultDone, ExtendedResponse) -> Result."""
    if data[start] != 0x0A:
        raise BerError("result without resultCode")
    length, pos = read_length(data, start + 1)
    code = int.from_bytes(data[pos : pos + length], "big")
    pos += length
    fields: list[bytes] = []
    for _ in range(2):
        length, value = read_length(data, pos + 1)
        fields.append(data[value : value + length])
        pos = value + length
    referrals: list[bytes] = []
    if pos < end and data[pos] == 0xA3:
        length, value = read_length(data, pos + 1)
        referrals = _octet_strings(data, value, value + length)
    return Result(
        code=code,
        matched_dn=fields[0].decode("utf-8", "replace"),
        message=fields[1].decode("utf-8", "replace"),
        referrals=tuple(uri.decode("utf-8", "replace") for uri in referrals),
    )


def parse_reference(data: bytes, start: int, end: int) -> list[str]:
    """A SearchResultReference value -> its URIs."""
    return [uri.decode("utf-8", "replace") for uri in _octet_strings(data, start, end)]


@dataclass(frozen=True, slots=True)
class Control:
    """A response control: OID, criticality, raw value."""

    oid: str
    critical: bool
    value: bytes | None


def parse_controls(data: bytes, start: int, end: int) -> list[Control]:
    """The [0] Controls of a message -> list of Control."""
    controls = []
    pos = start
    while pos < end:
        length, value = read_length(data, pos + 1)
        control_end = value + length
        oid_length, oid_start = read_length(data, value + 1)
        cursor = oid_start + oid_length
        oid = data[oid_start:cursor].decode("ascii", "replace")
        critical = False
        raw: bytes | None = None
        if cursor < control_end and data[cursor] == 0x01:
            length, flag = read_length(data, cursor + 1)
            critical = data[flag] != 0
            cursor = flag + length
        if cursor < control_end and data[cursor] == 0x04:
            length, flag = read_length(data, cursor + 1)
            raw = data[flag : flag + length]
        controls.append(Control(oid, critical, raw))
        pos = control_end
    return controls


def parse_paged_value(value: bytes) -> tuple[int, bytes]:
    """The paged-results control value -> (size estimate, cookie)."""
    if not value or value[0] != 0x30:
        raise BerError("paged results value is not a SEQUENCE")
    _, pos = read_length(value, 1)
    if value[pos] != 0x02:
        raise BerError("paged results size missing")
    length, start = read_length(value, pos + 1)
    size = int.from_bytes(value[start : start + length], "big", signed=True)
    pos = start + length
    length, start = read_length(value, pos + 1)
    return size, value[start : start + length]


class MessageReader:
    """Frames LDAP messages from a byte stream (a socket's `recv`) without copying them."""

    def __init__(self, recv: Callable[[int], bytes], chunk: int = 262144) -> None:
        self._recv = recv
        self._chunk = chunk
        self._data = b""
        self._pos = 0

    def messages(self) -> Iterator[Message]:
        """Yield messages as they complete; raise EOFError when the stream ends."""
        while True:
            data = self._data
            end = frame_end(data, self._pos)
            if end != -1:
                message = parse_message(data, self._pos, end)
                self._pos = end
                yield message
                continue
            chunk = self._recv(self._chunk)
            if not chunk:
                raise EOFError("the server closed the connection")
            self._data = data[self._pos :] + chunk if self._pos < len(data) else chunk
            self._pos = 0
