"""Reading the sides of a `recommend` run: each source once, every collector fed per record.

One pass over the directory feeds its field profiles, the cross-check index (or the set-aside
index, for excluded populations), the login locators and the snapshot; one pass over the SIS
extract feeds its profiles, the index, the load rules and, when asked, the pre-flight and the
diff columns. The users already in Alma are read once too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from authprobe.analysis.crosscheck import SideIndex
from authprobe.analysis.crosscheck.index import collects
from authprobe.analysis.history import Snapshot, ValueHistory
from authprobe.analysis.idp_evidence import locators
from authprobe.analysis.idp_release import LoginLocator
from authprobe.analysis.lint.misuse import identifier_misuse
from authprobe.analysis.lint.sis_lint import LoadChecks
from authprobe.analysis.loadcolumns import LoadColumns
from authprobe.analysis.profile import SourceProfiler
from authprobe.analysis.recommend.options import Options
from authprobe.analysis.sisdiff import DiffColumns
from authprobe.errors import AuthprobeError
from authprobe.model import Correspondence, Finding, Record, SourceKind
from authprobe.runtime.progress import Wrap
from authprobe.sources import RecordSource

T = TypeVar("T")


@dataclass
class Side:
    """What one pass over a source collects: profiles, the in-scope index, the set-aside."""

    profiler: SourceProfiler
    index: SideIndex
    excluded: SideIndex
    logins: dict[str, LoginLocator] = field(default_factory=dict)
    """With captured logins: who holds each released value (every entry counted), by protocol."""
    snapshot: Snapshot | None = None
    population_missing: int = 0
    """Entries without the --population-rule attribute (left in their OU)."""
    population_examples: list[str] = field(default_factory=list)
    load: LoadColumns | None = None
    """SIS side with Alma users given: the records in load order, for the pre-flight."""
    checks: LoadChecks | None = None
    """SIS side: the per-record load rules (empty identifier values, missing dates)."""
    diff: DiffColumns | None = None
    """SIS side with the previous extract given: the records column-wise for the diff."""


def _population_of(record: Record, attribute: str) -> Record | None:
    """The record with its population from `attribute`; None when it has no such value."""
    folded = attribute.casefold()
    for name, values in record.attrs.items():
        if name.casefold() == folded and values:
            return replace(record, population=values[0])
    return None


def _new_side(source: RecordSource, options: Options) -> Side:
    """The collectors one source's pass feeds (which depend on the side and the options)."""
    is_directory = source.source is SourceKind.DIRECTORY
    # the directory's identifier attributes are profiled from the index's columns (the same
    # values: not counted twice) when every record goes into the index (none set aside)
    elsewhere = collects if is_directory and not options.excluded_folded else None
    profiler = SourceProfiler(source.source, elsewhere)
    side = Side(profiler, SideIndex(source.source), SideIndex(source.source))
    if is_directory:
        side.logins = locators(options.idp)
        if options.previous is not None:
            side.snapshot = Snapshot()
    else:
        side.checks = LoadChecks(source.source.value)
        if options.alma_users is not None:
            side.load = LoadColumns()
        if options.previous_sis is not None:
            side.diff = DiffColumns()
    return side


def started(source: RecordSource) -> Iterator[Record]:
    """`source.records()`, asked for now: a reader that shares a large input with a forked
    child process (`runtime.ReadPlan(parallel=True)`) starts the child here, so that it parses
    while this process reads the other source. A problem this raises (an unreadable zip) is
    raised again when the first record is asked for, so errors come in the order of reading
    the sources one after the other."""
    try:
        return iter(source.records())
    except AuthprobeError as error:
        return _raising(error)


def _raising(error: AuthprobeError) -> Iterator[Record]:
    yield from ()  # a generator: raises when iterated, not when called
    raise error


def read_side(
    source: RecordSource, wrap: Wrap, options: Options, records: Iterable[Record] | None = None
) -> Side:
    """Read one source once (or its `records`, already `started`), feeding every collector of
    its side."""
    side = _new_side(source, options)
    is_directory = source.source is SourceKind.DIRECTORY
    attribute = options.population_attribute if is_directory else None
    excluded = options.excluded_folded
    logins = tuple(side.logins.values())
    load, checks, diff = side.load, side.checks, side.diff
    stream = source.records() if records is None else records
    for record in wrap(stream, f"reading {source.source.value}"):
        if checks is not None:
            checks.add(record)
        if diff is not None:
            diff.add(record)
        if load is not None:
            load.add(record)
        if attribute is not None:
            found = _population_of(record, attribute)
            if found is None:
                side.population_missing += 1
                if len(side.population_examples) < 3:
                    side.population_examples.append(record.ref)
            else:
                record = found
        side.profiler.add(record)
        if side.snapshot is not None:
            side.snapshot.add(record)
        for login in logins:
            login.add(record)
        if excluded and record.population and record.population.casefold() in excluded:
            side.excluded.add(record)
        else:
            side.index.add(record)
    return side


@dataclass
class AlmaUsers:
    """The users already in Alma, read once: load rules, columns for the pre-flight (their field
    profiles are `alma scan`'s)."""

    load: LoadColumns
    checks: LoadChecks

    def findings(self) -> list[Finding]:
        """The load rules and identifier misuse (emails, user_group codes) of the export."""
        suspect = self.load.suspect_values(self.checks.groups)
        return [
            *self.checks.findings(),
            *identifier_misuse(suspect, self.checks.groups, self.checks.source),
        ]


def read_alma(source: RecordSource, wrap: Wrap) -> AlmaUsers:
    """Read the users already in Alma once."""
    alma = AlmaUsers(LoadColumns(), LoadChecks(source.source.value))
    check, collect = alma.checks.add, alma.load.add
    for record in wrap(source.records(), "reading users already in Alma"):
        check(record)
        collect(record)
    return alma


def directory_history(
    options: Options, directory: Side, pairs: list[Correspondence]
) -> ValueHistory | None:
    """Compare the candidates' directory attributes with the previous snapshot, if given."""
    if options.previous is None or directory.snapshot is None or not pairs:
        return None
    attributes = [pair.directory_attribute for pair in pairs]
    return directory.snapshot.compare(options.previous.records(), attributes)
