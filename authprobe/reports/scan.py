"""The reports of `sis scan` and `alma scan`: JSON and Markdown, and the findings' examples.

The JSON has the blocks of the `recommend` report (inputs, profiles, findings) plus the
populations and, for `alma scan`, the tallies of account types, record types and statuses.
"""

from __future__ import annotations

import io
from typing import Any

from authprobe.analysis.lint.rules import Code, Occurrence
from authprobe.analysis.lint.scan import SisScan
from authprobe.analysis.lint.sis_lint import LintResult
from authprobe.model import Finding
from authprobe.reports.envelope import envelope, scan_meta
from authprobe.reports.findings import finding_to_dict, findings_markdown_table, with_examples
from authprobe.reports.json import input_to_dict, profile_to_dict
from authprobe.reports.mask import reveal
from authprobe.reports.md import fields_markdown_table
from authprobe.wording import plural


def occurrence_example(occurrence: Occurrence, show_values: bool) -> str:
    """`file:line field 'masked value' (detail)` (an XSD error's detail without brackets)."""
    parts = [occurrence.ref]
    if occurrence.field:
        parts.append(occurrence.field)
    if occurrence.value is not None:
        parts.append(repr(reveal(occurrence.value, show_values)))
    if occurrence.detail and occurrence.code is not Code.XSD:
        parts.append(f"({occurrence.detail})")
    elif occurrence.detail:
        parts.append(occurrence.detail)
    return " ".join(parts)


def findings_with_examples(lint: LintResult, show_values: bool) -> list[Finding]:
    """The lint findings, each example a reference with field and (masked) value."""
    return [
        with_examples(
            finding,
            tuple(
                occurrence_example(o, show_values)
                for o in lint.samples.get((Code(finding.code), finding.field), ())
            ),
        )
        for finding in lint.findings
    ]


def scan_to_dict(
    scan: SisScan, findings: list[Finding], *, show_values: bool, command: str = "sis scan"
) -> dict[str, Any]:
    """The JSON report of `sis scan` / `alma scan` (examples already masked, or not)."""
    data = envelope(
        scan_meta(command, scan.started_at, scan.finished_at, show_values=show_values),
        {
            "inputs": [input_to_dict(scan.input)],
            "populations": [{"user_group": g or None, "records": n} for g, n in scan.populations],
            "profiles": [profile_to_dict(p, show_values=show_values) for p in scan.profiles],
            "findings": [finding_to_dict(f, show_values=True) for f in findings],
        },
    )
    if scan.tallies:
        data["accounts"] = {key: dict(counts) for key, counts in scan.tallies}
    return data


def scan_markdown(
    scan: SisScan, findings: list[Finding], show_values: bool, title: str = "SIS extract scan"
) -> str:
    """The Markdown view (for a ticket or a wiki page)."""
    summary = scan.input
    out = io.StringIO()
    out.write(f"# {title}\n\n")
    if show_values:
        out.write("**VALUES SHOWN UNMASKED (--show-values): handle as personal data.**\n\n")
    out.write(
        f"`{summary.location}` ({summary.kind}): {plural(summary.records, 'user')} in "
        f"{plural(summary.files, 'file')}.\n\n"
    )
    for reason, count in sorted(summary.skipped.items()):
        out.write(f"- skipped: {count:,} × {reason}\n")
    out.write("\n## Findings\n\n")
    out.write(findings_markdown_table(findings))
    out.write("\n## Fields\n\n")
    out.write(fields_markdown_table(scan.profiles))
    out.write("\n## Populations\n\n| user_group | users |\n|---|---:|\n")
    for group, count in scan.populations:
        out.write(f"| {group or '(none)'} | {count:,} |\n")
    for key, counts in scan.tallies:
        out.write(f"\n## {key}\n\n| {key} | users |\n|---|---:|\n")
        for value, count in counts:
            out.write(f"| {value} | {count:,} |\n")
    return out.getvalue()
