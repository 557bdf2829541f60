"""`authprobe demo`: `recommend` on the bundled demo college (generated; no server needed)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from authprobe.analysis.recommend import Options, build_report
from authprobe.cli.console import default_environment
from authprobe.cli.options import FailOn, FormatOpt, OutputFormat, OutputOpt, ShowValuesOpt
from authprobe.cli.output import write_file
from authprobe.cli.recommend import ExceptionsCsvOpt, PreflightCsvOpt, emit, report_exit_code
from authprobe.plan import RunPlan
from authprobe.reports.html import render_html
from authprobe.reports.options import options_used
from authprobe.sources.inputs import open_alma_users, open_directory, open_sis

DEMO_REPORT = "authprobe-report.html"


def demo(
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    exceptions_csv: ExceptionsCsvOpt = None,
    preflight_csv: PreflightCsvOpt = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the HTML report to FILE (make demo writes authprobe-report.html).",
            dir_okay=False,
        ),
    ] = None,
    files: Annotated[
        Path | None,
        typer.Option(
            "--files",
            help="Also keep the demo college's input files in DIR (directory.ldif, sis.zip, "
            "alma-users.zip, truth.json), to try `authprobe recommend` on them.",
            file_okay=False,
        ),
    ] = None,
) -> int:
    """Run `recommend` on the bundled demo college (generated; no server needed).

    The college (directory LDIF, SIS extract, users already in Alma) is generated into a
    temporary folder that is removed afterwards; nothing is written elsewhere unless asked
    (-o, --html, --exceptions-csv, --preflight-csv), so it runs from a read-only folder too.
    """
    from authprobe import demo as demo_college

    env = default_environment()
    with _college_folder(files) as folder:
        college = demo_college.generate(demo_college.DEMO)
        paths = demo_college.write_college(college, Path(folder))
        env.stderr.print(f"Demo college generated ({college.summary()})", markup=False)
        if files is not None:
            env.stderr.print(f"Demo files kept in {files}", markup=False, soft_wrap=True)
        # read through names relative to the temporary folder: the report names
        # `sis.zip!students.xml:12`, never a folder that no longer exists afterwards
        with _working_directory(Path(folder)):
            options = Options(
                alma_users=(
                    open_alma_users([paths.alma.relative_to(folder)]) if paths.alma else None
                )
            )
            report = build_report(
                open_directory(str(paths.directory.relative_to(folder))),
                open_sis([paths.sis.relative_to(folder)]),
                wrap=env.counted,
                options=options,
            )
    report = replace(report, options=options_used(RunPlan(), options))
    if output_format is OutputFormat.HTML and output is None and html is None:
        output = Path(DEMO_REPORT)
    emit(report, env, output_format, output, show_values, exceptions_csv, preflight_csv)
    if html is not None:
        write_file(html, render_html(report, show_values=show_values))
        env.stderr.print(f"HTML report: {html}", soft_wrap=True, highlight=False, markup=False)
    return report_exit_code(report, FailOn.NEVER)


@contextlib.contextmanager
def _college_folder(keep: Path | None) -> Iterator[str]:
    """`keep` (created if needed) when the files are wanted, else a temporary folder removed
    afterwards."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield str(keep)
        return
    with tempfile.TemporaryDirectory(prefix="authprobe-demo-") as folder:
        yield folder


@contextlib.contextmanager
def _working_directory(folder: Path) -> Iterator[None]:
    """Run a block inside `folder`, then return to the folder we were in."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)
