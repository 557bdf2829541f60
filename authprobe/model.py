"""The domain model shared by every layer: records in, profiles, correspondences, candidates out.

Everything here is a frozen dataclass or a StrEnum; analysis builds them, reports serialise them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class SourceKind(StrEnum):
    """Which side of the join a record comes from."""

    DIRECTORY = "directory"
    SIS = "sis"
    ALMA = "alma"  # the users already in Alma (Export Users, the Users API, a report)


class Severity(StrEnum):
    """How bad a finding is; ordered error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """2 for error, 1 for warning, 0 for info (for --fail-on comparisons)."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(slots=True)
class Record:
    """One person or account from one source.

    `ref` is a stable reference (DN, file:line); `attrs` maps a field name, spelled as in the
    source, to its text values (binary values already decoded to canonical text).

    A record is a value: nothing assigns to one once made (`dataclasses.replace` makes a
    changed copy). It is not declared frozen because readers make millions of them and a frozen
    dataclass's `__init__` costs seven times as much (0.95 us against 0.13 us per record).
    """

    ref: str
    attrs: Mapping[str, tuple[str, ...]]
    population: str | None = None
    info: Mapping[str, str] = field(default_factory=dict)
    """Facts that are not candidate identifiers: names, user_group, status, expiry_date, ..."""


@dataclass(slots=True)
class ReadStats:
    """What a reader saw: records yielded and records skipped, by reason (nothing silently lost)."""

    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)
    files: int = 0
    withheld: Counter[str] = field(default_factory=Counter)
    """Values left out on purpose (passwords), by reason: their records were read."""

    def withhold(self, reason: str, count: int = 1) -> None:
        """Count values not read on purpose (not skipped records: the record itself is read)."""
        self.withheld[reason] += count

    def summary(self, kind: str, source: SourceKind, location: str, files: int) -> InputSummary:
        """The input as the report lists it: these counts under the reader's kind and location."""
        return InputSummary(
            kind=kind,
            source=source,
            location=location,
            records=self.records,
            skipped=dict(self.skipped),
            files=files,
            withheld=dict(self.withheld),
        )

    def skip(self, reason: str, location: str) -> None:
        """Count one skipped record (or value) and keep a few locations as evidence."""
        self.skipped[reason] += 1
        examples = self.skipped_examples.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(location)


@dataclass(frozen=True, slots=True)
class InputSummary:
    """One input as the report lists it."""

    kind: str  # "ldif", "sis-xml", "sis-csv", "ldap", ...
    source: SourceKind
    location: str
    records: int
    skipped: Mapping[str, int]
    files: int = 1
    withheld: Mapping[str, int] = field(default_factory=dict)
    """Values left out on purpose (passwords), by reason; not skipped records."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found in the data, with its evidence (references, never whole records)."""

    code: str
    severity: Severity
    source: str
    field: str | None
    count: int
    message: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShapeCount:
    """How many values have one shape, e.g. `9 digits, leading zero`."""

    shape: str
    count: int


@dataclass(frozen=True, slots=True)
class FieldProfile:
    """Statistics of one attribute or field of one source (see the JSON report contract)."""

    source: SourceKind
    field: str
    records: int
    present: int
    distinct: int
    duplicate_values: int
    duplicate_records: int
    case_collision_values: int
    case_collision_records: int
    multi_valued: int
    min_length: int | None
    max_length: int | None
    shapes: tuple[ShapeCount, ...]
    whitespace_values: int = 0
    examples: tuple[str, ...] = ()
    awkward_values: int = 0
    """Records whose value holds whitespace, `/ ? # %` or non-ASCII (ALMA.md: warn on them)."""

    @property
    def fill_rate(self) -> float:
        """Share of records that have at least one value."""
        return self.present / self.records if self.records else 0.0


@dataclass(frozen=True, slots=True)
class StepCoverage:
    """Coverage reached once the normalisation steps up to and including `step` are applied."""

    step: str  # "exact", "trim", "casefold", ...
    matched: int
    sis_coverage: float
    directory_matched: int
    directory_coverage: float


