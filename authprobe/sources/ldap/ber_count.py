"""Counting a search result entry's values without building the entry (the fast profile).

`count_entry` walks a SearchResultEntry's bytes and hands each attribute's values over to the
caller's tables; `count_entry_buffered` is the same walk in C (`_bercount.c`, built at install
when a compiler is there) when it is built. An entry the walk cannot take whole is taken back
(`uncount_entry`) and decoded the general way (`ber.decode_entry`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

from authprobe.runtime import native
from authprobe.sources.ldap.ber import BerError, parse_entry
from authprobe.sources.ldap.limits import MAX_VALUE_RANGE

T = TypeVar("T")


def count_entry(
    data: bytes,
    start: int,
    end: int,
    single: dict[bytes, Callable[[str], None]],
    multi: dict[bytes, T],
    pending: list[tuple[T, list[str]]],
) -> int:
    """Hand a SearchResultEntry's values over for counting, without building the entry.

    An attribute type found in `single` with exactly one value: that value (UTF-8) is passed
    to `single[type]` (e.g. a list's `append`, counted later in bulk). Any other attribute whose
    type is in `multi` is
    appended to `pending` as `(multi[type], values)` for the caller. Returns -1 when the whole
    entry was handled; otherwise the number of attributes handled before one that needs the
    general path (a type in neither table, no values, `MAX_VALUE_RANGE` values or more, a long
    type name, bytes that are not UTF-8): the caller then takes those values back with
    `uncount_entry`. One function with the lengths decoded inline, as `ber.parse_entry`: this
    is the walk over every attribute of every entry of a scan.
    """
    from_bytes = int.from_bytes
    max_values = MAX_VALUE_RANGE
    if data[start] != 0x04:
        raise BerError("entry without objectName")
    n = data[start + 1]
    if n < 0x80:
        pos = start + 2 + n
    else:
        k = n & 0x7F
        pos = start + 2 + k + from_bytes(data[start + 2 : start + 2 + k], "big")
    if data[pos] != 0x30:
        raise BerError("entry without attribute list")
    n = data[pos + 1]
    pos += 2 if n < 0x80 else 2 + (n & 0x7F)
    get_single = single.get
    done = 0
    while pos < end:
        n = data[pos + 1]
        pos += 2 if n < 0x80 else 2 + (n & 0x7F)
        n = data[pos + 1]
        if n >= 0x80:
            return done
        type_start = pos + 2
        pos = type_start + n
        raw_name = data[type_start:pos]
        n = data[pos + 1]
        if n < 0x80:
            vpos = pos + 2
            set_end = vpos + n
        else:
            k = n & 0x7F
            vpos = pos + 2 + k
            set_end = vpos + from_bytes(data[pos + 2 : vpos], "big")
        if vpos >= set_end:
            return done
        n = data[vpos + 1]
        if n < 0x80:
            value_start = vpos + 2
            value_end = value_start + n
        else:
            k = n & 0x7F
            value_start = vpos + 2 + k
            value_end = value_start + from_bytes(data[vpos + 2 : value_start], "big")
        if value_end == set_end:
            take = get_single(raw_name)
            if take is not None:
                try:
                    take(data[value_start:value_end].decode("utf-8"))
                except UnicodeDecodeError:
                    return done
                pos = set_end
                done += 1
                continue
        target = multi.get(raw_name)
        if target is None:
            return done
        values: list[str] = []
        add = values.append
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
            return done
        if len(values) >= max_values:
            return done
        pending.append((target, values))
        pos = set_end
        done += 1
    if pos != end:
        raise BerError("entry attributes overrun the message")
    return -1


def _load_accelerator() -> Callable[..., int] | None:
    """`_bercount.count_entry` (C, built at install when a compiler is there), else None.

    AUTHPROBE_PURE_PYTHON=1 turns it off (to compare the two; bench/ldap_scan.py).
    """
    module = None if native.pure() else native.load("authprobe.sources.ldap._bercount")
    if module is None:
        return None
    count: Callable[..., int] = module.count_entry
    return count


_ACCELERATED = _load_accelerator()
ACCELERATED: Final = _ACCELERATED is not None
"""Whether `count_entry_buffered` runs in C."""


def count_entry_buffered(
    data: bytes,
    start: int,
    end: int,
    buffers: dict[bytes, list[str]],
    multi: dict[bytes, T],
    pending: list[tuple[T, list[str]]],
) -> int:
    """`count_entry` with `single[type] = buffers[type].append`, in C when it is built.

    The C walk gives the same result after the same appends; on anything unusual (bytes past
    the buffer, a length over 4 bytes, an entry `count_entry` would reject) it changes nothing
    and this runs `count_entry` itself, so errors are exactly the Python ones.
    """
    if _ACCELERATED is not None:
        done = _ACCELERATED(data, start, end, buffers, multi, pending)
        if done != -2:
            return done
    single = {name: buffer.append for name, buffer in buffers.items()}
    return count_entry(data, start, end, single, multi, pending)


def uncount_entry(
    data: bytes, start: int, end: int, taken: dict[bytes, list[str]], done: int
) -> None:
    """Take back the values `count_entry` passed on from the first `done` attributes of an
    entry, when `single[type]` was `taken[type].append` (each list loses its last value)."""
    _, attributes = parse_entry(data, start, end)
    for raw_name, values in attributes[:done]:
        buffer = taken.get(raw_name)
        if buffer is not None and len(values) == 1:
            buffer.pop()
