"""JSON read as a stream: the elements of a big array one at a time, in bounded memory.

`json.load` of a one-million-user Graph export holds every user at once (several GB of Python
objects). `JsonStream` keeps one chunk of text and decodes one element at a time with the standard
library's C decoder (`JSONDecoder.raw_decode`); only the structure around the elements (the page
object, its keys, the array brackets) is walked here. Several documents one after another
(concatenated pages, JSON lines) are read in turn.

`walk(stream)` yields what a reader of paged results needs:
- `PAGE_OPEN` (the object's keys read so far) when a top-level object's `"value"` array starts;
- `ITEM` for each element of that array, for each element of a top-level array, and for a
  top-level object that has no `"value"` array (a single entity);
- `PAGE_CLOSE` (all the object's keys but `"value"`) when the object ends.
An element of a top-level array that is itself such a page (an array of saved pages) is opened
and closed the same way. Each event carries the line its value starts on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final, NamedTuple, TextIO

from authprobe.errors import InputError, UnsafeInputError, at_line

CHUNK: Final = 1 << 20
"""Characters read at a time."""
MAX_VALUE: Final = 64 << 20
"""The largest single value (one user, one page inside an array, one key's value) in characters."""
PAGE_KEY: Final = "value"

PAGE_OPEN: Final = "page-open"
PAGE_CLOSE: Final = "page-close"
ITEM: Final = "item"
_SPACE: Final = " \t\r\n"
_NUMBER_TAIL: Final = re.compile(r"[0-9.eE+-]*")


class Event(NamedTuple):
    """One step of `walk`: a kind (PAGE_OPEN, ITEM, PAGE_CLOSE), its value, the line it starts."""

    kind: str
    value: Any
    line: int


class JsonStream:
    """A text stream read as JSON tokens and values, holding one chunk (plus one value) at most."""

    def __init__(
        self, handle: TextIO, location: str, *, chunk: int = CHUNK, max_value: int = MAX_VALUE
    ) -> None:
        self.handle = handle
        self.location = location
        self.chunk = chunk
        self.max_value = max_value
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = 1  # line number at `_counted` in `buf`
        self._counted = 0
        self._decoder = json.JSONDecoder()

    def error(self, what: str, line: int | None = None) -> InputError:
        """A malformed-JSON error at the current line (or `line`)."""
        return InputError(
            "json-malformed",
            f"Malformed JSON: {what}.",
            location=at_line(self.location, line or self.line()),
            hint="Save the Graph response or the ConvertTo-Json output again, complete; "
            "several pages may follow one another or be saved as separate files.",
        )

    def line(self) -> int:
        """The line number of the current position (counted incrementally)."""
        if self.pos > self._counted:
            self._line += self.buf.count("\n", self._counted, self.pos)
            self._counted = self.pos
        return self._line

    def _fill(self, size: int = 0) -> bool:
        """Read one more chunk (dropping what was consumed); False at the end of the input."""
        if self.eof:
            return False
        text = self.handle.read(max(size, self.chunk))
        self.line()
        self.buf = self.buf[self.pos :] + text
        self._counted -= self.pos
        self.pos = 0
        if not text:
            self.eof = True
            return False
        return True

    def peek(self) -> str:
        """The next character that is not whitespace (not consumed), or "" at the end."""
        while True:
            buf, pos = self.buf, self.pos
            end = len(buf)
            while pos < end and buf[pos] in _SPACE:
                pos += 1
            self.pos = pos
            if pos < end:
                return buf[pos]
            if not self._fill():
                return ""

    def take(self, char: str) -> None:
        """Consume `char` (the next non-whitespace character) or fail."""
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise self.error(f"expected {char!r}, found {shown}")
        self.pos += 1

    def value(self) -> Any:
        """Decode the complete JSON value at the current position, reading more as needed."""
        if not self.peek():
            raise self.error("a value is missing at the end of the file")
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                if not exc.doc[exc.pos :].strip():
                    raise self.error("the file ends inside the value that starts here") from None
                where = self.line() + exc.doc.count("\n", self.pos, exc.pos)
                raise self.error(exc.msg, where) from None
            except RecursionError:
                raise UnsafeInputError(
                    "json-too-deep",
                    "This JSON nests arrays or objects too deeply to be read.",
                    location=at_line(self.location, self.line()),
                    hint="A Graph or ConvertTo-Json export nests a few levels at most; this file "
                    "is not one.",
                ) from None
            if (
                not self.eof
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and _NUMBER_TAIL.fullmatch(self.buf, end)
                and self._more()
            ):
                continue  # a number at the chunk's end may go on in the next chunk (12|34, 0.|5)
            self.pos = end
            return value

    def _more(self) -> bool:
        """Read more for a value that does not decode yet; fail when it cannot fit."""
        if len(self.buf) - self.pos > self.max_value:
            raise UnsafeInputError(
                "json-value-too-large",
                f"One JSON value is larger than {self.max_value:,} characters.",
                location=at_line(self.location, self.line()),
                hint="A user object is a few kilobytes; check that this is a Graph users export.",
            )
        return self._fill(len(self.buf) - self.pos)  # doubles what is held: linear overall


def walk(stream: JsonStream) -> Iterator[Event]:
    """Every top-level document of the stream, as PAGE_OPEN / ITEM / PAGE_CLOSE events."""
    while True:
        first = stream.peek()
        if not first:
            return
        if first == "{":
            yield from _object(stream)
        elif first == "[":
            yield from _array(stream)
        else:
            raise stream.error(f"a document starts with {first!r}, not an object or an array")


def _object(stream: JsonStream) -> Iterator[Event]:
    """A top-level object: its `"value"` array streamed, its other keys decoded whole."""
    line = stream.line()
    stream.take("{")
    meta: dict[str, Any] = {}
    paged = False
    if stream.peek() == "}":
        stream.pos += 1
        yield Event(ITEM, meta, line)
        return
    while True:
        if stream.peek() != '"':
            raise stream.error("an object key is not a string")
        key = stream.value()
        stream.take(":")
        if key == PAGE_KEY and stream.peek() == "[" and not paged:
            paged = True
            yield Event(PAGE_OPEN, dict(meta), line)
            yield from _elements(stream)
        else:
            meta[key] = stream.value()
        following = stream.peek()
        stream.pos += 1
        if following == "}":
            break
        if following != ",":
            raise stream.error("expected ',' or '}' after an object member")
    yield Event(PAGE_CLOSE, meta, line) if paged else Event(ITEM, meta, line)


def _elements(stream: JsonStream) -> Iterator[Event]:
    """The elements of the array at the current position, one ITEM each."""
    stream.take("[")
    if stream.peek() == "]":
        stream.pos += 1
        return
    while True:
        stream.peek()
        line = stream.line()
        yield Event(ITEM, stream.value(), line)
        following = stream.peek()
        stream.pos += 1
        if following == "]":
            return
        if following != ",":
            raise stream.error("expected ',' or ']' after an array element")


def _array(stream: JsonStream) -> Iterator[Event]:
    """A top-level array: users, or saved pages (each opened and closed like a page)."""
    for event in _elements(stream):
        element = event.value
        if isinstance(element, dict) and isinstance(element.get(PAGE_KEY), list):
            meta = {k: v for k, v in element.items() if k != PAGE_KEY}
            yield Event(PAGE_OPEN, meta, event.line)
            for item in element[PAGE_KEY]:
                yield Event(ITEM, item, event.line)
            yield Event(PAGE_CLOSE, meta, event.line)
        else:
            yield event
