"""Alma's user schema (rest_user.xsd), loaded with the hardened parser, and its errors on a
record (`sis scan --xsd`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import etree

from authprobe import runtime, xmlsafe
from authprobe.errors import InputError, UnsafeInputError
from authprobe.model import Record

MAX_SCHEMA_ERRORS = 3


def with_schema_errors(record: Record, schema: etree.XMLSchema) -> Record:
    log: Any = schema.error_log
    entries = list(log)
    errors = [f"line {e.line}: {e.message}" for e in entries[:MAX_SCHEMA_ERRORS]]
    more = len(entries) - len(errors)
    text = "; ".join(errors) + (f"; and {more} more" if more > 0 else "")
    return Record(record.ref, record.attrs, record.population, {**record.info, "xsd_errors": text})


_SCHEMA_LOCATION = re.compile(rb"""schemaLocation\s*=\s*["']([^"']+)["']""")


def load_schema(path: Path) -> etree.XMLSchema:
    """Alma's rest_user.xsd (or another user schema), parsed with the hardened parser.

    Included/imported schemas must be local files beside it; each is checked for DTDs first,
    because libxml2 reads them itself.
    """
    if not path.exists():
        raise InputError("xsd-not-found", "This XML schema does not exist.", location=str(path))
    data = _read_schema(path)
    _check_schema_files(path, set())
    try:
        root = etree.fromstring(data, parser=xmlsafe.parser(), base_url=path.resolve().as_uri())
        return etree.XMLSchema(root)
    except etree.XMLSyntaxError as exc:
        raise InputError(
            "xsd-malformed", f"This XML schema is not well-formed XML: {exc}", location=str(path)
        ) from exc
    except etree.XMLSchemaParseError as exc:
        raise InputError(
            "xsd-unusable",
            f"This is not a usable XML schema: {exc}",
            location=str(path),
            hint="Give Alma's rest_user.xsd with rest_researcher.xsd beside it.",
        ) from exc


def _read_schema(path: Path) -> bytes:
    return runtime.read_small(path, "XML schema", runtime.SMALL_FILE_MAX_BYTES)


def _check_schema_files(path: Path, seen: set[Path]) -> None:
    path = path.resolve()
    if path in seen:
        return
    seen.add(path)
    data = _read_schema(path)
    xmlsafe.refuse_dtd(data[: xmlsafe.PROLOG_PEEK], str(path))
    for match in _SCHEMA_LOCATION.finditer(data):
        target = match.group(1).decode("utf-8", "replace")
        if "://" in target:
            raise UnsafeInputError(
                "xsd-remote-include",
                f"This schema includes {target}; authprobe never fetches schemas from the network.",
                location=str(path),
                hint="Download the included schema and point schemaLocation at the local copy.",
            )
        included = path.parent / target
        if not included.is_file():
            raise InputError(
                "xsd-include-missing",
                f"This schema includes {target}, which is not beside it.",
                location=str(path),
                hint="Keep rest_user.xsd and rest_researcher.xsd in the same folder.",
            )
        _check_schema_files(included, seen)
