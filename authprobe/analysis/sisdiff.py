"""Two SIS extracts compared: who is the same person, whose Match ID changed, which identifier
values moved to someone else, who was dropped or is new (`sis diff`, `recommend --previous-sis`).

Both extracts are collected column-wise (`DiffColumns`: analysis/loadcolumns plus the fields the
diff compares), so two million users fit in memory. People are followed from OLD to NEW by every
identifier at once:

- a *link* is an identifier value (trimmed, casefolded; same field) held by one OLD and one NEW
  record, or the same name + birth date, or the same preferred email; values held by more than
  one record of an extract are not used to link (they are the scan's duplicate findings);
- two records whose birth dates are both known and differ are never the same person: what links
  them is a value that *moved*;
- each OLD record is paired with the NEW record it shares the most evidence with (identifier
  values first, then name + birth date, then email; the Match ID value breaks ties), when that
  record's best is the OLD record too (mutual best, repeated for the records still unpaired).

Then: a pair whose Match ID values differ (both present) is a person the next load would create
a second time; a pair whose NEW record lacks it is a record the next load rejects; a linking value
whose OLD and NEW holders are not a pair *moved to a different person*; OLD records without a
pair were dropped from the feed, NEW ones are new. For pairs, changes of user_group,
expiry_date, purge_date and the preferred email are counted, and for every identifier type the
share of people whose value changed (the SIS-side stability of a Match ID candidate).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from authprobe.analysis.fields import PRIMARY_ID
from authprobe.analysis.loadcolumns import F, LoadColumns, R, V, birth_day
from authprobe.model import Record

OLD, NEW = "o", "n"
ROUNDS = 4
MAX_EXAMPLES = 5
EXTRA = ("expiry", "purge", "email", "birth", "match")
COMPARED: tuple[tuple[str, str], ...] = (
    ("user_group", "groups"),
    ("expiry_date", "expiry"),
    ("purge_date", "purge"),
    ("email", "email"),
)


class DiffColumns(LoadColumns):
    """`LoadColumns` plus what the diff compares: expiry and purge dates, the preferred email
    (casefolded), the birth date and the Match ID value as written (for the crosswalk)."""

    def __init__(self, match_field: str = PRIMARY_ID) -> None:
        super().__init__()
        self.match_field = match_field
        self._extra: dict[str, list[str | None]] = {name: [] for name in EXTRA}
        for name in EXTRA:
            self._chunks[name] = []

    def add(self, record: Record) -> None:
        """Collect one record."""
        info = record.info
        extra = self._extra
        extra["expiry"].append(_day(info.get("expiry_date")))
        extra["purge"].append(_day(info.get("purge_date")))
        email = record.attrs.get("email")
        extra["email"].append(email[0].strip().casefold() if email else None)
        extra["birth"].append(birth_day(info.get("birth_date")))
        match = record.attrs.get(self.match_field)
        extra["match"].append(match[0].strip() if match else None)
        super().add(record)

    def _flush(self) -> None:
        for name, values in self._extra.items():
            if values:
                self._chunks[name].append(pl.Series(values, dtype=pl.String))
                self._extra[name] = []
        super()._flush()

    def series(self, name: str) -> pl.Series:
        """A per-record column: refs, groups, expiry, purge, email, birth, match."""
        series = self.frames()[name]
        assert isinstance(series, pl.Series)
        return series


def _day(text: str | None) -> str | None:
    return birth_day(text) if text else None


@dataclass(frozen=True, slots=True)
class DiffExample:
    """One person or value behind a count: the records on both sides and the values."""

    old_ref: str | None
    new_ref: str | None
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FieldStability:
    """One identifier type between two extracts: paired people holding it in OLD, and how many
    of them hold another value (or none) in NEW."""

    field: str
    compared: int
    changed: int

    @property
    def share(self) -> float:
        """changed / compared (0 when nobody was compared)."""
        return self.changed / self.compared if self.compared else 0.0


@dataclass(frozen=True, slots=True)
class SisDiff:
    """What changed between two extracts (see the module docstring)."""

    match_field: str
    old_records: int
    new_records: int
    paired: int
    match_changed: int
    match_lost: int
    moved: tuple[tuple[str, int], ...]  # (field, values that moved to another person)
    dropped: int
    new: int
    unfollowable: tuple[int, int]  # records with no identifier, name + birth date or email
    changes: tuple[tuple[str, int], ...]  # (user_group|expiry_date|purge_date|email, pairs)
    stability: tuple[FieldStability, ...]
    examples: dict[str, tuple[DiffExample, ...]]
    by_evidence: tuple[tuple[str, int], ...]  # match_changed pairs by what stayed the same


class DiffEngine:
    """OLD and NEW collected; `result()` compares them, `crosswalk()` lists the changed IDs."""

    def __init__(self, old: DiffColumns, new: DiffColumns) -> None:
        self.old = old
        self.new = new
        names = sorted(set(old.field_codes) | set(new.field_codes))
        self.codes = {name: i for i, name in enumerate(names)}
        self._pairs: pl.DataFrame | None = None

    # -- links and pairs ---------------------------------------------------------------------

    def _values(self, side: DiffColumns) -> pl.DataFrame:
        """(r, f, v) with the field codes shared by both sides."""
        mapping = {code: self.codes[name] for name, code in side.field_codes.items()}
        frame = side.values
        if not mapping:
            return frame
        return frame.with_columns(
            pl.col(F).replace_strict(mapping, return_dtype=pl.UInt16).alias(F)
        )

    def _unique_values(self, side: DiffColumns) -> pl.DataFrame:
        """(r, f, v): values held by one record of the side only (duplicates do not link)."""
        values = self._values(side).unique([R, F, V])
        return values.filter(pl.col(V).is_unique())

    def links(self) -> pl.DataFrame:
        """(o, f, v, n): identifier values shared by one OLD and one NEW record."""
        old = self._unique_values(self.old).rename({R: OLD})
        new = self._unique_values(self.new).rename({R: NEW})
        return old.join(new, on=[F, V])

    def _key_links(self, name: str) -> pl.DataFrame:
        """(o, n) linked by the same person key (`keys`) or preferred email (`email`)."""
        if name == "keys":
            old, new = self.old.keys, self.new.keys
        else:
            old, new = _per_record(self.old, "email"), _per_record(self.new, "email")
        old = old.filter(pl.col(V).is_unique()).rename({R: OLD})
        new = new.filter(pl.col(V).is_unique()).rename({R: NEW})
        return old.join(new, on=V).select(OLD, NEW)

    def candidates(self, links: pl.DataFrame) -> pl.DataFrame:
        """(o, n, k, m, key, mail, score): every eligible pair and its evidence."""
        match_code = self.codes.get(self.old.match_field, -1)
        ids = links.group_by(OLD, NEW).agg(
            pl.len().alias("k"), (pl.col(F) == match_code).any().alias("m")
        )
        keys = self._key_links("keys").with_columns(pl.lit(True).alias("key"))
        mails = self._key_links("email").with_columns(pl.lit(True).alias("mail"))
        frame = (
            ids.join(keys, on=[OLD, NEW], how="full", coalesce=True)
            .join(mails, on=[OLD, NEW], how="full", coalesce=True)
            .with_columns(
                pl.col("k").fill_null(0),
                pl.col("m").fill_null(False),
                pl.col("key").fill_null(False),
                pl.col("mail").fill_null(False),
            )
        )
        births = self._births(frame)
        return births.filter(~pl.col("conflict")).with_columns(
            (
                pl.col("k").cast(pl.Int64) * 8
                + pl.col("key").cast(pl.Int64) * 4
                + pl.col("mail").cast(pl.Int64) * 2
                + pl.col("m").cast(pl.Int64)
            ).alias("score")
        )

    def _births(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` with `conflict`: both birth dates known and different."""
        old = _per_record(self.old, "birth").rename({R: OLD, V: "bo"})
        new = _per_record(self.new, "birth").rename({R: NEW, V: "bn"})
        joined = frame.join(old, on=OLD, how="left").join(new, on=NEW, how="left")
        conflict = pl.col("bo").is_not_null() & pl.col("bn").is_not_null()
        return joined.with_columns((conflict & (pl.col("bo") != pl.col("bn"))).alias("conflict"))

    def pairs(self) -> pl.DataFrame:
        """(o, n, k, key, mail): the records followed from OLD to NEW (mutual best, repeated)."""
        if self._pairs is not None:
            return self._pairs
        candidates = self.candidates(self.links())
        found = []
        for _ in range(ROUNDS):
            if candidates.height == 0:
                break
            ordered = candidates.sort(["score", OLD, NEW], descending=[True, False, False])
            best_n = ordered.group_by(OLD, maintain_order=True).first()
            best_o = (
                ordered.group_by(NEW, maintain_order=True)
                .first()
                .select(NEW, pl.col(OLD).alias("o2"))
            )
            mutual = best_n.join(best_o, on=NEW).filter(pl.col(OLD) == pl.col("o2"))
            if mutual.height == 0:
                break
            found.append(mutual.select(OLD, NEW, "k", "key", "mail"))
            candidates = candidates.filter(
                ~pl.col(OLD).is_in(mutual[OLD].implode())
                & ~pl.col(NEW).is_in(mutual[NEW].implode())
            )
        schema = {
            OLD: pl.UInt32,
            NEW: pl.UInt32,
            "k": pl.UInt32,
            "key": pl.Boolean,
            "mail": pl.Boolean,
        }
        self._pairs = pl.concat(found) if found else pl.DataFrame(schema=schema)
        return self._pairs

    # -- what changed ------------------------------------------------------------------------

    def _match_pairs(self) -> pl.DataFrame:
        """Pairs with both sides' match values (folded `om`/`nm`) and their evidence."""
        field = self.old.match_field
        old = _first(self.old, field).rename({R: OLD, V: "om"})
        new = _first(self.new, field).rename({R: NEW, V: "nm"})
        return (
            self.pairs()
            .join(old, on=OLD, how="left")
            .join(new, on=NEW, how="left")
            .with_columns(
                pl.when(pl.col("k") > 0)
                .then(pl.lit("other identifier"))
                .when(pl.col("key"))
                .then(pl.lit("name and birth date"))
                .otherwise(pl.lit("email"))
                .alias("evidence")
            )
        )

    def changed_match(self) -> pl.DataFrame:
        """(o, n, om, nm, evidence): pairs whose Match ID value changed, in OLD order."""
        frame = self._match_pairs()
        changed = pl.col("om").is_not_null() & pl.col("nm").is_not_null()
        return frame.filter(changed & (pl.col("om") != pl.col("nm"))).sort(OLD)

    def moved(self) -> pl.DataFrame:
        """(o, f, v, n): linking values whose OLD and NEW holders are not a pair."""
        pairs = self.pairs().select(OLD, NEW)
        return self.links().join(pairs, on=[OLD, NEW], how="anti").sort(OLD, F)

    def unfollowable(self, side: DiffColumns) -> pl.DataFrame:
        """(r): records with no identifier value, no name + birth date and no email."""
        every = pl.DataFrame({R: pl.arange(0, side.records, dtype=pl.UInt32, eager=True)})
        for held in (side.values.select(R), side.keys.select(R), _per_record(side, "email")):
            every = every.join(held.select(R).unique(), on=R, how="anti")
        return every

    def _unpaired(self, side: DiffColumns, column: str) -> pl.DataFrame:
        every = pl.DataFrame({R: pl.arange(0, side.records, dtype=pl.UInt32, eager=True)})
        paired = self.pairs().select(pl.col(column).alias(R))
        lost = every.join(paired, on=R, how="anti")
        return lost.join(self.unfollowable(side), on=R, how="anti")

    def changes(self) -> list[tuple[str, int]]:
        """For paired people: how many changed user_group, expiry_date, purge_date, email."""
        pairs = self.pairs().select(OLD, NEW)
        out = []
        for label, name in COMPARED:
            old = self.old.series(name).gather(pairs[OLD])
            new = self.new.series(name).gather(pairs[NEW])
            out.append((label, int(old.ne_missing(new).sum())))
        return out

    def stability(self) -> list[FieldStability]:
        """Per identifier type of OLD: paired people holding it, and how many changed it."""
        pairs = self.pairs().select(OLD, NEW)
        out = []
        for field in sorted(self.old.field_codes, key=lambda f: (f != PRIMARY_ID, f)):
            old = _first(self.old, field).rename({R: OLD, V: "a"})
            new = _first(self.new, field).rename({R: NEW, V: "b"})
            held = pairs.join(old, on=OLD).join(new, on=NEW, how="left")
            changed = held.filter(pl.col("b").is_null() | (pl.col("a") != pl.col("b"))).height
            out.append(FieldStability(field, held.height, changed))
        return out

    def result(self) -> SisDiff:
        """Every count of the diff, with a few examples of each."""
        names = {code: name for name, code in self.codes.items()}
        changed = self.changed_match()
        moved = self.moved()
        matched = self._match_pairs()
        lost = matched.filter(pl.col("om").is_not_null() & pl.col("nm").is_null())
        moved_counts = (
            moved.select(F, V).unique().group_by(F).len().sort(F).iter_rows()
            if moved.height
            else iter(())
        )
        dropped = self._unpaired(self.old, OLD)
        added = self._unpaired(self.new, NEW)
        evidence = changed.group_by("evidence").len().sort("evidence").iter_rows()
        return SisDiff(
            match_field=self.old.match_field,
            old_records=self.old.records,
            new_records=self.new.records,
            paired=self.pairs().height,
            match_changed=changed.height,
            match_lost=lost.height,
            moved=tuple((names[code], n) for code, n in moved_counts),
            dropped=dropped.height,
            new=added.height,
            unfollowable=(self.unfollowable(self.old).height, self.unfollowable(self.new).height),
            changes=tuple(self.changes()),
            stability=tuple(self.stability()),
            examples=self._examples(changed, lost, moved, dropped, added, names),
            by_evidence=tuple((str(e), int(n)) for e, n in evidence),
        )

    def _examples(
        self,
        changed: pl.DataFrame,
        lost: pl.DataFrame,
        moved: pl.DataFrame,
        dropped: pl.DataFrame,
        added: pl.DataFrame,
        names: dict[int, str],
    ) -> dict[str, tuple[DiffExample, ...]]:
        old_refs, new_refs = self.old.refs, self.new.refs
        old_raw, new_raw = self.old.series("match"), self.new.series("match")
        field = self.old.match_field
        out: dict[str, tuple[DiffExample, ...]] = {}
        out["match_changed"] = tuple(
            DiffExample(old_refs[o], new_refs[n], field, old_raw[o], new_raw[n], f"{e} unchanged")
            for o, n, e in changed.head(MAX_EXAMPLES).select(OLD, NEW, "evidence").iter_rows()
        )
        out["match_lost"] = tuple(
            DiffExample(old_refs[o], new_refs[n], field, old_raw[o], None)
            for o, n in lost.head(MAX_EXAMPLES).select(OLD, NEW).iter_rows()
        )
        out["moved"] = tuple(
            DiffExample(old_refs[o], new_refs[n], names[f], v, v, "held by another person now")
            for o, f, v, n in moved.head(MAX_EXAMPLES).select(OLD, F, V, NEW).iter_rows()
        )
        out["dropped"] = tuple(
            DiffExample(old_refs[r], None) for r in dropped.head(MAX_EXAMPLES)[R].to_list()
        )
        out["new"] = tuple(
            DiffExample(None, new_refs[r]) for r in added.head(MAX_EXAMPLES)[R].to_list()
        )
        return out

    def crosswalk(self) -> Iterator[tuple[str, str, str, str, str]]:
        """(old Match ID, new Match ID as written, old ref, new ref, evidence) for every person
        whose Match ID changed, in OLD order."""
        old_refs, new_refs = self.old.refs, self.new.refs
        old_raw, new_raw = self.old.series("match"), self.new.series("match")
        for o, n, evidence in self.changed_match().select(OLD, NEW, "evidence").iter_rows():
            yield old_raw[o] or "", new_raw[n] or "", old_refs[o], new_refs[n], evidence


def _first(side: LoadColumns, field: str) -> pl.DataFrame:
    """(r, v): each record's first value of `field` (folded)."""
    code = side.field_codes.get(field)
    if code is None:
        return pl.DataFrame(schema={R: pl.UInt32, V: pl.String})
    values = side.values.filter(pl.col(F) == code).select(R, V)
    return values.group_by(R, maintain_order=True).first()


def _per_record(side: DiffColumns, name: str) -> pl.DataFrame:
    """(r, v) from a per-record column, records without a value left out."""
    series = side.series(name)
    frame = pl.DataFrame({R: pl.arange(0, len(series), dtype=pl.UInt32, eager=True), V: series})
    return frame.filter(pl.col(V).is_not_null())


def compare(old: DiffColumns, new: DiffColumns) -> tuple[SisDiff, DiffEngine]:
    """The diff of two collected extracts (the engine gives the crosswalk rows)."""
    engine = DiffEngine(old, new)
    return engine.result(), engine
