"""The JSON report (schema_version 1): the contract every other format and tool builds on.

Keys are emitted in a stable order; identifier values are masked unless `show_values`.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from typing import Any

from authprobe import __version__
from authprobe.analysis.match_id import alma_label
from authprobe.model import (
    AlmaAdvice,
    Candidate,
    Correspondence,
    Fate,
    FieldProfile,
    Finding,
    InputSummary,
    LoginPerson,
    MatchIdCandidate,
    Outcome,
    Preflight,
    PreflightExample,
    Report,
    SisMatch,
)
from authprobe.reports.mask import reveal, reveal_reference

SCHEMA_VERSION = 1


def ratio(value: float) -> float:
    """A share as every report format shows it: rounded to 6 digits."""
    return round(value, 6)


def input_to_dict(summary: InputSummary) -> dict[str, Any]:
    """One input: kind, source, location, records, skipped (by reason)."""
    return {
        "kind": summary.kind,
        "source": summary.source.value,
        "location": summary.location,
        "files": summary.files,
        "records": summary.records,
        "skipped": dict(sorted(summary.skipped.items())),
    } | ({"left_out": dict(sorted(summary.withheld.items()))} if summary.withheld else {})


def profile_to_dict(profile: FieldProfile, *, show_values: bool = False) -> dict[str, Any]:
    """One field profile, as the contract lists it (plus fill rate and masked examples)."""
    return {
        "source": profile.source.value,
        "field": profile.field,
        "records": profile.records,
        "present": profile.present,
        "fill_rate": ratio(profile.fill_rate),
        "distinct": profile.distinct,
        "duplicate_values": profile.duplicate_values,
        "duplicate_records": profile.duplicate_records,
        "case_collision_values": profile.case_collision_values,
        "case_collision_records": profile.case_collision_records,
        "multi_valued": profile.multi_valued,
        "min_length": profile.min_length,
        "max_length": profile.max_length,
        "whitespace_values": profile.whitespace_values,
        "awkward_values": profile.awkward_values,
        "shapes": [{"shape": s.shape, "count": s.count} for s in profile.shapes],
        "examples": [reveal(v, show_values) for v in profile.examples],
    }


def correspondence_to_dict(pair: Correspondence, *, show_values: bool = False) -> dict[str, Any]:
    """One SIS field x directory attribute pair, how well it joins, and who does not."""
    return {
        "sis_field": pair.sis_field,
        "directory_attribute": pair.directory_attribute,
        "normalisation": list(pair.normalisation),
        "matched": pair.matched,
        "sis_records": pair.sis_records,
        "sis_coverage": ratio(pair.sis_coverage),
        "directory_matched": pair.directory_matched,
        "directory_records": pair.directory_records,
        "directory_coverage": ratio(pair.directory_coverage),
        "sis_ambiguous": pair.sis_ambiguous,
        "directory_ambiguous": pair.directory_ambiguous,
        "directory_multi_valued": pair.directory_multi_valued,
        "sis_duplicate_values": pair.sis_duplicate_values,
        "name_derived_share": ratio(pair.name_derived_share),
        "sis_multiple": pair.sis_multiple,
        "sis_multiple_examples": [
            reveal_reference(r, show_values) for r in pair.sis_multiple_examples
        ],
        "directory_multiple": pair.directory_multiple,
        "directory_multiple_examples": [
            reveal_reference(r, show_values) for r in pair.directory_multiple_examples
        ],
        "other_attributes": list(pair.other_attributes),
        "unmatched": [
            {
                "source": u.source.value,
                "population": u.population,
                "reason": u.reason,
                "count": u.count,
                "examples": [reveal_reference(r, show_values) for r in u.examples],
            }
            for u in pair.unmatched
        ],
        "steps": [
            {
                "step": s.step,
                "matched": s.matched,
                "sis_coverage": ratio(s.sis_coverage),
                "directory_matched": s.directory_matched,
                "directory_coverage": ratio(s.directory_coverage),
            }
            for s in pair.steps
        ],
        "populations": [
            {
                "source": p.source.value,
                "population": p.population,
                "records": p.records,
                "matched": p.matched,
                "coverage": ratio(p.coverage),
            }
            for p in pair.populations
        ],
        "collisions": [
            {
                "step": c.step,
                "source": c.source.value,
                "values": c.values,
                "records": c.records,
                "examples": [reveal_reference(r, show_values) for r in c.examples],
            }
            for c in pair.collisions
        ],
    }


def candidate_to_dict(candidate: Candidate) -> dict[str, Any]:
    """A candidate: the contract's pair fields first, then rank, score and the rubric."""
    pair = candidate.correspondence
    return {
        "rank": candidate.rank,
        "directory_attribute": pair.directory_attribute,
        "sis_field": pair.sis_field,
        "normalisation": list(pair.normalisation),
        "matched": pair.matched,
        "sis_coverage": ratio(pair.sis_coverage),
        "directory_matched": pair.directory_matched,
        "directory_coverage": ratio(pair.directory_coverage),
        "idp_source": candidate.idp_source,
        "idp": (
            {
                "idp_source": candidate.idp.idp_source,
                "offered": candidate.idp.offered,
                "released": candidate.idp.released,
                "opaque": candidate.idp.opaque,
                "nameid_format": candidate.idp.nameid_format,
                "explanation": candidate.idp.explanation,
                "protocol": candidate.idp.protocol,
            }
            if candidate.idp is not None
            else None
        ),
        "score": candidate.score,
        "rejected_because": list(candidate.rejected_because),
        "reasons": list(candidate.reasons),
        "criteria": [
            {
                "name": c.name,
                "hard": c.hard,
                "passed": c.passed,
                "weight": c.weight,
                "value": ratio(c.value),
                "explanation": c.explanation,
            }
            for c in candidate.criteria
        ],
    }


