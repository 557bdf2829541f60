"""`authprobe alma scan`: profile the users already in Alma, as `sis scan` profiles an extract.

Reads Alma's own user XML (the Export Users job, the Users API; files, folders, zips) or a CSV
export (an Alma Analytics users report, the old ILS patron file) through the same reader and
lint as the SIS extract, and counts the account types, record types and statuses that decide
what the first SIS load can do to each user (`recommend --alma-users` predicts it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from authprobe.analysis.lint.scan import scan_extract, scan_plan
from authprobe.analysis.lint.sis_lint import SisLint
from authprobe.cli.console import default_environment
from authprobe.cli.options import DEFAULT_FAIL_ON, OutputOpt, ShowValuesOpt
from authprobe.cli.sis import (
    FindingsCsv,
    ScanFailOnOpt,
    ScanFormat,
    ScanFormatOpt,
    exit_code,
    findings_with_examples,
    open_for_writing,
    parse_id_types,
    render_markdown,
    render_table,
    scan_to_dict,
    write_report,
)
from authprobe.model import Finding, Severity, SourceKind
from authprobe.sources.expected import expected_records
from authprobe.sources.sis.alma_users import open_alma_users
from authprobe.sources.sis.csv_extract import parse_mapping
from authprobe.wording import agree, plural

app = typer.Typer(
    help="The users already in Alma: profile them before the first SIS load.",
    no_args_is_help=True,
)
TALLIED = ("account_type", "record_type", "status")
"""Facts about each user that decide what the SIS load may do to it."""


def account_findings(tallies: dict[str, dict[str, int]], records: int) -> list[Finding]:
    """A missing account type is read as EXTERNAL: say so (and how many)."""
    accounts = tallies.get("account_type", {})
    missing = accounts.get("(missing)", 0)
    if not missing:
        return []
    message = (
        f"No account_type was read for any of the {plural(records, 'user')}: every one is treated "
        "as "
        "EXTERNAL (a CSV export needs an account type column: --map account_type=COLUMN)."
        if missing == records
        else agree(
            f"{plural(missing, 'user')} [has|have] no account_type: [it is|they are] treated "
            "as EXTERNAL.",
            missing,
        )
    )
    return [
        Finding(
            "alma-account-type-missing",
            Severity.WARNING,
            SourceKind.ALMA.value,
            "account_type",
            missing,
            message,
        )
    ]


@app.command("scan")
def scan(
    export: Annotated[
        list[Path],
        typer.Argument(
            help="The users already in Alma: Alma user XML (Export Users job, Users API), "
            "folders or zips of it; or CSV/TSV files (with --map). Regular files and folders "
            "only (not devices or pipes).",
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
            help="CSV only: FIELD=COLUMN, e.g. primary_id='User ID', identifier:BARCODE=Barcode, "
            "account_type='Account Type' (repeatable). Without an account type column every "
            "user is read as EXTERNAL.",
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
    """Profile the users already in Alma and lint them against Alma's identifier rules."""
    env = default_environment()
    if delimiter is not None and delimiter.lower() in ("tab", "\\t"):
        delimiter = "\t"
    source = open_alma_users(
        export,
        parse_mapping(mapping or [], option="--map") if mapping else None,
        delimiter=delimiter,
        encoding=encoding,
        plan=scan_plan(TALLIED),
    )
    with open_for_writing(findings_csv) as handle:
        sink = FindingsCsv(handle, show_values) if handle is not None else None
        lint = SisLint(id_types=parse_id_types(id_types), sink=sink, source=SourceKind.ALMA.value)
        expected = env.reads({"reading SIS users": lambda: expected_records(export)})
        result = scan_extract(source, lint, wrap=expected, parallel=True, tally=TALLIED)
    if sink is not None:
        env.stderr.print(f"Findings CSV written to {findings_csv} ({plural(sink.rows, 'row')})")
    tallies = {key: dict(counts) for key, counts in result.tallies}
    findings = account_findings(tallies, result.input.records)
    findings += findings_with_examples(result.lint, show_values)
    findings.sort(key=lambda f: (-f.severity.rank, f.code, f.field or ""))
    if output_format is ScanFormat.JSON:
        data = scan_to_dict(result, findings, show_values=show_values, command="alma scan")
        write_report(env, output, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    elif output_format is ScanFormat.MD:
        text = render_markdown(result, findings, show_values, title="Users already in Alma")
        write_report(env, output, text)
    elif output is None:
        render_table(result, findings, env.stdout, show_values)
    else:
        with open_for_writing(output) as handle:
            assert handle is not None
            render_table(result, findings, Console(file=handle, width=120), show_values)
        env.stderr.print(f"Report written to {output}")
    return exit_code(findings, fail_on)


def register(root: typer.Typer) -> None:
    """Attach the `alma` command group."""
    root.add_typer(app, name="alma")
