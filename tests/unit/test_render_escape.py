"""The `recommend` terminal view: data is shown literally (never read as rich markup), and the
normalisation steps wrap only between steps within 100 columns."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from authprobe.analysis.normalize import STEP_NAMES
from authprobe.analysis.recommend import build_report
from authprobe.cli.app import _register, app, main
from authprobe.cli.render import render_terminal
from authprobe.model import (
    Finding,
    InputSummary,
    PopulationScope,
    Report,
    Severity,
    SourceKind,
    UnmatchedCount,
)
from tests.helpers import ListSource, rec, write_ldif, write_sis

HOSTILE = ("[/staff]", "[bold]x")


@pytest.fixture
def hostile_college(tmp_path: Path) -> tuple[Path, Path]:
    """30 people whose SIS user_group is `[/staff]` or `[bold]x`; 4 find no directory entry."""
    entries = [
        {
            "dn": f"uid=u{i},ou=Students,dc=c,dc=ca",
            "uid": f"u{i}",
            "cn": f"U {i}",
            "sn": "X",
            **({"employeeNumber": f"{i:06d}"} if i < 26 else {}),
        }
        for i in range(30)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": HOSTILE[i % 2]} for i in range(30)]
    return write_ldif(tmp_path / "d.ldif", entries), write_sis(tmp_path / "s.xml", users)


def test_markup_in_user_groups_is_shown_literally(hostile_college: tuple[Path, Path]) -> None:
    """A user_group `[/staff]` used to crash the view (MarkupError, exit 70)."""
    ldif, sis = hostile_college
    args = ["recommend", "-d", str(ldif), "-s", str(sis), "--exclude-group", "[bold]x"]
    _register(args)
    result = CliRunner().invoke(app, args)
    assert result.exception is None, result.output
    assert result.exit_code == 0
    assert "[/staff]" in result.output
    assert "[bold]x" in result.output


def test_markup_in_user_groups_exits_0_through_the_funnel(  # type: ignore[no-untyped-def]
    hostile_college: tuple[Path, Path], capsys
) -> None:
    """The same run through `main` (the documented exit codes): 0, not 70."""
    ldif, sis = hostile_college
    assert main(["recommend", "-d", str(ldif), "-s", str(sis)]) == 0
    out = capsys.readouterr().out
    assert "[/staff]" in out
    assert "[bold]x" in out


def _small_report() -> Report:
    sis = [rec(f"s{i}", "STUDENT", primary_id=f"{i:06d}") for i in range(20)]
    directory = [rec(f"d{i}", "Students", employeeNumber=f"{i:06d}") for i in range(20)]
    return build_report(
        ListSource(SourceKind.DIRECTORY, directory), ListSource(SourceKind.SIS, sis)
    )


def _render(report: Report, *, show_values: bool = False) -> str:
    console = Console(width=100, record=True, file=io.StringIO())
    render_terminal(report, console, show_values=show_values)
    return console.export_text()


def test_every_data_cell_is_escaped() -> None:
    """Field names, attribute names, findings, populations and paths with markup are literal."""
    report = _small_report()
    best = report.recommendation
    assert best is not None
    pair = replace(
        best.correspondence,
        sis_field="identifier:[/x]",
        directory_attribute="[bold]attr",
        unmatched=(UnmatchedCount(SourceKind.SIS, "[/pop]", "absent [/r]", 3),),
    )
    best = replace(best, correspondence=pair)
    profile = replace(report.profiles[0], field="[/field]")
    report = replace(
        report,
        candidates=(best,),
        recommendation=best,
        profiles=(profile,),
        findings=(
            Finding("code-[/c]", Severity.WARNING, "sis", "[/f]", 2, "message [/m]", ("[/e]",)),
        ),
        inputs=(InputSummary("ldif", SourceKind.DIRECTORY, "/tmp/[/dir].ldif", 20, {}),),
        out_of_scope=(PopulationScope(SourceKind.SIS, "[/guest]", 4, 1),),
        options=(("excluded groups", "[/guest] (--exclude-group)"),),
    )
    text = _render(report)
    for literal in (
        "identifier:[/x]",
        "[bold]attr",
        "[/pop]",
        "absent [/r]",
        "[/field]",
        "code-[/c]",
        "message [/m]",
        "/tmp/[/dir].ldif",
        "[/guest]",
    ):
        assert literal in text, literal


def test_steps_wrap_only_between_steps_at_100_columns() -> None:
    """A long normalisation chain beside long names: no step name is cut across lines."""
    report = _small_report()
    best = report.recommendation
    assert best is not None
    chain = ("casefold", "strip-scope", "strip-leading-zeros", "digits-only")
    pair = replace(
        best.correspondence,
        sis_field="identifier:UNIVERSITY_ID",
        directory_attribute="eduPersonPrincipalName",
        normalisation=chain,
    )
    other = replace(
        best,
        rank=2,
        correspondence=replace(pair, normalisation=("trim", "strip-leading-zeros")),
        rejected_because=("x",),
    )
    best = replace(best, correspondence=pair)
    report = replace(report, candidates=(best, other), recommendation=best)
    text = _render(report)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    table = text[text.index("Candidates") : text.index("Why the others lost")]
    cells = [re.split(r"[│┃]", line) for line in table.splitlines() if line.startswith("│")]
    steps_column = [cell[4].strip() for cell in cells if len(cell) > 4]
    pieces = [piece.strip(" +") for piece in steps_column if piece.strip(" +")]
    assert pieces == [*chain, "trim", "strip-leading-zeros"]
    assert set(pieces) <= set(STEP_NAMES)


def test_options_version_and_timestamps_in_the_terminal_view() -> None:
    """The inputs part lists the filters and options, the masking state, version and times."""
    report = replace(
        _small_report(),
        options=(("population rule", "directory attribute employeeType (--population-rule)"),),
        started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        finished_at=datetime(2026, 1, 2, 3, 4, 9, tzinfo=UTC),
    )
    text = _render(report)
    assert "Filters and options" in text
    assert "directory attribute employeeType (--population-rule)" in text
    assert "masked (--show-values not given)" in text
    assert "Started 2026-01-02T03:04:05+00:00, finished 2026-01-02T03:04:09+00:00" in text
    assert "authprobe " in text.splitlines()[-1]
    assert "shown unmasked (--show-values)" in _render(report, show_values=True)
