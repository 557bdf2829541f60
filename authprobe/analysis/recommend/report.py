"""The report of a `recommend` run: both sources read once, cross-checked, candidates ranked,
the recommendation chosen (or the reason there is none), and everything assembled."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from authprobe.analysis.crosscheck import crosscheck, matched_by_population
from authprobe.analysis.exceptions import mismatches
from authprobe.analysis.history import history_findings
from authprobe.analysis.profile_columns import column_profiles, profiles
from authprobe.analysis.recommend.findings import (
    empty_input_findings,
    in_report_order,
    missing_primary_id,
    population_findings,
    profile_findings,
    reader_findings,
    shared_identifier_findings,
    skipped_findings,
    value_findings,
)
from authprobe.analysis.recommend.login import advice, login_evidence, login_trust_findings
from authprobe.analysis.recommend.meanwhile import Later
from authprobe.analysis.recommend.options import Options
from authprobe.analysis.recommend.sides import (
    Side,
    directory_history,
    read_alma,
    read_side,
    started,
)
from authprobe.analysis.recommend.sis_match import (
    MatchDecision,
    match_decision,
    sis_stability,
    value_kinds,
)
from authprobe.analysis.scoring import describe, pct, rank_candidates, set_aside_findings
from authprobe.model import (
    Candidate,
    Correspondence,
    FieldProfile,
    Finding,
    InputSummary,
    PopulationScope,
    Report,
    Severity,
    SourceKind,
)
from authprobe.runtime import paused_gc
from authprobe.runtime.progress import Wrap, no_wrap
from authprobe.sources import RecordSource

MIN_COVERAGE = 0.5  # below this share of SIS records no candidate is recommended


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


def _out_of_scope(
    sis: Side, directory: Side, best: Correspondence | None
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


@dataclass
class _Read:
    """Both sides read once, their profiles, the load-rule findings and the Match ID decision."""

    directory: Side
    sis: Side
    dir_frozen: Later
    """The directory's profiles (frozen by a child while this process cross-checks)."""
    sis_profiles: list[FieldProfile]
    value_findings: list[Finding]
    match: MatchDecision


def _read_sources(
    directory: RecordSource, sis: RecordSource, wrap: Wrap, options: Options
) -> _Read:
    sis_records = started(sis)  # a large XML extract is parsed by a child meanwhile
    dir_side = read_side(directory, wrap, options)
    sis_side = read_side(sis, wrap, options, sis_records)
    dir_frozen = Later(dir_side.profiler)  # by a child, meanwhile, for large profiles
    alma = read_alma(options.alma_users, wrap) if options.alma_users is not None else None
    assert sis_side.checks is not None
    found = value_findings(sis_side.profiler, sis_side.checks)
    kinds = value_kinds(sis_side.profiler)
    sis_profiles = sis_side.profiler.result(parallel=not dir_frozen.forked)
    if alma is not None:
        found.extend(alma.findings())
    stability = (
        sis_stability(options.previous_sis, sis_side.diff, wrap)
        if options.previous_sis is not None and sis_side.diff is not None
        else None
    )
    match = match_decision(sis_side, sis_profiles, kinds, alma, options.match_id, stability)
    sis_side.profiler.release()  # frozen, and what it found is found: memory for the rest
    return _Read(dir_side, sis_side, dir_frozen, sis_profiles, found, match)


def _inputs(directory: RecordSource, sis: RecordSource, options: Options) -> list[InputSummary]:
    inputs = [directory.summary(), sis.summary()]
    if options.alma_users is not None:
        inputs.append(options.alma_users.summary())
    if options.previous_sis is not None:
        inputs.append(options.previous_sis.summary())
    return inputs


def build_report(
    directory: RecordSource,
    sis: RecordSource,
    *,
    wrap: Wrap = no_wrap,
    options: Options | None = None,
) -> Report:
    """Read both sources once, cross-check them and recommend the matching ID."""
    options = options or Options()
    started = datetime.now(UTC)
    with paused_gc():  # millions of records, profiles and columns: no reference cycles
        read = _read_sources(directory, sis, wrap, options)
    shared = shared_identifier_findings(read.sis)  # before the cross-check's peak of memory
    # the directory's attributes that the cross-check collects are profiled from its columns,
    # before it lets go of those that pair with nothing (memory)
    from_columns = column_profiles(
        read.directory.profiler, read.directory.index.final.columns, wrap
    )
    set_aside: list[Correspondence] = []
    pairs = crosscheck(
        read.sis.index, read.directory.index, set_aside=set_aside, counted=wrap, keep_unpaired=False
    )
    directory_profiles = profiles(read.directory.profiler, read.dir_frozen.result(), from_columns)
    by_field = {profile.field: profile for profile in read.sis_profiles}
    logins = login_evidence(read.directory, options)
    history = directory_history(options, read.directory, pairs)
    candidates = rank_candidates(pairs, by_field, logins.lookup, history)
    recommendation, why_none = choose(candidates, len(set_aside))
    joined = {(SourceKind.DIRECTORY.value, p.directory_attribute) for p in pairs}
    findings = in_report_order(
        why_none,
        empty_input_findings(((directory, read.directory), (sis, read.sis))),
        [
            *login_trust_findings(options),
            *set_aside_findings(set_aside),
            *history_findings(history, [p.directory_attribute for p in pairs]),
            *missing_primary_id(by_field, read.sis.profiler.records),
            *shared,
            *read.match.findings,
            *read.value_findings,
            *population_findings(read.directory, options.population_attribute),
            *profile_findings([*read.sis_profiles, *directory_profiles], joined),
            *reader_findings(directory),
            *skipped_findings(directory),
            *skipped_findings(sis),
        ],
    )
    best = recommendation.correspondence if recommendation else None
    match = read.match
    return Report(
        inputs=tuple(_inputs(directory, sis, options)),
        profiles=(*directory_profiles, *read.sis_profiles),
        correspondences=tuple(pairs),
        candidates=tuple(candidates),
        recommendation=recommendation,
        findings=tuple(findings),
        started_at=started,
        finished_at=datetime.now(UTC),
        exceptions=tuple(mismatches(read.sis.index, read.directory.index, best)) if best else (),
        advice=advice(recommendation, options, logins.people, match.sis_match, directory_profiles),
        out_of_scope=_out_of_scope(read.sis, read.directory, best),
        released=tuple(logins.released),
        sis_match=match.sis_match,
        preflight=match.preflight.summary if match.preflight else None,
        preflight_rows=match.preflight.rows if match.preflight else None,
        login_people=tuple(logins.persons),
    )
