"""Test-only oracle: the original pure-Python cross-check and exceptions, kept verbatim
except for the rule that a joining step is refused when it would join different people
(issue 13, A3), written here independently of the engine.

The polars engine in `authprobe.analysis.crosscheck` must give exactly the same results as this
module on any input (tests/unit/test_crosscheck_properties.py). Do not optimise this file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise

from authprobe.analysis.normalize import EXACT, STEPS
from authprobe.model import (
    Correspondence,
    Mismatch,
    PopulationCoverage,
    Record,
    SourceKind,
    StepCollision,
    StepCoverage,
)

_NOT_IDENTIFIER_NAMES = (
    "objectClass",
    "objectCategory",
    "memberOf",
    "member",
    "userAccountControl",
    "sAMAccountType",
    "instanceType",
    "primaryGroupID",
    "codePage",
    "countryCode",
    "whenCreated",
    "whenChanged",
    "uSNCreated",
    "uSNChanged",
    "pwdLastSet",
    "lastLogon",
    "lastLogonTimestamp",
    "lastLogoff",
    "badPasswordTime",
    "badPwdCount",
    "logonCount",
    "accountExpires",
    "dSCorePropagationData",
    "userPassword",
    "unicodePwd",
    "createTimestamp",
    "modifyTimestamp",
    "creatorsName",
    "modifiersName",
    "structuralObjectClass",
    "entryCSN",
    "hasSubordinates",
    "subschemaSubentry",
    "eduPersonAffiliation",
    "eduPersonScopedAffiliation",
    "eduPersonPrimaryAffiliation",
    "employeeType",
    "loginShell",
    "homeDirectory",
    "gidNumber",
)
NOT_IDENTIFIERS = frozenset(name.casefold() for name in (*_NOT_IDENTIFIER_NAMES, "email:all"))
"""Attributes that never carry a person's identifier; not worth joining (still profiled).
`email:all` (every SIS email) is profiled but joined only through `email`, the preferred one."""

MIN_OVERLAP = 2
OVERLAP_SHARE = 0.01
STEP_MIN_GAIN_SHARE = 0.005
"""A transforming step is adopted only if it gains at least 0.5 % of the SIS records."""

Entries = list[tuple[int, str]]


@dataclass
class SideIndex:
    """One source, column-wise: per field, the (record number, value) pairs."""

    source: SourceKind
    records: int = 0
    populations: list[str | None] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    names: list[tuple[str, ...]] = field(default_factory=list)
    fields: dict[str, Entries] = field(default_factory=dict)
    multi_valued: dict[str, set[int]] = field(default_factory=dict)
    _cache: dict[tuple[str, tuple[str, ...]], Entries] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        """Collect one record."""
        number = self.records
        self.records += 1
        self.populations.append(record.population)
        self.refs.append(record.ref)
        self.names.append(_name_parts(record))
        for name, values in record.attrs.items():
            if name.casefold() in NOT_IDENTIFIERS or not values:
                continue
            entries = self.fields.get(name)
            if entries is None:
                entries = self.fields[name] = []
            distinct = tuple(dict.fromkeys(values))
            if len(distinct) > 1:
                self.multi_valued.setdefault(name, set()).add(number)
            entries.extend((number, value) for value in distinct)

    def normalised(self, name: str, steps: tuple[str, ...]) -> Entries:
        """The field's entries with `steps` applied (cached)."""
        key = (name, steps)
        cached = self._cache.get(key)
        if cached is None:
            funcs = [STEPS[step] for step in steps]
            cached = [(number, _apply(funcs, value)) for number, value in self.fields[name]]
            self._cache[key] = cached
        return cached

    def holders(self, name: str, steps: tuple[str, ...]) -> dict[str, int]:
        """Normalised value -> number of distinct records holding it."""
        seen: dict[str, int] = {}
        last: dict[str, int] = {}
        for number, value in self.normalised(name, steps):
            if last.get(value) != number:
                last[value] = number
                seen[value] = seen.get(value, 0) + 1
        return seen

    def name_derived_share(self, name: str) -> float:
        """Share of this field's holders whose value contains their surname or given name."""
        holders = 0
        derived = 0
        last_number = -1
        for number, value in self.fields.get(name, ()):
            if number == last_number:
                continue
            last_number = number
            parts = self.names[number]
            if not parts:
                continue
            holders += 1
            folded = value.casefold()
            if any(part in folded for part in parts):
                derived += 1
        return derived / holders if holders else 0.0


def _apply(funcs: list[Callable[[str], str]], value: str) -> str:
    for func in funcs:
        value = func(value)
    return value


_NAME_KEYS = ("sn", "surname", "givenname", "last_name", "first_name")


