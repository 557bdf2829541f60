"""Recommend: score every correspondence against Alma's rules and pick the matching ID.

The rubric (criteria, weights, hard rules) lives in `RUBRIC`, in one place; the README's
"How candidates are scored" section describes the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from authprobe.analysis.crosscheck import SideIndex, crosscheck
from authprobe.analysis.exceptions import mismatches
from authprobe.analysis.normalize import TRANSFORMING
from authprobe.analysis.profile import SourceProfiler
from authprobe.model import (
    Candidate,
    Correspondence,
    Criterion,
    FieldProfile,
    Finding,
    Record,
    Report,
    Severity,
    SourceKind,
)
from authprobe.sources import RecordSource

MAX_ID_LENGTH = 255  # Alma: primary_id and identifier values hold at most 255 characters
MIN_COVERAGE = 0.5  # below this share of SIS records no candidate is recommended


@dataclass(frozen=True, slots=True)
class Rule:
    """One criterion of the rubric."""

    name: str
    weight: float
    hard: bool
    meaning: str


RUBRIC: tuple[Rule, ...] = (
    Rule("sis_unique", 0.0, True, "every SIS value is held by one person only, ignoring case"),
    Rule("max_length", 0.0, True, "no SIS value is longer than 255 characters"),
    Rule("directory_single_valued", 0.0, True, "each matched directory entry has one value"),
    Rule("sis_coverage", 0.35, False, "share of SIS records that find their directory entry"),
    Rule("directory_coverage", 0.10, False, "share of directory entries that find a SIS record"),
    Rule("stability", 0.25, False, "the value survives name changes and is never reassigned"),
    Rule("no_transformation", 0.10, False, "values join as they are (Alma ignores case itself)"),
    Rule("alma_field", 0.10, False, "the SIS field is one Alma looks logins up in"),
    Rule("directory_unique", 0.10, False, "each matched value belongs to one directory entry"),
)
WEIGHTS = {rule.name: rule.weight for rule in RUBRIC}

IMMUTABLE = frozenset(
    n.casefold()
    for n in (
        "objectGUID",
        "entryUUID",
        "nsUniqueId",
        "mS-DS-ConsistencyGuid",
        "eduPersonUniqueId",
        "objectSid",
        "ipaUniqueID",
    )
)
ASSIGNED_NUMBERS = frozenset(
    n.casefold()
    for n in (
        "employeeID",
        "employeeNumber",
        "studentID",
        "studentNumber",
        "schacPersonalUniqueCode",
    )
)
MAIL_LIKE = frozenset(
    n.casefold()
    for n in (
        "mail",
        "userPrincipalName",
        "eduPersonPrincipalName",
        "proxyAddresses",
        "otherMailbox",
        "mailAlternateAddress",
        "email",
        "email:all",
    )
)
NAME_DERIVED_SHARE = 0.3


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def stability(pair: Correspondence) -> tuple[float, str]:
    """How stable the joined value is, with the reason in words."""
    attribute = pair.directory_attribute.casefold()
    if attribute in IMMUTABLE:
        return 1.0, f"{pair.directory_attribute} is an immutable directory ID, never reassigned."
    if attribute in MAIL_LIKE or pair.sis_field.casefold() in MAIL_LIKE:
        return 0.2, (
            f"{pair.directory_attribute} is an email-style value (mail, UPN, eppn): it changes "
            "when a person changes their name and can be reassigned later."
        )
    if pair.name_derived_share >= NAME_DERIVED_SHARE:
        return 0.4, (
            f"{_pct(pair.name_derived_share)} of the values contain the person's name: a "
            "name-derived username changes when the name changes."
        )
    if attribute in ASSIGNED_NUMBERS:
        return 0.9, (
            f"{pair.directory_attribute} holds an assigned number: it does not change "
            "when a person changes their name."
        )
    return 0.7, f"{pair.directory_attribute} is an opaque value not derived from the name."


def _transformation(pair: Correspondence) -> tuple[float, str]:
    needed = [step for step in pair.normalisation if step in TRANSFORMING]
    if not needed:
        if pair.normalisation:
            return 1.0, "Values join once letter case is ignored, which Alma does by itself."
        return 1.0, "Values join exactly as they are."
    penalty = {"trim": 0.3, "strip-scope": 0.5, "strip-leading-zeros": 0.5, "digits-only": 0.7}
    value = max(0.0, 1.0 - sum(penalty[step] for step in needed))
    return value, (
        f"Values join only after {', '.join(needed)}: campus IT (an IdP claim rule) or the "
        "registrar (the SIS export) must transform them the same way."
    )


def _alma_field(pair: Correspondence) -> tuple[float, str]:
    if pair.sis_field == "primary_id":
        return 1.0, "primary_id is the field Alma always looks logins up in."
    if pair.sis_field.startswith("identifier:"):
        return 0.8, (
            f"{pair.sis_field} works if that identifier type is flagged unique in Alma; Alma "
            "also searches every other unique identifier type."
        )
    return 0.3, (
        f"Alma does not look logins up in {pair.sis_field}; the SIS export would have to carry "
        "it as primary_id or as a unique identifier type too."
    )


def _criteria(pair: Correspondence, sis_profile: FieldProfile | None) -> list[Criterion]:
    criteria: list[Criterion] = []

    def hard(name: str, passed: bool, explanation: str) -> None:
        criteria.append(Criterion(name, 0.0, 1.0 if passed else 0.0, True, passed, explanation))

    def soft(name: str, value: float, explanation: str) -> None:
        criteria.append(Criterion(name, WEIGHTS[name], value, False, True, explanation))

    hard(
        "sis_unique",
        pair.sis_duplicate_values == 0,
        "Every SIS value belongs to one person, ignoring case."
        if pair.sis_duplicate_values == 0
        else f"{pair.sis_duplicate_values} value(s) of {pair.sis_field} are held by more than "
        "one SIS record once letter case is ignored; Alma would refuse or merge them.",
    )
    longest = sis_profile.max_length if sis_profile and sis_profile.max_length else 0
    hard(
        "max_length",
        longest <= MAX_ID_LENGTH,
        f"The longest value has {longest} characters (Alma allows {MAX_ID_LENGTH}).",
    )
    hard(
        "directory_single_valued",
        pair.directory_multi_valued == 0,
        "Each matched directory entry holds a single value."
        if pair.directory_multi_valued == 0
        else f"{pair.directory_multi_valued} matched directory entries hold several values of "
        f"{pair.directory_attribute}; the IdP could send any of them.",
    )
    soft(
        "sis_coverage",
        pair.sis_coverage,
        f"{pair.matched:,} of {pair.sis_records:,} SIS records ({_pct(pair.sis_coverage)}) "
        "find their directory entry.",
    )
    soft(
        "directory_coverage",
        pair.directory_coverage,
        f"{pair.directory_matched:,} of {pair.directory_records:,} directory entries "
        f"({_pct(pair.directory_coverage)}) find a SIS record.",
    )
    soft("stability", *stability(pair))
    soft("no_transformation", *_transformation(pair))
    soft("alma_field", *_alma_field(pair))
    ambiguous = pair.sis_ambiguous
    unique_share = 1.0 - (ambiguous / pair.matched if pair.matched else 0.0)
    soft(
        "directory_unique",
        unique_share,
        "Each matched value belongs to one directory entry."
        if ambiguous == 0
        else f"{ambiguous:,} SIS records match several directory entries that share one value.",
    )
    return criteria


def _score(criteria: Iterable[Criterion]) -> float:
    return round(100 * sum(c.weight * c.value for c in criteria if not c.hard), 1)


def _order_key(candidate: Candidate) -> tuple[object, ...]:
    pair = candidate.correspondence
    return (
        candidate.rejected,
        -candidate.score,
        pair.sis_field != "primary_id",
        len(pair.normalisation),
        pair.sis_field,
        pair.directory_attribute.casefold(),
    )


def _describe(pair: Correspondence) -> str:
    how = " after " + " + ".join(pair.normalisation) if pair.normalisation else " exactly"
    return f"SIS {pair.sis_field} = directory {pair.directory_attribute}{how}"


def _why_lost(loser: Candidate, winner: Candidate) -> list[str]:
    if loser.rejected:
        return [f"Rejected: {reason}" for reason in loser.rejected_because]
    ours = {c.name: c for c in loser.criteria}
    gaps = sorted(
        (
            (c.weight * (c.value - ours[c.name].value), ours[c.name])
            for c in winner.criteria
            if not c.hard and c.weight * (c.value - ours[c.name].value) > 0.0005
        ),
        key=lambda item: -item[0],
    )
    reasons = [f"Ranks below {_describe(winner.correspondence)}: {c.explanation}" for _, c in gaps]
    return reasons[:3] or ["Scores the same as the winner; the winner is preferred by Alma field."]


def rank_candidates(
    pairs: Iterable[Correspondence], sis_profiles: dict[str, FieldProfile]
) -> list[Candidate]:
    """Score every pair, rank them, and explain each verdict in sentences."""
    scored = []
    for pair in pairs:
        criteria = _criteria(pair, sis_profiles.get(pair.sis_field))
        rejected = tuple(c.explanation for c in criteria if c.hard and not c.passed)
        scored.append(
            Candidate(
                correspondence=pair,
                rank=0,
                score=_score(criteria),
                criteria=tuple(criteria),
                rejected_because=rejected,
                reasons=(),
            )
        )
    scored.sort(key=_order_key)
    winner = next((c for c in scored if not c.rejected), None)
    ranked = []
    for rank, candidate in enumerate(scored, 1):
        if candidate is winner:
            reasons = [c.explanation for c in candidate.criteria if not c.hard]
        elif winner is None:
            reasons = [f"Rejected: {reason}" for reason in candidate.rejected_because]
        else:
            reasons = _why_lost(candidate, winner)
        ranked.append(
            Candidate(
                correspondence=candidate.correspondence,
                rank=rank,
                score=candidate.score,
                criteria=candidate.criteria,
                rejected_because=candidate.rejected_because,
                reasons=tuple(reasons),
            )
        )
    return ranked


def choose(candidates: list[Candidate]) -> tuple[Candidate | None, Finding | None]:
    """The recommendation, or None and the finding that says why."""
    best = next((c for c in candidates if not c.rejected), None)
    if best is None:
        message = (
            "No SIS field joins to a directory attribute without breaking one of Alma's rules."
            if candidates
            else "No SIS field shares values with any directory attribute."
        )
        return None, Finding("no-candidate", Severity.ERROR, "crosscheck", None, 0, message)
    if best.correspondence.sis_coverage < MIN_COVERAGE:
        return None, Finding(
            "coverage-too-low",
            Severity.ERROR,
            "crosscheck",
            best.correspondence.sis_field,
            best.correspondence.matched,
            f"The best candidate ({_describe(best.correspondence)}) matches only "
            f"{_pct(best.correspondence.sis_coverage)} of SIS records; none is recommended.",
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


Wrap = Callable[[Iterable[Record], str], Iterable[Record]]


def _read(source: RecordSource, wrap: Wrap) -> tuple[SourceProfiler, SideIndex]:
    profiler = SourceProfiler(source.source)
    side = SideIndex(source.source)
    for record in wrap(source.records(), f"reading {source.source.value}"):
        profiler.add(record)
        side.add(record)
    return profiler, side


def _no_wrap(records: Iterable[Record], _description: str) -> Iterable[Record]:
    return records


def build_report(directory: RecordSource, sis: RecordSource, *, wrap: Wrap = _no_wrap) -> Report:
    """Read both sources once, cross-check them and recommend the matching ID."""
    started = datetime.now(UTC)
    dir_profiler, dir_side = _read(directory, wrap)
    sis_profiler, sis_side = _read(sis, wrap)
    dir_profiles = dir_profiler.result()
    sis_profiles = sis_profiler.result()
    pairs = crosscheck(sis_side, dir_side)
    by_field = {profile.field: profile for profile in sis_profiles}
    candidates = rank_candidates(pairs, by_field)
    recommendation, why_none = choose(candidates)
    joined = {(SourceKind.DIRECTORY.value, p.directory_attribute) for p in pairs}
    findings = [
        *_missing_primary_id(by_field, sis_side.records),
        *profile_findings([*sis_profiles, *dir_profiles], joined),
        *_skipped_findings(directory),
        *_skipped_findings(sis),
    ]
    if why_none:
        findings.insert(0, why_none)
    findings.sort(key=lambda f: (-f.severity.rank, f.source, f.field or "", f.code))
    return Report(
        inputs=(directory.summary(), sis.summary()),
        profiles=(*dir_profiles, *sis_profiles),
        correspondences=tuple(pairs),
        candidates=tuple(candidates),
        recommendation=recommendation,
        findings=tuple(findings),
        started_at=started,
        finished_at=datetime.now(UTC),
        exceptions=(
            tuple(mismatches(sis_side, dir_side, recommendation.correspondence))
            if recommendation
            else ()
        ),
    )
