"""The C fast path of the Alma user XML reader (`_userxml.c`), with lxml as the reference.

`_userxml.Parser` (libxml2's SAX2 push parser, no tree) makes of each `<user>` the `Record` that
`user_xml.UserReader.read` makes, and counts the same skips as `SisExtract._users`. It never
guesses: on any libxml2 error or warning, or anything it does not reproduce exactly (a DTD, an
entity reference, a `<user>` at an unexpected depth, an odd layout above line 65,535, a text over
4 MB, an encoding other than UTF-8), it stops, and `read_users` reads that document again with
the lxml path from its start, skipping the records already given: the caller sees the same
records, stats and error as with lxml alone.

Records are held back one block: lxml's iterparse gives no record of the last ~100 KB read before
an error, so a record given here is one lxml gives before failing too.

`AUTHPROBE_PURE_XML=1` (or `AUTHPROBE_PURE_PYTHON=1`, which turns every C path off, or
`FORCE_PURE = True`) turns the fast path off; so does a missing build
(no compiler or libxml2 headers at install).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from authprobe.model import ReadStats, Record
from authprobe.runtime import native
from authprobe.sources.sis.root import Root
from authprobe.sources.sis.user_xml import (
    EMPTY_IDENTIFIER,
    INFO_FIELDS,
    SKIP_NO_ID_TYPE,
    USER_CHILDREN,
)

if TYPE_CHECKING:
    from authprobe.sources.sis._userxml import Parser


_MODULE = native.load("authprobe.sources.sis._userxml")
_PARSER: type[Parser] | None = None if _MODULE is None else _MODULE.Parser
BUILT = _PARSER is not None
"""Whether the C module was built at install."""
FORCE_PURE = False
"""Set by tests (and `AUTHPROBE_PURE_XML=1`) to read with lxml only."""
BLOCK = 1 << 20
"""Bytes fed to the parser at a time (and held back before their records are given)."""

_UTF8_DECLARED = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["'](utf-?8)["']""", re.I
)
_ANY_DECLARED = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=""")
_USER_CHILDREN = tuple(sorted(USER_CHILDREN))


@dataclass(frozen=True, slots=True)
class Fallback:
    """A document the fast path handed to lxml: why, and how many records it had given."""

    label: str
    given: int
    reason: str


def enabled() -> bool:
    """Whether `read_users` may use the C parser."""
    return BUILT and not FORCE_PURE and not native.pure("AUTHPROBE_PURE_XML")


Reference = Callable[[IO[bytes], str, Root], Iterator[Record]]


def read_users(
    stream: IO[bytes],
    label: str,
    root: Root,
    stats: ReadStats,
    reference: Reference,
    fallbacks: list[Fallback] | None = None,
    not_user: str = "element other than <user> in the user list",
) -> Iterator[Record]:
    """The records of one document, as `reference(stream, label, root)` gives them (which counts
    into `stats` itself); the fast path's counts go into `stats` when the document is done."""
    doc = ReadStats()
    given = 0
    reason = None
    if _PARSER is None:  # not built: the reference alone
        yield from reference(stream, label, root)
        return
    parser = _PARSER(root.namespace, label, Record, _USER_CHILDREN, INFO_FIELDS, EMPTY_IDENTIFIER)
    held: list[Record] = []
    first = True
    while True:
        try:
            block = stream.read(BLOCK)
        except Exception:  # a corrupt zip, an input over its budget, an I/O error: lxml
            reason = "reading the stream failed"  # reads it again and fails the same way
            break
        if first and _ANY_DECLARED.match(block) and not _UTF8_DECLARED.match(block):
            reason = "an encoding declared other than UTF-8"
            break
        first = False
        done = parser.feed(block) if block else parser.close()
        if done is None:
            reason = parser.reason
            break
        for code, line in parser.take_skips():
            if code == 0:
                doc.skip(SKIP_NO_ID_TYPE, f"{label}:{line}")
            else:
                doc.skip(not_user, f"{label}:{line}")
        yield from held
        given += len(held)
        held = done
        if not block:
            break
    if reason is None:
        yield from held
        doc.records = given + len(held)
        _merge(stats, doc)
        return
    if fallbacks is not None:
        fallbacks.append(Fallback(label, given, str(reason)))
    stream.seek(0)
    for record in reference(stream, label, root):
        if given:
            given -= 1
            continue
        yield record


def _merge(stats: ReadStats, doc: ReadStats) -> None:
    """Add one document's counts to `stats`, as if counted there (the same examples kept)."""
    stats.records += doc.records
    for reason, count in doc.skipped.items():
        locations = doc.skipped_examples.get(reason, [])
        for location in locations:
            stats.skip(reason, location)
        stats.skipped[reason] += count - len(locations)
