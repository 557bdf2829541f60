"""Recommend: read both sources once, cross-check them, rank candidates, advise on Alma.

`build_report` is the whole `recommend` run as a library call. The rubric itself lives in
`authprobe.analysis.scoring`; Alma configuration advice in `authprobe.analysis.advice`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from authprobe.analysis.advice import alma_advice
from authprobe.analysis.crosscheck import (
    SideIndex,
    crosscheck,
    matched_by_population,
    shared_identifiers,
)
from authprobe.analysis.exceptions import mismatches
from authprobe.analysis.fields import is_identifier
from authprobe.analysis.history import Snapshot, ValueHistory, history_findings
from authprobe.analysis.idp_evidence import (
    IdpEvidence,
    identify,
    idp_lookup,
    locators,
    releases,
)
from authprobe.analysis.idp_release import LoginLocator
from authprobe.analysis.lint import LoadChecks, identifier_misuse
from authprobe.analysis.loadcolumns import LoadColumns
from authprobe.analysis.match_id import decide, match_id_findings, value_kind
from authprobe.analysis.preflight import PreflightEngine, PreflightResult
from authprobe.analysis.preflight_findings import (
    export_findings,
    outcome_findings,
    shared_type_findings,
)
from authprobe.analysis.profile import SourceProfiler, no_records_finding
from authprobe.analysis.scoring import (
    MAX_ID_LENGTH,
    RUBRIC,
    WEIGHTS,
    describe,
    pct,
    rank_candidates,
    set_aside_findings,
)
from authprobe.analysis.sisdiff import DiffColumns, DiffEngine
from authprobe.errors import UsageError
from authprobe.model import (
    AlmaAdvice,
    Candidate,
    Correspondence,
    FieldProfile,
    Finding,
    IdStability,
    LoginPerson,
    PopulationScope,
    Preflight,
    Record,
    ReleasedValueMatch,
    Report,
    Severity,
    SisMatch,
    SourceKind,
)
from authprobe.sources import RecordSource
from authprobe.sources.cas.response import CasResponse
from authprobe.sources.oidc.discovery import Discovery
from authprobe.sources.oidc.token import IdToken
from authprobe.sources.saml_message import Assertion
from authprobe.sources.saml_metadata import IdpMetadata

__all__ = [
    "MAX_ID_LENGTH",
    "RUBRIC",
    "WEIGHTS",
    "Options",
    "build_report",
    "choose",
    "rank_candidates",
]

MIN_COVERAGE = 0.5  # below this share of SIS records no candidate is recommended


@dataclass(frozen=True, slots=True)
class Options:
    """How a `recommend` run treats populations and the IdP (all optional)."""

    exclude_groups: frozenset[str] = frozenset()
    """Populations (SIS user_group or directory population, any case) set aside and reported
    separately: guests, alumni, community borrowers, service accounts."""
    population_attribute: str | None = None
    """Directory attribute naming each entry's population (employeeType,
    eduPersonPrimaryAffiliation, ...); default: the first OU of the DN."""
    idp_metadata: IdpMetadata | None = None
    assertion: Assertion | None = None
    """A captured login: what the IdP really released (see analysis/idp_release)."""
    entity_id: str | None = None
    oidc_token: IdToken | None = None
    """An OpenID Connect ID token (`oidc decode` / `oidc test-rp --save`)."""
    oidc_discovery: Discovery | None = None
    """The provider's discovery document: claims_supported says what it can release."""
    cas_response: CasResponse | None = None
    """A CAS validation response: Alma reads cas:user."""
    previous: RecordSource | None = None
    """An earlier snapshot of the directory (`ldap scan --save`), to measure value changes."""
    alma_users: RecordSource | None = None
    """The users already in Alma (Export Users XML, a CSV report): the first load is
    pre-flighted against them (analysis/preflight)."""
    match_id: str | None = None
    """`--match-id`: the SIS Match ID Type to pre-flight (default: the recommended one)."""
    previous_sis: RecordSource | None = None
    """The previous SIS extract: how many people changed each Match ID candidate's value since
    then (analysis/sisdiff) counts against it."""
    excluded_folded: frozenset[str] = field(init=False, default=frozenset())

    @property
    def idp(self) -> IdpEvidence:
        """All the IdP evidence of the run."""
        return IdpEvidence(
            self.idp_metadata,
            self.assertion,
            self.entity_id,
            self.oidc_token,
            self.oidc_discovery,
            self.cas_response,
        )

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "excluded_folded", frozenset(g.casefold() for g in self.exclude_groups)
        )


