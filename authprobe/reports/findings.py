"""A finding as every output shows it: the JSON object, and the examples' wording.

`finding_to_dict` is the one serializer of a `Finding` (recommend, the scans, build, diff, the
saml, oidc and cas commands). Examples are references (DN, file:line); they are masked like
values unless `show_values` (the scans, build and diff mask their examples when they write them).
"""

from __future__ import annotations

from typing import Any

from authprobe.model import Finding
from authprobe.reports.mask import reveal_reference


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


def with_examples(finding: Finding, examples: tuple[str, ...]) -> Finding:
    """`finding` with these examples (its own when there are none)."""
    return Finding(
        finding.code,
        finding.severity,
        finding.source,
        finding.field,
        finding.count,
        finding.message,
        examples or finding.examples,
    )


def findings_markdown_table(findings: list[Finding]) -> str:
    """The findings as a Markdown table with up to three examples each (`No findings.`)."""
    if not findings:
        return "No findings.\n"
    out = ["| severity | code | field | count | message |\n|---|---|---|---:|---|\n"]
    for f in findings:
        message = f.message.replace("|", "\\|")
        out.append(f"| {f.severity.value} | `{f.code}` | {f.field or ''} | {f.count:,} | ")
        out.append(message + "".join(f"<br>`{e}`" for e in f.examples[:3]) + " |\n")
    return "".join(out)
