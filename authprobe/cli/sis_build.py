"""`authprobe sis build`: write the Alma SIS extract from the registrar's and HR's exports."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from authprobe import __version__
from authprobe.analysis.build import BuildPlan, BuildResult, SourcePlan, build_users
from authprobe.analysis.build_rules import BuildOccurrence
from authprobe.analysis.match_id import parse_match_id
from authprobe.buildconfig import (
    DEFAULT_USERS_PER_FILE,
    EXPIRY,
    BuildSettings,
    BuildSource,
    DateRule,
    parse_rule,
)
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import DEFAULT_FAIL_ON, ShowValuesOpt
from authprobe.cli.sis import (
    CSV_COLUMNS,
    ScanFailOnOpt,
    ScanFormat,
    ScanFormatOpt,
    app,
    csv_cell,
    exit_code,
    findings_table,
    open_for_writing,
    write_report,
)
from authprobe.config import load_config
from authprobe.errors import UsageError
from authprobe.model import Finding
from authprobe.reports.json import SCHEMA_VERSION, finding_to_dict
from authprobe.reports.mask import reveal
from authprobe.sources.sis.build_input import BuildTable, parse_build_map, read_code_table
from authprobe.sources.sis.write import write_extract
from authprobe.wording import plural


class BuildFindingsCsv:
    """`--findings-csv FILE`: one row per occurrence (every refused person among them)."""

    def __init__(self, handle: IO[str], show_values: bool) -> None:
        handle.write("\ufeff")  # a byte order mark: Excel opens the file as UTF-8
        self.writer = csv.writer(handle)
        self.show_values = show_values
        self.rows = 0
        self.writer.writerow(CSV_COLUMNS)

    def __call__(self, occurrence: BuildOccurrence) -> None:
        value = "" if occurrence.value is None else reveal(occurrence.value, self.show_values)
        cells = (
            occurrence.code,
            occurrence.severity.value,
            occurrence.field or "",
            occurrence.ref,
            value,
            occurrence.detail,
        )
        self.writer.writerow([csv_cell(cell) for cell in cells])
        self.rows += 1


def _rule(flag: str | None, what: str) -> DateRule | None:
    return parse_rule(flag, what=what, location=f"--{what}") if flag else None


def _sources(
    paths: list[Path] | None, mapping: list[str] | None, settings: BuildSettings, **table: Any
) -> list[BuildSource]:
    """The command line's files (one source each, all read with --map), else the config's."""
    if paths:
        if not mapping:
            raise UsageError(
                "sis-map-missing",
                "sis build needs --map for the files given on the command line.",
                hint="Say which column holds what, e.g. --map primary_id=StudentNo "
                "--map identifier:BARCODE=Card --map user_group=Program.",
            )
        return [
            BuildSource(name=path.name, paths=(path,), map=tuple(mapping), **table)
            for path in paths
        ]
    if mapping:
        raise UsageError(
            "sis-map-without-files",
            "--map applies to the files given on the command line; the [[build.sources]] of "
            "authprobe.toml have their own map.",
        )
    if not settings.sources:
        raise UsageError(
            "build-no-source",
            "sis build needs the exports to read: files on the command line (with --map) or "
            "[[build.sources]] in authprobe.toml (--config).",
        )
    return list(settings.sources)


def _ordered(sources: list[BuildSource], precedence: list[str]) -> list[BuildSource]:
    names = [s.name for s in sources]
    unknown = [p for p in precedence if p not in names]
    if unknown:
        raise UsageError(
            "build-precedence-unknown",
            f"--precedence names {', '.join(unknown)}, which is not a source.",
            hint=f"Sources: {', '.join(names)}.",
        )
    rank = {name: i for i, name in enumerate(precedence)}
    return sorted(sources, key=lambda s: rank.get(s.name, len(rank) + names.index(s.name)))


def make_plan(
    settings: BuildSettings,
    sources: list[BuildSource],
    flags: dict[str, Any],
) -> BuildPlan:
    """The build plan from the command line's flags, falling back to [build]."""
    match_id = parse_match_id(flags["match_id"] or settings.match_id or "primary_id")
    person_key = flags["person_key"] or settings.person_key or match_id
    expiry = _rule(flags["expiry"], "expiry") or settings.expiry
    purge = _rule(flags["purge"], "purge") or settings.purge
    date_format = flags["date_format"] or settings.date_format
    email_type = flags["email_type"] or settings.email_type or "personal"
    codes_path = flags["user_groups"] or settings.user_groups
    plans = []
    for source in sources:
        mapping = parse_build_map(source.map, source.name)
        rules = (source.expiry or expiry, source.purge or purge)
        if rules[0] is not None and rules[0].base_kind == EXPIRY:
            raise UsageError(
                "build-rule-syntax",
                f"The expiry rule {rules[0].text!r} cannot start from expiry_date itself.",
                hint="Start it from a column, a date or today.",
            )
        columns = [r.base for r in rules if r is not None and r.base_kind == "column"]
        table = BuildTable(
            source.name,
            source.paths,
            mapping,
            columns=columns,
            encoding=source.encoding,
            delimiter=source.delimiter,
        )
        plans.append(
            SourcePlan(
                table=table,
                expiry=rules[0],
                purge=rules[1],
                date_format=source.date_format or date_format,
                email_type=source.email_type or email_type,
            )
        )
    return BuildPlan(
        sources=tuple(plans),
        match_id=match_id,
        person_key=person_key.strip(),
        user_groups=read_code_table(codes_path) if codes_path else None,
        status=(flags["status"] or settings.status or "ACTIVE").upper(),
    )


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
    out = []
    for finding in result.findings:
        samples = result.samples.get((finding.code, finding.field), ())
        examples = tuple(_example(o, show_values) for o in samples) or finding.examples
        out.append(
            Finding(
                finding.code,
                finding.severity,
                finding.source,
                finding.field,
                finding.count,
                finding.message,
                examples,
            )
        )
    return out


