"""`authprobe sis diff OLD NEW`: what changed between two SIS extracts, and the duplicates the
next load would make."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from authprobe import runtime
from authprobe.analysis.match_id import parse_match_id
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import DEFAULT_FAIL_ON, ShowValuesOpt
from authprobe.cli.output import REPORT_WRITTEN, exit_code, open_output, write_output, write_view
from authprobe.cli.sis import ScanFailOnOpt, ScanFormat, ScanFormatOpt, app, findings_table
from authprobe.errors import UsageError
from authprobe.model import Finding, InputSummary
from authprobe.reports.csv import BOM, safe_cell
from authprobe.reports.envelope import to_json
from authprobe.reports.mask import reveal
from authprobe.reports.sis_diff import diff_findings, diff_headline, diff_markdown, diff_to_dict
from authprobe.sources.expected import expected_records
from authprobe.sources.sis.csv_extract import parse_mapping
from authprobe.sources.sis.extract import open_extract
from authprobe.wording import plural

if TYPE_CHECKING:
    from authprobe.analysis.sisdiff import DiffColumns, DiffEngine, SisDiff

DIFF_INFO_KEYS = frozenset(
    {"expiry_date", "purge_date", "birth_date", "first_name", "last_name", "account_type"}
)
CROSSWALK = ("old_match_id", "new_match_id", "match_id_type", "evidence", "old_reference",
             "new_reference")  # fmt: skip


def read_columns(
    paths: list[Path],
    mapping: dict[str, str],
    match_field: str,
    env: Environment,
    label: str,
) -> tuple[DiffColumns, InputSummary]:
    """One extract collected column-wise for the diff (XML read on two cores when large)."""
    from authprobe.analysis.sisdiff import DiffColumns

    source = open_extract(
        paths, mapping, plan=runtime.ReadPlan(parallel=True, info_keys=DIFF_INFO_KEYS)
    )
    columns = DiffColumns(match_field)
    add = columns.add
    total = expected_records(paths) if env.interactive else None
    for record in env.counted(source.records(), f"reading {label}", total):
        add(record)
    columns.frames()
    return columns, source.summary()


def render_diff_table(diff: SisDiff, findings: list[Finding], console: Console) -> None:
    """The terminal view: headline, per-type stability, findings."""
    console.print(diff_headline(diff))
    table = Table(title="Identifier types: paired people whose value changed", title_justify="left")
    table.add_column("field")
    table.add_column("compared", justify="right")
    table.add_column("changed", justify="right")
    table.add_column("share", justify="right")
    for s in diff.stability:
        table.add_row(Text(s.field), f"{s.compared:,}", f"{s.changed:,}", f"{100 * s.share:.1f} %")
    console.print(table)
    findings_table(findings, console, empty="No findings: nothing changed between the extracts.")


def write_crosswalk(
    path: Path, engine: DiffEngine, match_field: str, show: bool, env: Environment
) -> None:
    """old -> new Match ID for every person whose ID changed (UTF-8 with a BOM, inert cells)."""
    rows = 0
    with open_output(path) as handle:
        handle.write(BOM)
        writer = csv.writer(handle)
        writer.writerow(CROSSWALK)
        for old, new, old_ref, new_ref, evidence in engine.crosswalk():
            cells = (reveal(old, show), reveal(new, show), match_field, evidence, old_ref, new_ref)
            writer.writerow([safe_cell(c) for c in cells])
            rows += 1
    masked = "" if show else "; values masked: add --show-values to write the real IDs"
    env.stderr.print(f"Crosswalk CSV written to {path} ({plural(rows, 'row')}{masked})")


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(help="The earlier extract (XML, folder, zip, or CSV).")],
    new: Annotated[Path, typer.Argument(help="The later extract, read the same way.")],
    match_id: Annotated[
        str,
        typer.Option("--match-id", help="The Match ID Type: primary_id or identifier:TYPE."),
    ] = "primary_id",
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="CSV only: FIELD=COLUMN for both extracts (repeatable)."),
    ] = None,
    crosswalk_csv: Annotated[
        Path | None,
        typer.Option(
            "--crosswalk-csv",
            help="Write old -> new Match ID of the people whose ID changed (UTF-8 with BOM).",
            dir_okay=False,
        ),
    ] = None,
    output_format: ScanFormatOpt = ScanFormat.TABLE,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this file.", dir_okay=False),
    ] = None,
    fail_on: ScanFailOnOpt = DEFAULT_FAIL_ON,
    show_values: ShowValuesOpt = False,
) -> int:
    """What changed between two SIS extracts: Match ID changes (the next load's duplicates),
    identifier values that moved to another person, dropped and new people."""
    from authprobe.analysis.sisdiff import compare

    env = default_environment()
    started = datetime.now(UTC)
    field = parse_match_id(match_id)
    columns = parse_mapping(mapping or [])
    old_columns, old_summary = read_columns([old], columns, field, env, "OLD extract")
    new_columns, new_summary = read_columns([new], columns, field, env, "NEW extract")
    if field not in old_columns.field_codes and field not in new_columns.field_codes:
        raise UsageError(
            "match-id-unknown",
            f"--match-id {field}: neither extract carries {field}.",
            hint="Choose one of: " + ", ".join(sorted(old_columns.field_codes)),
        )
    diff, engine = compare(old_columns, new_columns)
    findings = diff_findings(diff, show_values)
    if crosswalk_csv is not None:
        write_crosswalk(crosswalk_csv, engine, field, show_values, env)
    _emit(env, output_format, output, diff, [old_summary, new_summary], findings, show_values,
          started)  # fmt: skip
    return exit_code(findings, fail_on)


def _emit(
    env: Environment, output_format: ScanFormat, output: Path | None, diff: SisDiff,
    inputs: list[InputSummary], findings: list[Finding], show: bool, started: datetime,
) -> None:  # fmt: skip
    if output_format is ScanFormat.JSON:
        data = diff_to_dict(diff, inputs, findings, show, started)
        write_output(env, output, to_json(data), done=REPORT_WRITTEN)
    elif output_format is ScanFormat.MD:
        write_output(env, output, diff_markdown(diff, findings), done=REPORT_WRITTEN)
    else:
        write_view(
            env,
            output,
            lambda console: render_diff_table(diff, findings, console),
            done=REPORT_WRITTEN,
        )