@dataclass(frozen=True, slots=True)
class PopulationCoverage:
    """Coverage of one population (SIS user_group or directory OU) under the chosen steps."""

    source: SourceKind
    population: str
    records: int
    matched: int

    @property
    def coverage(self) -> float:
        """matched / records (0 when the population is empty)."""
        return self.matched / self.records if self.records else 0.0


@dataclass(frozen=True, slots=True)
class UnmatchedCount:
    """People of one population on one side who find no partner under a correspondence.

    `reason` is one of analysis/exceptions' reasons ("absent", "differs by case", ...,
    "present under another attribute", "no directory entry with that value").
    """

    source: SourceKind
    population: str
    reason: str
    count: int
    examples: tuple[str, ...] = ()  # a few references (sorted), never values


@dataclass(frozen=True, slots=True)
class StepCollision:
    """A normalisation step left out because it would join different people: on one side,
    among the records the pair would match, values that differ before the step (ignoring
    case) become one value after it, and they belong to different records."""

    step: str  # "strip-scope", "strip-leading-zeros" or "digits-only"
    source: SourceKind
    values: int  # normalised values each reached from several different values
    records: int  # records holding those values
    examples: tuple[str, ...] = ()  # references of records that would share one value (sorted)


@dataclass(frozen=True, slots=True)
class Correspondence:
    """A SIS field and a directory attribute whose values overlap, and how well they join."""

    sis_field: str
    directory_attribute: str
    normalisation: tuple[str, ...]
    matched: int
    sis_records: int
    sis_coverage: float
    directory_matched: int
    directory_records: int
    directory_coverage: float
    steps: tuple[StepCoverage, ...]
    populations: tuple[PopulationCoverage, ...]
    sis_ambiguous: int  # SIS records whose value matches more than one directory record
    directory_ambiguous: int  # directory records whose value matches more than one SIS record
    directory_multi_valued: int  # matched directory records holding several values
    name_derived_share: float = 0.0  # share of values containing the person's name
    sis_duplicate_values: int = 0  # SIS values (after casefold) held by several SIS records
    sis_multiple: int = 0  # SIS records that match more than one directory entry
    directory_multiple: int = 0  # directory entries that match more than one SIS record
    sis_multiple_examples: tuple[str, ...] = ()  # a few of those SIS refs (sorted)
    directory_multiple_examples: tuple[str, ...] = ()  # a few of those directory refs (sorted)
    unmatched: tuple[UnmatchedCount, ...] = ()  # who finds no partner, by population and reason
    other_attributes: tuple[str, ...] = ()  # directory attributes also overlapping the SIS field
    collisions: tuple[StepCollision, ...] = ()  # steps left out: they would join different people


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of a candidate's score: a named criterion, its weight and what it scored."""

    name: str
    weight: float
    value: float
    hard: bool
    passed: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class IdpCheck:
    """What the IdP does with a candidate's directory attribute (from metadata / a login)."""

    idp_source: str | None  # "NameID" or the attribute Name exactly as sent/offered
    offered: bool
    released: bool
    opaque: bool  # persistent / transient / pairwise: never usable as the matching ID
    explanation: str
    nameid_format: str | None = None
    protocol: str | None = None  # "saml", "oidc" or "cas": the login method this verdict is of


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible matching ID: correspondence + IdP source + the rubric's verdict."""

    correspondence: Correspondence
    rank: int
    score: float
    criteria: tuple[Criterion, ...]
    rejected_because: tuple[str, ...]
    reasons: tuple[str, ...]
    idp_source: str | None = None
    idp: IdpCheck | None = None

    @property
    def rejected(self) -> bool:
        """True when a hard rule failed."""
        return bool(self.rejected_because)