def choose(
    candidates: list[Candidate], set_aside: int = 0
) -> tuple[Candidate | None, Finding | None]:
    """The recommendation, or None and the finding that says why (`set_aside`: pairs whose
    values meet only through a step that would join different people)."""
    best = next((c for c in candidates if not c.rejected), None)
    if best is None:
        if candidates:
            message = (
                "No SIS field joins to a directory attribute without breaking one of Alma's rules."
            )
        elif set_aside:
            message = (
                "No SIS field joins a directory attribute without a normalisation step that "
                "would join different people."
            )
        else:
            message = "No SIS field shares values with any directory attribute."
        return None, Finding("no-candidate", Severity.ERROR, "crosscheck", None, 0, message)
    if best.correspondence.sis_coverage < MIN_COVERAGE:
        return None, Finding(
            "coverage-too-low",
            Severity.ERROR,
            "crosscheck",
            best.correspondence.sis_field,
            best.correspondence.matched,
            f"The best candidate ({describe(best.correspondence)}) matches only "
            f"{pct(best.correspondence.sis_coverage)} of SIS records; none is recommended.",
        )
    return best, None


def profile_findings(
    profiles: Iterable[FieldProfile], joined: set[tuple[str, str]]
) -> list[Finding]:
    """Duplicates and case collisions in identifier fields and in joined directory attributes."""
    findings = []
    for profile in profiles:
        key = (profile.source.value, profile.field)
        is_sis_id = profile.source is SourceKind.SIS and (
            profile.field == "primary_id" or profile.field.startswith("identifier:")
        )
        if not is_sis_id and key not in joined:
            continue
        severity = Severity.ERROR if is_sis_id else Severity.WARNING
        if profile.duplicate_values:
            findings.append(
                Finding(
                    "duplicate-value",
                    severity,
                    profile.source.value,
                    profile.field,
                    profile.duplicate_values,
                    f"{profile.duplicate_values:,} value(s) of {profile.field} are held by "
                    f"{profile.duplicate_records:,} records.",
                )
            )
        if profile.case_collision_values:
            findings.append(
                Finding(
                    "case-collision",
                    severity,
                    profile.source.value,
                    profile.field,
                    profile.case_collision_values,
                    f"{profile.case_collision_values:,} value(s) of {profile.field} differ only "
                    f"by letter case between {profile.case_collision_records:,} records; Alma "
                    "treats them as the same identifier.",
                )
            )
        if profile.whitespace_values:
            findings.append(
                Finding(
                    "whitespace",
                    Severity.WARNING,
                    profile.source.value,
                    profile.field,
                    profile.whitespace_values,
                    f"{profile.whitespace_values:,} value(s) of {profile.field} start or end "
                    "with whitespace.",
                )
            )
    return findings


def _missing_primary_id(sis_profiles: dict[str, FieldProfile], sis_records: int) -> list[Finding]:
    present = sis_profiles["primary_id"].present if "primary_id" in sis_profiles else 0
    missing = sis_records - present
    if not missing:
        return []
    return [
        Finding(
            "missing-primary-id",
            Severity.ERROR,
            SourceKind.SIS.value,
            "primary_id",
            missing,
            f"{missing:,} SIS record(s) have no primary_id; Alma would invent one from the "
            "name, which never matches a login.",
        )
    ]


def _is_sis_identifier(name: str) -> bool:
    return name == "primary_id" or name.startswith("identifier:")


def _shared_identifier_findings(sis: _Side) -> list[Finding]:
    """Values held by two SIS identifier fields (Alma rejects them at load)."""
    return [
        Finding(
            "identifier-shared",
            Severity.ERROR,
            SourceKind.SIS.value,
            shared.field,
            shared.records,
            f"{shared.records:,} SIS record(s) have a {shared.field} value that is also a value "
            f"of {', '.join(shared.other_fields)} (on another user or the same one, ignoring "
            "case); Alma requires every identifier to be unique across all users and identifier "
            "fields together, and the load rejects such duplicates.",
            shared.examples,
        )
        for shared in shared_identifiers((sis.index, sis.excluded), _is_sis_identifier)
    ]


