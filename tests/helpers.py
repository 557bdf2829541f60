"""Small builders shared by the unit tests: records in memory, tiny LDIF and SIS files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from authprobe.analysis.recommend import Options, build_report
from authprobe.model import InputSummary, ReadStats, Record, Report, SourceKind


class ListSource:
    """A RecordSource over records held in a list (the analysis layer's unit-test input)."""

    def __init__(self, source: SourceKind, records: Iterable[Record], location: str = "memory"):
        self.source = source
        self.kind = "memory"
        self.location = location
        self.stats = ReadStats()
        self._records = list(records)

    def records(self) -> Iterator[Record]:
        for record in self._records:
            self.stats.records += 1
            yield record

    def summary(self) -> InputSummary:
        return InputSummary(self.kind, self.source, self.location, self.stats.records, {})


def rec(ref: str, population: str | None = None, **attrs: str | Sequence[str]) -> Record:
    """`rec("u1", "STUDENT", primary_id="1", email=["a@x", "b@x"])`; `_` in names -> `:`."""
    values: dict[str, tuple[str, ...]] = {}
    for name, value in attrs.items():
        key = name.replace("__", ":")
        values[key] = (value,) if isinstance(value, str) else tuple(value)
    return Record(ref=ref, attrs=values, population=population)


def write_ldif(path: Path, entries: Iterable[Mapping[str, str | Sequence[str]]]) -> Path:
    """Write person entries (each a mapping with a `dn`) as an LDIF file."""
    lines = ["version: 1", ""]
    for entry in entries:
        lines.append(f"dn: {entry['dn']}")
        lines.extend(["objectClass: top", "objectClass: person", "objectClass: inetOrgPerson"])
        for name, value in entry.items():
            if name == "dn":
                continue
            for item in [value] if isinstance(value, str) else value:
                lines.append(f"{name}: {item}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_sis(path: Path, users: Iterable[Mapping[str, str]]) -> Path:
    """Write an Alma SIS XML file; keys primary_id, user_group, email, and id:<TYPE>."""
    parts = ["<?xml version='1.0' encoding='UTF-8'?>", "<users>"]
    for user in users:
        parts.append("<user>")
        if "primary_id" in user:
            parts.append(f"<primary_id>{user['primary_id']}</primary_id>")
        if "user_group" in user:
            parts.append(f"<user_group>{user['user_group']}</user_group>")
        if "email" in user:
            parts.append(
                "<contact_info><emails><email preferred='true'><email_address>"
                f"{user['email']}</email_address></email></emails></contact_info>"
            )
        identifiers = [(k[3:], v) for k, v in user.items() if k.startswith("id:")]
        if identifiers:
            parts.append("<user_identifiers>")
            for id_type, value in identifiers:
                parts.append(
                    f"<user_identifier><id_type>{id_type}</id_type><value>{value}</value>"
                    "</user_identifier>"
                )
            parts.append("</user_identifiers>")
        parts.append("</user>")
    parts.append("</users>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def recommend_report(
    sis: list[Record], directory: list[Record], options: Options | None = None
) -> Report:
    """build_report on records held in lists (the directory and the SIS extract)."""
    return build_report(
        ListSource(SourceKind.DIRECTORY, directory),
        ListSource(SourceKind.SIS, sis),
        options=options,
    )
