"""The second decision of a `recommend` run: the SIS Match ID Type, ranked (pre-flighted
against the users already in Alma when given, and followed from the previous extract)."""

from __future__ import annotations

from dataclasses import dataclass

from authprobe.analysis.fields import is_identifier
from authprobe.analysis.match_id import decide, match_id_findings, value_kind
from authprobe.analysis.preflight import PreflightEngine, PreflightResult
from authprobe.analysis.preflight_findings import (
    export_findings,
    outcome_findings,
    shared_type_findings,
)
from authprobe.analysis.profile import SourceProfiler
from authprobe.analysis.recommend.sides import AlmaUsers, Side
from authprobe.analysis.sisdiff import DiffColumns, DiffEngine
from authprobe.errors import UsageError
from authprobe.model import FieldProfile, Finding, IdStability, Preflight, SisMatch
from authprobe.runtime.progress import Wrap
from authprobe.sources import RecordSource


def value_kinds(profiler: SourceProfiler) -> dict[str, str]:
    """What each SIS identifier field's values look like (number, username, email)."""
    return {
        name: value_kind(iter(f.counts))
        for name, f in profiler.fields.items()
        if is_identifier(name)
    }


def sis_stability(
    previous: RecordSource, current: DiffColumns, wrap: Wrap
) -> dict[str, IdStability]:
    """Per identifier type: people followed from the previous extract, and who changed it."""
    old = DiffColumns()
    for record in wrap(previous.records(), "reading the previous SIS extract"):
        old.add(record)
    engine = DiffEngine(old, current)
    return {s.field: IdStability(s.compared, s.changed) for s in engine.stability()}


@dataclass
class MatchDecision:
    """The Match ID decision, its pre-flight (with Alma users) and their findings."""

    sis_match: SisMatch
    preflight: PreflightResult | None
    findings: list[Finding]


def match_decision(
    sis: Side,
    sis_profiles: list[FieldProfile],
    kinds: dict[str, str],
    alma: AlmaUsers | None,
    chosen: str | None,
    stability: dict[str, IdStability] | None = None,
) -> MatchDecision:
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
    return MatchDecision(decision, result, findings)