def _population_findings(directory: _Side, attribute: str | None) -> list[Finding]:
    """--population-rule names an attribute some entries lack: they fall back to their OU."""
    if attribute is None or not directory.population_missing:
        return []
    missing, records = directory.population_missing, directory.profiler.records
    return [
        Finding(
            "population-attribute-missing",
            Severity.ERROR if missing == records else Severity.WARNING,
            SourceKind.DIRECTORY.value,
            attribute,
            missing,
            f"{missing:,} of {records:,} directory entries have no {attribute} (the population "
            "rule); they are grouped by the first OU of their DN instead. Check the attribute's "
            "spelling, or choose another with --population-rule.",
            tuple(directory.population_examples),
        )
    ]


def _skipped_findings(source: RecordSource) -> list[Finding]:
    return [
        Finding(
            "records-skipped",
            Severity.INFO,
            source.source.value,
            None,
            count,
            f"{count:,} item(s) of {source.location} were skipped: {reason}.",
            tuple(source.stats.skipped_examples.get(reason, ())),
        )
        for reason, count in sorted(source.stats.skipped.items())
    ]


def _reader_findings(source: RecordSource) -> list[Finding]:
    """What the reader itself found: an incomplete Graph export, probable LDAP truncation,
    disabled accounts, guests (readers that have a `findings()`; after the read)."""
    findings = getattr(source, "findings", None)
    return list(findings()) if callable(findings) else []


Wrap = Callable[[Iterable[Record], str], Iterable[Record]]


def _no_idp(_pair: Correspondence) -> None:
    return None


def _no_wrap(records: Iterable[Record], _description: str) -> Iterable[Record]:
    return records


@dataclass
class _Side:
    """What one pass over a source collects: profiles, the in-scope index, the set-aside."""

    profiler: SourceProfiler
    index: SideIndex
    excluded: SideIndex
    logins: dict[str, LoginLocator] = field(default_factory=dict)
    """With captured logins: who holds each released value (every entry counted), by protocol."""
    snapshot: Snapshot | None = None
    population_missing: int = 0
    """Entries without the --population-rule attribute (left in their OU)."""
    population_examples: list[str] = field(default_factory=list)
    load: LoadColumns | None = None
    """SIS side with Alma users given: the records in load order, for the pre-flight."""
    checks: LoadChecks | None = None
    """SIS side: the per-record load rules (empty identifier values, missing dates)."""
    diff: DiffColumns | None = None
    """SIS side with the previous extract given: the records column-wise for the diff."""


def _population_of(record: Record, attribute: str) -> Record | None:
    """The record with its population from `attribute`; None when it has no such value."""
    folded = attribute.casefold()
    for name, values in record.attrs.items():
        if name.casefold() == folded and values:
            return replace(record, population=values[0])
    return None


def _read(source: RecordSource, wrap: Wrap, options: Options) -> _Side:
    side = _Side(SourceProfiler(source.source), SideIndex(source.source), SideIndex(source.source))
    is_directory = source.source is SourceKind.DIRECTORY
    attribute = options.population_attribute if is_directory else None
    excluded = options.excluded_folded
    if is_directory:
        side.logins = locators(options.idp)
    logins = tuple(side.logins.values())
    if is_directory and options.previous is not None:
        side.snapshot = Snapshot()
    if not is_directory:
        side.checks = LoadChecks(source.source.value)
        if options.alma_users is not None:
            side.load = LoadColumns()
        if options.previous_sis is not None:
            side.diff = DiffColumns()
    load, checks, diff = side.load, side.checks, side.diff
    for record in wrap(source.records(), f"reading {source.source.value}"):
        if checks is not None:
            checks.add(record)
        if diff is not None:
            diff.add(record)
        if load is not None:
            load.add(record)
        if attribute is not None:
            found = _population_of(record, attribute)
            if found is None:
                side.population_missing += 1
                if len(side.population_examples) < 3:
                    side.population_examples.append(record.ref)
            else:
                record = found
        side.profiler.add(record)
        if side.snapshot is not None:
            side.snapshot.add(record)
        for login in logins:
            login.add(record)
        if excluded and record.population and record.population.casefold() in excluded:
            side.excluded.add(record)
        else:
            side.index.add(record)
    return side


