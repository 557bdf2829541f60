"""Reports for the report-format tests: the demo college's, and small hand-made ones.

The demo report is built once per session from the committed fixtures (the same bytes
`authprobe demo` generates); hand-made ones come from in-memory sources whose truth is known.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from authprobe.analysis.recommend import Options, build_report
from authprobe.model import InputSummary, ReadStats, Record, Report, SourceKind
from authprobe.sources.inputs import open_alma_users, open_directory, open_sis

REPO = Path(__file__).parents[1]
DEMO_FOLDER = REPO / "fixtures" / "demo-college"


@functools.cache
def demo_report() -> Report:
    """The demo college's report, read from the committed fixture files."""
    return build_report(
        open_directory(str(DEMO_FOLDER / "directory.ldif")),
        open_sis([DEMO_FOLDER / "sis.zip"]),
        options=Options(alma_users=open_alma_users([DEMO_FOLDER / "alma-users.zip"])),
    )


@dataclass
class MemorySource:
    """A RecordSource over a list of records (no file involved)."""

    source: SourceKind
    items: Sequence[Record]
    location: str = "memory"
    kind: str = "memory"
    stats: ReadStats = field(default_factory=ReadStats)

    def records(self) -> Iterator[Record]:
        """Yield the records, counting them."""
        for record in self.items:
            self.stats.records += 1
            yield record

    def summary(self) -> InputSummary:
        """The input as the report lists it."""
        return InputSummary(self.kind, self.source, self.location, self.stats.records, {})


def sis_record(ref: str, group: str, **fields: str) -> Record:
    """One SIS record with the given fields (`identifier_X` becomes `identifier:X`)."""
    attrs = {name.replace("identifier_", "identifier:"): (value,) for name, value in fields.items()}
    return Record(ref=ref, attrs=attrs, population=group)


def dir_record(dn: str, ou: str, **attrs: str) -> Record:
    """One directory entry with single-valued attributes."""
    return Record(ref=dn, attrs={k: (v,) for k, v in attrs.items()}, population=ou)


def small_report(
    students: int = 60,
    staff: int = 20,
    *,
    unmatched: int = 3,
    sis_field: str = "primary_id",
    attribute: str = "employeeNumber",
    group_name: str = "STUDENT",
) -> Report:
    """A college where `attribute` joins `sis_field` exactly, except `unmatched` students."""
    sis: list[Record] = []
    directory: list[Record] = []
    for index in range(students + staff):
        group, ou = (group_name, "Students") if index < students else ("STAFF", "Staff")
        number = f"{7000000 + index * 37:09d}"
        sis.append(sis_record(f"users.xml:{index * 10 + 3}", group, **{sis_field: number}))
        directory_value = f"{8000000 + index:09d}" if index < unmatched else number
        directory.append(
            dir_record(
                f"uid=person{index},ou={ou},dc=college,dc=ca", ou, **{attribute: directory_value}
            )
        )
    return build_report(
        MemorySource(SourceKind.DIRECTORY, directory, "directory.ldif", "ldif"),
        MemorySource(SourceKind.SIS, sis, "users.xml", "sis-xml"),
    )
