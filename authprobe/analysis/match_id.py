"""The SIS Match ID decision: which field each SIS load uses to find the user already in Alma.

The Match ID and the login ID are two roles (ALMA.md, CLO "Patron files – mandatory fields"):
the login ID is what the IdP, LDAP or CAS sends; the Match ID Type is how Synchronize finds the
existing user, and the best one is the most stable SIS-owned number even when people log in with
a username. The candidates are `primary_id` and every identifier type of the extract.

With the users already in Alma, the types are ranked by the pre-flight (analysis/preflight):
records that would load cleanly (update + create), then fewer duplicate patrons, then
primary_id first. Without them, by presence, then uniqueness, then stability (an assigned
number before a username before an email).

With the previous SIS extract (`recommend --previous-sis`), the people whose value of a type
changed since then (analysis/sisdiff: followed by their other identifiers) count against it: each
would become a second patron at the next load, so they are taken off the records that load
cleanly (or, without Alma users, off the records that carry the type).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from itertools import islice

from authprobe.analysis.fields import IDENTIFIER, PRIMARY_ID, is_identifier
from authprobe.model import (
    FieldProfile,
    Finding,
    IdStability,
    MatchIdCandidate,
    Outcome,
    Preflight,
    Severity,
    SisMatch,
    SourceKind,
)
from authprobe.wording import agree, plural

KIND_SAMPLE = 10_000
NUMBER, USERNAME, EMAIL = "number", "username", "email"
KIND_RANK = {NUMBER: 0, USERNAME: 1, EMAIL: 2}
KIND_TEXT = {
    NUMBER: "an assigned number, which does not change when a person's name changes",
    USERNAME: "a username, which may change when a person's name changes",
    EMAIL: "an email address, which changes with names and can be reassigned",
}
BY_PREFLIGHT = "pre-flight"
BY_EXTRACT = "presence, uniqueness, stability"
PROBLEMS = (
    Outcome.MISSING_MATCH_ID,
    Outcome.REJECTED_IN_FEED,
    Outcome.AMBIGUOUS,
    Outcome.NOT_EXTERNAL,
    Outcome.REJECTED_TAKEN,
    Outcome.CREATE_DUPLICATE,
)


def alma_label(match_field: str) -> str:
    """What Alma's SIS integration profile calls the Match ID Type."""
    return (
        "Primary Identifier" if match_field == PRIMARY_ID else match_field.removeprefix(IDENTIFIER)
    )


def value_kind(values: Iterable[str]) -> str:
    """`number`, `username` or `email`: what most of (a sample of) the values look like."""
    sample = list(islice(values, KIND_SAMPLE))
    if not sample:
        return USERNAME
    emails = sum(1 for v in sample if "@" in v)
    if emails * 2 > len(sample):
        return EMAIL
    numbers = sum(1 for v in sample if 2 * sum(c.isdigit() for c in v) >= len(v.strip()) > 0)
    return NUMBER if numbers * 2 > len(sample) else USERNAME


def parse_match_id(text: str) -> str:
    """`primary_id`, `identifier:TYPE`, or a bare `TYPE` (= identifier:TYPE)."""
    text = text.strip()
    if text.casefold() in ("primary_id", "primary identifier"):
        return PRIMARY_ID
    if text.startswith(IDENTIFIER):
        return text
    return IDENTIFIER + text


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "0.0 %"


def _held_twice(profile: FieldProfile) -> int:
    return profile.duplicate_values + profile.case_collision_values


def _problems(preflight: Preflight) -> str:
    parts = [
        f"{outcome.value} {preflight.outcomes[outcome]:,}"
        for outcome in PROBLEMS
        if preflight.outcomes[outcome]
    ]
    return ", ".join(parts) or "none"


def _preflight_reason(candidate: MatchIdCandidate) -> str:
    preflight = candidate.preflight
    assert preflight is not None
    update, create = preflight.outcomes[Outcome.UPDATE], preflight.outcomes[Outcome.CREATE]
    return (
        f"{preflight.clean:,} of {preflight.sis_records:,} SIS records "
        f"({_pct(preflight.clean, preflight.sis_records)}) would load cleanly with "
        f"{candidate.field} as the Match ID Type ({update:,} update the user already in Alma, "
        f"{create:,} create a new one); the others are problems to fix before go-live: "
        f"{_problems(preflight)}."
    )


