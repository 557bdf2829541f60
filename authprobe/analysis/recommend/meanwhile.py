"""The directory's counted field profiles, frozen by a forked child while this process goes on.

Once both sources are read, `recommend` freezes the field profiles of both, decides the SIS
Match ID and cross-checks the sources. The directory's profiles of the attributes its profiler
counted (the others are made from the cross-check's columns afterwards: `profile_columns`) are
needed only when the report is put together, and freezing them (shapes, lengths, case
collisions of every distinct value) touches no polars: a forked child can do it while this
process does the rest, the cross-check included. (The cross-check itself cannot move to a
child: polars' worker threads do not survive `fork`, and a forked child that calls polars waits
for them forever.)

`Later(profiler)` forks at once when the profiles are large enough to pay for it; `result()`
gives the profiles, the same as `profiler.result()`: read from the child, or frozen here
where `fork` is missing, the profiles are small, or the child failed.
"""

from __future__ import annotations

from authprobe.analysis.profile import PARALLEL_MIN_VALUES, SourceProfiler
from authprobe.model import FieldProfile
from authprobe.runtime import ChildFailed, ForkedBatches, can_fork


class Later:
    """`profiler.result()`, under way in a forked child for large profiles."""

    def __init__(self, profiler: SourceProfiler, *, min_values: int = PARALLEL_MIN_VALUES) -> None:
        self._profiler = profiler
        self._child: ForkedBatches[FieldProfile, None] | None = None
        values = sum(len(field.counts) for field in profiler.fields.values())
        if not can_fork() or values < min_values:
            return
        try:
            self._child = ForkedBatches(
                lambda: iter([profiler.result()]), lambda: None, doing="freezing profiles"
            )
        except OSError:  # no fork now (memory, process limit): frozen here when asked
            return

    @property
    def forked(self) -> bool:
        """Whether a child is freezing the profiles (so this process has one core, not two)."""
        return self._child is not None

    def result(self) -> list[FieldProfile]:
        """Every field's profile, in the profiler's order."""
        child, self._child = self._child, None
        if child is not None:
            try:
                return [profile for batch in child for profile in batch]
            except ChildFailed:  # the child died (killed, out of memory): frozen here instead
                pass
        return self._profiler.result(parallel=True)
