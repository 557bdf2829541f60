"""Exceptions: the SIS records that find no directory entry under the recommended pair, and why.

The registrar fixes these one by one, so each gets the plainest reason that explains it:

- `absent`: the SIS record has no value in the recommended field;
- `differs by whitespace` / `differs by case` / `differs by scope` / `differs by leading zeros` /
  `differs by other characters`: a directory entry holds the same value once that normalisation
  step (one the recommendation did not adopt) is also applied;
- `no directory entry with that value`: nothing in the directory comes close.
"""

from __future__ import annotations

from collections.abc import Iterator

from authprobe.analysis.crosscheck import SideIndex
from authprobe.analysis.normalize import STEPS
from authprobe.model import Correspondence, Mismatch

ABSENT = "absent"
NOT_FOUND = "no directory entry with that value"
STEP_REASONS = {
    "trim": "differs by whitespace",
    "casefold": "differs by case",
    "strip-scope": "differs by scope",
    "strip-leading-zeros": "differs by leading zeros",
    "digits-only": "differs by other characters",
}
REASONS = (ABSENT, *STEP_REASONS.values(), NOT_FOUND)
"""Every reason, in the order the report lists them."""


def _chain(adopted: tuple[str, ...], extra: str) -> tuple[str, ...]:
    wanted = {*adopted, extra}
    return tuple(step for step in STEPS if step in wanted)


def _normalise(value: str, steps: tuple[str, ...]) -> str:
    for step in steps:
        value = STEPS[step](value)
    return value


def mismatches(sis: SideIndex, directory: SideIndex, pair: Correspondence) -> Iterator[Mismatch]:
    """Yield one `Mismatch` per SIS record that does not match under `pair`, in reading order."""
    adopted = pair.normalisation
    matched_values = directory.holders(pair.directory_attribute, adopted)
    values: dict[int, list[str]] = {}
    for number, value in sis.fields.get(pair.sis_field, ()):
        values.setdefault(number, []).append(value)
    # cumulative extra steps, each on top of the previous ones
    ladders: list[tuple[str, tuple[str, ...]]] = []
    chain = adopted
    for step in STEPS:
        if step in chain:
            continue
        chain = _chain(chain, step)
        ladders.append((step, chain))
    looked_up: dict[tuple[str, ...], dict[str, int]] = {}
    for number in range(sis.records):
        own = values.get(number)
        population = sis.populations[number]
        ref = sis.refs[number]
        if not own:
            yield Mismatch(ref, population, ABSENT)
            continue
        if any(_normalise(value, adopted) in matched_values for value in own):
            continue
        reason = NOT_FOUND
        for step, steps in ladders:
            holders = looked_up.get(steps)
            if holders is None:
                holders = looked_up[steps] = directory.holders(pair.directory_attribute, steps)
            if any(_normalise(value, steps) in holders for value in own):
                reason = STEP_REASONS[step]
                break
        yield Mismatch(ref, population, reason, own[0])
