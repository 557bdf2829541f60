"""Field profiles: one streaming pass per source, memory bounded by distinct values.

`SourceProfiler` is fed one `Record` at a time and keeps one `FieldProfiler` per attribute;
`result()` freezes them into `FieldProfile`s (see the JSON report contract).

What a value looks like (its shape, whether it is awkward) is `shapes.py`. The per-value work
(counting in `SourceProfiler.add`, shaping every distinct value in `FieldProfiler.result`)
also exists in C: `_profile.c`, built at install when a compiler is
there, used when `_FAST` is set (AUTHPROBE_PURE_PROFILE=1 or AUTHPROBE_PURE_PYTHON=1 unsets
it). The Python code here is the reference: the C code does the same, and hands back to it
whatever it does not handle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import islice
from typing import TYPE_CHECKING

from authprobe import runtime
from authprobe.analysis.shapes import (
    WHITESPACE,
    Summary,
    add_summaries,
    may_fold,
    shape_awkward,
    summed_shapes,
)
from authprobe.model import (
    FieldProfile,
    Finding,
    InputSummary,
    Record,
    Severity,
    ShapeCount,
    SourceKind,
)
from authprobe.runtime import native
from authprobe.wording import plural

if TYPE_CHECKING:
    from types import ModuleType

MAX_SHAPES = 8
MAX_EXAMPLES = 3
PARALLEL_MIN_VALUES = 200_000
"""`SourceProfiler.result(parallel=True)` forks only above this many distinct values in all
whose shapes are still to be worked out (not summarised already: `SourceProfiler.summarise`)."""
State = tuple[int, list[tuple[str, dict[str, int], int, int, Summary]]]
"""`SourceProfiler.state`: the records, and per field its name, counts, extra values of
multi-valued records, multi-valued records and summary."""


def _load_fast() -> ModuleType | None:
    """`_profile` (C, built at install when a compiler is there), else None; None too when
    AUTHPROBE_PURE_PROFILE or AUTHPROBE_PURE_PYTHON (every C path off) is set (to compare the
    two: bench/profile_fast.py)."""
    if native.pure("AUTHPROBE_PURE_PROFILE"):
        return None
    return native.load("authprobe.analysis._profile")


_FAST = _load_fast()
"""The C accelerator in use, or None (the Python code only); tests set it."""


class FieldProfiler:
    """Statistics of one field, accumulated one record at a time.

    The per-record work is only counting (value -> records holding it); lengths, shapes,
    whitespace and examples are derived once per distinct value when the profile is frozen.
    A record holding one value only counts it: the records holding the field are the sum of
    the counts less the extra distinct values of multi-valued records (`_extra`), so records
    of one value each can be counted in bulk (`add_each`: the live LDAP scan does).
    """

    __slots__ = ("_extra", "_field", "_multi", "_source", "_summary", "counts")

    def __init__(self, source: SourceKind, field: str) -> None:
        self._source = source
        self._field = field
        self.counts: dict[str, int] = {}  # value -> number of records holding it, first seen first
        self._extra = 0  # sum over multi-valued records of (distinct values - 1)
        self._multi = 0
        self._summary: tuple[Summary, int, int] | None = None  # see keep_summary

    @property
    def field(self) -> str:
        """The field's name."""
        return self._field

    @property
    def present(self) -> int:
        """Records holding at least one value."""
        return sum(self.counts.values()) - self._extra

    def add(self, values: tuple[str, ...]) -> None:
        """Count the values one record holds for this field."""
        if not values:
            return
        counts = self.counts
        if len(values) > 1:
            values = tuple(dict.fromkeys(values))
            if len(values) > 1:
                self._multi += 1
                self._extra += len(values) - 1
        for value in values:
            counts[value] = counts.get(value, 0) + 1

    def add_each(self, values: Iterable[str]) -> None:
        """Count records that hold one value each (one item of `values` per record), as
        `add((value,))` for each of them would."""
        counts = self.counts
        if _FAST is not None and _FAST.add_each(counts, values):
            return
        get = counts.get
        for value in values:
            counts[value] = get(value, 0) + 1

    def note_records(self, present: int, multi: int) -> None:
        """Set the records holding the field (`present`) and the multi-valued ones, for counts
        `add_each` took one row per distinct value of a record (`profile_columns`)."""
        self._extra = sum(self.counts.values()) - present
        self._multi = multi

    def merge(self, other: FieldProfiler) -> None:
        """Add `other`'s statistics, as if its records had been added here after ours."""
        self._merge(other.counts, other._extra, other._multi)

    def _merge(self, theirs: dict[str, int], extra: int, multi: int) -> None:
        counts = self.counts
        if not counts:
            counts.update(theirs)
        else:  # the values held on both sides, then all of theirs (new ones after ours)
            common = theirs.keys() & counts.keys()  # the smaller looked up in the larger
            both = [(value, counts[value] + theirs[value]) for value in common]
            counts.update(theirs)
            counts.update(both)
        self._extra += extra
        self._multi += multi

    def summary(self) -> Summary:
        """What the profile says of the values' shapes, lengths and case, summed by records:
        the summaries of two parts of the records add up (`add_summaries`) to that of all."""
        counts = self.counts
        if _FAST is not None:
            summary: Summary = _FAST.shape_counts(counts, shape_awkward)
            return summary
        joined = "\x01".join(counts)  # all values at once, for checks at C speed
        single = max(counts.values(), default=1) == 1
        shapes, awkward, shortest, longest = summed_shapes(counts, joined, single)
        return dict(shapes), awkward, shortest, longest, may_fold(joined)  # plain: marshal

    def keep_summary(self, summary: Summary) -> None:
        """Let `result` use `summary` (of these counts) as long as they do not change."""
        self._summary = (summary, len(self.counts), sum(self.counts.values()))

    def _current_summary(self) -> Summary:
        kept = self._summary
        counts = self.counts
        if kept is not None and kept[1:] == (len(counts), sum(counts.values())):
            return kept[0]
        return self.summary()

    def result(self, records: int) -> FieldProfile:
        """Freeze the statistics (`records` = all records of the source)."""
        counts = self.counts
        frequencies = Counter(counts.values())  # records per value -> how many values
        duplicate_values = len(counts) - frequencies.get(1, 0)
        duplicate_records = sum(c * n for c, n in frequencies.items() if c > 1)
        summary = self._current_summary()
        collision_values = 0
        collision_records = 0
        # distinct values collide only if casefold changes one; for ASCII that means a capital
        if summary[4] and len(set(map(str.casefold, counts))) != len(counts):
            spellings: dict[str, list[str]] = {}
            for value in counts:
                spellings.setdefault(value.casefold(), []).append(value)
            for variants in spellings.values():
                if len(variants) > 1:
                    collision_values += 1
                    collision_records += sum(counts[v] for v in variants)
        return frozen_profile(
            self._source,
            self._field,
            (records, self.present, self._multi, len(counts)),
            (duplicate_values, duplicate_records, collision_values, collision_records),
            summary,
            tuple(islice(counts, MAX_EXAMPLES)),
        )


