"""The one hardened XML parser of authprobe.

Every XML document (SIS extracts, SAML metadata, SAML messages) is parsed here: no DTD, no entity
resolution, no network access, no huge trees unless asked. A document that declares a DTD
(`<!DOCTYPE`) is refused outright: neither Alma user files nor SAML messages ever carry one, and a
DTD is how entity-expansion ("billion laughs") and external-entity (XXE) attacks begin.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

from authprobe.errors import InputError, UnsafeInputError, at_line

PROLOG_PEEK = 64 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ENTITY_ERROR = re.compile(r"\bentity\b|EntityRef", re.IGNORECASE)
"""libxml2's messages about entities ("Entity 'x' not defined", "xmlParseEntityRef"), but not
element names such as EntityDescriptor."""


def parser(*, huge_tree: bool = False, remove_blank_text: bool = False) -> etree.XMLParser:
    """A fresh hardened parser (never installed as lxml's global default)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        remove_blank_text=remove_blank_text,
        collect_ids=False,
    )


def refuse_dtd(head: bytes, location: str) -> None:
    """Raise `UnsafeInputError` if the prolog in `head` declares a DTD or an entity."""
    text = head
    if head.startswith(_UTF16_BOMS):
        try:
            text = head.decode("utf-16", errors="ignore").encode("utf-8")
        except UnicodeError:  # pragma: no cover - errors="ignore" never raises
            text = head
    match = _DOCTYPE.search(text)
    if match is None:
        return
    line = text.count(b"\n", 0, match.start()) + 1
    raise UnsafeInputError(
        "xml-dtd-refused",
        "This XML declares a DTD (<!DOCTYPE ...>) or entities, which authprobe refuses: "
        "DTDs are how entity-expansion (billion laughs) and external-entity (XXE) attacks work, "
        "and neither Alma user files nor SAML messages use them.",
        location=at_line(location, line),
        hint="Export the file again without a DOCTYPE, or remove the <!DOCTYPE ...> block.",
    )


def _syntax_error(exc: etree.XMLSyntaxError, location: str) -> InputError:
    line = exc.lineno if exc.lineno else None
    detail = exc.msg or str(exc)
    if "amplification" in detail or _ENTITY_ERROR.search(detail):
        return UnsafeInputError(
            "xml-entities-refused",
            f"This XML uses entities, which authprobe refuses: {detail}",
            location=at_line(location, line),
            hint="Remove the entity declarations; Alma and SAML documents never need them.",
        )
    return InputError(
        "xml-malformed",
        f"This is not well-formed XML: {detail}",
        location=at_line(location, line),
        hint="Check that the file is complete (not truncated) and really XML; "
        "open it in an editor at that line.",
    )


def parse_bytes(data: bytes, location: str, *, huge_tree: bool = False) -> Any:
    """Parse a whole (small) document held in memory and return its root element."""
    refuse_dtd(data[:PROLOG_PEEK], location)
    try:
        root = etree.fromstring(data, parser=parser(huge_tree=huge_tree))
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, location) from exc
    if root is None:
        raise InputError("xml-empty", "The document is empty.", location=location)
    return root


class _PeekedStream(io.RawIOBase):
    """A readable stream whose first bytes were already read to check the prolog."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        chunk = self._rest.read(len(buffer))
        n = len(chunk)
        buffer[:n] = chunk
        return n


def iterparse(
    stream: IO[bytes],
    location: str,
    *,
    events: tuple[str, ...] = ("end",),
    tag: str | tuple[str, ...] | None = None,
    huge_tree: bool = False,
) -> Iterator[tuple[str, Any]]:
    """Stream (event, element) pairs from a binary stream, hardened like `parser()`.

    The caller clears elements it is done with. Syntax errors become `InputError` with file:line.
    """
    head = stream.read(PROLOG_PEEK)
    refuse_dtd(head, location)
    source = io.BufferedReader(_PeekedStream(head, stream), buffer_size=1 << 16)
    context = etree.iterparse(
        source,
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        remove_comments=False,
    )
    try:
        yield from context
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, location) from exc