def _name_parts(record: Record) -> tuple[str, ...]:
    """The person's surname and given name (casefolded, 3+ letters) from attrs or info."""
    parts: list[str] = []
    for key, values in record.attrs.items():
        if key.casefold() in _NAME_KEYS:
            parts.extend(values)
    for key, value in record.info.items():
        if key.casefold() in _NAME_KEYS:
            parts.append(value)
    return tuple(
        folded
        for folded in dict.fromkeys(part.casefold().strip() for part in parts)
        if len(folded) >= 3
    )


def collect(records: Iterable[Record], source: SourceKind) -> SideIndex:
    """Collect every record of one source."""
    side = SideIndex(source)
    for record in records:
        side.add(record)
    return side


CUMULATIVE: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (name, tuple(list(STEPS)[: index + 1])) for index, name in enumerate(STEPS)
)


@dataclass(frozen=True, slots=True)
class _Measure:
    matched: int
    directory_matched: int
    matched_sis: frozenset[int]
    matched_directory: frozenset[int]
    sis_ambiguous: int
    directory_ambiguous: int


def _measure(
    sis: SideIndex, sis_field: str, directory: SideIndex, attribute: str, steps: tuple[str, ...]
) -> _Measure:
    dir_holders = directory.holders(attribute, steps)
    sis_holders = sis.holders(sis_field, steps)
    matched_sis: set[int] = set()
    ambiguous_sis: set[int] = set()
    for number, value in sis.normalised(sis_field, steps):
        count = dir_holders.get(value)
        if count:
            matched_sis.add(number)
            if count > 1:
                ambiguous_sis.add(number)
    matched_dir: set[int] = set()
    ambiguous_dir: set[int] = set()
    for number, value in directory.normalised(attribute, steps):
        count = sis_holders.get(value)
        if count:
            matched_dir.add(number)
            if count > 1:
                ambiguous_dir.add(number)
    return _Measure(
        matched=len(matched_sis),
        directory_matched=len(matched_dir),
        matched_sis=frozenset(matched_sis),
        matched_directory=frozenset(matched_dir),
        sis_ambiguous=len(ambiguous_sis),
        directory_ambiguous=len(ambiguous_dir),
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _plausible_pairs(sis: SideIndex, directory: SideIndex) -> list[tuple[str, str]]:
    """Pairs whose values overlap once fully normalised (no guessing by the user)."""
    full = CUMULATIVE[-1][1]
    sis_sets = {name: {v for _, v in sis.normalised(name, full)} for name in sis.fields}
    dir_sets = {name: {v for _, v in directory.normalised(name, full)} for name in directory.fields}
    pairs = []
    for sis_field, sis_values in sis_sets.items():
        for attribute, dir_values in dir_sets.items():
            smaller, larger = sorted((sis_values, dir_values), key=len)
            overlap = sum(1 for value in smaller if value in larger)
            if overlap >= max(MIN_OVERLAP, OVERLAP_SHARE * len(smaller)):
                pairs.append((sis_field, attribute))
    return pairs


# Steps that can make two different identifiers one (issue 13, A3), written out here rather
# than imported, so the oracle states the rule on its own.
JOINING_STEPS = ("strip-scope", "strip-leading-zeros", "digits-only")


def _joined_people(
    side: SideIndex,
    name: str,
    other: SideIndex,
    other_name: str,
    before: tuple[str, ...],
    after: tuple[str, ...],
) -> StepCollision | None:
    """On `side`: values under `after` that `other` also holds and that are reached from two
    or more different values under `before`, by two or more different records."""
    wanted = {value for _, value in other.normalised(other_name, after)}
    sources: dict[str, set[str]] = {}
    holders: dict[str, set[int]] = {}
    for (number, old), (same, new) in zip(
        side.normalised(name, before), side.normalised(name, after), strict=True
    ):
        assert number == same
        if new in wanted:
            sources.setdefault(new, set()).add(old)
            holders.setdefault(new, set()).add(number)
    joined = [new for new in sources if len(sources[new]) >= 2 and len(holders[new]) >= 2]
    if not joined:
        return None
    records = set().union(*(holders[new] for new in joined))
    first = min(side.refs[number] for number in records)
    near = set().union(
        *(holders[new] for new in joined if first in {side.refs[n] for n in holders[new]})
    )
    examples = tuple(sorted({side.refs[number] for number in near})[:3])
    return StepCollision("", side.source, len(joined), len(records), examples)


def _adopted_steps(
    steps: list[StepCoverage],
    sis_records: int,
    sis: SideIndex | None = None,
    sis_field: str = "",
    directory: SideIndex | None = None,
    attribute: str = "",
) -> tuple[tuple[str, ...], tuple[StepCollision, ...]]:
    """Steps whose gain pays for itself: casefold on any gain (Alma compares without case),
    the others only when they gain at least 0.5 % of the SIS records. A joining step is
    refused when, compared with the values before any joining step (case ignored), it makes
    different values of different records one, among the values both sides then hold."""
    adopted: list[str] = []
    refused: list[StepCollision] = []
    minimum = max(1, STEP_MIN_GAIN_SHARE * sis_records)
    for previous, current in pairwise(steps):
        gain = current.matched - previous.matched
        if not ((current.step == "casefold" and gain > 0) or gain >= minimum):
            continue
        if current.step in JOINING_STEPS and sis is not None and directory is not None:
            before = _ordered(
                (*[step for step in adopted if step not in JOINING_STEPS], "casefold")
            )
            after = _ordered((*adopted, "casefold", current.step))
            found = [
                replace(collision, step=current.step)
                for collision in (
                    _joined_people(sis, sis_field, directory, attribute, before, after),
                    _joined_people(directory, attribute, sis, sis_field, before, after),
                )
                if collision is not None
            ]
            if found:
                refused.extend(found)
                continue
        adopted.append(current.step)
    return tuple(adopted), tuple(refused)


def _populations(side: SideIndex, matched: frozenset[int]) -> tuple[PopulationCoverage, ...]:
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for number, population in enumerate(side.populations):
        key = population or "(none)"
        totals[key] += 1
        if number in matched:
            hits[key] += 1
    return tuple(
        PopulationCoverage(side.source, name, totals[name], hits[name]) for name in sorted(totals)
    )


def correspond(
    sis: SideIndex, sis_field: str, directory: SideIndex, attribute: str
) -> Correspondence:
    """Measure one pair under every cumulative step, then under the adopted steps."""
    steps = []
    for name, chain in ((EXACT, ()), *CUMULATIVE):
        measure = _measure(sis, sis_field, directory, attribute, chain)
        steps.append(
            StepCoverage(
                step=name,
                matched=measure.matched,
                sis_coverage=_share(measure.matched, sis.records),
                directory_matched=measure.directory_matched,
                directory_coverage=_share(measure.directory_matched, directory.records),
            )
        )
    adopted, refused = _adopted_steps(steps, sis.records, sis, sis_field, directory, attribute)
    final = _measure(sis, sis_field, directory, attribute, adopted)
    later = {"strip-scope", "strip-leading-zeros", "digits-only"}
    if "casefold" not in adopted and later.intersection(adopted):
        with_case = _ordered((*adopted, "casefold"))
        cased = _measure(sis, sis_field, directory, attribute, with_case)
        if cased.matched > final.matched:
            adopted, final = with_case, cased
    multi = directory.multi_valued.get(attribute, set())
    with_case = adopted if "casefold" in adopted else (*adopted, "casefold")
    sis_dupes = sum(
        1 for count in sis.holders(sis_field, _ordered(with_case)).values() if count > 1
    )
    return Correspondence(
        sis_field=sis_field,
        directory_attribute=attribute,
        normalisation=adopted,
        matched=final.matched,
        sis_records=sis.records,
        sis_coverage=_share(final.matched, sis.records),
        directory_matched=final.directory_matched,
        directory_records=directory.records,
        directory_coverage=_share(final.directory_matched, directory.records),
        steps=tuple(steps),
        populations=_populations(sis, final.matched_sis)
        + _populations(directory, final.matched_directory),
        sis_ambiguous=final.sis_ambiguous,
        directory_ambiguous=final.directory_ambiguous,
        directory_multi_valued=len(multi & final.matched_directory),
        name_derived_share=max(
            directory.name_derived_share(attribute), sis.name_derived_share(sis_field)
        ),
        sis_duplicate_values=sis_dupes,
        collisions=refused,
    )


def _ordered(steps: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(step for step in STEPS if step in steps)


def _still_overlaps(sis: SideIndex, sis_field: str, directory: SideIndex, attribute: str,
                    left_out: set[str]) -> bool:  # fmt: skip
    steps = tuple(step for step in STEPS if step not in left_out)
    mine = {value for _, value in sis.normalised(sis_field, steps)}
    theirs = {value for _, value in directory.normalised(attribute, steps)}
    smaller, larger = sorted((mine, theirs), key=len)
    overlap = sum(1 for value in smaller if value in larger)
    return overlap >= max(MIN_OVERLAP, OVERLAP_SHARE * len(smaller))


def crosscheck(sis: SideIndex, directory: SideIndex) -> list[Correspondence]:
    """Every plausible pair, measured; best SIS coverage first. A pair that overlaps only
    through a refused joining step is left out."""
    found = []
    for sis_field, attribute in _plausible_pairs(sis, directory):
        pair = correspond(sis, sis_field, directory, attribute)
        left_out = {collision.step for collision in pair.collisions}
        if not left_out or _still_overlaps(sis, sis_field, directory, attribute, left_out):
            found.append(pair)
    found.sort(key=lambda c: (-c.matched, c.sis_field, c.directory_attribute.casefold()))
    return found


# --- exceptions (verbatim from authprobe/analysis/exceptions.py) ---

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


def reference_mismatches(
    sis: SideIndex, directory: SideIndex, pair: Correspondence
) -> Iterator[Mismatch]:
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