def frozen_profile(
    source: SourceKind,
    field: str,
    sizes: tuple[int, int, int, int],
    repeats: tuple[int, int, int, int],
    summary: Summary,
    examples: tuple[str, ...],
) -> FieldProfile:
    """A field's profile from its figures: `sizes` (records of the source, records holding the
    field, multi-valued records, distinct values), `repeats` (duplicate values and their
    records, values that collide when casefolded and their records), its `summary`, and the
    first distinct values seen."""
    records, present, multi, distinct = sizes
    duplicate_values, duplicate_records, collision_values, collision_records = repeats
    shapes, awkward, shortest, longest, _ = summary
    top = sorted(shapes.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SHAPES]
    return FieldProfile(
        source=source,
        field=field,
        records=records,
        present=present,
        distinct=distinct,
        duplicate_values=duplicate_values,
        duplicate_records=duplicate_records,
        case_collision_values=collision_values,
        case_collision_records=collision_records,
        multi_valued=multi,
        min_length=shortest,
        max_length=longest,
        shapes=tuple(ShapeCount(shape, count) for shape, count in top),
        whitespace_values=shapes.get(WHITESPACE, 0),
        examples=examples,
        awkward_values=awkward,
    )


class SourceProfiler:
    """One `FieldProfiler` per field of one source, in the order fields were first seen.

    With `elsewhere`, a field for which it answers True is not counted here (`recommend`'s
    directory side: the cross-check's columns hold the same values, and its profile is made
    from them, `profile_columns.py`); `names` still lists it in its place.
    """

    def __init__(self, source: SourceKind, elsewhere: Callable[[str], bool] | None = None) -> None:
        self.source = source
        self.records = 0
        self.fields: dict[str, FieldProfiler] = {}
        self._elsewhere = elsewhere
        self._route: dict[str, FieldProfiler | None] = {}
        """Every field seen: its profiler, or None when it is profiled elsewhere."""
        self._released = False

    @property
    def names(self) -> list[str]:
        """Every field seen, in first-seen order (those profiled elsewhere too)."""
        return list(self._route)

    @property
    def elsewhere(self) -> list[str]:
        """The fields seen and left to be profiled elsewhere, in first-seen order."""
        return [name for name, profiler in self._route.items() if profiler is None]

    def _field(self, name: str) -> FieldProfiler | None:
        """The profiler of `name`, made on first sight (None: profiled elsewhere)."""
        route = self._route
        if name in route:
            return route[name]
        profiler: FieldProfiler | None = None
        if self._elsewhere is None or not self._elsewhere(name):
            profiler = self.fields[name] = FieldProfiler(self.source, name)
        route[name] = profiler
        return profiler

    def add(self, record: Record) -> None:
        """Feed one record."""
        self.records += 1
        route = self._route
        items: Iterable[tuple[str, tuple[str, ...]]]
        if _FAST is None:
            items = record.attrs.items()
        else:  # C counts what it can (and skips fields profiled elsewhere); the rest is here
            left = _FAST.add(route, record.attrs)
            if left is None:
                return
            items = left
        for name, values in items:
            profiler = self._field(name)
            if profiler is not None:
                profiler.add(values)

    def merge(self, other: SourceProfiler) -> None:
        """Add `other`'s statistics, as if its records had been added here after ours."""
        self.records += other.records
        for name, profiler in other.fields.items():
            mine = self._field(name)
            if mine is not None:
                mine.merge(profiler)

    def release(self) -> None:
        """Let go of every field's distinct values once the profiles are frozen (`recommend`
        frees the SIS side's before the cross-check's peak of memory); `result` may not be
        asked again."""
        self._released = True
        for profiler in self.fields.values():
            profiler.counts = {}

    def summarise(self) -> None:
        """Work out each field's `summary` now (`result` then uses it, `state` passes it on):
        two processes that each profiled part of the records do this at the same time."""
        for profiler in self.fields.values():
            profiler.keep_summary(profiler._current_summary())

    def state(self) -> State:
        """The statistics as plain data (`marshal` takes it), for `merge_state`."""
        fields = [
            (name, p.counts, p._extra, p._multi, p._current_summary())
            for name, p in self.fields.items()
        ]
        return self.records, fields

    def merge_state(self, state: State, rename: Callable[[str], str] = str) -> None:
        """`merge` the profiler whose `state()` this is, each of its fields `name` counted
        here as `rename(name)`; the fields' summaries are added up, not worked out again."""
        records, fields = state
        self.records += records
        for name, counts, extra, multi, summary in fields:
            mine = self._field(rename(name))
            if mine is None:
                continue
            if mine.counts:
                summary = add_summaries(mine._current_summary(), summary)
            mine._merge(counts, extra, multi)
            mine.keep_summary(summary)

    def result(
        self, *, parallel: bool = False, min_values: int = PARALLEL_MIN_VALUES
    ) -> list[FieldProfile]:
        """Every field's profile.

        With `parallel` (and at least `min_values` distinct values not `summarise`d), a forked
        child process freezes about half of the values (whole fields) while this process freezes
        the rest (`runtime.ForkedBatches`): the same profiles, on two cores. Without `os.fork`, or
        if the child fails, one process does it all.
        """
        if self._released:
            raise RuntimeError("the profiles' values were released: frozen once only")
        profilers = list(self.fields.values())
        if (
            parallel
            and runtime.can_fork()
            and len(profilers) > 1
            and sum(len(p.counts) for p in profilers if p._summary is None) >= min_values
        ):
            frozen = _freeze_forked(profilers, self.records)
            if frozen is not None:
                return frozen
        return [profiler.result(self.records) for profiler in profilers]


