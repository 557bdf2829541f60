"""`authprobe sis scan`: profile an Alma SIS extract and lint it against Alma's identifier rules."""

from __future__ import annotations

import csv
import io
import json
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from authprobe import __version__
from authprobe.analysis.lint.rules import Code, Occurrence
from authprobe.analysis.lint.scan import SisScan, scan_extract, scan_plan
from authprobe.analysis.lint.sis_lint import LintResult, SisLint
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import DEFAULT_FAIL_ON, FailOn, OutputOpt, ShowValuesOpt
from authprobe.cli.render import SEVERITY_STYLE, profiles_table
from authprobe.errors import ExitCode, InputError, UsageError
from authprobe.model import Finding, Severity
from authprobe.reports.json import SCHEMA_VERSION, finding_to_dict, input_to_dict, profile_to_dict
from authprobe.reports.mask import reveal
from authprobe.sources.expected import expected_records
from authprobe.sources.sis.csv_extract import parse_mapping
from authprobe.sources.sis.extract import SisExtract, open_extract
from authprobe.sources.sis.schema import load_schema
from authprobe.wording import plural

app = typer.Typer(
    help="Alma SIS extracts: profile the fields and lint them before Alma loads them.",
    no_args_is_help=True,
)


class ScanFormat(StrEnum):
    """What `sis scan` writes."""

    TABLE = "table"
    JSON = "json"
    MD = "md"


ScanFormatOpt = Annotated[
    ScanFormat,
    typer.Option("--format", "-f", help="Output format: table (terminal), json or md."),
]
ScanFailOnOpt = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a finding of this severity or worse is reported (never: always 0).",
    ),
]

CSV_COLUMNS = ("code", "severity", "field", "reference", "value", "detail")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


class FindingsCsv:
    """`--findings-csv FILE`: one row per occurrence, written while the extract is read."""

    def __init__(self, handle: IO[str], show_values: bool) -> None:
        handle.write("\ufeff")  # a byte order mark: Excel opens the file as UTF-8
        self.writer = csv.writer(handle)
        self.show_values = show_values
        self.rows = 0
        self.writer.writerow(CSV_COLUMNS)

    def __call__(self, occurrence: Occurrence) -> None:
        value = "" if occurrence.value is None else reveal(occurrence.value, self.show_values)
        self.writer.writerow(
            [
                csv_cell(cell)
                for cell in (
                    occurrence.code.value,
                    occurrence.severity.value,
                    occurrence.field or "",
                    occurrence.ref,
                    value,
                    occurrence.detail,
                )
            ]
        )
        self.rows += 1


@contextmanager
def open_for_writing(path: Path | None) -> Iterator[IO[str] | None]:
    if path is None:
        yield None
        return
    try:
        handle = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {exc.strerror or exc}.",
            location=str(path),
            hint="Choose a file in a folder that exists and that you may write to.",
        ) from exc
    with handle:
        yield handle


