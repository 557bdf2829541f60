"""Writing a command's result and turning its findings into an exit code (oidc and cas commands).

emit_text(env, text, output)                  # stdout, or -o FILE (exit 4 if unwritable)
emit_table(env, output, draw)                 # a rich view to stdout or to FILE (120 columns)
exit_for(findings, fail_on)                   # 1 when a finding reaches --fail-on, else 0
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from rich.console import Console

from authprobe.cli.console import Environment
from authprobe.cli.options import FailOn
from authprobe.errors import ExitCode, InputError
from authprobe.model import Finding, Severity


def _open(path: Path) -> TextIO:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {exc.strerror or exc}.",
            location=str(path),
            hint="Choose a file in a folder that exists and that you may write to.",
        ) from exc


def emit_text(env: Environment, text: str, output: Path | None) -> None:
    """Write `text` to stdout, or to `output` (and say so on stderr)."""
    if output is None:
        env.stdout.file.write(text)
        return
    handle = _open(output)
    with handle:
        handle.write(text)
    env.stderr.print(f"Written to {output}", markup=False, highlight=False)


def emit_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (a saved token is a credential for a while)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {exc.strerror or exc}.",
            location=str(path),
            hint="Choose a file in a folder that exists and that you may write to.",
        ) from exc


def emit_table(env: Environment, output: Path | None, draw: Callable[[Console], None]) -> None:
    """Draw a rich view on stdout, or into `output` as plain text 120 columns wide."""
    if output is None:
        draw(env.stdout)
        return
    handle = _open(output)
    with handle:
        draw(Console(file=handle, width=120, no_color=True))
    env.stderr.print(f"Written to {output}", markup=False, highlight=False)


def exit_for(findings: Iterable[Finding], fail_on: FailOn) -> int:
    """1 when a finding is at or above `fail_on` (never: always 0)."""
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    threshold = Severity(fail_on.value).rank
    worst = max((f.severity.rank for f in findings), default=-1)
    return int(ExitCode.FINDINGS if worst >= threshold else ExitCode.OK)
