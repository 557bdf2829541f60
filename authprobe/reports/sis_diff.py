"""The report of `sis diff`: the diff as findings, JSON and Markdown, the headline.

`analysis.sisdiff` (polars) is imported for its types only: `sis diff`'s start-up stays light.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING, Any

from authprobe.analysis.build_rules import who
from authprobe.model import Finding, InputSummary, Severity
from authprobe.reports.envelope import envelope, scan_meta
from authprobe.reports.findings import finding_to_dict
from authprobe.reports.json import input_to_dict
from authprobe.reports.mask import reveal
from authprobe.wording import agree, plural

if TYPE_CHECKING:
    from authprobe.analysis.sisdiff import DiffExample, SisDiff


def _example(example: DiffExample, show: bool) -> str:
    sides = " → ".join(ref for ref in (example.old_ref, example.new_ref) if ref)
    parts = [sides]
    if example.field:
        parts.append(example.field)
    if example.old_value is not None and example.new_value is not None:
        if example.old_value == example.new_value:
            parts.append(repr(reveal(example.old_value, show)))
        else:
            parts.append(
                f"{reveal(example.old_value, show)!r} → {reveal(example.new_value, show)!r}"
            )
    elif example.old_value is not None:
        parts.append(f"{reveal(example.old_value, show)!r} → (none)")
    if example.detail:
        parts.append(f"({example.detail})")
    return " ".join(parts)


def _finding(
    code: str, severity: Severity, field: str | None, count: int, message: str,
    examples: tuple[DiffExample, ...], show: bool,
) -> Finding:  # fmt: skip
    return Finding(
        code, severity, "diff", field, count, message, tuple(_example(e, show) for e in examples)
    )


def diff_findings(diff: SisDiff, show: bool) -> list[Finding]:
    """The diff as findings: Match ID changes and moved values are errors, the rest information."""
    field = diff.match_field
    ex = diff.examples
    out = []
    if diff.match_changed:
        out.append(_finding(
            "diff-match-id-changed", Severity.ERROR, field, diff.match_changed,
            f"{who(diff.match_changed)} another {field} (the Match ID) in NEW while another "
            "identifier, or name + birth date, stayed the same: the next load finds no user "
            "for them and creates a second patron each. Update the users in Alma first "
            "(--crosswalk-csv lists old -> new).", ex["match_changed"], show,
        ))  # fmt: skip
    if diff.match_lost:
        out.append(_finding(
            "diff-match-id-lost", Severity.ERROR, field, diff.match_lost,
            f"{who(diff.match_lost)} no {field} (the Match ID) in NEW although OLD had one: the "
            "next load rejects their records.", ex["match_lost"], show,
        ))  # fmt: skip
    for name, count in diff.moved:
        sample = tuple(e for e in ex["moved"] if e.field == name)
        out.append(_finding(
            "diff-value-moved", Severity.ERROR, name, count,
            agree(f"{plural(count, 'value')} of {name} belong[s|] to a different person in "
                  "NEW than in OLD", count)
            + (" — the Match ID: the next load updates one person's Alma record (loans, fines) "
               "with another person's data" if name == field else
               ": Alma rejects the new holder while the old one keeps it, or attaches it to the "
               "wrong person") + ".", sample, show,
        ))  # fmt: skip
    old_gone, new_gone = diff.unfollowable
    if old_gone or new_gone:
        out.append(_finding(
            "diff-unfollowable", Severity.WARNING, None, old_gone + new_gone,
            f"{plural(old_gone, 'OLD record')} and {plural(new_gone, 'NEW record')} carry no "
            "identifier, no name + "
            "birth date and no email, so they cannot be followed between the extracts.", (), show,
        ))  # fmt: skip
    if diff.dropped:
        out.append(_finding(
            "diff-dropped", Severity.INFO, None, diff.dropped,
            f"{who(diff.dropped, 'is', 'are')} in OLD but not in NEW (dropped from the feed: "
            "Alma keeps their users until they expire).", ex["dropped"], show,
        ))  # fmt: skip
    if diff.new:
        out.append(_finding(
            "diff-new", Severity.INFO, None, diff.new,
            f"{who(diff.new, 'is', 'are')} new in NEW.", ex["new"], show,
        ))  # fmt: skip
    for label, count in diff.changes:
        if count:
            out.append(_finding(
                "diff-changed", Severity.INFO, label, count,
                f"{who(count, 'has', 'have')} another {label} in NEW.", (), show,
            ))  # fmt: skip
    return out


def diff_to_dict(
    diff: SisDiff, inputs: list[InputSummary], findings: list[Finding], show: bool,
    started: datetime,
) -> dict[str, Any]:  # fmt: skip
    """The JSON report of `sis diff` (schema_version, meta, inputs, diff, findings)."""
    return envelope(
        scan_meta("sis diff", started, show_values=show),
        {
            "inputs": [input_to_dict(i) for i in inputs],
            "diff": {
                "match_id_type": diff.match_field,
                "old_records": diff.old_records,
                "new_records": diff.new_records,
                "paired": diff.paired,
                "match_id_changed": diff.match_changed,
                "match_id_changed_by_evidence": dict(diff.by_evidence),
                "match_id_lost": diff.match_lost,
                "moved_values": dict(diff.moved),
                "dropped": diff.dropped,
                "new": diff.new,
                "unfollowable": {"old": diff.unfollowable[0], "new": diff.unfollowable[1]},
                "changes": dict(diff.changes),
                "stability": [
                    {
                        "field": s.field,
                        "compared": s.compared,
                        "changed": s.changed,
                        "share": round(s.share, 6),
                    }
                    for s in diff.stability
                ],
            },
            "findings": [finding_to_dict(f, show_values=True) for f in findings],
        },
    )


def diff_headline(diff: SisDiff) -> str:
    return (
        f"OLD {diff.old_records:,} users, NEW {diff.new_records:,}: {diff.paired:,} followed, "
        f"{diff.dropped:,} dropped, {diff.new:,} new; Match ID Type {diff.match_field}: "
        f"{diff.match_changed:,} changed (each a duplicate at the next load), "
        f"{diff.match_lost:,} lost; {plural(sum(n for _, n in diff.moved), 'identifier value')} "
        "moved "
        "to another person"
    )


def diff_markdown(diff: SisDiff, findings: list[Finding]) -> str:
    """The Markdown view."""
    out = io.StringIO()
    out.write(f"# SIS extract diff\n\n{diff_headline(diff)}.\n\n")
    out.write("| field | compared | changed | share |\n|---|---:|---:|---:|\n")
    for s in diff.stability:
        out.write(f"| `{s.field}` | {s.compared:,} | {s.changed:,} | {100 * s.share:.1f} % |\n")
    out.write("\n## Findings\n\n")
    if not findings:
        out.write("No findings.\n")
    for f in findings:
        out.write(f"- **{f.severity.value}** `{f.code}` {f.field or ''} ({f.count:,}): ")
        out.write(f.message + "".join(f"<br>`{e}`" for e in f.examples[:3]) + "\n")
    return out.getvalue()
