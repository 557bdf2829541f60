"""The report of `sis build`: JSON and Markdown, the summary line, the findings' examples."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from authprobe.analysis.build import BuildPlan, BuildResult
from authprobe.analysis.build_rules import BuildOccurrence
from authprobe.model import Finding
from authprobe.reports.envelope import envelope, scan_meta
from authprobe.reports.findings import finding_to_dict, findings_markdown_table, with_examples
from authprobe.reports.mask import reveal
from authprobe.wording import plural


def _example(occurrence: BuildOccurrence, show_values: bool) -> str:
    parts = [occurrence.ref]
    if occurrence.field:
        parts.append(occurrence.field)
    if occurrence.value is not None:
        parts.append(repr(reveal(occurrence.value, show_values)))
    if occurrence.detail:
        parts.append(f"({occurrence.detail})")
    return " ".join(parts)


def build_findings(result: BuildResult, show_values: bool) -> list[Finding]:
    """The findings, each example a reference with field, (masked) value and detail."""
    return [
        with_examples(
            finding,
            tuple(
                _example(o, show_values)
                for o in result.samples.get((finding.code, finding.field), ())
            ),
        )
        for finding in result.findings
    ]


def build_to_dict(
    result: BuildResult,
    plan: BuildPlan,
    summary: dict[str, Any],
    findings: list[Finding],
    show_values: bool,
    started: datetime,
) -> dict[str, Any]:
    """The JSON report of `sis build` (the same schema_version, meta and findings as scan)."""
    meta = scan_meta("sis build", started, show_values=show_values)
    return envelope(
        meta,
        {
            "build": {
                **summary,
                "match_id_type": plan.match_id,
                "person_key": plan.person_key,
                "precedence": [s.table.name for s in plan.sources],
                "sources": [{"name": n, "rows": rows} for n, rows in result.per_source],
                "rows": result.rows,
                "people": result.people,
                "merged": result.merged,
                "refused": result.refused,
                "users_written": summary["users_written"],
            },
            "findings": [finding_to_dict(f, show_values=True) for f in findings],
        },
    )


def summary_line(result: BuildResult, summary: dict[str, Any]) -> str:
    head = (
        f"{result.rows:,} rows from {plural(len(result.per_source), 'source')} → {result.people:,} "
        f"people ({result.merged:,} merged, {result.refused:,} refused)"
    )
    if summary["written"]:
        return (
            f"{head}; {plural(summary['users_written'], 'user')} written to {summary['output']} in "
            f"{plural(len(summary['files']), 'XML file')}"
        )
    return f"{head}; NO extract written: {summary['why_not']}"


def build_markdown(
    result: BuildResult, plan: BuildPlan, summary: dict[str, Any], findings: list[Finding]
) -> str:
    """The Markdown view."""
    out = io.StringIO()
    out.write(f"# SIS extract build\n\n{summary_line(result, summary)}.\n\n")
    out.write(f"Match ID Type `{plan.match_id}`, person key `{plan.person_key}`.\n\n")
    out.write("| source | rows |\n|---|---:|\n")
    for name, rows in result.per_source:
        out.write(f"| {name} | {rows:,} |\n")
    out.write("\n## Findings\n\n")
    out.write(findings_markdown_table(findings))
    return out.getvalue()
