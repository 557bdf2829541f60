"""Alma pre-flight lint of an SIS extract: what Alma would reject or get wrong, before the load.

`SisLint` is a streaming accumulator: `add(record)` once per record (in the same pass that
profiles the fields), then `result()`. Each rule gives one `Finding` (per field where that helps)
with a code, a severity, a count and a few references; every single occurrence can be streamed
to a sink (`--findings-csv`). Rules and their codes are listed in `RULES`.

Identifiers are compared the way Alma does: across `primary_id` and every `identifier:<TYPE>`
together, after trimming, without letter case.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum

from authprobe.analysis.profile import SourceProfiler
from authprobe.model import FieldProfile, Finding, InputSummary, Record, Severity
from authprobe.sources import RecordSource
from authprobe.sources.sis.user_xml import EMPTY_IDENTIFIER

MAX_ID_LENGTH = 255
ALMA_MAX_ZIP_FILES = 50
"""Alma's SIS load takes at most this many XML files per zip."""
MAX_SAMPLES = 5
SOURCE = "sis"


class Code(StrEnum):
    """Finding codes of the SIS lint (stable: they are the JSON report's `code`)."""

    DUPLICATE = "sis-id-duplicate"
    CASE_COLLISION = "sis-id-case-collision"
    PRIMARY_MISSING = "sis-primary-id-missing"
    TOO_LONG = "sis-id-too-long"
    WHITESPACE = "sis-id-whitespace"
    SPACE = "sis-id-space"
    URL_UNSAFE = "sis-id-url-unsafe"
    NON_ASCII = "sis-id-non-ascii"
    SEVERAL_PREFERRED = "sis-email-several-preferred"
    UNKNOWN_ID_TYPE = "sis-id-type-unknown"
    SAME_PERSON = "sis-probable-same-person"
    EXPIRED = "sis-expired"
    BAD_DATE = "sis-date-unreadable"
    UNKNOWN_ELEMENT = "sis-unknown-element"
    XSD = "sis-xsd-invalid"
    ZIP_TOO_MANY_FILES = "sis-zip-too-many-files"
    EMPTY_VALUE = "sis-id-empty-value"
    EMAIL_AS_ID = "sis-id-is-email"
    GROUP_AS_ID = "sis-id-is-user-group"
    EXPIRY_MISSING = "sis-expiry-missing"
    PURGE_MISSING = "sis-purge-missing"


@dataclass(frozen=True, slots=True)
class Rule:
    """What a code means: severity, and the sentence the report uses (`{n}` = count)."""

    code: Code
    severity: Severity
    message: str


RULES: dict[Code, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            Code.DUPLICATE,
            Severity.ERROR,
            "{n} identifier values are used more than once ({records} uses in all) across "
            "primary_id and the user identifiers; Alma requires every identifier to be unique "
            "across all users and fields, and rejects the records that repeat one.",
        ),
        Rule(
            Code.CASE_COLLISION,
            Severity.ERROR,
            "{n} identifier values appear in spellings that differ only by letter case "
            "({records} uses); Alma compares identifiers without case, so these collide.",
        ),
        Rule(
            Code.PRIMARY_MISSING,
            Severity.ERROR,
            "{n} users have no primary_id; Alma would invent one from the name, which no "
            "login can ever match.",
        ),
        Rule(
            Code.TOO_LONG,
            Severity.ERROR,
            "{n} identifier values are longer than Alma's limit of 255 characters.",
        ),
        Rule(
            Code.WHITESPACE,
            Severity.WARNING,
            "{n} identifier values start or end with whitespace; a login sends the value "
            "without it, so it will not match.",
        ),
        Rule(
            Code.SPACE,
            Severity.WARNING,
            "{n} identifier values contain spaces or other whitespace inside.",
        ),
        Rule(
            Code.URL_UNSAFE,
            Severity.WARNING,
            "{n} identifier values contain / ? # or %, which break Alma API paths (/users/{{id}}).",
        ),
        Rule(
            Code.NON_ASCII,
            Severity.WARNING,
            "{n} identifier values contain non-ASCII characters; IdPs and SIS exports often "
            "encode these differently.",
        ),
        Rule(
            Code.SEVERAL_PREFERRED,
            Severity.WARNING,
            "{n} users have more than one preferred email; Alma allows only one.",
        ),
        Rule(
            Code.UNKNOWN_ID_TYPE,
            Severity.WARNING,
            "{n} users carry an identifier type that is not in --id-types.",
        ),
        Rule(
            Code.SAME_PERSON,
            Severity.WARNING,
            "{n} users look like a person already present in another user group (same name "
            "and birth date, or same email), e.g. a student employee sent by two feeds; Alma "
            "allows one record per person.",
        ),
        Rule(
            Code.EXPIRED,
            Severity.WARNING,
            "{n} users have an expiry_date in the past; Alma will load them already expired.",
        ),
        Rule(
            Code.BAD_DATE,
            Severity.WARNING,
            "{n} users have an expiry_date that is not a date (YYYY-MM-DD, optionally with a "
            "Z or an offset).",
        ),
        Rule(
            Code.UNKNOWN_ELEMENT,
            Severity.WARNING,
            "{n} users have elements Alma's user schema does not declare; Alma ignores them.",
        ),
        Rule(
            Code.XSD,
            Severity.WARNING,
            "{n} users do not validate against the given XML schema.",
        ),
        Rule(
            Code.EMPTY_VALUE,
            Severity.ERROR,
            "{n} users have a user_identifier whose <value> is empty; Alma rejects the whole "
            'record ("Mandatory field is missing: User identifier value"). Leave out '
            "identifiers that have no value.",
        ),
        Rule(
            Code.EMAIL_AS_ID,
            Severity.ERROR,
            "{n} users carry an email address as an additional identifier{shared}; email "
            "addresses change and are shared, and Alma rejects every user who repeats an "
            "identifier another user holds. Load emails in contact_info, not as identifiers.",
        ),
        Rule(
            Code.GROUP_AS_ID,
            Severity.ERROR,
            "{n} users carry a user_group code as an additional identifier{shared}; every "
            "user of the group shares it, so Alma rejects all of them but the first.",
        ),
        Rule(
            Code.EXPIRY_MISSING,
            Severity.WARNING,
            "{n} users have no expiry_date; Alma never expires them, so they are never purged "
            "either.",
        ),
        Rule(
            Code.PURGE_MISSING,
            Severity.WARNING,
            "{n} users have no purge_date; Alma's Purge Users job never removes them.",
        ),
        Rule(
            Code.ZIP_TOO_MANY_FILES,
            Severity.WARNING,
            f"{{n}} zips hold more than {ALMA_MAX_ZIP_FILES} XML files; Alma's SIS load reads "
            f"at most {ALMA_MAX_ZIP_FILES} XML files per zip: split the extract into several "
            "zips.",
        ),
    )
}

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


