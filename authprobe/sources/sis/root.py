"""The root element of an Alma user file, sniffed from its first bytes before parsing.

An Alma user file is UTF-8 XML with a `<users>` (or `<userRecords>`) root, or a single `<user>`;
anything else (another XML document, a CSV, an empty file, UTF-16, a declared cp1252) is refused
here with an error that says what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from authprobe import xmlsafe
from authprobe.errors import InputError, at_line

ROOTS = frozenset({"users", "userRecords"})
"""Root elements of an Alma user file (`userRecords` is what several real producers write)."""

_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:(?:<\?.*?\?>|<!--.*?-->)\s*)*<([A-Za-z_][\w.:-]*)([^>]*)>", re.S
)
_XMLNS = re.compile(rb"""xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']""")
_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")
_UTF8 = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters XML never allows (lxml refuses them in a tag's namespace with a ValueError)."""


def not_alma(label: str, line: int | None, what: str) -> InputError:
    return InputError(
        "sis-not-user-xml",
        f"This is not an Alma user file: {what}. Alma SIS extracts have a <users> "
        "(or <userRecords>) root holding <user> elements.",
        location=at_line(label, line),
        hint="Give the XML the SIS job produces for Alma (or a zip of such files).",
    )


def not_utf8(label: str, line: int | None, detail: str) -> InputError:
    return InputError(
        "sis-not-utf8",
        f"This SIS file is not UTF-8 ({detail}); Alma loads UTF-8 only.",
        location=at_line(label, line),
        hint="Export the file again as UTF-8 (e.g. `iconv -f cp1252 -t utf-8`).",
    )


@dataclass(frozen=True, slots=True)
class Root:
    local: str
    namespace: str | None


def sniff_root(head: bytes, label: str) -> Root:
    """The root element of an Alma user file, from its first bytes; refuse anything else."""
    xmlsafe.refuse_dtd(head, label)
    if not head.strip():
        raise InputError("sis-empty-file", "This SIS file is empty.", location=label)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise not_utf8(label, 1, "it is UTF-16")
    declared = _ENCODING.match(head)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _UTF8:
        raise not_utf8(label, 1, f"it declares encoding {declared.group(1).decode('ascii')}")
    match = _ROOT.match(head)
    if match is None:
        raise not_alma(label, 1, "it does not start with an XML element")
    qname = match.group(1).decode("utf-8", "replace")
    prefix, _, local = qname.rpartition(":")
    namespaces = {
        (m.group(1) or b"").decode("utf-8", "replace"): m.group(2).decode("utf-8", "replace")
        for m in _XMLNS.finditer(match.group(2))
    }
    line = head.count(b"\n", 0, match.start(1)) + 1
    if local not in ROOTS and local != "user":
        raise not_alma(label, line, f"its root element is <{qname}>")
    namespace = namespaces.get(prefix) or None
    if namespace is not None and _CONTROL.search(namespace):
        raise InputError(
            "xml-malformed",
            "This is not well-formed XML: the namespace of the root element holds a control "
            "character.",
            location=at_line(label, line),
            hint="Check that the file is complete and really XML; open it in an editor there.",
        )
    return Root(local, namespace)


def line_of(error: InputError) -> int | None:
    location = error.location or ""
    _, _, line = location.rpartition(":")
    return int(line) if line.isdigit() else None
