"""`sis build`: from the registrar's and HR's exports to the Alma users of the SIS extract.

1. Every row of every source is read, sources in precedence order (a row that does not fit its
   header is an error finding with its file and row, never a silent drop).
2. Rows are grouped into people by the person key (a mapped field, by default the Match ID),
   compared trimmed and without case; a row with an empty key is a person of its own. For each
   field the first row in precedence order with a value wins; rows that disagree on an
   identifier or the birth date are reported.
3. Each person becomes one Alma user: user group through the code table, status, dates from
   columns or rules, record_type PUBLIC and account_type EXTERNAL. A person Alma would reject
   is refused (an error finding with the rows): no primary_id, no Match ID value, a value over
   255 characters, a control character in an identifier, an unknown user group or status, and
   an identifier value held twice (by two people, or in two fields of one person; compared as
   Alma does, `fields.fold`, across every identifier field): every holder is refused.

Nothing is printed or written here: `cli/sis.py` writes the users (sources/sis/write).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from authprobe.analysis import build_rules as R
from authprobe.analysis.build_dates import apply_rule, read_date
from authprobe.analysis.fields import PRIMARY_ID, fold, is_identifier
from authprobe.analysis.lint.rules import MAX_ID_LENGTH
from authprobe.buildconfig import DateRule
from authprobe.errors import UsageError
from authprobe.model import Finding
from authprobe.sources.sis.build_input import COLUMN, BuildTable, SourceRow
from authprobe.sources.sis.write import XML_ILLEGAL, AlmaUser

STATUSES = frozenset({"ACTIVE", "INACTIVE"})
CHUNK = 1_000_000
_ISO_DAYS: dict[date, str] = {}


def _iso(day: date) -> str:
    """`YYYY-MM-DD`, one string per distinct day (a million users share a few thousand)."""
    text = _ISO_DAYS.get(day)
    if text is None:
        text = _ISO_DAYS[day] = day.isoformat()
    return text


CHECKED_TWICE = ("birth_date",)
DATE_FIELDS = frozenset({"birth_date", "expiry_date", "purge_date"})
"""Besides the identifiers, the fields whose disagreement between sources is reported."""
TEXT_FIELDS = ("first_name", "middle_name", "last_name", "job_category", "campus_code", "email")


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """One source and the rules that apply to its rows."""

    table: BuildTable
    expiry: DateRule | None = None
    purge: DateRule | None = None
    date_format: str | None = None
    email_type: str = "personal"


@dataclass(frozen=True, slots=True)
class BuildPlan:
    """Everything `sis build` needs, validated (sources in precedence order)."""

    sources: tuple[SourcePlan, ...]
    match_id: str
    person_key: str
    user_groups: Mapping[str, str] | None = None
    """Folded SIS code -> Alma user group code; None: the SIS codes are written as they are."""
    status: str = "ACTIVE"
    today: date = field(default_factory=date.today)


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The users to write and what the build found."""

    users: list[AlmaUser]
    rows: int
    people: int
    merged: int
    refused: int
    per_source: tuple[tuple[str, int], ...]
    findings: tuple[Finding, ...]
    samples: dict[tuple[str, str | None], tuple[R.BuildOccurrence, ...]]


_Refusal = tuple[str, str | None, str | None, str]
"""(code, field, value, detail) of one reason to refuse a person."""


@dataclass(slots=True)
class _Person:
    """One person while building: the rows (source index, row), in precedence order."""

    rows: list[tuple[int, SourceRow]]