ABSENT = "absent"
"""The reason of a record that holds no value of the field at all (analysis/exceptions)."""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One SIS record that finds no directory entry under the recommended pair, and why."""

    sis_ref: str  # file:line of the SIS record (names no one)
    population: str | None
    reason: str  # "absent", "differs by case", "differs by scope", ... (see analysis/exceptions)
    value: str = ""  # the SIS value of the recommended field ("" when absent)


@dataclass(frozen=True, slots=True)
class AlmaAdvice:
    """What to configure in Alma, the IdP and the SIS export for the two decisions."""

    sis_field: str  # "primary_id" or "identifier:<ID_TYPE>": where the SIS carries the login ID
    sis_instruction: str
    match_id_type: str  # SIS synchronize "Match ID Type": "Primary Identifier" or the id_type
    user_id_location: str  # SAML "User ID Location": "Subject NameID" or "User ID in an
    # attribute element" (Alma's labels)
    user_id_attribute_name: str | None  # SAML profile "User ID Attribute Name", exact
    idp_instruction: str
    ldap_search_attribute: str  # Alma's LDAP login: what people type (sAMAccountName, uid); ""
    # when the directory has no such attribute
    warnings: tuple[str, ...] = ()
    match_instruction: str = ""
    """How to set the Match ID Type (and what Ex Libris must set up)."""
    ldap_instruction: str = ""
    notes: tuple[str, ...] = ()
    """What the choice also governs (Primo VE, Leganto)."""
    oidc_claim: str | None = None  # the ID-token claim that carries the value (OIDC evidence)
    oidc_instruction: str | None = None  # what to do for Alma's OpenID Connect profile
    cas_instruction: str | None = None  # what to do for Alma's CAS profile (cas:user)


@dataclass(frozen=True, slots=True)
class PopulationScope:
    """A population declared out of scope (--exclude-group), reported separately."""

    source: SourceKind
    population: str
    records: int
    matched: int  # of those, how many would match under the recommended pair


@dataclass(frozen=True, slots=True)
class ReleasedValueMatch:
    """A value released in a captured login and the directory attributes that hold it."""

    idp_source: str  # "NameID", the attribute Name, the claim or "cas:user", as sent
    value: str
    directory_attributes: tuple[str, ...]
    entries: int  # directory entries holding it (every entry counted)
    protocol: str = "saml"  # "saml", "oidc" or "cas"
    person_holds: bool = False  # the logged-in person's entry holds it


@dataclass(frozen=True, slots=True)
class LoginPerson:
    """Which directory entry logged in: the one holding the most specific released values."""

    ref: str | None  # None when several entries hold the same released values
    entries: int  # entries holding exactly those values (1: the person is told apart)
    released_values_held: int  # released values the entry holds
    protocol: str = "saml"  # the login: "saml", "oidc" or "cas"


class PreflightRows(Protocol):
    """Every SIS record's pre-flight row, in load order (produced lazily: 1 M rows are big)."""

    def __len__(self) -> int:
        """How many rows (one per SIS record)."""
        ...

    def __iter__(self) -> Iterator[PreflightExample]:
        """The rows in load order."""
        ...


class Outcome(StrEnum):
    """What the first SIS load does to one SIS record (analysis/preflight: the rules, in order)."""

    MISSING_MATCH_ID = "missing-match-id"
    REJECTED_IN_FEED = "rejected-in-feed"
    AMBIGUOUS = "ambiguous"
    NOT_EXTERNAL = "not-external"
    REJECTED_TAKEN = "rejected-taken"
    UPDATE = "update"
    CREATE_DUPLICATE = "create-duplicate"
    CREATE = "create"

    @property
    def loads(self) -> bool:
        """Alma loads the record (it updates or creates a user)."""
        return self in (Outcome.UPDATE, Outcome.CREATE, Outcome.CREATE_DUPLICATE)

    @property
    def clean(self) -> bool:
        """The record loads without a problem to fix: an update or a genuinely new user."""
        return self in (Outcome.UPDATE, Outcome.CREATE)


class Fate(StrEnum):
    """What the first SIS load does to one user already in Alma."""

    UPDATED = "updated"
    BLOCKED = "blocked"
    ORPHAN = "orphan"
    UNTOUCHED_INTERNAL = "untouched-internal"


@dataclass(frozen=True, slots=True)
class PreflightExample:
    """One SIS record with its outcome, and the users already in Alma it involves."""

    outcome: Outcome
    sis_ref: str
    population: str | None
    alma_refs: tuple[str, ...] = ()
    evidence: str = ""
    value: str = ""  # the match value as Alma compares it (trimmed, casefolded); "" if none


