"""jsonstream: big JSON arrays read element by element, in bounded memory, errors with a line."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authprobe.errors import InputError, UnsafeInputError
from authprobe.sources.directory_files.jsonstream import (
    ITEM,
    PAGE_CLOSE,
    PAGE_OPEN,
    Event,
    JsonStream,
    walk,
)


def _events(text: str, chunk: int = 7, **kwargs: Any) -> list[Event]:
    return list(walk(JsonStream(io.StringIO(text), "t.json", chunk=chunk, **kwargs)))


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(_values, max_size=8),
    meta=st.dictionaries(st.sampled_from(["@odata.context", "@odata.nextLink", "x"]), _scalars),
    chunk=st.integers(1, 40),
    indent=st.sampled_from([None, 2]),
)
def test_pages_stream_as_json_loads_reads_them(
    items: list[Any], meta: dict[str, Any], chunk: int, indent: int | None
) -> None:
    """A page's elements and keys come out as json.loads gives them, whatever the chunk size."""
    page = {**meta, "value": items}
    events = _events(json.dumps(page, indent=indent) * 2, chunk=chunk)
    one = [PAGE_OPEN, *[ITEM] * len(items), PAGE_CLOSE]
    assert [e.kind for e in events] == one * 2
    assert [e.value for e in events if e.kind == ITEM] == items * 2
    assert events[len(one) - 1].value == meta


def test_number_at_a_chunk_end_is_not_cut() -> None:
    """A number split by the chunk boundary is read whole (12345, not 123)."""
    events = _events("[12345, 6]", chunk=4)
    assert [e.value for e in events] == [12345, 6]


def test_array_of_users_and_bare_object() -> None:
    """A top-level array yields its elements; a bare object without "value" is one item."""
    events = _events('[{"id": "a"}, {"id": "b"}]\n{"id": "c", "value": 3}')
    assert [(e.kind, e.value) for e in events] == [
        (ITEM, {"id": "a"}),
        (ITEM, {"id": "b"}),
        (ITEM, {"id": "c", "value": 3}),
    ]


def test_array_of_pages_is_opened_page_by_page() -> None:
    """An array of saved pages is walked like pages one after another."""
    text = json.dumps([{"@odata.nextLink": "n", "value": [1, 2]}, {"value": [3]}])
    kinds = [(e.kind, e.value) for e in _events(text)]
    assert kinds == [
        (PAGE_OPEN, {"@odata.nextLink": "n"}),
        (ITEM, 1),
        (ITEM, 2),
        (PAGE_CLOSE, {"@odata.nextLink": "n"}),
        (PAGE_OPEN, {}),
        (ITEM, 3),
        (PAGE_CLOSE, {}),
    ]


def test_lines_of_elements() -> None:
    """Each element carries the line it starts on."""
    text = '{\n "value": [\n  {"id": 1},\n\n  {"id": 2}\n ]\n}\n'
    assert [e.line for e in _events(text, chunk=3) if e.kind == ITEM] == [3, 5]


def test_memory_holds_one_chunk_and_one_element() -> None:
    """Reading 20,000 users with 4 KiB chunks never holds more than a chunk plus one user."""
    users = [{"id": f"{n:08d}", "mail": f"user{n}@college.example"} for n in range(20_000)]
    stream = JsonStream(io.StringIO(json.dumps({"value": users})), "t.json", chunk=4096)
    largest = 0
    count = 0
    for event in walk(stream):
        largest = max(largest, len(stream.buf))
        count += event.kind == ITEM
    assert count == 20_000
    assert largest <= 4096 + 100


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"value": [\n{"id": 1},\n{"id": 2\n', 3),  # cut short
        ('{"value": [\n{"id": 1} {"id": 2}]}', 2),  # a missing comma
        ('{\n"value": [], 7: 1}', 2),  # a key that is not a string
        ("\n\nnull", 3),  # not an object or an array
    ],
)
def test_malformed_json_names_the_line(text: str, line: int) -> None:
    """Broken JSON is a json-malformed error at file:line, never a Python exception."""
    with pytest.raises(InputError) as info:
        _events(text)
    assert info.value.reference == "json-malformed"
    assert info.value.location == f"t.json:{line}"


def test_deep_nesting_is_refused() -> None:
    """Thousands of nested arrays are refused as unsafe (no RecursionError)."""
    with pytest.raises(UnsafeInputError) as info:
        _events("[" + "[" * 100_000 + "]" * 100_001, chunk=1 << 20)
    assert info.value.reference == "json-too-deep"


def test_value_larger_than_the_limit_is_refused() -> None:
    """One value larger than the limit is refused instead of filling memory."""
    with pytest.raises(UnsafeInputError) as info:
        _events('[{"id": "' + "x" * 5000 + '"}]', chunk=64, max_value=1000)
    assert info.value.reference == "json-value-too-large"
