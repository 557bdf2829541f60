"""Markdown pieces shared by the saml, oidc and cas reports (built from their JSON data)."""

from __future__ import annotations

from typing import Any


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