@dataclass(frozen=True, slots=True)
class PopulationOutcomes:
    """The outcomes of the SIS records of one user_group."""

    population: str
    records: int
    outcomes: Mapping[Outcome, int]


@dataclass(frozen=True, slots=True)
class Preflight:
    """The predicted first SIS load for one Match ID Type (every record, every existing user)."""

    match_field: str  # "primary_id" or "identifier:<ID_TYPE>"
    sis_records: int
    existing_users: int
    outcomes: Mapping[Outcome, int]  # every Outcome, in rule order
    fates: Mapping[Fate, int]  # every Fate
    populations: tuple[PopulationOutcomes, ...]
    examples: tuple[PreflightExample, ...]  # a few per outcome, in rule order
    evidence: Mapping[str, int]  # create-duplicate evidence: "name and birth date", "email"
    existing_internal: int = 0
    duplicated_users: int = 0  # existing users that a create-duplicate record duplicates

    @property
    def clean(self) -> int:
        """Records that load without a problem (update + create)."""
        return sum(n for outcome, n in self.outcomes.items() if outcome.clean)

    @property
    def problems(self) -> int:
        """Records with any other outcome: each a problem to fix before go-live."""
        return self.sis_records - self.clean


@dataclass(frozen=True, slots=True)
class IdStability:
    """One identifier type between the previous SIS extract and this one (`sis diff`)."""

    compared: int  # people followed from the previous extract who held a value of the type
    changed: int  # of them, those who hold another value now (or none)

    @property
    def share(self) -> float:
        """changed / compared (0 when nobody was compared)."""
        return self.changed / self.compared if self.compared else 0.0


@dataclass(frozen=True, slots=True)
class MatchIdCandidate:
    """One possible SIS Match ID Type, measured (and pre-flighted when Alma users are given)."""

    field: str  # "primary_id" or "identifier:<ID_TYPE>"
    rank: int
    present: int
    records: int
    duplicate_values: int  # values held by more than one SIS record, ignoring case
    kind: str  # "number", "username", "email": what the values look like (stability)
    preflight: Preflight | None
    reasons: tuple[str, ...]
    stability: IdStability | None = None
    """With the previous SIS extract (`recommend --previous-sis`): how many people changed it."""


@dataclass(frozen=True, slots=True)
class SisMatch:
    """The SIS Match ID decision: how each SIS load finds the user already in Alma."""

    match_id_type: str | None  # the field chosen, None when no SIS record carries any
    chosen_by: str  # "recommendation" or "--match-id"
    ranked_by: str  # "pre-flight" or "presence, uniqueness, stability"
    candidates: tuple[MatchIdCandidate, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one `recommend` run found, in the order the JSON report contract lists it."""

    inputs: tuple[InputSummary, ...]
    profiles: tuple[FieldProfile, ...]
    correspondences: tuple[Correspondence, ...]
    candidates: tuple[Candidate, ...]
    recommendation: Candidate | None
    findings: tuple[Finding, ...]
    started_at: datetime
    finished_at: datetime
    exceptions: tuple[Mismatch, ...] = ()
    """SIS records that do not match under the recommendation (the `--exceptions-csv` rows)."""
    advice: AlmaAdvice | None = None
    out_of_scope: tuple[PopulationScope, ...] = ()
    released: tuple[ReleasedValueMatch, ...] = ()
    """With a captured login: where each released value lives in the directory."""
    options: tuple[tuple[str, str], ...] = ()
    """The filters and options the run used, as (label, value) pairs in the order given:
    population rule, excluded groups, disabled accounts, LDAP base / filter / scope, IdP
    metadata and entity, ... Never a password, a bind secret or the bind identity."""
    sis_match: SisMatch | None = None
    """The SIS Match ID decision (the second decision beside the login ID)."""
    preflight: Preflight | None = None
    """With the users already in Alma: the predicted first load for the Match ID Type."""
    preflight_rows: PreflightRows | None = None
    """Every SIS record's predicted outcome, for `--preflight-csv` and the exceptions CSV."""
    login_people: tuple[LoginPerson, ...] = ()
    """With a captured login: which directory entry logged in, one per login (protocol)."""
