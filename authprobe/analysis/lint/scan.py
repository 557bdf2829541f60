"""`sis scan` and `alma scan` in one pass: every record profiled, counted by population and
linted, then the profiles frozen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from authprobe import runtime
from authprobe.analysis.lint.misuse import identifier_misuse
from authprobe.analysis.lint.sis_lint import INFO_KEYS, LintResult, SisLint
from authprobe.analysis.profile import SourceProfiler
from authprobe.model import FieldProfile, InputSummary, Record
from authprobe.runtime.progress import Wrap
from authprobe.sources import RecordSource


@dataclass(frozen=True, slots=True)
class SisScan:
    """What `sis scan` found: the input, the field profiles, populations and the lint."""

    input: InputSummary
    profiles: tuple[FieldProfile, ...]
    populations: tuple[tuple[str, int], ...]
    lint: LintResult
    started_at: datetime
    finished_at: datetime
    tallies: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()
    """Counts of the values of some `Record.info` keys (account_type, status...), if asked."""


def _freeze_profiles(
    profiler: SourceProfiler, *, parallel: bool = False
) -> tuple[FieldProfile, ...]:
    """`profiler.result()`, field by field, dropping each field's value counts once frozen.

    On a million users the value counts are most of the memory, and freezing a field needs
    about as much again for a moment. Freezing the smallest fields first and freeing their
    counts leaves room for the largest (`email:all`), so the peak stays near the counts' size.
    The profiles keep the order in which the fields were first seen.

    With `parallel`, `SourceProfiler.result(parallel=True)` freezes about half of the values in a
    forked child instead (the same profiles, on two cores; about the same peak on 1 M users).
    """
    if parallel:
        return tuple(profiler.result(parallel=True))
    fields = list(profiler.fields.values())
    frozen: dict[int, FieldProfile] = {}
    for index in sorted(range(len(fields)), key=lambda i: len(fields[i].counts)):
        frozen[index] = fields[index].result(profiler.records)
        fields[index].counts = {}
    return tuple(frozen[index] for index in range(len(fields)))


MISSING = "(missing)"


def scan_plan(tally: Collection[str] = ()) -> runtime.ReadPlan:
    """How the reader of `scan_extract(..., tally=tally)` may read: a large extract on two
    cores, passing between the processes only the `info` the lint and `tally` read (the records
    are only profiled (attrs), counted by population, tallied and linted)."""
    return runtime.ReadPlan(parallel=True, info_keys=INFO_KEYS | frozenset(tally))


def scan_extract(
    source: RecordSource,
    lint: SisLint,
    *,
    wrap: Wrap | None = None,
    parallel: bool = False,
    tally: Collection[str] = (),
) -> SisScan:
    """Read `source` once, feeding every record to the field profiles and to `lint`.

    `parallel` freezes the profiles on two cores (see `_freeze_profiles`); the reader itself may
    also share the parsing with a child process, as its read plan says (`scan_plan`). `tally`
    names `info` keys whose values are counted (missing ones as "(missing)").
    """
    started = datetime.now(UTC)
    tallies: dict[str, Counter[str]] = {key: Counter() for key in tally}
    profiler = SourceProfiler(source.source)
    populations: Counter[str] = Counter()
    # Records, counts and lint tables hold no reference cycles, but the millions of dicts and
    # tuples they are made of make the cyclic collector walk an ever larger heap, again and
    # again (about a tenth of the time on 1 M users, bench/sis_scan.py); it is off meanwhile.
    with runtime.paused_gc():
        records: Iterable[Record] = source.records()
        if wrap is not None:
            records = wrap(records, "reading SIS users")
        profile, check = profiler.add, lint.add
        for record in records:
            profile(record)
            check(record)
            populations[record.population or ""] += 1
            for key, counter in tallies.items():
                counter[record.info.get(key, MISSING)] += 1
        lint.zips(getattr(source, "zip_members", {}))
        checked = _lint_result(lint, profiler, populations)
        lint.release()  # free the lint's value tables before the profiles are frozen (peak)
        profiles = _freeze_profiles(profiler, parallel=parallel)
    return SisScan(
        input=source.summary(),
        profiles=profiles,
        populations=tuple(sorted(populations.items(), key=lambda kv: (-kv[1], kv[0]))),
        lint=checked,
        started_at=started,
        finished_at=datetime.now(UTC),
        tallies=tuple(
            (key, tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))))
            for key, counter in tallies.items()
        ),
    )


def _lint_result(lint: SisLint, profiler: SourceProfiler, populations: Counter[str]) -> LintResult:
    """The lint's findings with those of `identifier_misuse` (read from the value counts)."""
    checked = lint.result()
    misuse = identifier_misuse(
        {name: f.counts for name, f in profiler.fields.items()}, populations, lint.source
    )
    if not misuse:
        return checked
    return replace(
        checked,
        findings=tuple(
            sorted(
                (*checked.findings, *misuse),
                key=lambda f: (-f.severity.rank, f.code, f.field or ""),
            )
        ),
    )