class _Builder:
    def __init__(self, plan: BuildPlan, tally: R.Tally) -> None:
        self.plan = plan
        self.tally = tally
        self.id_order: dict[str, int] = {}
        for source in plan.sources:
            for name in source.table.fields:
                if name.startswith("identifier:"):
                    self.id_order.setdefault(name, len(self.id_order))
            if plan.person_key not in source.table.fields:
                raise UsageError(
                    "build-person-key-unmapped",
                    f"Source {source.table.name} does not map the person key {plan.person_key!r}.",
                    hint="Map the column that identifies a person in every source (e.g. "
                    "person=PersonKey), or choose another --person-key.",
                )
        self.type_names = {name: sys.intern(name[11:]) for name in self.id_order}

    # -- 1 and 2: read and group ---------------------------------------------------------------

    def people(self) -> list[_Person | None]:
        """Every person, in the order their first row was read (the caller may drop each one
        once built: the list is theirs)."""
        by_key: dict[str, _Person] = {}
        people: list[_Person | None] = []
        for index, source in enumerate(self.plan.sources):
            key_at = source.table.fields.index(self.plan.person_key)
            for row in source.table.rows(self._skipped):
                key = fold(row.cells[key_at])
                person = by_key.get(key) if key else None
                if person is None:
                    person = _Person([(index, row)])
                    people.append(person)
                    if key:
                        by_key[key] = person
                else:
                    person.rows.append((index, row))
        del by_key
        return people

    def _skipped(self, reason: str, location: str) -> None:
        self.tally.add(R.ROW_MALFORMED, location, None, None, reason)

    def row_values(self, source_index: int, row: SourceRow) -> dict[str, str]:
        """A row's non-empty cells by field, trimmed; dates as YYYY-MM-DD (read with the source's
        date format; an unreadable one is reported with its row and left out)."""
        source = self.plan.sources[source_index]
        values = {}
        for name, cell in zip(source.table.fields, row.cells, strict=True):
            text = cell.strip()
            if not text:
                continue
            if name in DATE_FIELDS or name.startswith(COLUMN):
                day = read_date(text, source.date_format)
                if day is None:
                    self.tally.add(R.DATE_UNREADABLE, row.ref, name.removeprefix(COLUMN), text)
                    continue
                text = _iso(day)
            values[name] = text
        return values

    def merged(self, person: _Person) -> tuple[dict[str, str], int]:
        """The person's fields (first value in precedence order wins) and the winning source."""
        first_source, first = person.rows[0]
        values = self.row_values(first_source, first)
        if len(person.rows) > 1:
            origin = dict.fromkeys(values, first.ref)
            for source_index, row in person.rows[1:]:
                for name, text in self.row_values(source_index, row).items():
                    kept = values.get(name)
                    if kept is None:
                        values[name], origin[name] = text, row.ref
                    elif (is_identifier(name) or name in CHECKED_TWICE) and (
                        fold(kept) != fold(text)
                    ):
                        self.tally.add(
                            R.DISAGREE,
                            f"{origin[name]} vs {row.ref}",
                            name,
                            text,
                            f"kept the value of {origin[name]}",
                        )
        return values, first_source

    # -- 3: one Alma user ----------------------------------------------------------------------

    def user(self, person: _Person) -> AlmaUser | None:
        """The person as an Alma user, or None when refused (the refusals are counted)."""
        values, source_index = self.merged(person)
        source = self.plan.sources[source_index]
        ref = " + ".join(row.ref for _, row in person.rows)
        refusals = self._identifier_refusals(values)
        group = self._group(values)
        status = values.get("status", self.plan.status).upper()
        if "status" in values and status not in STATUSES:
            refusals.append((R.STATUS_UNKNOWN, "status", values["status"], ""))
        if group is None:
            refusals.append((R.GROUP_UNKNOWN, "user_group", values["user_group"], ""))
        for name in TEXT_FIELDS:
            text = values.get(name)
            if text is not None and len(text) > MAX_ID_LENGTH:
                refusals.append((R.TOO_LONG, name, text, f"{len(text)} characters"))
        if refusals:
            for code, field_name, value, detail in refusals:
                self.tally.add(code, ref, field_name, value, detail)
            return None
        return self._user(values, source, ref, group or "", status)

    def _identifier_refusals(self, values: dict[str, str]) -> list[_Refusal]:
        refusals: list[_Refusal] = []
        match_id = self.plan.match_id
        if PRIMARY_ID not in values:
            refusals.append((R.PRIMARY_MISSING, PRIMARY_ID, None, ""))
        if match_id not in values and match_id != PRIMARY_ID:
            refusals.append((R.MATCH_MISSING, match_id, None, ""))
        seen: dict[str, str] = {}
        for name, value in values.items():
            if not is_identifier(name):
                continue
            if len(value) > MAX_ID_LENGTH:
                refusals.append((R.TOO_LONG, name, value, f"{len(value)} characters"))
            if XML_ILLEGAL.search(value):
                refusals.append((R.ILLEGAL_CHARACTER, name, value, ""))
            key = fold(value)
            if key in seen:
                detail = f"{seen[key]} and {name} of the same person"
                refusals.append((R.DUPLICATE, None, value, detail))
            seen[key] = name
        return refusals

    def _group(self, values: dict[str, str]) -> str | None:
        """The Alma user group ("" when none is given), None when the code table lacks it."""
        code = values.get("user_group")
        if code is None:
            return ""
        table = self.plan.user_groups
        if table is None:
            return code
        return table.get(fold(code))

    def _user(
        self, values: dict[str, str], source: SourcePlan, ref: str, group: str, status: str
    ) -> AlmaUser:
        texts = {name: self._clean(values.get(name, ""), name, ref) for name in TEXT_FIELDS}
        identifiers = sorted(
            (name for name in values if name.startswith("identifier:")),
            key=lambda name: self.id_order.get(name, len(self.id_order)),
        )
        birth = read_date(values["birth_date"]) if "birth_date" in values else None
        expiry = self._ruled(values, "expiry_date", source.expiry, None)
        purge = self._ruled(values, "purge_date", source.purge, expiry)
        return AlmaUser(
            primary_id=values[PRIMARY_ID],
            identifiers=tuple((self.type_names[name], values[name]) for name in identifiers),
            first_name=texts["first_name"],
            middle_name=texts["middle_name"],
            last_name=texts["last_name"],
            user_group=group,
            job_category=texts["job_category"],
            campus_code=texts["campus_code"],
            birth_date=_iso(birth) if birth else "",
            expiry_date=_iso(expiry) if expiry else "",
            purge_date=_iso(purge) if purge else "",
            status=status,
            email=texts["email"],
            email_type=source.email_type,
        )

    def _clean(self, text: str, name: str, ref: str) -> str:
        if text and XML_ILLEGAL.search(text):
            self.tally.add(R.CLEANED, ref, name, text)
            return XML_ILLEGAL.sub("", text)
        return text

    def _ruled(
        self, values: dict[str, str], name: str, rule: DateRule | None, expiry: date | None
    ) -> date | None:
        """A date from the source's rule, else from the column mapped to the field."""
        if rule is None:
            text = values.get(name)
            return read_date(text) if text else None
        return apply_rule(rule, values, today=self.plan.today, expiry=expiry)


