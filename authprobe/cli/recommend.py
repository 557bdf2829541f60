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
from authprobe.errors import ExitCode, UsageError
from authprobe.model import Report, Severity
from authprobe.reports.json import render_json
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


def emit(
    report: Report,
    env: Environment,
    output_format: OutputFormat,
    output: Path | None,
    show_values: bool,
) -> None:
    """Write the report in the asked format to stdout or to `output`."""
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
    else:
        raise UsageError(
            "format-unavailable",
            f"--format {output_format.value} is not available for this command yet.",
            hint="Use --format table or --format json.",
        )
    if output is None:
        env.stdout.file.write(text)
    else:
        output.write_text(text, encoding="utf-8")
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
) -> int:
    """Cross-check the directory and the SIS extract and recommend the matching ID."""
    env = default_environment()
    report = build_report(open_directory(directory), open_sis(sis), wrap=env.counted)
    emit(report, env, output_format, output, show_values)
    return exit_code(report, fail_on)


def demo(
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
) -> int:
    """Run `recommend` on the bundled demo college (generated; no server needed)."""
    from authprobe import demo as demo_college

    env = default_environment()
    with tempfile.TemporaryDirectory(prefix="authprobe-demo-") as folder:
        college = demo_college.generate(demo_college.DEMO)
        paths = demo_college.write_college(college, Path(folder))
        env.stderr.print(f"Demo college generated in {folder} ({college.summary()})")
        report = build_report(
            open_directory(str(paths.directory)), open_sis([paths.sis]), wrap=env.counted
        )
    emit(report, env, output_format, output, show_values)
    return exit_code(report, FailOn.NEVER)


def register(app: typer.Typer) -> None:
    """Attach `recommend` and `demo` to the app."""
    app.command("recommend")(recommend)
    app.command("demo")(demo)