def finding_to_dict(finding: Finding, *, show_values: bool = False) -> dict[str, Any]:
    """One finding; examples are references (DN, file:line), masked like values."""
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "source": finding.source,
        "field": finding.field,
        "count": finding.count,
        "message": finding.message,
        "examples": [reveal_reference(e, show_values) for e in finding.examples],
    }


def advice_to_dict(advice: AlmaAdvice | None) -> dict[str, Any] | None:
    """What to configure in Alma, the IdP and the SIS export (null without a recommendation)."""
    if advice is None:
        return None
    return {
        "sis_field": advice.sis_field,
        "sis_instruction": advice.sis_instruction,
        "match_id_type": advice.match_id_type,
        "user_id_location": advice.user_id_location,
        "user_id_attribute_name": advice.user_id_attribute_name,
        "idp_instruction": advice.idp_instruction,
        "ldap_search_attribute": advice.ldap_search_attribute,
        "warnings": list(advice.warnings),
        "match_instruction": advice.match_instruction,
        "ldap_instruction": advice.ldap_instruction,
        "notes": list(advice.notes),
        "oidc_claim": advice.oidc_claim,
        "oidc_instruction": advice.oidc_instruction,
        "cas_instruction": advice.cas_instruction,
    }


def options_to_list(options: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """The filters and options the run used, in order: `[{"name": ..., "value": ...}]`.

    Added after schema_version 1's other keys (additive); never holds a secret or the bind
    identity. Whether values are shown is `meta.values_shown`.
    """
    return [{"name": name, "value": value} for name, value in options]


def login_person_to_dict(person: LoginPerson, *, show_values: bool = False) -> dict[str, Any]:
    """Which directory entry logged in with one login (`protocol`); `ref` is null when
    `entries` entries hold the same released values. Added to schema_version 1 (additive)."""
    return {
        "protocol": person.protocol,
        "ref": reveal_reference(person.ref, show_values) if person.ref is not None else None,
        "entries": person.entries,
        "released_values_held": person.released_values_held,
    }


def _outcomes(counts: Mapping[Outcome, int]) -> dict[str, int]:
    return {outcome.value: counts.get(outcome, 0) for outcome in Outcome}


def example_to_dict(example: PreflightExample, *, show_values: bool = False) -> dict[str, Any]:
    """One SIS record's predicted outcome, with the users already in Alma it involves."""
    return {
        "outcome": example.outcome.value,
        "sis_ref": reveal_reference(example.sis_ref, show_values),
        "user_group": example.population,
        "alma_refs": [reveal_reference(r, show_values) for r in example.alma_refs],
        "evidence": example.evidence,
    }


def preflight_to_dict(
    preflight: Preflight | None, *, show_values: bool = False
) -> dict[str, Any] | None:
    """The predicted first SIS load (null without --alma-users)."""
    if preflight is None:
        return None
    return {
        "match_id_type": preflight.match_field,
        "sis_records": preflight.sis_records,
        "existing_users": preflight.existing_users,
        "existing_internal": preflight.existing_internal,
        "outcomes": _outcomes(preflight.outcomes),
        "clean": preflight.clean,
        "problems": preflight.problems,
        "fates": {fate.value: preflight.fates.get(fate, 0) for fate in Fate},
        "duplicated_users": preflight.duplicated_users,
        "create_duplicate_evidence": dict(preflight.evidence),
        "populations": [
            {
                "user_group": None if p.population == "(none)" else p.population,
                "records": p.records,
                "outcomes": _outcomes(p.outcomes),
            }
            for p in preflight.populations
        ],
        "examples": [example_to_dict(e, show_values=show_values) for e in preflight.examples],
    }


def _match_candidate(candidate: MatchIdCandidate) -> dict[str, Any]:
    preflight = candidate.preflight
    return {
        "rank": candidate.rank,
        "match_id_type": candidate.field,
        "present": candidate.present,
        "records": candidate.records,
        "duplicate_values": candidate.duplicate_values,
        "kind": candidate.kind,
        "clean": preflight.clean if preflight else None,
        "outcomes": _outcomes(preflight.outcomes) if preflight else None,
        "reasons": list(candidate.reasons),
        "previous_sis": {
            "compared": candidate.stability.compared,
            "changed": candidate.stability.changed,
            "share": ratio(candidate.stability.share),
        }
        if candidate.stability is not None
        else None,
    }


def sis_match_to_dict(decision: SisMatch | None) -> dict[str, Any] | None:
    """The SIS Match ID decision, its candidates and why each lost."""
    if decision is None:
        return None
    return {
        "match_id_type": decision.match_id_type,
        "alma_match_id_type": alma_label(decision.match_id_type)
        if decision.match_id_type
        else None,
        "chosen_by": decision.chosen_by,
        "ranked_by": decision.ranked_by,
        "reasons": list(decision.reasons),
        "candidates": [_match_candidate(c) for c in decision.candidates],
    }


def meta(report: Report, *, show_values: bool) -> dict[str, Any]:
    """Versions and timestamps (normalised away by the golden tests)."""
    return {
        "authprobe_version": __version__,
        "python_version": platform.python_version(),
        "started_at": report.started_at.isoformat(timespec="seconds"),
        "finished_at": report.finished_at.isoformat(timespec="seconds"),
        "values_shown": show_values,
    }


def report_to_dict(report: Report, *, show_values: bool = False) -> dict[str, Any]:
    """The whole report as plain data, keys in the contract's order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": meta(report, show_values=show_values),
        "inputs": [input_to_dict(i) for i in report.inputs],
        "profiles": [profile_to_dict(p, show_values=show_values) for p in report.profiles],
        "correspondences": [
            correspondence_to_dict(c, show_values=show_values) for c in report.correspondences
        ],
        "candidates": [candidate_to_dict(c) for c in report.candidates],
        "recommendation": (
            candidate_to_dict(report.recommendation) if report.recommendation else None
        ),
        "findings": [finding_to_dict(f, show_values=show_values) for f in report.findings],
        "alma_configuration": advice_to_dict(report.advice),
        "out_of_scope": [
            {
                "source": scope.source.value,
                "population": scope.population,
                "records": scope.records,
                "matched": scope.matched,
            }
            for scope in report.out_of_scope
        ],
        "idp_login": [
            {
                "idp_source": item.idp_source,
                "value": reveal(item.value, show_values),
                "directory_attributes": list(item.directory_attributes),
                "entries": item.entries,
                "protocol": item.protocol,
                "person_holds": item.person_holds,
            }
            for item in report.released
        ],
        "options": options_to_list(report.options),
        "sis_match": sis_match_to_dict(report.sis_match),
        "preflight": preflight_to_dict(report.preflight, show_values=show_values),
        "idp_login_people": [
            login_person_to_dict(person, show_values=show_values) for person in report.login_people
        ],
    }


def render_json(report: Report, *, show_values: bool = False) -> str:
    """The JSON text (UTF-8, two-space indent, trailing newline)."""
    data = report_to_dict(report, show_values=show_values)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