def _out_of_scope(
    sis: _Side, directory: _Side, best: Correspondence | None
) -> tuple[PopulationScope, ...]:
    """Per excluded population: how many records, and how many would match the winner: under
    exactly its steps, with a partner anywhere on the other side (set aside or not)."""
    scopes: list[PopulationScope] = []
    for kind, excluded, other in (
        (SourceKind.SIS, sis.excluded, directory),
        (SourceKind.DIRECTORY, directory.excluded, sis),
    ):
        if not excluded.records:
            continue
        matched: dict[str, int] = {}
        if best is not None:
            mine, theirs = (
                (best.sis_field, best.directory_attribute)
                if kind is SourceKind.SIS
                else (best.directory_attribute, best.sis_field)
            )
            partners = [(other.index, theirs), (other.excluded, theirs)]
            matched = matched_by_population(excluded, mine, partners, best.normalisation)
        counts = Counter(population or "(none)" for population in excluded.populations)
        scopes.extend(
            PopulationScope(kind, name, counts[name], matched.get(name, 0))
            for name in sorted(counts)
        )
    return tuple(scopes)


def _login(
    directory: _Side,
) -> tuple[dict[str, Record | None], list[ReleasedValueMatch], list[LoginPerson]]:
    """The person who logged in with each login given, where each released value lives, and
    which entry the person is (every directory entry counted: see LoginLocator)."""
    return identify(directory.logins)


def _advice(
    recommendation: Candidate | None,
    options: Options,
    people: dict[str, Record | None],
    match: SisMatch,
    profiles: list[FieldProfile],
) -> AlmaAdvice | None:
    if recommendation is None:
        return None
    attribute = recommendation.correspondence.directory_attribute
    return alma_advice(
        recommendation,
        releases(attribute, options.idp, people),
        match=match,
        profiles=profiles,
    )


def _history(
    options: Options, directory: _Side, pairs: list[Correspondence]
) -> ValueHistory | None:
    """Compare the candidates' directory attributes with the previous snapshot, if given."""
    if options.previous is None or directory.snapshot is None or not pairs:
        return None
    attributes = [pair.directory_attribute for pair in pairs]
    return directory.snapshot.compare(options.previous.records(), attributes)


@dataclass
class _Alma:
    """The users already in Alma, read once: load rules, columns for the pre-flight (their field
    profiles are `alma scan`'s)."""

    load: LoadColumns
    checks: LoadChecks

    def findings(self) -> list[Finding]:
        """The load rules and identifier misuse (emails, user_group codes) of the export."""
        suspect = self.load.suspect_values(self.checks.groups)
        return [
            *self.checks.findings(),
            *identifier_misuse(suspect, self.checks.groups, self.checks.source),
        ]


def _read_alma(source: RecordSource, wrap: Wrap) -> _Alma:
    alma = _Alma(LoadColumns(), LoadChecks(source.source.value))
    check, collect = alma.checks.add, alma.load.add
    for record in wrap(source.records(), "reading users already in Alma"):
        check(record)
        collect(record)
    return alma


def _value_findings(profiler: SourceProfiler, checks: LoadChecks) -> list[Finding]:
    """The load rules and identifier misuse (emails, user_group codes) of one source."""
    counts = {name: f.counts for name, f in profiler.fields.items()}
    return [*checks.findings(), *identifier_misuse(counts, checks.groups, checks.source)]


def _value_kinds(profiler: SourceProfiler) -> dict[str, str]:
    """What each SIS identifier field's values look like (number, username, email)."""
    return {
        name: value_kind(iter(f.counts))
        for name, f in profiler.fields.items()
        if is_identifier(name)
    }


@dataclass
class _Decision:
    """The Match ID decision, its pre-flight (with Alma users) and their findings."""

    sis_match: SisMatch
    preflight: PreflightResult | None
    findings: list[Finding]


def _sis_stability(
    previous: RecordSource, current: DiffColumns, wrap: Wrap
) -> dict[str, IdStability]:
    """Per identifier type: people followed from the previous extract, and who changed it."""
    old = DiffColumns()
    for record in wrap(previous.records(), "reading the previous SIS extract"):
        old.add(record)
    engine = DiffEngine(old, current)
    return {s.field: IdStability(s.compared, s.changed) for s in engine.stability()}


