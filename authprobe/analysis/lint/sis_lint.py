"""Alma pre-flight lint of an SIS extract: what Alma would reject or get wrong, before the load.

`SisLint` is a streaming accumulator: `add(record)` once per record (in the same pass that
profiles the fields), then `result()`. Each rule gives one `Finding` (per field where that helps)
with a code, a severity, a count and a few references; every single occurrence can be streamed
to a sink (`--findings-csv`). Rules, their codes and sentences are in `rules`.

Identifiers are compared the way Alma does: across `primary_id` and every `identifier:<TYPE>`
together, after trimming, without letter case.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from authprobe.analysis.lint.rules import (
    MAX_ID_LENGTH,
    MAX_SAMPLES,
    RULES,
    SOURCE,
    Code,
    Occurrence,
)
from authprobe.buildconfig import MAX_FILES_PER_ZIP
from authprobe.model import Finding, Record
from authprobe.sources.sis.user_xml import EMPTY_IDENTIFIER
from authprobe.wording import agree

INFO_KEYS = frozenset(
    {
        "preferred_emails",
        "expiry_date",
        "purge_date",
        EMPTY_IDENTIFIER,
        "unknown_elements",
        "xsd_errors",
        "first_name",
        "last_name",
        "birth_date",
    }
)
"""The `Record.info` keys `SisLint` reads (a reader may drop the others; see `scan_extract`)."""

_REF_BITS = (1 << 64) - 1
_SUSPECT = re.compile(r"[\s/?#%]")
_URL_UNSAFE = re.compile(r"[/?#%]")
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True, slots=True)
class LintResult:
    """The findings, and for each (code, field) the first occurrences (values unmasked)."""

    findings: tuple[Finding, ...]
    samples: dict[tuple[Code, str | None], tuple[Occurrence, ...]]
    records: int


@dataclass(slots=True)
class _Tally:
    count: int = 0
    samples: list[Occurrence] = field(default_factory=list)


Sink = Callable[[Occurrence], None]


class SisLint:
    """The Alma pre-flight rules, fed one SIS record at a time."""

    def __init__(
        self,
        *,
        id_types: Collection[str] | None = None,
        today: date | None = None,
        sink: Sink | None = None,
        source: str = SOURCE,
    ) -> None:
        self.source = source
        """Whose records these are in the findings: "sis" or "alma" (the users in Alma)."""
        self.id_types = frozenset(id_types) if id_types is not None else None
        self.today = (today or date.today()).isoformat()
        self.sink = sink
        self.records = 0
        self._tallies: dict[tuple[Code, str | None], _Tally] = {}
        # casefolded identifier -> first holder: its packed ref (see _pack), or (packed ref,
        # spelling) when it was spelled otherwise; packed refs keep memory flat on 1 M users
        self._owners: dict[str, int | tuple[int, str]] = {}
        self._labels: dict[str, int] = {}
        self._label_list: list[str] = []
        # values seen more than once: casefolded -> spelling -> uses
        self._repeats: dict[str, Counter[str]] = {}
        # hashed person keys (name + birth date, email) -> the first holder, as one int: its
        # user group's number << 64 | its packed ref (no tuple, no group string per person)
        self._people: dict[int, int] = {}
        self._groups: dict[str, int] = {}
        self._group_names: list[str] = []

    # -- feeding ---------------------------------------------------------------------------

    def add(self, record: Record) -> None:
        """Apply every rule to one record."""
        self.records += 1
        ref = record.ref
        packed = self._pack(ref)
        attrs = record.attrs
        info = record.info
        if "primary_id" not in attrs:
            self._fire(Code.PRIMARY_MISSING, ref, "primary_id")
        id_types = self.id_types
        for name, values in attrs.items():
            if name == "primary_id":
                pass
            elif name.startswith("identifier:"):
                if id_types is not None and name[11:] not in id_types:
                    self._fire(Code.UNKNOWN_ID_TYPE, ref, name, detail=name[11:])
            else:
                continue
            for value in values:
                if len(value) > MAX_ID_LENGTH or not value.isascii() or _SUSPECT.search(value):
                    self._characters(ref, name, value)
                self._unique(ref, packed, name, value)
        if info:
            self._info(ref, record)
        self._dates(ref, info)
        self._person(ref, packed, record)

    def _dates(self, ref: str, info: Mapping[str, str]) -> None:
        """Alma purges only users with an expiry and a purge date."""
        if "expiry_date" not in info:
            self._fire(Code.EXPIRY_MISSING, ref, "expiry_date")
        if "purge_date" not in info:
            self._fire(Code.PURGE_MISSING, ref, "purge_date")

    def _info(self, ref: str, record: Record) -> None:
        get = record.info.get
        empty = get(EMPTY_IDENTIFIER)
        if empty is not None:
            self._fire(Code.EMPTY_VALUE, ref, None, detail=f"empty value of {empty}")
        preferred = get("preferred_emails")
        if preferred is not None:
            self._fire(Code.SEVERAL_PREFERRED, ref, "email", detail=f"{preferred} preferred")
        expiry = get("expiry_date")
        if expiry is not None:
            match = _ISO_DATE.match(expiry)
            if match is None:
                self._fire(Code.BAD_DATE, ref, "expiry_date", expiry)
            elif match.group(1) < self.today:
                self._fire(Code.EXPIRED, ref, "expiry_date", detail=expiry)
        unknown = get("unknown_elements")
        if unknown is not None:
            for element in dict.fromkeys(unknown.split(",")):
                self._fire(Code.UNKNOWN_ELEMENT, ref, element)
        errors = get("xsd_errors")
        if errors is not None:
            self._fire(Code.XSD, ref, None, detail=errors)

    def _characters(self, ref: str, name: str, value: str) -> None:
        if len(value) > MAX_ID_LENGTH:
            self._fire(Code.TOO_LONG, ref, name, value, f"{len(value)} characters")
        stripped = value.strip()
        if stripped != value:
            self._fire(Code.WHITESPACE, ref, name, value)
        if any(char.isspace() for char in stripped):
            self._fire(Code.SPACE, ref, name, value)
        if _URL_UNSAFE.search(value):
            self._fire(Code.URL_UNSAFE, ref, name, value)
        if not value.isascii():
            self._fire(Code.NON_ASCII, ref, name, value)

    def _pack(self, ref: str) -> int:
        """`file:line` as one int: (index of file) << 32 | line (line 0: no line in the ref)."""
        label, colon, line = ref.rpartition(":")
        if not colon or not line.isdigit() or len(line) > 9:
            label, line = ref, "0"
        index = self._labels.get(label)
        if index is None:
            index = self._labels[label] = len(self._label_list)
            self._label_list.append(label)
        return index << 32 | int(line)

    def _unpack(self, packed: int) -> str:
        label = self._label_list[packed >> 32]
        line = packed & 0xFFFFFFFF
        return f"{label}:{line}" if line else label

    def _unique(self, ref: str, packed: int, name: str, value: str) -> None:
        spelling = value.strip()
        key = spelling.casefold()
        if key == spelling:
            key = spelling  # share one string object
        owners = self._owners
        owner = owners.get(key)
        if owner is None:
            owners[key] = packed if key is spelling else (packed, spelling)
            return
        owner_packed, owner_spelling = (owner, key) if isinstance(owner, int) else owner
        owner_ref = self._unpack(owner_packed)
        uses = self._repeats.get(key)
        first_repeat = uses is None
        if uses is None:
            uses = self._repeats[key] = Counter({owner_spelling: 1})
        uses[spelling] += 1
        exact = spelling == owner_spelling or uses[spelling] > 1
        code = Code.DUPLICATE if exact else Code.CASE_COLLISION
        if first_repeat:
            self._emit(Occurrence(code, owner_ref, None, owner_spelling, "first holder"))
        same = " (twice on the same user)" if owner_packed == packed else ""
        what = "also held by" if exact else "differs only by letter case from the value of"
        self._emit(Occurrence(code, ref, name, value, f"{what} {owner_ref}{same}"))

    def _person(self, ref: str, packed: int, record: Record) -> None:
        """Same name + birth date, or same email, as a user of another group (hashed keys)."""
        info = record.info
        group = record.population or ""
        keys: list[tuple[int, str]] = []
        first, last, birth = info.get("first_name"), info.get("last_name"), info.get("birth_date")
        if first and last and birth:
            keys.append(
                (hash((first.casefold(), last.casefold(), birth[:10])), "name and birth date")
            )
        for email in record.attrs.get("email", ()):  # the preferred email
            keys.append((hash(("@", email.strip().casefold())), "email"))
        if not keys:
            return
        people = self._people
        number = self._groups.get(group)
        if number is None:
            number = self._groups[group] = len(self._group_names)
            self._group_names.append(group)
        token = number << 64 | packed
        for key, how in keys:
            other = people.get(key)
            if other is None:
                people[key] = token
            elif other >> 64 != number:
                other_group = self._group_names[other >> 64]
                self._fire(
                    Code.SAME_PERSON,
                    ref,
                    "user_group",
                    detail=f"same {how} as {self._unpack(other & _REF_BITS)} "
                    f"({other_group or 'no group'} vs {group or 'no group'})",
                )
                return

    def zips(self, members: Mapping[str, int]) -> None:
        """The XML files each zip of the extract holds (zip path -> count): more than Alma's
        `MAX_FILES_PER_ZIP` is a finding (for an SIS extract: an export of Alma is no load)."""
        if self.source != SOURCE:
            return
        for path, count in members.items():
            if count > MAX_FILES_PER_ZIP:
                self._fire(Code.ZIP_TOO_MANY_FILES, path, None, detail=f"{count:,} XML files")

    # -- bookkeeping -----------------------------------------------------------------------

    def _fire(
        self,
        code: Code,
        ref: str,
        field_name: str | None,
        value: str | None = None,
        detail: str = "",
    ) -> None:
        tally = self._tallies.get((code, field_name))
        if tally is None:
            tally = self._tallies[(code, field_name)] = _Tally()
        tally.count += 1
        occurrence = None
        if len(tally.samples) < MAX_SAMPLES:
            occurrence = Occurrence(code, ref, field_name, value, detail)
            tally.samples.append(occurrence)
        if self.sink is not None:
            self.sink(occurrence or Occurrence(code, ref, field_name, value, detail))

    def _emit(self, occurrence: Occurrence) -> None:
        """An occurrence counted at the end (duplicates): keep a sample, stream it to the sink."""
        tally = self._tallies.get((occurrence.code, None))
        if tally is None:
            tally = self._tallies[(occurrence.code, None)] = _Tally()
        if len(tally.samples) < MAX_SAMPLES:
            tally.samples.append(occurrence)
        if self.sink is not None:
            self.sink(occurrence)

    # -- result ----------------------------------------------------------------------------

    def release(self) -> None:
        """Drop the tables of seen values (after `result()`); the lint cannot be fed again."""
        self._owners = {}
        self._people = {}

    def result(self) -> LintResult:
        """The findings, errors first, then by code and field."""
        duplicate_values = duplicate_uses = collision_values = collision_uses = 0
        for uses in self._repeats.values():
            for count in uses.values():
                if count > 1:
                    duplicate_values += 1
                    duplicate_uses += count
            if len(uses) > 1:
                collision_values += 1
                collision_uses += sum(uses.values())
        counted = {
            Code.DUPLICATE: (duplicate_values, duplicate_uses),
            Code.CASE_COLLISION: (collision_values, collision_uses),
        }
        findings = []
        samples: dict[tuple[Code, str | None], tuple[Occurrence, ...]] = {}
        for code in counted:
            self._tallies.setdefault((code, None), _Tally())
        for (code, field_name), tally in self._tallies.items():
            n, total = counted.get(code, (tally.count, tally.count))
            if n == 0:
                continue
            rule = RULES[code]
            samples[(code, field_name)] = tuple(tally.samples)
            findings.append(
                Finding(
                    code=code.value,
                    severity=rule.severity,
                    source=self.source,
                    field=field_name,
                    count=n,
                    message=agree(rule.message, n).format(n=f"{n:,}", records=f"{total:,}"),
                    examples=tuple(dict.fromkeys(o.ref for o in tally.samples)),
                )
            )
        findings.sort(key=lambda f: (-f.severity.rank, f.code, f.field or ""))
        return LintResult(tuple(findings), samples, self.records)


class LoadChecks:
    """The lint's per-record load rules, counted only (`recommend` does not run the whole
    lint): identifiers with an empty value, and users without expiry_date or purge_date."""

    def __init__(self, source: str = SOURCE) -> None:
        self.source = source
        self.records = 0
        self.groups: set[str] = set()
        """The user_group codes seen (identifier values equal to one are reported)."""
        self._tallies: dict[Code, _Tally] = {}

    def _count(self, code: Code, ref: str) -> None:
        tally = self._tallies.get(code)
        if tally is None:
            tally = self._tallies[code] = _Tally()
        tally.count += 1
        if len(tally.samples) < MAX_SAMPLES:
            tally.samples.append(Occurrence(code, ref))

    def add(self, record: Record) -> None:
        """Check one record."""
        self.records += 1
        info = record.info
        if record.population is not None:
            self.groups.add(record.population)
        if EMPTY_IDENTIFIER in info:
            self._count(Code.EMPTY_VALUE, record.ref)
        if "expiry_date" not in info:
            self._count(Code.EXPIRY_MISSING, record.ref)
        if "purge_date" not in info:
            self._count(Code.PURGE_MISSING, record.ref)

    def findings(self) -> list[Finding]:
        """One finding per rule that fired."""
        fields = {Code.EXPIRY_MISSING: "expiry_date", Code.PURGE_MISSING: "purge_date"}
        return [
            Finding(
                code=code.value,
                severity=RULES[code].severity,
                source=self.source,
                field=fields.get(code),
                count=tally.count,
                message=agree(RULES[code].message, tally.count).format(n=f"{tally.count:,}"),
                examples=tuple(o.ref for o in tally.samples),
            )
            for code, tally in sorted(self._tallies.items())
        ]


def lint_records(
    records: Iterable[Record],
    *,
    id_types: Collection[str] | None = None,
    today: date | None = None,
    sink: Sink | None = None,
) -> LintResult:
    """Lint every record (convenience for tests and small inputs)."""
    lint = SisLint(id_types=id_types, today=today, sink=sink)
    for record in records:
        lint.add(record)
    return lint.result()