def _example(occurrence: Occurrence, show_values: bool) -> str:
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
    result = []
    for finding in lint.findings:
        key = (Code(finding.code), finding.field)
        samples = lint.samples.get(key, ())
        examples = tuple(_example(o, show_values) for o in samples) or finding.examples
        result.append(
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
    return result


def scan_to_dict(
    scan: SisScan, findings: list[Finding], *, show_values: bool, command: str = "sis scan"
) -> dict[str, Any]:
    """The JSON report of `sis scan` / `alma scan` (same schema_version and blocks as
    `recommend`)."""
    data = {
        "schema_version": SCHEMA_VERSION,
        "meta": {
            "command": command,
            "authprobe_version": __version__,
            "python_version": platform.python_version(),
            "started_at": scan.started_at.isoformat(timespec="seconds"),
            "finished_at": scan.finished_at.isoformat(timespec="seconds"),
            "values_shown": show_values,
        },
        "inputs": [input_to_dict(scan.input)],
        "populations": [{"user_group": g or None, "records": n} for g, n in scan.populations],
        "profiles": [profile_to_dict(p, show_values=show_values) for p in scan.profiles],
        "findings": [
            {**finding_to_dict(f, show_values=True), "examples": list(f.examples)} for f in findings
        ],
    }
    if scan.tallies:
        data["accounts"] = {key: dict(counts) for key, counts in scan.tallies}
    return data


def short_reference(example: str) -> str:
    """`/long/path/sis.zip!users.xml:12 primary_id` -> `sis.zip!users.xml:12 primary_id`."""
    head, _, tail = example.partition(" ")
    head = head.rsplit("/", 1)[-1]
    return f"{head} {tail}".strip()


def render_table(
    scan: SisScan, findings: list[Finding], console: Console, show_values: bool
) -> None:
    """The terminal view: input line, profile table, populations, tallies, findings."""
    summary = scan.input
    skipped = sum(summary.skipped.values())
    if show_values:
        console.print(
            Text(
                "VALUES SHOWN UNMASKED (--show-values): handle this report as personal data.",
                style="bold red",
            )
        )
    console.print(
        f"[bold]{summary.kind}[/bold] {escape(summary.location)}: "
        f"{plural(summary.records, 'user')} in "
        f"{plural(summary.files, 'file')}"
        + (f", {plural(skipped, 'item')} skipped" if skipped else "")
    )
    for reason, count in sorted(summary.skipped.items()):
        console.print(f"  skipped: {count:,} × {reason}")
    console.print(profiles_table(scan.profiles, "Fields", show_values))
    groups = Table(title="Populations", title_justify="left")
    groups.add_column("user_group")
    groups.add_column("users", justify="right")
    for group, count in scan.populations[:20]:
        groups.add_row(Text(group or "(none)"), f"{count:,}")
    console.print(groups)
    for key, counts in scan.tallies:
        tally = Table(title=key, title_justify="left")
        tally.add_column(key)
        tally.add_column("users", justify="right")
        for value, count in counts[:20]:
            tally.add_row(Text(value), f"{count:,}")
        console.print(tally)
    findings_table(findings, console)


def findings_table(
    findings: list[Finding],
    console: Console,
    empty: str = "No findings: nothing Alma's rules object to.",
) -> None:
    """The findings as a table (severity, code and field, count, message with examples)."""
    if not findings:
        console.print(Text(empty, style="bold green"))
        return
    table = Table(title="Findings", title_justify="left", show_lines=True)
    table.add_column("severity")
    table.add_column("finding")
    table.add_column("count", justify="right")
    table.add_column("what it means, and where (file:line)", ratio=1)
    for finding in findings:
        body = Text(finding.message)
        for example in finding.examples[:3]:
            body.append(f"\n• {short_reference(example)}", style="dim")
        title = Text(finding.code)
        if finding.field:
            title.append(f"\n{finding.field}", style="dim")
        table.add_row(
            Text(finding.severity.value, style=SEVERITY_STYLE[finding.severity.value]),
            title,
            f"{finding.count:,}",
            body,
        )
    console.print(table)


def render_markdown(
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
    if not findings:
        out.write("No findings.\n")
    else:
        out.write("| severity | code | field | count | message |\n|---|---|---|---:|---|\n")
        for f in findings:
            message = f.message.replace("|", "\\|")
            out.write(f"| {f.severity.value} | `{f.code}` | {f.field or ''} | {f.count:,} | ")
            out.write(message + "".join(f"<br>`{e}`" for e in f.examples[:3]) + " |\n")
    out.write("\n## Fields\n\n")
    out.write(
        "| field | present | distinct | duplicate values | case collisions | multi | length "
        "| main shape |\n|---|---:|---:|---:|---:|---:|---|---|\n"
    )
    for p in scan.profiles:
        shape = p.shapes[0].shape if p.shapes else ""
        out.write(
            f"| `{p.field}` | {p.present:,} | {p.distinct:,} | {p.duplicate_values:,} | "
            f"{p.case_collision_values:,} | {p.multi_valued:,} | {p.min_length}-{p.max_length} "
            f"| {shape} |\n"
        )
    out.write("\n## Populations\n\n| user_group | users |\n|---|---:|\n")
    for group, count in scan.populations:
        out.write(f"| {group or '(none)'} | {count:,} |\n")
    for key, counts in scan.tallies:
        out.write(f"\n## {key}\n\n| {key} | users |\n|---|---:|\n")
        for value, count in counts:
            out.write(f"| {value} | {count:,} |\n")
    return out.getvalue()


def exit_code(findings: list[Finding], fail_on: FailOn) -> int:
    """1 when a finding reaches --fail-on, else 0."""
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    threshold = Severity(fail_on.value).rank
    worst = max((f.severity.rank for f in findings), default=-1)
    return int(ExitCode.FINDINGS if worst >= threshold else ExitCode.OK)


def parse_id_types(text: str | None) -> list[str] | None:
    if text is None:
        return None
    types = [t.strip() for t in text.split(",") if t.strip()]
    if not types:
        raise UsageError("sis-id-types-empty", "--id-types needs at least one type code.")
    return types


def write_report(env: Environment, output: Path | None, text: str) -> None:
    if output is None:
        env.stdout.file.write(text)
        return
    with open_for_writing(output) as handle:
        assert handle is not None
        handle.write(text)
    env.stderr.print(f"Report written to {output}")


@app.command("scan")
def scan(
    extract: Annotated[
        list[Path],
        typer.Argument(
            help="Alma user XML files, folders of them, zips of them; or CSV/TSV files "
            "(with --map). Regular files and folders only (not devices or pipes).",
            show_default=False,
            readable=False,  # checked when read (exit 4), not by Click (exit 2)
        ),
    ],
    output_format: ScanFormatOpt = ScanFormat.TABLE,
    output: OutputOpt = None,
    fail_on: ScanFailOnOpt = DEFAULT_FAIL_ON,
    findings_csv: Annotated[
        Path | None,
        typer.Option(
            "--findings-csv",
            help="Also write every single finding (code, severity, field, file:line, masked "
            "value, detail) to this CSV file.",
            dir_okay=False,
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="CSV only: FIELD=COLUMN, e.g. primary_id=StudentNo, identifier:BARCODE=Card, "
            "email=Email, user_group=Program (repeatable). Columns already named like the "
            "fields are mapped without it.",
        ),
    ] = None,
    id_types: Annotated[
        str | None,
        typer.Option(
            "--id-types",
            help="Comma-separated identifier type codes your Alma defines (e.g. "
            "BARCODE,UNIV_ID); other types are reported.",
        ),
    ] = None,
    xsd: Annotated[
        Path | None,
        typer.Option(
            "--xsd",
            help="Validate every <user> against this schema (Alma's rest_user.xsd, with "
            "rest_researcher.xsd beside it); errors become findings.",
            readable=False,
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option("--delimiter", "-d", help="CSV only: the cell delimiter (default: sniffed)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            "-e",
            help="CSV only: the text encoding (default: UTF-8 with or without BOM, else cp1252).",
        ),
    ] = None,
    show_values: ShowValuesOpt = False,
) -> int:
    """Profile an Alma SIS extract and lint it against Alma's identifier rules (one pass)."""
    env = default_environment()
    if delimiter is not None and delimiter.lower() in ("tab", "\\t"):
        delimiter = "\t"
    source = open_extract(
        extract,
        parse_mapping(mapping or []),
        delimiter=delimiter,
        encoding=encoding,
        plan=scan_plan(),  # a large extract: parsing on a second core
    )
    if xsd is not None:
        if not isinstance(source, SisExtract):
            raise UsageError("sis-xsd-csv", "--xsd validates XML extracts, not CSV.")
        source.schema = load_schema(xsd)
    with open_for_writing(findings_csv) as handle:
        sink = FindingsCsv(handle, show_values) if handle is not None else None
        lint = SisLint(id_types=parse_id_types(id_types), sink=sink)
        expected = env.reads({"reading SIS users": lambda: expected_records(extract)})
        result = scan_extract(source, lint, wrap=expected, parallel=True)
    if sink is not None:
        env.stderr.print(f"Findings CSV written to {findings_csv} ({plural(sink.rows, 'row')})")
    findings = findings_with_examples(result.lint, show_values)
    if output_format is ScanFormat.JSON:
        data = scan_to_dict(result, findings, show_values=show_values)
        write_report(env, output, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    elif output_format is ScanFormat.MD:
        write_report(env, output, render_markdown(result, findings, show_values))
    elif output is None:
        render_table(result, findings, env.stdout, show_values)
    else:
        with open_for_writing(output) as handle:
            assert handle is not None
            render_table(result, findings, Console(file=handle, width=120), show_values)
        env.stderr.print(f"Report written to {output}")
    return exit_code(findings, fail_on)


def register(root: typer.Typer) -> None:
    """Attach the `sis` command group (build and diff live in their own modules)."""
    from authprobe.cli import sis_build, sis_diff  # noqa: F401  (their commands join `app`)

    root.add_typer(app, name="sis")