def _match_decision(
    sis: _Side,
    sis_profiles: list[FieldProfile],
    kinds: dict[str, str],
    alma: _Alma | None,
    chosen: str | None,
    stability: dict[str, IdStability] | None = None,
) -> _Decision:
    """Rank the Match ID Types (pre-flighting each against Alma users when given)."""
    present = {p.field for p in sis_profiles if is_identifier(p.field) and p.present}
    if chosen is not None and chosen not in present:
        raise UsageError(
            "match-id-unknown",
            f"--match-id {chosen}: no SIS record carries {chosen}.",
            hint="Choose one of: " + (", ".join(sorted(present)) or "(the extract has none)"),
        )
    engine = PreflightEngine(sis.load, alma.load) if alma is not None and sis.load else None
    runs: dict[str, PreflightResult] = {}

    def run(name: str) -> Preflight:
        assert engine is not None
        runs[name] = engine.run(name)
        return runs[name].summary

    decision = decide(sis_profiles, kinds, run if engine is not None else None, chosen, stability)
    findings = match_id_findings(decision)
    result = runs.get(decision.match_id_type or "")
    if alma is not None and sis.load is not None:
        findings.extend(export_findings(alma.load, engine))
        if decision.match_id_type:
            findings.extend(shared_type_findings(sis.load, alma.load, decision.match_id_type))
    if result is not None:
        findings.extend(outcome_findings(result.summary))
    return _Decision(decision, result, findings)


def build_report(
    directory: RecordSource,
    sis: RecordSource,
    *,
    wrap: Wrap = _no_wrap,
    options: Options | None = None,
) -> Report:
    """Read both sources once, cross-check them and recommend the matching ID."""
    options = options or Options()
    started = datetime.now(UTC)
    dir_side = _read(directory, wrap, options)
    sis_side = _read(sis, wrap, options)
    alma = _read_alma(options.alma_users, wrap) if options.alma_users is not None else None
    assert sis_side.checks is not None
    value_findings = _value_findings(sis_side.profiler, sis_side.checks)
    kinds = _value_kinds(sis_side.profiler)
    dir_profiles = dir_side.profiler.result()
    sis_profiles = sis_side.profiler.result()
    if alma is not None:
        value_findings.extend(alma.findings())
    stability = (
        _sis_stability(options.previous_sis, sis_side.diff, wrap)
        if options.previous_sis is not None and sis_side.diff is not None
        else None
    )
    match = _match_decision(sis_side, sis_profiles, kinds, alma, options.match_id, stability)
    shared = _shared_identifier_findings(sis_side)  # before the cross-check's peak of memory
    set_aside: list[Correspondence] = []
    pairs = crosscheck(sis_side.index, dir_side.index, set_aside=set_aside)
    by_field = {profile.field: profile for profile in sis_profiles}
    people, released, persons = _login(dir_side)
    idp = idp_lookup(options.idp, people) if options.idp.given else _no_idp
    history = _history(options, dir_side, pairs)
    candidates = rank_candidates(pairs, by_field, idp, history)
    recommendation, why_none = choose(candidates, len(set_aside))
    joined = {(SourceKind.DIRECTORY.value, p.directory_attribute) for p in pairs}
    empty = [
        found
        for source, side in ((directory, dir_side), (sis, sis_side))
        if (found := no_records_finding(source.summary(), side.index.records)) is not None
    ]
    if empty and why_none is not None and why_none.code == "no-candidate":
        why_none = None  # nothing was read: the empty input is the reason, not the values
    findings = [
        *empty,
        *set_aside_findings(set_aside),
        *history_findings(history, [p.directory_attribute for p in pairs]),
        *_missing_primary_id(by_field, sis_side.profiler.records),
        *shared,
        *match.findings,
        *value_findings,
        *_population_findings(dir_side, options.population_attribute),
        *profile_findings([*sis_profiles, *dir_profiles], joined),
        *_reader_findings(directory),
        *_skipped_findings(directory),
        *_skipped_findings(sis),
    ]
    if why_none:
        findings.insert(0, why_none)
    findings.sort(key=lambda f: (-f.severity.rank, f.source, f.field or "", f.code))
    best = recommendation.correspondence if recommendation else None
    inputs = [directory.summary(), sis.summary()]
    if options.alma_users is not None:
        inputs.append(options.alma_users.summary())
    if options.previous_sis is not None:
        inputs.append(options.previous_sis.summary())
    return Report(
        inputs=tuple(inputs),
        profiles=(*dir_profiles, *sis_profiles),
        correspondences=tuple(pairs),
        candidates=tuple(candidates),
        recommendation=recommendation,
        findings=tuple(findings),
        started_at=started,
        finished_at=datetime.now(UTC),
        exceptions=tuple(mismatches(sis_side.index, dir_side.index, best)) if best else (),
        advice=_advice(recommendation, options, people, match.sis_match, dir_profiles),
        out_of_scope=_out_of_scope(sis_side, dir_side, best),
        released=tuple(released),
        sis_match=match.sis_match,
        preflight=match.preflight.summary if match.preflight else None,
        preflight_rows=match.preflight.rows if match.preflight else None,
        login_people=tuple(persons),
    )
