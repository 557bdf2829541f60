"""The Markdown report: the same content as the HTML, as GitHub tables."""

from __future__ import annotations

import re
from dataclasses import replace

from authprobe.reports.markdown import cell, render_markdown
from authprobe.reports.view import MASKED_NOTICE, SHOWN_NOTICE
from tests.reportdata import small_report


def _tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def _columns(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row.strip())) - 2


def test_first_line_says_whether_values_are_masked() -> None:
    """The first line is the privacy notice; --show-values changes it."""
    report = small_report()
    assert render_markdown(report).splitlines()[0] == f"> **{MASKED_NOTICE}**"
    shown = render_markdown(report, show_values=True).splitlines()[0]
    assert shown == f"> **{SHOWN_NOTICE}**"


def test_leads_with_the_recommendation() -> None:
    """The recommendation comes before every other section, naming the pair."""
    text = render_markdown(small_report())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## Recommendation", "## Configuration to apply"]
    assert "**Use SIS `primary_id` = directory `employeeNumber` (exact)**" in text


def test_sections_in_order() -> None:
    """Every section of the issue is present, in the HTML report's order."""
    headings = [h for h in render_markdown(small_report()).splitlines() if h.startswith("## ")]
    assert headings == [
        "## Recommendation",
        "## Configuration to apply",
        "## SIS Match ID",
        "## Candidates compared",
        "## Who does not match",
        "## Findings",
        "## Source profiles",
        "## Inputs used",
    ]


def test_tables_are_rectangular() -> None:
    """Every row of every table has as many cells as its header (GitHub renders it)."""
    text = render_markdown(small_report(group_name="A|B"))
    tables = _tables(text)
    assert len(tables) >= 6
    for table in tables:
        widths = {_columns(row) for row in table}
        assert len(widths) == 1, table


def test_exception_counts_match_the_planted_mismatches() -> None:
    """The exceptions section counts the planted unmatched students."""
    text = render_markdown(small_report(students=60, staff=20, unmatched=5))
    assert "5 of 80 SIS records find no directory entry" in text
    assert "| no directory entry with that value | 100.0 % |" in text
    assert "| STUDENT | 100.0 % |" in text


def test_placeholder_when_idp_attribute_unknown() -> None:
    """Without IdP data the attribute Name is a placeholder naming the directory attribute."""
    text = render_markdown(small_report())
    assert "| Alma SAML profile | User ID Location | `User ID in an attribute element` |" in text
    assert "_the Name the IdP sends employeeNumber under" in text


def test_cell_escapes_pipes_and_newlines() -> None:
    """A pipe or a line break inside a value cannot break the table."""
    assert cell("a|b\nc") == "a\\|b c"


def test_no_recommendation_says_so() -> None:
    """With nothing recommended the report says so and lists no configuration."""
    text = render_markdown(small_report(unmatched=70))
    assert "**No login ID can be recommended**" in text
    assert "## Configuration to apply" not in text


def test_settings_from_the_idp_source() -> None:
    """A NameID source gives User ID Location "Subject NameID", an attribute source gives its
    Name exactly (Alma's own labels)."""
    from authprobe.analysis.advice import alma_advice

    report = small_report()
    assert report.recommendation is not None
    for source, expected in (
        ("NameID", "| Alma SAML profile | User ID Location | `Subject NameID` |"),
        (
            "urn:oid:2.16.840.1.113730.3.1.3",
            "| Alma SAML profile | User ID Attribute Name | `urn:oid:2.16.840.1.113730.3.1.3` |",
        ),
    ):
        best = replace(report.recommendation, idp_source=source, idp=None)
        text = render_markdown(replace(report, recommendation=best, advice=alma_advice(best)))
        assert expected in text
