"""`authprobe sis diff OLD NEW`: what changed between two SIS extracts, and the duplicates the
next load would make."""

from __future__ import annotations

import csv
import io
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from authprobe import __version__, runtime
from authprobe.analysis.build_rules import who
from authprobe.analysis.match_id import parse_match_id
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import DEFAULT_FAIL_ON, ShowValuesOpt
from authprobe.cli.sis import (
    ScanFailOnOpt,
    ScanFormat,
    ScanFormatOpt,
    app,
    exit_code,
    findings_table,
    open_for_writing,
    write_report,
)
from authprobe.errors import UsageError
from authprobe.model import Finding, InputSummary, Severity
from authprobe.reports.csv import BOM, safe_cell
from authprobe.reports.json import SCHEMA_VERSION, finding_to_dict, input_to_dict
from authprobe.reports.mask import reveal
from authprobe.sources.expected import expected_records
from authprobe.sources.sis.csv_extract import parse_mapping
from authprobe.sources.sis.extract import open_extract
from authprobe.wording import agree, plural

if TYPE_CHECKING:
    from authprobe.analysis.sisdiff import DiffColumns, DiffEngine, DiffExample, SisDiff

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
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": {
            "command": "sis diff",
            "authprobe_version": __version__,
            "python_version": platform.python_version(),
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "values_shown": show,
        },
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
        "findings": [
            {**finding_to_dict(f, show_values=True), "examples": list(f.examples)} for f in findings
        ],
    }


def _headline(diff: SisDiff) -> str:
    return (
        f"OLD {diff.old_records:,} users, NEW {diff.new_records:,}: {diff.paired:,} followed, "
        f"{diff.dropped:,} dropped, {diff.new:,} new; Match ID Type {diff.match_field}: "
        f"{diff.match_changed:,} changed (each a duplicate at the next load), "
        f"{diff.match_lost:,} lost; {plural(sum(n for _, n in diff.moved), 'identifier value')} "
        "moved "
        "to another person"
    )


def render_diff_table(diff: SisDiff, findings: list[Finding], console: Console) -> None:
    """The terminal view: headline, per-type stability, findings."""
    console.print(_headline(diff))
    table = Table(title="Identifier types: paired people whose value changed", title_justify="left")
    table.add_column("field")
    table.add_column("compared", justify="right")
    table.add_column("changed", justify="right")
    table.add_column("share", justify="right")
    for s in diff.stability:
        table.add_row(Text(s.field), f"{s.compared:,}", f"{s.changed:,}", f"{100 * s.share:.1f} %")
    console.print(table)
    findings_table(findings, console, empty="No findings: nothing changed between the extracts.")


def render_diff_markdown(diff: SisDiff, findings: list[Finding]) -> str:
    """The Markdown view."""
    out = io.StringIO()
    out.write(f"# SIS extract diff\n\n{_headline(diff)}.\n\n")
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


def write_crosswalk(
    path: Path, engine: DiffEngine, match_field: str, show: bool, env: Environment
) -> None:
    """old -> new Match ID for every person whose ID changed (UTF-8 with a BOM, inert cells)."""
    rows = 0
    with open_for_writing(path) as handle:
        assert handle is not None
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
        write_report(env, output, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    elif output_format is ScanFormat.MD:
        write_report(env, output, render_diff_markdown(diff, findings))
    elif output is None:
        render_diff_table(diff, findings, env.stdout)
    else:
        with open_for_writing(output) as handle:
            assert handle is not None
            render_diff_table(diff, findings, Console(file=handle, width=120))
        env.stderr.print(f"Report written to {output}")