def _extract_reason(candidate: MatchIdCandidate) -> str:
    held = (
        f"{candidate.duplicate_values:,} of its values are held by more than one record"
        if candidate.duplicate_values
        else "every value belongs to one record"
    )
    return (
        f"{candidate.field} is carried by {candidate.present:,} of {candidate.records:,} SIS "
        f"records ({_pct(candidate.present, candidate.records)}); {held}; it holds "
        f"{KIND_TEXT[candidate.kind]}."
    )


def _changed(candidate: MatchIdCandidate) -> int:
    return candidate.stability.changed if candidate.stability is not None else 0


def _base(candidate: MatchIdCandidate) -> int:
    """Records that load cleanly (with Alma users), else records carrying the type."""
    return candidate.preflight.clean if candidate.preflight is not None else candidate.present


def _stability_reason(candidate: MatchIdCandidate) -> str:
    stability = candidate.stability
    assert stability is not None
    if not stability.changed:
        return (
            f"None of the {stability.compared:,} people followed from the previous SIS extract "
            f"changed their {candidate.field}."
        )
    return (
        f"{stability.changed:,} of {stability.compared:,} people followed from the previous SIS "
        f"extract ({_pct(stability.changed, stability.compared)}) hold another {candidate.field} "
        "now (or none): with it as the Match ID Type, each would become a second patron at the "
        "next load."
    )


def _why_lost(loser: MatchIdCandidate, winner: MatchIdCandidate) -> str:
    if _changed(loser) > _changed(winner) and _base(loser) >= _base(winner):
        return (
            f"{plural(_changed(loser), 'person', 'people')} changed their {loser.field} since the "
            "previous SIS "
            f"extract, against {_changed(winner):,} for {winner.field}: each change is a "
            "duplicate patron at the next load."
        )
    if loser.preflight is not None and winner.preflight is not None:
        mine, theirs = loser.preflight, winner.preflight
        if mine.clean < theirs.clean:
            return (
                f"{theirs.clean - mine.clean:,} fewer records would load cleanly than with "
                f"{winner.field}."
            )
        mine_dup = mine.outcomes[Outcome.CREATE_DUPLICATE]
        theirs_dup = theirs.outcomes[Outcome.CREATE_DUPLICATE]
        if mine_dup > theirs_dup:
            return (
                f"As many records load cleanly as with {winner.field}, but "
                f"{mine_dup - theirs_dup:,} more would create a duplicate patron."
            )
        return f"As good as {winner.field}, which is preferred as primary_id or by name."
    if loser.present < winner.present:
        return (
            f"Carried by {winner.present - loser.present:,} fewer SIS records than "
            f"{winner.field} ({loser.records - loser.present:,} records lack it)."
        )
    if loser.duplicate_values > winner.duplicate_values:
        return f"{loser.duplicate_values:,} of its values are held by more than one record."
    if KIND_RANK[loser.kind] > KIND_RANK[winner.kind]:
        return f"It holds {KIND_TEXT[loser.kind]}; {winner.field} holds {KIND_TEXT[winner.kind]}."
    return f"As good as {winner.field}, which is preferred as primary_id or by name."


def _order(candidate: MatchIdCandidate) -> tuple[object, ...]:
    tail = (candidate.field != PRIMARY_ID, candidate.field)
    preflight = candidate.preflight
    changed = _changed(candidate)
    if preflight is not None:
        duplicates = preflight.outcomes[Outcome.CREATE_DUPLICATE]
        return (-(preflight.clean - changed), duplicates, changed, *tail)
    kind = KIND_RANK[candidate.kind]
    return (-(candidate.present - changed), candidate.duplicate_values, changed, kind, *tail)


