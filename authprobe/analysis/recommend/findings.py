"""The findings of a `recommend` run that are not the cross-check's or the pre-flight's own:
duplicates and case collisions in the fields that matter, missing primary_ids, identifiers two
SIS fields share, the population rule, what the readers skipped or found, and their order."""

from __future__ import annotations

from collections.abc import Iterable

from authprobe.analysis.crosscheck import shared_identifiers
from authprobe.analysis.lint.misuse import identifier_misuse
from authprobe.analysis.lint.sis_lint import LoadChecks
from authprobe.analysis.profile import SourceProfiler, no_records_finding
from authprobe.analysis.recommend.sides import Side
from authprobe.model import FieldProfile, Finding, Severity, SourceKind
from authprobe.sources import RecordSource
from authprobe.wording import agree, plural


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
                    agree(
                        f"{plural(profile.duplicate_values, 'value')} of {profile.field} "
                        f"[is|are] held by {plural(profile.duplicate_records, 'record')}.",
                        profile.duplicate_values,
                    ),
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
                    agree(
                        f"{plural(profile.case_collision_values, 'value')} of {profile.field} "
                        f"differ[s|] only by letter case between "
                        f"{plural(profile.case_collision_records, 'record')}; Alma treats them as "
                        "the same identifier.",
                        profile.case_collision_values,
                    ),
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
                    agree(
                        f"{plural(profile.whitespace_values, 'value')} of {profile.field} "
                        "start[s|] or end[s|] with whitespace.",
                        profile.whitespace_values,
                    ),
                )
            )
    return findings


def missing_primary_id(sis_profiles: dict[str, FieldProfile], sis_records: int) -> list[Finding]:
    """SIS records without a primary_id (Alma would invent one)."""
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
            agree(
                f"{plural(missing, 'SIS record')} [has|have] no primary_id; Alma would invent "
                "one from the name, which never matches a login.",
                missing,
            ),
        )
    ]


def _is_sis_identifier(name: str) -> bool:
    return name == "primary_id" or name.startswith("identifier:")


def shared_identifier_findings(sis: Side) -> list[Finding]:
    """Values held by two SIS identifier fields (Alma rejects them at load)."""
    return [
        Finding(
            "identifier-shared",
            Severity.ERROR,
            SourceKind.SIS.value,
            shared.field,
            shared.records,
            f"{plural(shared.records, 'SIS record')} {'has' if shared.records == 1 else 'have'} a "
            f"{shared.field} value that is also a value "
            f"of {', '.join(shared.other_fields)} (on another user or the same one, ignoring "
            "case); Alma requires every identifier to be unique across all users and identifier "
            "fields together, and the load rejects such duplicates.",
            shared.examples,
        )
        for shared in shared_identifiers((sis.index, sis.excluded), _is_sis_identifier)
    ]


def population_findings(directory: Side, attribute: str | None) -> list[Finding]:
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
            f"{missing:,} of {plural(records, 'directory entry', 'directory entries')} "
            f"{'has' if missing == 1 else 'have'} no {attribute} (the population "
            "rule); they are grouped by the first OU of their DN instead. Check the attribute's "
            "spelling, or choose another with --population-rule.",
            tuple(directory.population_examples),
        )
    ]


def skipped_findings(source: RecordSource) -> list[Finding]:
    """What the reader skipped, by reason."""
    return [
        Finding(
            "records-skipped",
            Severity.INFO,
            source.source.value,
            None,
            count,
            agree(
                f"{plural(count, 'item')} of {source.location} [was|were] skipped: {reason}.", count
            ),
            tuple(source.stats.skipped_examples.get(reason, ())),
        )
        for reason, count in sorted(source.stats.skipped.items())
    ]


def reader_findings(source: RecordSource) -> list[Finding]:
    """What the reader itself found: an incomplete Graph export, probable LDAP truncation,
    disabled accounts, guests (readers that have a `findings()`; after the read)."""
    findings = getattr(source, "findings", None)
    return list(findings()) if callable(findings) else []


def value_findings(profiler: SourceProfiler, checks: LoadChecks) -> list[Finding]:
    """The load rules and identifier misuse (emails, user_group codes) of one source."""
    counts = {name: f.counts for name, f in profiler.fields.items()}
    return [*checks.findings(), *identifier_misuse(counts, checks.groups, checks.source)]


def empty_input_findings(sides: Iterable[tuple[RecordSource, Side]]) -> list[Finding]:
    """A source that gave no record at all (then that is the reason, not the values)."""
    return [
        found
        for source, side in sides
        if (found := no_records_finding(source.summary(), side.index.records)) is not None
    ]


def in_report_order(
    why_none: Finding | None, empty: list[Finding], found: Iterable[Finding]
) -> list[Finding]:
    """Every finding, most severe first (then by source, field, code): the reason nothing is
    recommended leads, unless the input was empty (then the empty input is the reason)."""
    if empty and why_none is not None and why_none.code == "no-candidate":
        why_none = None  # nothing was read: the empty input is the reason, not the values
    findings = [*empty, *found]
    if why_none:
        findings.insert(0, why_none)
    findings.sort(key=lambda f: (-f.severity.rank, f.source, f.field or "", f.code))
    return findings
