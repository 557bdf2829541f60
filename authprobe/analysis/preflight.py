"""The first SIS load, predicted: each SIS record's outcome and each existing user's fate.

These are Alma's load rules as far as Ex Libris and the consortia document them, all in this
module so that a corrected rule is a change in one place. Sources:

[SYNC]  Alma Online Help, "Student Information Systems" / Ex Libris Developer Network, "SIS
        synchronize": Synchronize looks each record up by the integration profile's Match ID
        Type (primary_id or one identifier type) and updates the user it finds; an unmatched
        record is added ("Unmatched Record: Add"). Every record must carry the Match ID.
[UNIQ]  Alma Online Help, "Managing user identifiers"; rest_user.xsd: every primary and
        additional identifier is unique across all users and all identifier fields, compared
        without letter case (Ex Libris blog "Case-insensitive identifiers and emails in Alma").
        The load rejects a record whose identifier another user holds: "Identifier of type X
        and value Y is already taken AcrossInstitution", or an earlier record of the same file
        took: "... already taken ... in this feed"; it loads the first and rejects the next.
[EXT]   SIS job report "User is not external": a record whose match finds an INTERNAL user is
        not loaded (the SIS manages EXTERNAL users only).
[AMBIG] SIS job report: a match value held by more than one user cannot be resolved.
[DUPL]  CLO "Patron files – mandatory fields" and the OCLS migration notes: a record that finds
        nobody is created beside the migrated record of the same person when that record lacks
        the match value: a duplicate patron (recognised by name + birth date, or email).

Definitions used below. Values compare trimmed and casefolded. A record's *identifier values*
are its primary_id and every additional identifier value (any type, any status); an existing
user *holds* a value when it is its primary_id or one of its identifier values. The *Match ID
field* is primary_id or the identifiers of the chosen type; a record's *match value* is its
value in that field (the first, if several). Records are walked in load order.

Each SIS record gets exactly one outcome, the first that applies (`Outcome`, in this order):
1. missing-match-id  — no value in the Match ID field [SYNC].
2. rejected-in-feed  — one of its identifier values appears twice in the record itself, or was
   already used by an earlier record of this load that Alma loaded (update, create or
   create-duplicate); a rejected earlier record takes nothing [UNIQ].
3. ambiguous         — more than one existing user holds its match value in the Match ID field
   [AMBIG].
4. not-external      — exactly one does, and it is INTERNAL [EXT].
5. rejected-taken    — one of its identifier values is held by an existing user other than the
   one its match value found (every holder, when it found nobody) [UNIQ].
6. update            — exactly one EXTERNAL user holds its match value there [SYNC].
7. create-duplicate  — Alma creates a user, but the same person is already in Alma under a
   record no SIS record's match value found: same normalised first + last name and birth date,
   or the same email address [DUPL].
8. create            — everything else [SYNC].
Each existing user gets one fate: updated (found by a record whose outcome is update), blocked
(found by some record's match value, whatever that record's outcome, but not updated), orphan
(EXTERNAL, found by no record's match value), untouched-internal (INTERNAL, found by none).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

from authprobe.analysis.loadcolumns import F, LoadColumns, R, V
from authprobe.analysis.preflight_rows import (
    CODE,
    OUTCOMES,
    PreflightTable,
    U,
    _isin,
    _where,
)
from authprobe.model import (
    Fate,
    Outcome,
    PopulationOutcomes,
    Preflight,
)

FATES: tuple[Fate, ...] = tuple(Fate)
BY_NAME = "name and birth date"
BY_EMAIL = "email"
NO_GROUP = "(none)"


@dataclass(frozen=True, slots=True)
class PreflightResult:
    """The summary (`Preflight`) and every record's row (`rows`, produced on demand)."""

    summary: Preflight
    rows: PreflightTable