def decide(
    profiles: Iterable[FieldProfile],
    kinds: Mapping[str, str],
    preflight: Callable[[str], Preflight] | None,
    chosen: str | None = None,
    stability: Mapping[str, IdStability] | None = None,
) -> SisMatch:
    """Rank `primary_id` and every identifier type of the SIS extract as the Match ID Type.

    `preflight(field)` predicts the first load for one type (None without Alma users);
    `chosen` is the user's `--match-id` (it becomes the decision; the ranking is still shown);
    `stability` (with the previous SIS extract) says how many people changed each type's value.
    """
    fields = [p for p in profiles if p.source is SourceKind.SIS and is_identifier(p.field)]
    candidates = [
        MatchIdCandidate(
            field=profile.field,
            rank=0,
            present=profile.present,
            records=profile.records,
            duplicate_values=_held_twice(profile),
            kind=kinds.get(profile.field, USERNAME),
            preflight=preflight(profile.field) if preflight is not None else None,
            reasons=(),
            stability=_stability_of(stability, profile.field),
        )
        for profile in fields
        if profile.present
    ]
    candidates.sort(key=_order)
    ranked_by = BY_PREFLIGHT if preflight is not None else BY_EXTRACT
    if not candidates:
        return SisMatch(chosen, "--match-id" if chosen else "recommendation", ranked_by, (), ())
    winner = candidates[0]
    explained = []
    for rank, candidate in enumerate(candidates, 1):
        reason = (
            _preflight_reason(candidate)
            if candidate.preflight is not None
            else _extract_reason(candidate)
        )
        why = (reason,) if candidate is winner else (_why_lost(candidate, winner), reason)
        if candidate.stability is not None:
            why = (*why, _stability_reason(candidate))
        explained.append(replace(candidate, rank=rank, reasons=why))
    decision = chosen or winner.field
    reasons = list(explained[0].reasons)
    if chosen and chosen != winner.field:
        reasons.insert(
            0,
            f"{chosen} was chosen with --match-id; authprobe would recommend {winner.field}.",
        )
    if preflight is None:
        reasons.append(
            "Ranked on the SIS extract alone: give the users already in Alma (--alma-users) to "
            "predict what the first load does to each of them."
        )
    return SisMatch(
        match_id_type=decision,
        chosen_by="--match-id" if chosen else "recommendation",
        ranked_by=ranked_by,
        candidates=tuple(explained),
        reasons=tuple(reasons),
    )


def _stability_of(stability: Mapping[str, IdStability] | None, field: str) -> IdStability | None:
    if stability is None:
        return None
    return stability.get(field, IdStability(0, 0))


def match_id_findings(decision: SisMatch) -> list[Finding]:
    """Each record lacking the Match ID and each value held twice is an error, whatever wins."""
    chosen = next((c for c in decision.candidates if c.field == decision.match_id_type), None)
    if decision.match_id_type is None:
        return [
            Finding(
                "match-id-none",
                Severity.ERROR,
                SourceKind.SIS.value,
                None,
                0,
                "No SIS record carries a primary_id or a user identifier: there is no Match ID "
                "Type Alma's SIS load could use.",
            )
        ]
    findings = []
    field = decision.match_id_type
    missing = (chosen.records - chosen.present) if chosen else 0
    if chosen is not None and missing:
        findings.append(
            Finding(
                "match-id-missing",
                Severity.ERROR,
                SourceKind.SIS.value,
                field,
                missing,
                agree(
                    f"{plural(missing, 'SIS record')} [has|have] no {field}, the Match ID Type; "
                    "every record must carry it, and Alma's load rejects the others.",
                    missing,
                ),
            )
        )
    if chosen is not None and chosen.duplicate_values:
        findings.append(
            Finding(
                "match-id-duplicate",
                Severity.ERROR,
                SourceKind.SIS.value,
                field,
                chosen.duplicate_values,
                agree(
                    f"{plural(chosen.duplicate_values, 'value')} of {field}, the Match ID Type, "
                    "[is|are] held by more than one SIS record (ignoring case): Alma can match "
                    "only one of them.",
                    chosen.duplicate_values,
                ),
            )
        )
    if chosen is not None and chosen.stability is not None and chosen.stability.changed:
        changed = chosen.stability.changed
        findings.append(
            Finding(
                "match-id-changed",
                Severity.ERROR,
                SourceKind.SIS.value,
                field,
                changed,
                f"{plural(changed, 'person', 'people')} followed from the previous SIS extract "
                f"{'holds' if changed == 1 else 'hold'} another {field} "
                "now: the next load creates a second patron for each (see `authprobe sis diff` "
                "and its --crosswalk-csv).",
            )
        )
    return findings
