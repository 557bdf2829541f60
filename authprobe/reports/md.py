"""Markdown pieces shared by the reports: tables, findings, field profiles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from authprobe.model import FieldProfile


def md_cell(value: object) -> str:
    """A table cell: `|` escaped, line breaks as `<br>`."""
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", "<br>")


def md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows)
    return lines


def md_findings(findings: list[dict[str, Any]]) -> list[str]:
    """Findings (their JSON objects) as a bullet list."""
    return [f"- **{f['severity']}** {f['message']}" for f in findings]


VALUES_SHOWN = "**Values shown unmasked (--show-values): handle as personal data.**"


def fields_markdown_table(profiles: Iterable[FieldProfile]) -> str:
    """The field profiles as a Markdown table (shapes only: no value is shown)."""
    out = [
        "| field | present | distinct | duplicate values | case collisions | multi | length "
        "| main shape |\n|---|---:|---:|---:|---:|---:|---|---|\n"
    ]
    for p in profiles:
        shape = p.shapes[0].shape if p.shapes else ""
        out.append(
            f"| `{p.field}` | {p.present:,} | {p.distinct:,} | {p.duplicate_values:,} | "
            f"{p.case_collision_values:,} | {p.multi_valued:,} | {p.min_length}-{p.max_length} "
            f"| {shape} |\n"
        )
    return "".join(out)
