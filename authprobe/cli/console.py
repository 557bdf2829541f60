"""Where output goes: results to stdout, progress and errors to stderr (httpie's Environment)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

T = TypeVar("T")
REPORT_WIDTH = 100


class ReportConsole(Console):
    """A rich Console for stdout that lets a closed pipe reach the CLI funnel.

    rich's own answer to a closed pipe is `SystemExit(1)`, the "findings" exit code; the funnel
    handles `BrokenPipeError` as Unix tools do (quiet, exit 141).
    """

    def on_broken_pipe(self) -> None:
        """Stop writing and let the funnel answer."""
        self.quiet = True
        raise BrokenPipeError


@dataclass
class Environment:
    """The streams a command writes to; tests build one around StringIO."""

    stdout: Console = field(default_factory=lambda: ReportConsole(soft_wrap=False))
    stderr: Console = field(default_factory=lambda: Console(stderr=True))

    @property
    def interactive(self) -> bool:
        """True when stderr is a terminal (progress bars are shown only then)."""
        return self.stderr.is_terminal

    @contextmanager
    def progress(self, description: str) -> Iterator[Progress]:
        """A rich progress display on stderr, silent when stderr is not a terminal."""
        progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=self.stderr,
            disable=not self.interactive,
            transient=True,
        )
        with progress:
            yield progress

    def counted(
        self, items: Iterable[T], description: str, total: int | None = None
    ) -> Iterator[T]:
        """Yield `items` while a progress bar counts them (records read, rate per second)."""
        with self.progress(description) as progress:
            task = progress.add_task(description, total=total, rate="")
            count = 0
            step = 1 if total is not None and total <= 2000 else 2000  # a few slow items: each
            for item in items:
                count += 1
                if count % step == 0:
                    elapsed = progress.tasks[0].elapsed or 0.0
                    rate = f"{count / elapsed:,.0f}/s" if elapsed else ""
                    progress.update(task, completed=count, rate=rate)
                yield item
            progress.update(task, completed=count)


def default_environment() -> Environment:
    """The real terminal."""
    stdout: Console = ReportConsole(file=sys.stdout, soft_wrap=False)
    if not stdout.is_terminal:
        # plain text for pipes and files, laid out for 100 columns (a ticket, an email)
        stdout = ReportConsole(file=sys.stdout, soft_wrap=False, width=REPORT_WIDTH, no_color=True)
    return Environment(stdout=stdout, stderr=Console(file=sys.stderr))
