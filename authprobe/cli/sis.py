"""`authprobe sis scan`: profile an Alma SIS extract and lint it against Alma's identifier rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from authprobe.analysis.lint.scan import SisScan, scan_extract, scan_plan
from authprobe.analysis.lint.sis_lint import SisLint
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import DEFAULT_FAIL_ON, FailOn, OutputOpt, ShowValuesOpt
from authprobe.cli.output import REPORT_WRITTEN, exit_code, open_output, write_output, write_view
from authprobe.cli.render import SEVERITY_STYLE, profiles_table
from authprobe.errors import UsageError
from authprobe.model import Finding
from authprobe.reports.csv import FindingsCsv
from authprobe.reports.envelope import to_json
from authprobe.reports.scan import findings_with_examples, scan_markdown, scan_to_dict
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


def parse_id_types(text: str | None) -> list[str] | None:
    if text is None:
        return None
    types = [t.strip() for t in text.split(",") if t.strip()]
    if not types:
        raise UsageError("sis-id-types-empty", "--id-types needs at least one type code.")
    return types


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
    with findings_csv_sink(env, findings_csv, show_values) as sink:
        lint = SisLint(id_types=parse_id_types(id_types), sink=sink)
        expected = env.reads({"reading SIS users": lambda: expected_records(extract)})
        result = scan_extract(source, lint, wrap=expected, parallel=True)
    findings = findings_with_examples(result.lint, show_values)
    write_scan(env, output_format, output, result, findings, show_values)
    return exit_code(findings, fail_on)


@contextmanager
def findings_csv_sink(
    env: Environment, path: Path | None, show_values: bool
) -> Iterator[FindingsCsv | None]:
    """`--findings-csv FILE` opened for the rows written while the input is read (None
    without the option); says how many rows it holds once done."""
    if path is None:
        yield None
        return
    with open_output(path) as handle:
        sink = FindingsCsv(handle, show_values)
        yield sink
    env.stderr.print(f"Findings CSV written to {path} ({plural(sink.rows, 'row')})")


def write_scan(
    env: Environment,
    output_format: ScanFormat,
    output: Path | None,
    result: SisScan,
    findings: list[Finding],
    show_values: bool,
    command: str = "sis scan",
) -> None:
    """The scan's report in the asked format, on stdout or in -o FILE."""
    if output_format is ScanFormat.JSON:
        data = scan_to_dict(result, findings, show_values=show_values, command=command)
        write_output(env, output, to_json(data), done=REPORT_WRITTEN)
    elif output_format is ScanFormat.MD:
        title = "SIS extract scan" if command == "sis scan" else "Users already in Alma"
        text = scan_markdown(result, findings, show_values, title=title)
        write_output(env, output, text, done=REPORT_WRITTEN)
    else:
        write_view(
            env,
            output,
            lambda console: render_table(result, findings, console, show_values),
            done=REPORT_WRITTEN,
        )


def register(root: typer.Typer) -> None:
    """Attach the `sis` command group (build and diff live in their own modules)."""
    from authprobe.cli import sis_build, sis_diff  # noqa: F401  (their commands join `app`)

    root.add_typer(app, name="sis")
