"""Where output goes: results to stdout, progress and errors to stderr (httpie's Environment)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from authprobe.runtime.progress import Wrap

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
    def progress(self, description: str, *, total_known: bool = False) -> Iterator[Progress]:
        """A rich progress display on stderr, silent when stderr is not a terminal. With a known
        total: a bar, done/total, the percentage, the rate and the time left; without one, the
        count and the rate (no bar pretending to know the end)."""
        columns: list[ProgressColumn | str] = [
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
        ]
        if total_known:
            columns += [BarColumn(), MofNCompleteColumn(), TaskProgressColumn()]
        else:
            columns.append(TextColumn("{task.completed:,.0f}"))
        columns += [TextColumn("{task.fields[rate]}"), TimeElapsedColumn()]
        if total_known:
            columns += [TextColumn("left"), TimeRemainingColumn()]
        progress = Progress(
            *columns, console=self.stderr, disable=not self.interactive, transient=True
        )
        with progress:
            yield progress

    def counted(
        self, items: Iterable[T], description: str, total: int | None = None
    ) -> Iterator[T]:
        """Yield `items` while a progress bar counts them (records read, rate per second)."""
        with self.progress(description, total_known=total is not None) as progress:
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
            progress.update(task, completed=count, total=max(count, total or 0) or None)

    def reads(self, totals: dict[str, Callable[[], int | None]]) -> Wrap:
        """The `wrap` a reading step is given: `counted` with the expected total of the inputs
        each description reads (counted only when a terminal shows the bar: a pipe, a cron
        job or a benchmark never pays for the count)."""

        def wrap(items: Iterable[Any], description: str, total: int | None = None) -> Iterator[Any]:
            expect = totals.get(description)
            if total is None and expect is not None and self.interactive:
                total = expect()
            return self.counted(items, description, total)

        return wrap


def default_environment() -> Environment:
    """The real terminal."""
    stdout: Console = ReportConsole(file=sys.stdout, soft_wrap=False)
    if not stdout.is_terminal:
        # plain text for pipes and files, laid out for 100 columns (a ticket, an email)
        stdout = ReportConsole(file=sys.stdout, soft_wrap=False, width=REPORT_WIDTH, no_color=True)
    return Environment(stdout=stdout, stderr=Console(file=sys.stderr))