class PreflightEngine:
    """The SIS load (in load order) against the users already in Alma; `run(field)` per Match
    ID Type. What does not depend on the Match ID Type is computed once and cached."""

    def __init__(self, sis: LoadColumns, existing: LoadColumns) -> None:
        self.sis = sis
        self.existing = existing

    # -- independent of the Match ID Type ------------------------------------------------------

    # Identifier values are nearly always unique: each side's rows are split once into those
    # whose value occurs once (nothing to deduplicate, count or contest) and the few whose value
    # may occur again (`_maybe_repeated`), which alone are grouped, exactly.

    @cached_property
    def _sis_split(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(r, v) of the SIS load: the rows whose value occurs once, the others."""
        return _split(self.sis.values.select(R, V))

    @cached_property
    def _twice_in_record(self) -> pl.Series:
        """SIS records holding one identifier value twice (rule 2)."""
        repeated = self._sis_split[1]
        return repeated.filter(repeated.is_duplicated()).get_column(R).unique()

    @cached_property
    def _existing_split(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(r, f, v) of the export: the rows whose value occurs once, the others."""
        return _split(self.existing.values.select(R, F, V))

    @cached_property
    def _first_in_field(self) -> pl.Series:
        """Whether each SIS value row is its record's first value in its field (the match value,
        if that field is the Match ID Type). Few records carry a field twice: only the keys
        that sorting shows repeated are looked at."""
        values = self.sis.values
        keys = values.select(
            (pl.col(R).cast(pl.UInt64) * (1 << 16) + pl.col(F).cast(pl.UInt64)).alias("k")
        ).get_column("k")
        ordered = keys.sort()
        repeated = ordered.filter(ordered == ordered.shift(1)).unique()
        first = pl.repeat(True, keys.len(), dtype=pl.Boolean, eager=True)
        if repeated.len():
            where = keys.is_in(repeated.implode()).arg_true()
            later = where.filter(~keys.gather(where).is_first_distinct())
            first = first.scatter(later, False)
        return first

    @cached_property
    def _all_held(self) -> pl.DataFrame:
        """(r, f, v, first, u, f_right): every SIS value row joined with every existing user
        holding that value, in field `f_right` (fields numbered as on the SIS side, -1 for a
        field the SIS load does not carry). One join serves every Match ID Type."""
        sis_codes = self.sis.field_codes
        theirs = {code: sis_codes.get(name, -1) for name, code in self.existing.field_codes.items()}
        once, repeated = self._existing_split
        holders = pl.concat([once, repeated.unique()]).select(
            pl.col(R).alias(U),
            pl.col(F).replace_strict(theirs, return_dtype=pl.Int32).alias("f_right"),
            V,
        )
        mine = self.sis.values.with_columns(
            pl.col(F).cast(pl.Int32), self._first_in_field.alias("first")
        )
        return _join_on_value(mine, holders)

    @cached_property
    def _match_values(self) -> pl.DataFrame:
        """(r, f, v): each SIS record's first value in each field."""
        return self.sis.values.filter(self._first_in_field)

    @cached_property
    def _found_in_field(self) -> pl.DataFrame:
        """(r, f, v, u): the existing users holding a SIS record's match value of field `f` in
        that same field (any position): whom the record finds if `f` is the Match ID Type."""
        held = self._all_held
        return held.filter(pl.col("first") & (pl.col(F) == pl.col("f_right"))).select(R, F, V, U)

    def held(self, records: pl.Series) -> pl.DataFrame:
        """(r, v, u) distinct: the values of these SIS records held by existing users."""
        held = self._all_held.filter(_isin(pl.col(R), records))
        return held.select(R, V, U).unique()

    @cached_property
    def _existing_keys(self) -> pl.DataFrame:
        """(r, v): the name + birth date keys of the existing users (made once: which users
        nobody finds depends on the Match ID Type)."""
        return self.existing.keys

    @cached_property
    def _holder_counts(self) -> pl.Series:
        """Per SIS record (by number): 0, 1 or 2 for none, one, or more than one distinct
        existing user holding any of its values (the rules only ask which)."""
        spread = self._all_held.group_by(R).agg(
            pl.when(pl.col(U).min() == pl.col(U).max()).then(1).otherwise(2).alias("nh")
        )
        return _dense(self.sis.records, spread, "nh", 0, pl.UInt8)

    @cached_property
    def _contested(self) -> dict[int, list[str]]:
        """SIS record -> its values that another SIS record also holds (rule 2, the feed)."""
        pairs = self._sis_split[1].unique()
        shared = pairs.filter(pairs.get_column(V).is_duplicated())
        grouped = shared.group_by(R).agg(pl.col(V).sort())
        return dict(zip(grouped[R].to_list(), grouped[V].to_list(), strict=True))

    @cached_property
    def corrupt_values(self) -> pl.DataFrame:
        """(v, holders, u): values held more than once in the export (by two users, or twice by
        one): a corrupt export. Every holder still counts in the rules."""
        return (
            self._existing_split[1]
            .select(R, V)
            .group_by(V)
            .agg(pl.len().alias("holders"), pl.col(R).min().alias(U))
            .filter(pl.col("holders") > 1)
        )

    # -- one Match ID Type ------------------------------------------------------------------

    def run(self, match_field: str) -> PreflightResult:
        """Every SIS record's outcome and every existing user's fate for `match_field`."""
        sis, existing = self.sis, self.existing
        code = sis.field_codes.get(match_field, -1)
        match = self._match_values.filter(pl.col(F) == code).select(R, V)
        found = self._found_in_field.filter(pl.col(F) == code).select(R, V, U)
        per_record = self._per_record(match, found)
        evidence = self._evidence(per_record, found)
        base = _base_outcomes(per_record, evidence)
        outcome, earlier = self._feed(base)
        fates = _fates(existing, found, outcome)
        table = PreflightTable(self, match_field, outcome, found, evidence, earlier, match)
        summary = Preflight(
            match_field=match_field,
            sis_records=sis.records,
            existing_users=existing.records,
            outcomes=_counts(outcome),
            fates=fates,
            populations=_populations(sis.groups, outcome),
            examples=table.examples(),
            evidence=_evidence_counts(evidence, outcome),
            existing_internal=int(existing.internal.sum()),
            duplicated_users=evidence.filter(
                _isin(pl.col(R), _where(outcome, Outcome.CREATE_DUPLICATE))
            )
            .get_column(U)
            .n_unique()
            if evidence.height
            else 0,
        )
        return PreflightResult(summary, table)

    def _per_record(self, match: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
        """One row per SIS record, by record number: has a match value, how many users it
        finds (`n_mh`), the user when it finds one (`one`) and whether that user is INTERNAL,
        whether none, one or several users hold any of its values (`nh`: 0, 1, 2)."""
        n = self.sis.records
        finds = found.group_by(R).agg(
            pl.col(U).n_unique().alias("n_mh"), pl.col(U).min().alias("one")
        )
        has_match = pl.repeat(False, n, dtype=pl.Boolean, eager=True)
        if match.height:
            has_match = has_match.scatter(match.get_column(R), True)
        one = _dense(n, finds, "one", None, pl.UInt32)
        internal = self.existing.internal
        one_internal = (
            internal.gather(one.fill_null(0)) & one.is_not_null()
            if internal.len()
            else pl.repeat(False, n, dtype=pl.Boolean, eager=True)
        )
        return pl.DataFrame(
            {
                R: pl.arange(0, n, dtype=pl.UInt32, eager=True),
                "has_m": has_match,
                "n_mh": _dense(n, finds, "n_mh", 0, pl.UInt32),
                "one": one,
                "nh": self._holder_counts,
                "one_internal": one_internal,
            }
        )

    def _evidence(self, per_record: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
        """(r, u, kind): for records that would be created, the existing record of the same
        person that no SIS record's match value found (rule 7)."""
        candidates = per_record.filter(
            pl.col("has_m") & (pl.col("n_mh") == 0) & (pl.col("nh") == 0)
        ).select(R)
        if not candidates.height:
            return pl.DataFrame(schema={R: pl.UInt32, U: pl.UInt32, "kind": pl.String})
        unfound = pl.repeat(True, self.existing.records, dtype=pl.Boolean, eager=True)
        if found.height:
            unfound = unfound.scatter(found.get_column(U).unique(), False)
        parts = []
        for kind, mine, theirs in (
            (  # keys are made for these records only: creations and users nobody finds
                BY_NAME,
                self.sis.keys_of(candidates.get_column(R)),
                self._existing_keys,
            ),
            (BY_EMAIL, self.sis.mails, self.existing.mails),
        ):
            theirs = theirs.rename({R: U})
            theirs = theirs.filter(unfound.gather(theirs.get_column(U)))
            parts.append(
                mine.join(candidates, on=R, how="semi")
                .join(theirs, on=V)
                .select(R, U, pl.lit(kind).alias("kind"))
            )
        return pl.concat(parts).unique()

    def _feed(self, base: pl.Series) -> tuple[pl.Series, dict[int, int]]:
        """Rule 2 over the base outcomes, in load order: a value twice in a record, or taken by
        an earlier loaded record. Returns the outcomes and, for records rejected because of an
        earlier record, that record's number."""
        missing = CODE[Outcome.MISSING_MATCH_ID]
        feed = CODE[Outcome.REJECTED_IN_FEED]
        loads = {CODE[o] for o in OUTCOMES if o.loads}
        codes = base.to_list()
        for record in self._twice_in_record.to_list():
            if codes[record] != missing:
                codes[record] = feed
        earlier: dict[int, int] = {}
        taken: dict[str, int] = {}
        for record, values in sorted(self._contested.items()):
            code = codes[record]
            if code in (missing, feed):
                continue
            holder = next((taken[v] for v in values if v in taken), None)
            if holder is not None:
                codes[record] = feed
                earlier[record] = holder
            elif code in loads:
                for value in values:
                    taken[value] = record
        return pl.Series("outcome", codes, dtype=pl.UInt8), earlier


def _split(values: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`values` (r, v) split into the rows whose value occurs once and the rest.

    Sorting 64-bit hashes finds the values that may repeat far faster than grouping the
    strings; a hash shared by two different values only moves their rows to the second part,
    where everything is grouped by the values themselves, so the results are exact."""
    hashes = values.get_column(V).hash()
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1)).unique()
    maybe = hashes.is_in(repeated.implode())
    return values.filter(~maybe), values.filter(maybe)


def _join_on_value(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    """`left.join(right, on=V)`, joined on the values' 64-bit hashes (far faster than on the
    strings) and then kept only where the values themselves are equal: exact."""
    theirs = right.rename({V: "v_right"}).with_columns(pl.col("v_right").hash().alias("h"))
    joined = left.with_columns(pl.col(V).hash().alias("h")).join(theirs, on="h")
    return joined.filter(pl.col(V) == pl.col("v_right")).drop("h", "v_right")


def _dense(
    n: int,
    frame: pl.DataFrame,
    column: str,
    fill: int | None,
    dtype: pl.DataType | type[pl.DataType],
) -> pl.Series:
    """`frame[column]` placed at each row's record number `r`, `fill` where no row has one."""
    dense = pl.repeat(fill, n, dtype=dtype, eager=True)
    if frame.height:
        dense = dense.scatter(frame.get_column(R), frame.get_column(column).cast(dtype))
    return dense.alias(column)


def _base_outcomes(per_record: pl.DataFrame, evidence: pl.DataFrame) -> pl.Series:
    """Rules 1 and 3-8 (rule 2 depends on the order of the load: `_feed`)."""
    duplicate = (
        _isin(pl.col(R), evidence.get_column(R).unique()) if evidence.height else pl.lit(False)
    )

    def code(outcome: Outcome) -> pl.Expr:
        return pl.lit(CODE[outcome], dtype=pl.UInt8)

    one = pl.col("n_mh") == 1
    expression = (
        pl.when(~pl.col("has_m"))
        .then(code(Outcome.MISSING_MATCH_ID))
        .when(pl.col("n_mh") > 1)
        .then(code(Outcome.AMBIGUOUS))
        .when(one & pl.col("one_internal"))
        .then(code(Outcome.NOT_EXTERNAL))
        .when(one & (pl.col("nh") > 1))
        .then(code(Outcome.REJECTED_TAKEN))
        .when(one)
        .then(code(Outcome.UPDATE))
        .when(pl.col("nh") > 0)
        .then(code(Outcome.REJECTED_TAKEN))
        .when(duplicate)
        .then(code(Outcome.CREATE_DUPLICATE))
        .otherwise(code(Outcome.CREATE))
    )
    return per_record.select(expression.alias("outcome")).get_column("outcome")


def _counts(outcome: pl.Series) -> dict[Outcome, int]:
    counted = dict(outcome.value_counts().iter_rows())
    return {o: int(counted.get(CODE[o], 0)) for o in OUTCOMES}


def _populations(groups: pl.Series, outcome: pl.Series) -> tuple[PopulationOutcomes, ...]:
    frame = pl.DataFrame({"g": groups.fill_null(NO_GROUP), "o": outcome})
    counted = frame.group_by("g", "o").len()
    table: dict[str, dict[Outcome, int]] = {}
    for group, code, count in counted.iter_rows():
        table.setdefault(group, dict.fromkeys(OUTCOMES, 0))[OUTCOMES[code]] = int(count)
    return tuple(
        PopulationOutcomes(group, sum(table[group].values()), table[group])
        for group in sorted(table, key=lambda g: (-sum(table[g].values()), g))
    )


def _fates(existing: LoadColumns, found: pl.DataFrame, outcome: pl.Series) -> dict[Fate, int]:
    """Each existing user's fate, counted."""
    updates = pl.DataFrame({R: _where(outcome, Outcome.UPDATE)})
    updated = found.join(updates, on=R, how="semi").get_column(U).n_unique()
    reached = found.get_column(U).unique()
    internal = existing.internal
    not_reached = internal.len() - reached.len()
    reached_internal = int(internal.gather(reached).sum()) if reached.len() else 0
    internal_not_reached = int(internal.sum()) - reached_internal
    return {
        Fate.UPDATED: updated,
        Fate.BLOCKED: reached.len() - updated,
        Fate.ORPHAN: not_reached - internal_not_reached,
        Fate.UNTOUCHED_INTERNAL: internal_not_reached,
    }


def _evidence_counts(evidence: pl.DataFrame, outcome: pl.Series) -> dict[str, int]:
    """How many create-duplicate records each kind of evidence points at."""
    duplicates = pl.DataFrame({R: _where(outcome, Outcome.CREATE_DUPLICATE)})
    if not duplicates.height:
        return {BY_NAME: 0, BY_EMAIL: 0}
    kinds = evidence.join(duplicates, on=R, how="semi").select(R, "kind").unique()
    counted = dict(kinds.group_by("kind").len().iter_rows())
    return {BY_NAME: int(counted.get(BY_NAME, 0)), BY_EMAIL: int(counted.get(BY_EMAIL, 0))}