_SINGULAR = (
    (" users have ", " user has "),
    (" users look ", " user looks "),
    (" users carry ", " user carries "),
    (" users do ", " user does "),
    (" zips hold ", " zip holds "),
    ("Alma never expires them, so they are", "Alma never expires it, so it is"),
    ("Purge Users job never removes them", "Purge Users job never removes it"),
    ("rejects all of them but", "rejects all users of the group but"),
    (" values are ", " value is "),
    (" values appear ", " value appears "),
    (" values contain ", " value contains "),
    (" values start or end ", " value starts or ends "),
    ("these collide", "they collide"),
)


def _singular(message: str, n: int) -> str:
    if n != 1:
        return message
    for plural, singular in _SINGULAR:
        message = message.replace(plural, singular)
    return message


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a rule fired: the record's ref, the field and value concerned, and a detail."""

    code: Code
    ref: str
    field: str | None = None
    value: str | None = None
    detail: str = ""

    @property
    def severity(self) -> Severity:
        """The rule's severity."""
        return RULES[self.code].severity


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
        `ALMA_MAX_ZIP_FILES` is a finding (for an SIS extract: an export of Alma is no load)."""
        if self.source != SOURCE:
            return
        for path, count in members.items():
            if count > ALMA_MAX_ZIP_FILES:
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
                    message=_singular(rule.message, n).format(n=f"{n:,}", records=f"{total:,}"),
                    examples=tuple(dict.fromkeys(o.ref for o in tally.samples)),
                )
            )
        findings.sort(key=lambda f: (-f.severity.rank, f.code, f.field or ""))
        return LintResult(tuple(findings), samples, self.records)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _sharing(tally: Counter[str], *, name_values: bool) -> str:
    """` (STUDENT: 3,750 users; STAFF: 650 users)`, or for values that name people only the
    counts: ` (12 of these values are shared, by up to 4 users each)`."""
    shared = sorted(
        ((n, v) for v, n in tally.items() if n > 1), key=lambda item: (-item[0], item[1])
    )
    if not shared:
        return ""
    if name_values:
        listed = "; ".join(f"{value}: {n:,} users" for n, value in shared[:5])
        more = f"; and {len(shared) - 5:,} more" if len(shared) > 5 else ""
        return f" ({listed}{more})"
    if len(shared) == 1:
        return f" (1 of these values is shared by {shared[0][0]:,} users)"
    return f" ({len(shared):,} of these values are shared, by up to {shared[0][0]:,} users each)"


def identifier_misuse(
    counts: Mapping[str, Mapping[str, int]], groups: Iterable[str | None], source: str = SOURCE
) -> list[Finding]:
    """Emails and user_group codes loaded as additional identifiers (`identifier:<TYPE>`).

    `counts` maps each field to its value counts (value -> records holding it, as the field
    profiles count them); `groups` are the user_group codes seen. Every user who shares such a
    value with another is rejected by Alma; the finding says how many users share each.
    """
    codes = {g.strip().casefold() for g in groups if g and g.strip()}
    findings = []
    for field_name, values in counts.items():
        if not field_name.startswith("identifier:"):
            continue
        emails: Counter[str] = Counter()
        group_codes: Counter[str] = Counter()
        for value, n in values.items():
            key = value.strip().casefold()
            if key in codes:
                group_codes[value.strip().upper()] += n
            elif "@" in key and _EMAIL.fullmatch(key):
                emails[key] += n
        for code, tally, name_values in (
            (Code.GROUP_AS_ID, group_codes, True),
            (Code.EMAIL_AS_ID, emails, False),
        ):
            if not tally:
                continue
            n = sum(tally.values())
            message = _singular(RULES[code].message, n)
            findings.append(
                Finding(
                    code=code.value,
                    severity=RULES[code].severity,
                    source=source,
                    field=field_name,
                    count=n,
                    message=message.format(
                        n=f"{n:,}", shared=_sharing(tally, name_values=name_values)
                    ),
                )
            )
    return findings


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
                message=_singular(RULES[code].message, tally.count).format(n=f"{tally.count:,}"),
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


# -- one pass: profile + lint ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SisScan:
    """What `sis scan` found: the input, the field profiles, populations and the lint."""

    input: InputSummary
    profiles: tuple[FieldProfile, ...]
    populations: tuple[tuple[str, int], ...]
    lint: LintResult
    started_at: datetime
    finished_at: datetime
    tallies: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()
    """Counts of the values of some `Record.info` keys (account_type, status...), if asked."""


def _freeze_profiles(
    profiler: SourceProfiler, *, parallel: bool = False
) -> tuple[FieldProfile, ...]:
    """`profiler.result()`, field by field, dropping each field's value counts once frozen.

    On a million users the value counts are most of the memory, and freezing a field needs
    about as much again for a moment. Freezing the smallest fields first and freeing their
    counts leaves room for the largest (`email:all`), so the peak stays near the counts' size.
    The profiles keep the order in which the fields were first seen.

    With `parallel`, `SourceProfiler.result(parallel=True)` freezes about half of the values in a
    forked child instead (the same profiles, on two cores; about the same peak on 1 M users).
    """
    if parallel:
        return tuple(profiler.result(parallel=True))
    fields = list(profiler.fields.values())
    frozen: dict[int, FieldProfile] = {}
    for index in sorted(range(len(fields)), key=lambda i: len(fields[i].counts)):
        frozen[index] = fields[index].result(profiler.records)
        fields[index].counts = {}
    return tuple(frozen[index] for index in range(len(fields)))


Wrap = Callable[[Iterable[Record], str], Iterable[Record]]
MISSING = "(missing)"


def scan_extract(
    source: RecordSource,
    lint: SisLint,
    *,
    wrap: Wrap | None = None,
    parallel: bool = False,
    tally: Collection[str] = (),
) -> SisScan:
    """Read `source` once, feeding every record to the field profiles and to `lint`.

    `parallel` freezes the profiles on two cores (see `_freeze_profiles`); the reader itself may
    also share the parsing with a child process (`SisExtract(parallel=True)`). The records are
    only profiled (attrs), counted by population and linted, so a reader that passes records
    between processes (`child_info_keys`) need pass only the `info` the lint reads. `tally`
    names `info` keys whose values are counted (missing ones as "(missing)").
    """
    started = datetime.now(UTC)
    if hasattr(source, "child_info_keys"):
        source.child_info_keys = INFO_KEYS | frozenset(tally)
    tallies: dict[str, Counter[str]] = {key: Counter() for key in tally}
    profiler = SourceProfiler(source.source)
    populations: Counter[str] = Counter()
    # Records, counts and lint tables hold no reference cycles, but the millions of dicts and
    # tuples they are made of make the cyclic collector walk an ever larger heap, again and
    # again (about a tenth of the time on 1 M users, bench/sis_scan.py); it is off meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        records: Iterable[Record] = source.records()
        if wrap is not None:
            records = wrap(records, "reading SIS users")
        profile, check = profiler.add, lint.add
        for record in records:
            profile(record)
            check(record)
            populations[record.population or ""] += 1
            for key, counter in tallies.items():
                counter[record.info.get(key, MISSING)] += 1
        lint.zips(getattr(source, "zip_members", {}))
        checked = lint.result()
        misuse = identifier_misuse(
            {name: f.counts for name, f in profiler.fields.items()}, populations, lint.source
        )
        if misuse:
            checked = replace(
                checked,
                findings=tuple(
                    sorted(
                        (*checked.findings, *misuse),
                        key=lambda f: (-f.severity.rank, f.code, f.field or ""),
                    )
                ),
            )
        lint.release()  # free the lint's value tables before the profiles are frozen (peak)
        profiles = _freeze_profiles(profiler, parallel=parallel)
    finally:
        if collecting:
            gc.enable()
    return SisScan(
        input=source.summary(),
        profiles=profiles,
        populations=tuple(sorted(populations.items(), key=lambda kv: (-kv[1], kv[0]))),
        lint=checked,
        started_at=started,
        finished_at=datetime.now(UTC),
        tallies=tuple(
            (key, tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))))
            for key, counter in tallies.items()
        ),
    )