def _freeze_forked(profilers: list[FieldProfiler], records: int) -> list[FieldProfile] | None:
    """`result()` of every profiler, the larger half (by distinct values) in a forked child;
    None if the child could not be forked or failed."""
    order = sorted(range(len(profilers)), key=lambda i: -len(profilers[i].counts))
    halves: tuple[list[int], list[int]] = ([], [])
    sizes = [0, 0]
    for index in order:
        side = 0 if sizes[0] <= sizes[1] else 1
        halves[side].append(index)
        sizes[side] += len(profilers[index].counts)
    theirs, mine = halves
    try:
        child: runtime.ForkedBatches[FieldProfile, None] = runtime.ForkedBatches(
            lambda: iter([[profilers[i].result(records) for i in theirs]]),
            lambda: None,
            doing="freezing profiles",
        )
    except OSError:
        return None
    frozen: dict[int, FieldProfile] = {i: profilers[i].result(records) for i in mine}
    try:
        frozen.update(zip(theirs, (p for batch in child for p in batch), strict=True))
    except Exception:  # the child failed: this process freezes its fields instead
        return None
    return [frozen[i] for i in range(len(profilers))]


def profile_records(
    records: Iterable[Record], source: SourceKind, *, parallel: bool = False
) -> list[FieldProfile]:
    """Profile every field of `records` in one pass (frozen on two cores with `parallel`, as
    `SourceProfiler.result` says)."""
    profiler = SourceProfiler(source)
    for record in records:
        profiler.add(record)
    return profiler.result(parallel=parallel)


def no_records_finding(summary: InputSummary, in_scope: int | None = None) -> Finding | None:
    """An error finding when a source yielded no record at all (a filter or an export with no
    people, an empty extract), or none is left once `--exclude-group` set some aside
    (`in_scope`): nothing can be concluded from it, and the report says so."""
    kind = "person entries" if summary.source is SourceKind.DIRECTORY else "SIS records"
    if summary.records and in_scope == 0:
        return Finding(
            "no-records-in-scope",
            Severity.ERROR,
            summary.source.value,
            None,
            summary.records,
            f"All {summary.records:,} {kind} read from {summary.location} are set aside by "
            "--exclude-group: none is left to compare.",
        )
    if summary.records:
        return None
    skipped = sum(summary.skipped.values())
    where = summary.location + (
        f"; {plural(skipped, 'item')} skipped, see below" if skipped else ""
    )
    if summary.source is SourceKind.DIRECTORY:
        code, text = "no-person-entries", "0 person entries read — check the filter or the export"
    else:
        code, text = "no-sis-records", "0 SIS records read — check the extract"
    return Finding(code, Severity.ERROR, summary.source.value, None, 0, f"{text} ({where}).")
