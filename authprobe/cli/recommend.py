"""`authprobe recommend` and `authprobe demo`: cross-check everything and say which ID to use."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from authprobe.analysis.recommend import build_report
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import (
    FailOn,
    FailOnOpt,
    FormatOpt,
    OutputFormat,
    OutputOpt,
    ShowValuesOpt,
)
from authprobe.cli.render import render_terminal
from authprobe.errors import ExitCode, InputError
from authprobe.model import Report, Severity
from authprobe.reports.csv import render_exceptions_csv
from authprobe.reports.html import render_html
from authprobe.reports.json import render_json
from authprobe.reports.markdown import render_markdown
from authprobe.sources.inputs import open_directory, open_sis


def exit_code(report: Report, fail_on: FailOn) -> int:
    """0, or 1 when no matching ID is recommended or a finding reaches --fail-on."""
    if report.recommendation is None:
        return int(ExitCode.FINDINGS)
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    threshold = Severity(fail_on.value).rank
    worst = max((f.severity.rank for f in report.findings), default=-1)
    return int(ExitCode.FINDINGS if worst >= threshold else ExitCode.OK)


ExceptionsCsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--exceptions-csv",
        help="Also write one CSV row per SIS record that does not match under the "
        "recommendation (SIS reference, population, field, value, reason), for the registrar.",
        dir_okay=False,
    ),
]
DEMO_REPORT = "authprobe-report.html"


def write_text(path: Path, text: str) -> None:
    """Write a report file; an unwritable path is an input error (exit 4), not a traceback."""
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {exc.strerror or exc}.",
            location=str(path),
            hint="Choose a file in a folder that exists and that you may write to.",
        ) from exc


def emit(
    report: Report,
    env: Environment,
    output_format: OutputFormat,
    output: Path | None,
    show_values: bool,
    exceptions_csv: Path | None = None,
) -> None:
    """Write the report in the asked format to stdout or to `output` (and the exceptions CSV)."""
    if exceptions_csv is not None:
        write_text(exceptions_csv, render_exceptions_csv(report, show_values=show_values))
        env.stderr.print(
            f"Exceptions CSV written to {exceptions_csv} ({len(report.exceptions):,} row(s))"
        )
    if output_format is OutputFormat.TABLE:
        if output is None:
            render_terminal(report, env.stdout, show_values=show_values)
            return
        with output.open("w", encoding="utf-8") as handle:
            from rich.console import Console

            render_terminal(report, Console(file=handle, width=100), show_values=show_values)
        return
    if output_format is OutputFormat.JSON:
        text = render_json(report, show_values=show_values)
    elif output_format is OutputFormat.MD:
        text = render_markdown(report, show_values=show_values)
    else:
        text = render_html(report, show_values=show_values)
    if output is None:
        env.stdout.file.write(text)
    else:
        write_text(output, text)
        env.stderr.print(f"Report written to {output}")


def recommend(
    directory: Annotated[
        str,
        typer.Option("--directory", "-d", help="Directory export (LDIF) of the person entries."),
    ],
    sis: Annotated[
        list[Path],
        typer.Option("--sis", "-s", help="Alma SIS extract: XML file, folder or zip (repeatable)."),
    ],
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.NEVER,
    show_values: ShowValuesOpt = False,
    exceptions_csv: ExceptionsCsvOpt = None,
) -> int:
    """Cross-check the directory and the SIS extract and recommend the matching ID."""
    env = default_environment()
    report = build_report(open_directory(directory), open_sis(sis), wrap=env.counted)
    emit(report, env, output_format, output, show_values, exceptions_csv)
    return exit_code(report, fail_on)


def demo(
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    exceptions_csv: ExceptionsCsvOpt = None,
) -> int:
    """Run `recommend` on the bundled demo college (generated; no server needed).

    Also writes the HTML report to ./authprobe-report.html and prints its path.
    """
    from authprobe import demo as demo_college

    env = default_environment()
    with tempfile.TemporaryDirectory(prefix="authprobe-demo-") as folder:
        college = demo_college.generate(demo_college.DEMO)
        paths = demo_college.write_college(college, Path(folder))
        env.stderr.print(f"Demo college generated in {folder} ({college.summary()})")
        report = build_report(
            open_directory(str(paths.directory)), open_sis([paths.sis]), wrap=env.counted
        )
    html_path = Path(DEMO_REPORT).resolve()
    if output_format is OutputFormat.HTML and output is None:
        output = html_path
    emit(report, env, output_format, output, show_values, exceptions_csv)
    if output is None or output.resolve() != html_path:
        write_text(html_path, render_html(report, show_values=show_values))
    env.stderr.print(f"HTML report: {html_path}")
    return exit_code(report, FailOn.NEVER)


def register(app: typer.Typer) -> None:
    """Attach `recommend` and `demo` to the app."""
    app.command("recommend")(recommend)
    app.command("demo")(demo)