def build_to_dict(
    result: BuildResult,
    plan: BuildPlan,
    summary: dict[str, Any],
    findings: list[Finding],
    show_values: bool,
    started: datetime,
) -> dict[str, Any]:
    """The JSON report of `sis build` (the same schema_version, meta and findings as scan)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": {
            "command": "sis build",
            "authprobe_version": __version__,
            "python_version": platform.python_version(),
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "values_shown": show_values,
        },
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
        "findings": [
            {**finding_to_dict(f, show_values=True), "examples": list(f.examples)} for f in findings
        ],
    }


def _summary_line(result: BuildResult, summary: dict[str, Any]) -> str:
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


def render_build_table(
    result: BuildResult,
    plan: BuildPlan,
    summary: dict[str, Any],
    findings: list[Finding],
    console: Console,
) -> None:
    """The terminal view: the build line, the sources, the findings."""
    console.print(_summary_line(result, summary))
    console.print(
        f"Match ID Type: {plan.match_id}; person key: {plan.person_key}; precedence: "
        + ", then ".join(s.table.name for s in plan.sources)
    )
    sources = Table(title="Sources", title_justify="left")
    sources.add_column("source")
    sources.add_column("rows", justify="right")
    for name, rows in result.per_source:
        sources.add_row(Text(name), f"{rows:,}")
    console.print(sources)
    findings_table(findings, console, empty="No findings: every person is written as Alma expects.")


def render_build_markdown(
    result: BuildResult, plan: BuildPlan, summary: dict[str, Any], findings: list[Finding]
) -> str:
    """The Markdown view."""
    out = io.StringIO()
    out.write(f"# SIS extract build\n\n{_summary_line(result, summary)}.\n\n")
    out.write(f"Match ID Type `{plan.match_id}`, person key `{plan.person_key}`.\n\n")
    out.write("| source | rows |\n|---|---:|\n")
    for name, rows in result.per_source:
        out.write(f"| {name} | {rows:,} |\n")
    out.write("\n## Findings\n\n")
    if not findings:
        out.write("No findings.\n")
    else:
        out.write("| severity | code | field | count | message |\n|---|---|---|---:|---|\n")
        for f in findings:
            message = f.message.replace("|", "\\|")
            out.write(f"| {f.severity.value} | `{f.code}` | {f.field or ''} | {f.count:,} | ")
            out.write(message + "".join(f"<br>`{e}`" for e in f.examples[:3]) + " |\n")
    return out.getvalue()


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _write(result: BuildResult, output: Path, per_file: int) -> list[str]:
    """Write the zip next to `output` first, then move it in place (never half a file)."""
    partial = output.with_name(output.name + ".part")
    try:
        names = write_extract(partial, result.users, len(result.users), per_file=per_file)
        os.replace(partial, output)
    finally:
        if partial.exists():
            partial.unlink()
    return names


@app.command("build")
def build(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(
            help="The registrar's and HR's CSV/TSV exports (each one source, in precedence "
            "order, all read with --map); or none, and [[build.sources]] in --config.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The zip to write ([build] output).", dir_okay=False),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN for the files given here: primary_id, identifier:TYPE, person, "
            "first_name, last_name, user_group, birth_date, expiry_date, email... (repeatable).",
        ),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="authprobe.toml with a [build] section.", dir_okay=False
        ),
    ] = None,
    match_id: Annotated[
        str | None,
        typer.Option("--match-id", help="The Match ID Type: primary_id or identifier:TYPE."),
    ] = None,
    person_key: Annotated[
        str | None,
        typer.Option(
            "--person-key",
            help="The mapped field that links one person's rows across sources (default: the "
            "Match ID).",
        ),
    ] = None,
    precedence: Annotated[
        str | None,
        typer.Option("--precedence", help="Source names, comma-separated, first wins."),
    ] = None,
    user_groups: Annotated[
        Path | None,
        typer.Option(
            "--user-groups",
            help="Code table CSV: SIS code, Alma user group code (a header row first).",
            dir_okay=False,
        ),
    ] = None,
    expiry: Annotated[
        str | None,
        typer.Option("--expiry", help="expiry_date rule, e.g. 'TermEnd + 1 year'."),
    ] = None,
    purge: Annotated[
        str | None,
        typer.Option("--purge", help="purge_date rule, e.g. 'expiry_date + 2 years'."),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", help="How the exports write dates, e.g. %m/%d/%Y."),
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Status when none is mapped (ACTIVE).")
    ] = None,
    email_type: Annotated[
        str | None, typer.Option("--email-type", help="The email's type (personal).")
    ] = None,
    users_per_file: Annotated[
        int | None,
        typer.Option("--users-per-file", min=1, help="Users per XML file (100000; ≤ 50 files)."),
    ] = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Write the people Alma accepts even when others are refused (they are listed).",
        ),
    ] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", "-e", help="Text encoding of the files given here.")
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option("--delimiter", "-d", help="Cell delimiter of the files given here."),
    ] = None,
    output_format: ScanFormatOpt = ScanFormat.TABLE,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Write the report to this file (default: stdout).", dir_okay=False
        ),
    ] = None,
    findings_csv: Annotated[
        Path | None,
        typer.Option("--findings-csv", help="Every finding, one row each.", dir_okay=False),
    ] = None,
    fail_on: ScanFailOnOpt = DEFAULT_FAIL_ON,
    show_values: ShowValuesOpt = False,
) -> int:
    """Write the Alma SIS extract (zipped <users> XML) from CSV/TSV exports, merging people
    present in several sources and refusing what Alma would reject."""
    env = default_environment()
    started = datetime.now(UTC)
    settings = load_config(config_file).build if config_file else BuildSettings()
    target = output or settings.output
    if target is None:
        raise UsageError("build-output-missing", "sis build needs -o extract.zip.")
    if delimiter is not None and delimiter.lower() in ("tab", "\\t"):
        delimiter = "\t"
    chosen = _sources(sources, mapping, settings, encoding=encoding, delimiter=delimiter)
    order = [p.strip() for p in precedence.split(",")] if precedence else list(settings.precedence)
    flags = {
        "match_id": match_id, "person_key": person_key, "expiry": expiry, "purge": purge,
        "date_format": date_format, "email_type": email_type, "user_groups": user_groups,
        "status": status,
    }  # fmt: skip
    plan = make_plan(settings, _ordered(chosen, order), flags)
    with open_for_writing(findings_csv) as handle:
        sink = BuildFindingsCsv(handle, show_values) if handle is not None else None
        result = build_users(plan, sink)
    partial = allow_partial or settings.allow_partial
    summary: dict[str, Any] = {"output": _shown(target), "written": False, "files": []}
    if result.refused and not partial:
        summary["why_not"] = (
            f"{plural(result.refused, 'person', 'people')} would be rejected by Alma (fix them, "
            "or write the others "
            "with --allow-partial)"
        )
    else:
        per_file = users_per_file or settings.users_per_file or DEFAULT_USERS_PER_FILE
        summary["files"] = _write(result, target, per_file)
        summary["written"] = True
    summary["users_written"] = len(result.users) if summary["written"] else 0
    if sink is not None:
        env.stderr.print(f"Findings CSV written to {findings_csv} ({plural(sink.rows, 'row')})")
    findings = build_findings(result, show_values)
    _emit(env, output_format, report, result, plan, summary, findings, show_values, started)
    if not summary["written"]:
        return 1
    return exit_code(findings, fail_on)


def _emit(
    env: Environment,
    output_format: ScanFormat,
    report: Path | None,
    result: BuildResult,
    plan: BuildPlan,
    summary: dict[str, Any],
    findings: list[Finding],
    show_values: bool,
    started: datetime,
) -> None:
    if output_format is ScanFormat.JSON:
        data = build_to_dict(result, plan, summary, findings, show_values, started)
        write_report(env, report, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    elif output_format is ScanFormat.MD:
        write_report(env, report, render_build_markdown(result, plan, summary, findings))
    elif report is None:
        render_build_table(result, plan, summary, findings, env.stdout)
    else:
        with open_for_writing(report) as handle:
            assert handle is not None
            render_build_table(result, plan, summary, findings, Console(file=handle, width=120))
        env.stderr.print(f"Report written to {report}")