def _pairs(user: AlmaUser) -> list[tuple[str, str]]:
    return [(PRIMARY_ID, user.primary_id), *((f"identifier:{t}", v) for t, v in user.identifiers)]


def _holders(users: Sequence[AlmaUser]) -> dict[int, list[tuple[str, str, int]]]:
    """Users holding an identifier value another user also holds: user -> (field, value, other
    user) for each such value (compared as Alma does: trimmed, casefolded). Column-wise: a
    million users hold about three million values."""
    import polars as pl  # only `sis build` pays for it (`sis scan` stays light)

    chunks = []
    owners: list[int] = []
    keys: list[str] = []
    for index, user in enumerate(users):
        for _, value in _pairs(user):
            owners.append(index)
            keys.append(fold(value))
        if len(owners) >= CHUNK:
            chunks.append(pl.DataFrame({"u": pl.Series(owners, dtype=pl.UInt32), "v": keys}))
            owners, keys = [], []
    chunks.append(pl.DataFrame({"u": pl.Series(owners, dtype=pl.UInt32), "v": keys}))
    del owners, keys
    frame = pl.concat(chunks).filter(pl.col("v").is_duplicated())
    clashes: dict[int, list[tuple[str, str, int]]] = {}
    for key, holders in frame.group_by("v").agg(pl.col("u").unique().sort()).iter_rows():
        for holder in holders:
            name, value = next((n, v) for n, v in _pairs(users[holder]) if fold(v) == key)
            clashes.setdefault(holder, []).extend((name, value, o) for o in holders if o != holder)
    for found in clashes.values():
        found.sort(key=lambda clash: clash[2])
    return clashes


def build_users(
    plan: BuildPlan, sink: Callable[[R.BuildOccurrence], None] | None = None
) -> BuildResult:
    """Read, merge and check every source; the users Alma would accept, and the findings."""
    tally = R.Tally(sink)
    builder = _Builder(plan, tally)
    tally.extra[R.MATCH_MISSING] = plan.match_id
    users: list[AlmaUser] = []
    refs: list[str] = []
    people = merged = refused = 0
    persons = builder.people()
    for position in range(len(persons)):
        person = persons[position]
        persons[position] = None  # its rows are freed once its user is built
        assert person is not None
        people += 1
        if len(person.rows) > 1:
            merged += 1
            tally.add(R.MERGED, " + ".join(row.ref for _, row in person.rows))
        user = builder.user(person)
        if user is None:
            refused += 1
        else:
            users.append(user)
            rows = person.rows
            refs.append(rows[0][1].ref if len(rows) == 1 else " + ".join(r.ref for _, r in rows))
    clashes = _holders(users)
    for index, user in enumerate(users):  # what the written records lack
        if index not in clashes:
            for code, name, empty in (
                (R.GROUP_MISSING, "user_group", not user.user_group),
                (R.EXPIRY_MISSING, "expiry_date", not user.expiry_date),
                (R.PURGE_MISSING, "purge_date", not user.purge_date),
            ):
                if empty:
                    tally.add(code, refs[index], name)
    for index in sorted(clashes):
        _, value, _ = clashes[index][0]
        others = "; ".join(f"{n} also held by {refs[o]}" for n, _, o in clashes[index])
        tally.add(R.DUPLICATE, refs[index], None, value, others)
    refused += len(clashes)
    kept = [user for index, user in enumerate(users) if index not in clashes]
    names = [source.table.name for source in plan.sources]
    tally.extra[R.MERGED] = f" (precedence: {', then '.join(names)})" if len(names) > 1 else ""
    return BuildResult(
        users=kept,
        rows=sum(source.table.rows_read for source in plan.sources),
        people=people,
        merged=merged,
        refused=refused,
        per_source=tuple((s.table.name, s.table.rows_read) for s in plan.sources),
        findings=tuple(tally.findings()),
        samples=tally.samples(),
    )
