"""Every SIS record's row of the pre-flight (`PreflightTable`): the outcome, the users in Alma
involved and the evidence in words, made when iterated (the examples, `--preflight-csv`). The
rules that decide the outcomes are in `preflight.py`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl

from authprobe.analysis.loadcolumns import F, R, V
from authprobe.model import Outcome, PreflightExample

if TYPE_CHECKING:
    from authprobe.analysis.preflight import PreflightEngine

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
CODE = {outcome: index for index, outcome in enumerate(OUTCOMES)}
EXAMPLES_PER_OUTCOME = 5
U = "u"  # an existing user's record number


def _isin(column: pl.Expr, values: pl.Series) -> pl.Expr:
    return column.is_in(values.implode())


def _where(outcome: pl.Series, wanted: Outcome) -> pl.Series:
    """The record numbers whose outcome is `wanted`."""
    return outcome.eq(CODE[wanted]).arg_true().cast(pl.UInt32)


class PreflightTable:
    """Every SIS record's row (`PreflightExample`), in load order, made when iterated."""

    def __init__(
        self,
        engine: PreflightEngine,
        match_field: str,
        outcome: pl.Series,
        found: pl.DataFrame,
        evidence: pl.DataFrame,
        earlier: dict[int, int],
        match: pl.DataFrame,
    ) -> None:
        self._match = match
        self._engine = engine
        self.match_field = match_field
        self.outcome = outcome
        self._found = found
        self._evidence = evidence
        self._earlier = earlier

    def __len__(self) -> int:
        return self.outcome.len()

    def _subject(self, records: pl.Series | None) -> pl.DataFrame:
        if records is None:
            numbers = pl.arange(0, len(self), dtype=pl.UInt32, eager=True)
            frame = pl.DataFrame({R: numbers, "o": self.outcome})
            return frame.join(self._match, on=R, how="left").sort(R)
        records = records.unique().sort().cast(pl.UInt32)  # examples: a few dozen records
        frame = pl.DataFrame({R: records, "o": self.outcome.gather(records)})
        match = self._match.filter(_isin(pl.col(R), records))
        return frame.join(match, on=R, how="left").sort(R)

    def _involved(self, records: pl.DataFrame) -> dict[int, tuple[list[int], str]]:
        """For each record: the existing users involved and the evidence, by its outcome."""
        sis = self._engine.sis
        field_names = {code: name for name, code in sis.field_codes.items()}
        out: dict[int, tuple[list[int], str]] = {}
        codes = dict(records.select(R, "o").iter_rows())
        chosen = records.select(R)
        found = self._found.filter(_isin(pl.col(R), chosen.get_column(R)))
        for r, users in found.group_by(R).agg(pl.col(U).unique().sort()).iter_rows():
            out[r] = (users, "")
        taken_rows = pl.DataFrame({R: _where(self.outcome, Outcome.REJECTED_TAKEN)})
        taken_rows = taken_rows.join(chosen, on=R, how="semi")
        if taken_rows.height:
            held = self._engine.held(taken_rows.get_column(R))
            mine = found.select(R, pl.col(U).alias("own"))
            held = held.join(mine, on=R, how="left").filter(
                pl.col("own").is_null() | (pl.col(U) != pl.col("own"))
            )
            taken = taken_rows.get_column(R)
            values = sis.values.filter(_isin(pl.col(R), taken)).select(R, F, V)
            held = held.join(values, on=[R, V])
            for r, users, fields in (
                held.group_by(R)
                .agg(pl.col(U).unique().sort(), pl.col(F).unique().sort())
                .iter_rows()
            ):
                names = ", ".join(field_names[f] for f in fields)
                out[r] = (users, f"{names} already held by another user in Alma")
        for r, users, kinds in (
            self._evidence.join(chosen, on=R, how="semi")
            .group_by(R)
            .agg(pl.col(U).unique().sort(), pl.col("kind").unique().sort())
            .iter_rows()
        ):
            if OUTCOMES[codes[r]] is Outcome.CREATE_DUPLICATE:
                out[r] = (users, "same " + " and same ".join(kinds) + " as a user already in Alma")
        return out

    def _explain(self, record: int, outcome: Outcome, users: list[int], text: str) -> str:
        refs = self._engine.sis.refs
        if outcome is Outcome.MISSING_MATCH_ID:
            return f"no {self.match_field}"
        if outcome is Outcome.REJECTED_IN_FEED:
            earlier = self._earlier.get(record)
            if earlier is None:
                return "the same identifier value twice in this record"
            return f"an identifier value already loaded from {refs[earlier]} in this load"
        if outcome is Outcome.AMBIGUOUS:
            return f"{len(users)} users in Alma hold this {self.match_field}"
        if outcome is Outcome.NOT_EXTERNAL:
            return "the user found is INTERNAL"
        return text

    def _rows(self, records: pl.Series | None) -> Iterator[PreflightExample]:
        frame = self._subject(records)
        involved = self._involved(frame)
        sis, existing = self._engine.sis, self._engine.existing
        refs, groups, their_refs = sis.refs, sis.groups, existing.refs
        for record, code, value in frame.select(R, "o", V).iter_rows():
            outcome = OUTCOMES[code]
            users, text = involved.get(record, ([], ""))
            if outcome is Outcome.REJECTED_IN_FEED or outcome is Outcome.MISSING_MATCH_ID:
                users = []
            yield PreflightExample(
                outcome=outcome,
                sis_ref=refs[record],
                population=groups[record],
                alma_refs=tuple(their_refs[u] for u in users),
                evidence=self._explain(record, outcome, users, text),
                value=value or "",
            )

    def __iter__(self) -> Iterator[PreflightExample]:
        return self._rows(None)

    def examples(self) -> tuple[PreflightExample, ...]:
        """The first records of each outcome, outcomes in rule order."""
        chosen = [_where(self.outcome, outcome).head(EXAMPLES_PER_OUTCOME) for outcome in OUTCOMES]
        records = pl.concat(chosen).sort()
        rows = list(self._rows(records))
        return tuple(sorted(rows, key=lambda row: CODE[row.outcome]))
