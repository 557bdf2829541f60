"""The domain model shared by every layer: records in, profiles, correspondences, candidates out.

Everything here is a frozen dataclass or a StrEnum; analysis builds them, reports serialise them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SourceKind(StrEnum):
    """Which side of the join a record comes from."""

    DIRECTORY = "directory"
    SIS = "sis"


class Severity(StrEnum):
    """How bad a finding is; ordered error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """2 for error, 1 for warning, 0 for info (for --fail-on comparisons)."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Record:
    """One person or account from one source.

    `ref` is a stable reference (DN, file:line); `attrs` maps a field name, spelled as in the
    source, to its text values (binary values already decoded to canonical text).
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


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One SIS record that finds no directory entry under the recommended pair, and why."""

    sis_ref: str  # file:line of the SIS record (names no one)
    population: str | None
    reason: str  # "absent", "differs by case", "differs by scope", ... (see analysis/exceptions)
    value: str = ""  # the SIS value of the recommended field ("" when absent)


@dataclass(frozen=True, slots=True)
class AlmaAdvice:
    """What to configure in Alma, the IdP and the SIS export for the recommended pair."""

    sis_field: str  # "primary_id" or "identifier:<ID_TYPE>"
    sis_instruction: str
    match_id_type: str  # SIS synchronize "Match ID Type": "Primary Identifier" or the id_type
    user_id_location: str  # SAML profile "User ID Location": "Attribute" or "Subject"
    user_id_attribute_name: str | None  # SAML profile "User ID Attribute Name", exact
    idp_instruction: str
    ldap_search_attribute: str  # for Alma's LDAP login: the attribute searched
    warnings: tuple[str, ...] = ()
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
    entries: int  # directory entries holding it
    protocol: str = "saml"  # "saml", "oidc" or "cas"


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
