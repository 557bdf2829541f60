"""Where a command's result goes, and the exit code its findings give (every command).

write_output(env, output, text)                 # stdout, or -o FILE (exit 4 if unwritable)
write_file(path, text)                          # a file beside the report (a CSV, the HTML)
write_view(env, output, draw)                   # a rich view to stdout, or to FILE as plain text
open_output(path)                               # a file to stream into (removed if the run fails)
write_private(path, text)                       # a file only its owner can read (a saved token)
exit_code(findings, fail_on)                    # 1 when a finding reaches --fail-on, else 0

What each command says on stderr once the file is written differs ("Report written to FILE",
"Written to FILE", nothing): the `done` argument keeps each command's words. The formats a
command accepts are its `--format` option's choices (cli/options.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.console import Console

from authprobe.cli.console import Environment
from authprobe.cli.options import FailOn
from authprobe.errors import ExitCode, InputError
from authprobe.model import Finding, Severity

WRITTEN = "Written to"
REPORT_WRITTEN = "Report written to"


def unwritable(path: Path, exc: OSError) -> InputError:
    """The error of an output file that cannot be written (exit 4)."""
    return InputError(
        "output-unwritable",
        f"Cannot write {path}: {exc.strerror or exc}.",
        location=str(path),
        hint="Choose a file in a folder that exists and that you may write to.",
    )


@contextmanager
def open_output(path: Path) -> Iterator[TextIO]:
    """`path` opened for writing text (UTF-8, newlines as written); removed again when the run
    fails half-way, so a failed run never leaves half a report."""
    try:
        # half a surrogate pair (a JSON escape such as \\ud800 alone) is written escaped
        handle = path.open("w", encoding="utf-8", errors="backslashreplace", newline="")
    except OSError as exc:
        raise unwritable(path, exc) from exc
    with handle:
        try:
            yield handle
        except BaseException:
            handle.close()
            path.unlink(missing_ok=True)
            raise


def _say_done(env: Environment, done: str | None, path: Path) -> None:
    if done is not None:
        env.stderr.print(f"{done} {path}", markup=False, highlight=False, soft_wrap=True)


def write_file(path: Path, text: str) -> None:
    """Write `text` to the file `path` (exit 4 if it cannot be written)."""
    with open_output(path) as handle:
        handle.write(text)


def write_output(
    env: Environment, output: Path | None, text: str, *, done: str | None = WRITTEN
) -> None:
    """Write `text` to stdout, or to `output` (then say `done FILE` on stderr)."""
    if output is None:
        env.stdout.file.write(text)
        return
    write_file(output, text)
    _say_done(env, done, output)


def write_view(
    env: Environment,
    output: Path | None,
    draw: Callable[[Console], None],
    *,
    width: int = 120,
    done: str | None = WRITTEN,
) -> None:
    """Draw a rich view on stdout, or into `output` as plain text `width` columns wide."""
    if output is None:
        draw(env.stdout)
        return
    with open_output(output) as handle:
        draw(Console(file=handle, width=width, no_color=True))
    _say_done(env, done, output)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (a saved token is a credential for a while)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    except OSError as exc:
        raise unwritable(path, exc) from exc


def exit_code(findings: Iterable[Finding], fail_on: FailOn) -> int:
    """1 when a finding is at or above `fail_on` (never: always 0)."""
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    threshold = Severity(fail_on.value).rank
    worst = max((f.severity.rank for f in findings), default=-1)
    return int(ExitCode.FINDINGS if worst >= threshold else ExitCode.OK)
