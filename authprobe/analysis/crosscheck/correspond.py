"""Every plausible pair measured: under each cumulative step, then under the adopted steps.

The steps that pay for themselves are adopted (`adopted_steps`), and the pair is measured once
more under exactly those steps, with its conflicts (people matching several entries) and who
finds no partner, by population and reason (`unmatched`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

import polars as pl

from authprobe.analysis.crosscheck.collected import CollectedSide
from authprobe.analysis.crosscheck.collisions import Collide, collider, no_collisions
from authprobe.analysis.crosscheck.columns import HASH, HOLDERS, RECORD, Chain, isin
from authprobe.analysis.crosscheck.discovery import overlaps_without, plausible_pairs
from authprobe.analysis.crosscheck.index import SideIndex
from authprobe.analysis.crosscheck.kernels import CUMULATIVE, ordered
from authprobe.analysis.crosscheck.measure import (
    PairMeasure,
    examples,
    measure,
    several,
    share,
    step_counts,
)
from authprobe.analysis.crosscheck.unmatched import unmatched
from authprobe.analysis.normalize import EXACT, MERGING, STEPS
from authprobe.model import Correspondence, StepCollision, StepCoverage
from authprobe.runtime import give_back_memory
from authprobe.runtime.progress import Wrap, no_wrap

STEP_MIN_GAIN_SHARE = 0.005
"""A transforming step is adopted only if it gains at least 0.5 % of the SIS records."""
_AFTER_CASEFOLD = frozenset(list(STEPS)[list(STEPS).index("casefold") + 1 :])


def adopted_steps(
    steps: list[StepCoverage], sis_records: int, collide: Collide = no_collisions
) -> tuple[tuple[str, ...], tuple[StepCollision, ...]]:
    """Steps whose gain pays for itself: casefold on any gain (Alma compares without case),
    the others only when they gain at least 0.5 % of the SIS records — and a merging step
    (`MERGING`) only when it joins no different people (`collide` finds nothing). Returns the
    adopted steps and the collisions of the steps refused."""
    adopted: list[str] = []
    refused: list[StepCollision] = []
    minimum = max(1, STEP_MIN_GAIN_SHARE * sis_records)
    for previous, current in pairwise(steps):
        gain = current.matched - previous.matched
        if not ((current.step == "casefold" and gain > 0) or gain >= minimum):
            continue
        if current.step in MERGING:
            found = collide(tuple(adopted), current.step)
            if found:
                refused.extend(found)
                continue
        adopted.append(current.step)
    return tuple(adopted), tuple(refused)


def _needs_casefold_too(adopted: tuple[str, ...]) -> bool:
    """A later step was measured on top of casefold (the steps are cumulative), so its gain may
    need casefold too: `JDOE` vs `jdoe@college.ca` joins only with both."""
    return "casefold" not in adopted and bool(_AFTER_CASEFOLD.intersection(adopted))


def correspond(
    sis: SideIndex,
    sis_field: str,
    directory: SideIndex,
    attribute: str,
    *,
    others: tuple[str, ...] = (),
) -> Correspondence:
    """Measure one pair under every cumulative step, then under the adopted steps.

    `others` are further directory attributes overlapping the SIS field: an unmatched person
    whose value is found there is counted as "present under another attribute".
    """
    return _correspond(sis, sis_field, directory, attribute, others, set_aside=False)[0]


def _step_coverages(
    s: CollectedSide, sis_field: str, d: CollectedSide, attribute: str
) -> list[StepCoverage]:
    """The pair measured exactly, then under each cumulative step."""
    steps = []
    for name, chain in ((EXACT, ()), *CUMULATIVE):
        matched, dir_matched = step_counts(s, s.chain(sis_field, chain), d.chain(attribute, chain))
        steps.append(
            StepCoverage(
                step=name,
                matched=matched,
                sis_coverage=share(matched, s.records),
                directory_matched=dir_matched,
                directory_coverage=share(dir_matched, d.records),
            )
        )
    return steps


def _final_measure(
    s: CollectedSide, sis_field: str, d: CollectedSide, attribute: str, adopted: tuple[str, ...]
) -> tuple[tuple[str, ...], Chain, Chain, PairMeasure]:
    """The pair measured under the adopted steps (with casefold added when it adds matches):
    the steps, both chains and the measure."""
    sis_chain, dir_chain = s.chain(sis_field, adopted), d.chain(attribute, adopted)
    final = measure(sis_chain, dir_chain)
    if _needs_casefold_too(adopted):
        # casefold costs nothing (Alma compares without case): keep it when it adds matches
        with_case = ordered((*adopted, "casefold"))
        case_chains = s.chain(sis_field, with_case), d.chain(attribute, with_case)
        if step_counts(s, *case_chains)[0] > final.matched:
            adopted, (sis_chain, dir_chain), final = with_case, case_chains, measure(*case_chains)
    return adopted, sis_chain, dir_chain, final


def _correspond(
    sis: SideIndex,
    sis_field: str,
    directory: SideIndex,
    attribute: str,
    others: tuple[str, ...],
    *,
    set_aside: bool,
) -> tuple[Correspondence, bool]:
    """`correspond`, and whether the pair's values meet only through a refused step. With
    `set_aside`, such a pair is not measured further (no conflicts, no unmatched breakdown:
    it is no candidate, and those would cost the most for it)."""
    s, d = sis.final, directory.final
    steps = _step_coverages(s, sis_field, d, attribute)
    adopted, collisions = adopted_steps(steps, s.records, collider(s, sis_field, d, attribute))
    refused = {collision.step for collision in collisions}
    aside = set_aside and bool(refused)
    aside = aside and not overlaps_without(s, sis_field, d, attribute, refused)
    adopted, sis_chain, dir_chain, final = _final_measure(s, sis_field, d, attribute, adopted)
    multi = d.columns[attribute].multi
    with_case = ordered((*adopted, "casefold"))
    sis_dupes = s.chain(sis_field, with_case).counts.filter(pl.col(HOLDERS) > 1).height
    nobody = pl.Series([], dtype=pl.UInt32)
    sis_several = nobody if aside else several(final.sis_joined, sis_chain.multi, dir_chain)
    dir_several = nobody if aside else several(final.directory_joined, dir_chain.multi, sis_chain)
    missed = () if aside else unmatched(sis, sis_field, directory, attribute, adopted, others)
    pair = Correspondence(
        sis_field=sis_field,
        directory_attribute=attribute,
        normalisation=adopted,
        matched=final.matched,
        sis_records=s.records,
        sis_coverage=share(final.matched, s.records),
        directory_matched=final.directory_matched,
        directory_records=d.records,
        directory_coverage=share(final.directory_matched, d.records),
        steps=tuple(steps),
        populations=s.populations_of(final.matched_sis) + d.populations_of(final.matched_directory),
        sis_ambiguous=final.sis_ambiguous,
        directory_ambiguous=final.directory_ambiguous,
        directory_multi_valued=int(isin(multi, final.matched_directory).sum()),
        name_derived_share=max(d.name_derived_share(attribute), s.name_derived_share(sis_field)),
        sis_duplicate_values=sis_dupes,
        sis_multiple=sis_several.len(),
        directory_multiple=dir_several.len(),
        sis_multiple_examples=examples(s, sis_several),
        directory_multiple_examples=examples(d, dir_several),
        unmatched=missed,
        other_attributes=others,
        collisions=collisions,
    )
    return pair, aside


Pairs = Iterable[tuple[int, int]]


def crosscheck(
    sis: SideIndex,
    directory: SideIndex,
    *,
    set_aside: list[Correspondence] | None = None,
    counted: Wrap | None = None,
    keep_unpaired: bool = True,
) -> list[Correspondence]:
    """Every plausible pair, measured; best SIS coverage first.

    A pair whose values overlap only through a step that would join different people is not
    returned; it goes to `set_aside` (when given), with its collisions, so it can be reported.
    `counted` (when given) sees each directory attribute as pairs are looked for, then each
    pair as it is measured (the CLI shows progress with it). Without `keep_unpaired`, the
    columns of the fields in no plausible pair are let go once the pairs are found (memory:
    `recommend` has made its profiles from them before).
    """
    pairs = plausible_pairs(sis, directory, counted or no_wrap)
    if not keep_unpaired:
        paired_fields, paired_attributes = {f for f, _ in pairs}, {a for _, a in pairs}
        sis.let_go([f for f in sis.final.columns if f not in paired_fields])
        directory.let_go([a for a in directory.final.columns if a not in paired_attributes])
        give_back_memory()
    others = {pair: _others(pairs, *pair) for pair in pairs}
    # measured attribute by attribute: a directory attribute's chains (a million rows each, under
    # several steps) go as soon as its own pairs are measured; the few SIS fields' stay
    first: dict[str, int] = {}
    for number, (_, attribute) in enumerate(pairs):
        first.setdefault(attribute, number)
    order = sorted(range(len(pairs)), key=lambda number: (first[pairs[number][1]], number))
    results: dict[int, tuple[Correspondence, bool]] = {}
    measured: Pairs = enumerate(order)
    if counted is not None:
        measured = counted(measured, "cross-checking pairs", len(pairs))
    for position, index in measured:
        sis_field, attribute = pairs[index]
        results[index] = _correspond(
            sis, sis_field, directory, attribute, others[(sis_field, attribute)], set_aside=True
        )
        _let_go(sis, directory, pairs, others, order, position)
    found = []
    for index in range(len(pairs)):  # in the pairs' own order, whatever the measuring order
        pair, aside = results[index]
        if not aside:
            found.append(pair)
        elif set_aside is not None:
            set_aside.append(pair)
    found.sort(key=lambda c: (-c.matched, c.sis_field, c.directory_attribute.casefold()))
    return found


def _let_go(
    sis: SideIndex,
    directory: SideIndex,
    pairs: list[tuple[str, str]],
    others: dict[tuple[str, str], tuple[str, ...]],
    order: list[int],
    position: int,
) -> None:
    """Forget the chains no pair measured after `position` (in `order`) needs: a SIS field's
    after its last pair; a directory attribute's after its last pair as the pair's attribute,
    once the masks the later pairs ask of it as one of their `others` are made (`reaches`: a
    bit a record, the same whenever made)."""
    sis_field, attribute = pairs[order[position]]
    later = [pairs[number] for number in order[position + 1 :]]
    s, d = sis.final, directory.final
    if all(field != attribute for _, field in later):
        for pair in later:
            if attribute in others[pair]:
                s.reaches(pair[0], d, attribute)
                d.reaches(attribute, s, pair[0])
        d.forget(attribute)
    if all(field != sis_field for field, _ in later):
        s.forget(sis_field)


def matched_by_population(
    side: SideIndex,
    name: str,
    others: Sequence[tuple[SideIndex, str]],
    steps: tuple[str, ...],
) -> dict[str, int]:
    """Records of `side` per population that find a partner under exactly `steps` (nothing is
    decided again) in any of `others` ((index, field) of the other source): how a group set
    aside would fare under the winner's own normalisation."""
    mine = side.final
    if not side.records or name not in mine.columns:
        return {}
    targets = [
        other.final.chain(other_name, steps).distinct
        for other, other_name in others
        if other.records and other_name in other.final.columns
    ]
    if not targets:
        return {}
    target = pl.concat(targets).unique()
    numbers = mine.chain(name, steps).frame.filter(isin(pl.col(HASH), target))[RECORD].unique()
    return {p.population: p.matched for p in mine.populations_of(numbers) if p.matched}


def _others(pairs: list[tuple[str, str]], sis_field: str, attribute: str) -> tuple[str, ...]:
    found = {a for f, a in pairs if f == sis_field and a != attribute}
    return tuple(sorted(found, key=lambda a: (a.casefold(), a)))
