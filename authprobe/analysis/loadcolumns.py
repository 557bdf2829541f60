"""The records of an SIS load, or the users already in Alma, column-wise for the pre-flight.

`LoadColumns` is fed one `Record` at a time (in load order for the SIS extract) and keeps, in
compact polars columns, only what Alma's load rules look at (analysis/preflight):

- every identifier value (`primary_id` and each `identifier:<ID_TYPE>` value, any status),
  trimmed and casefolded as Alma compares them, with its record number and field;
- the person keys a duplicate patron is recognised by: normalised first + last name with the
  birth date, and every email address (casefolded);
- the record's reference (file:line), user_group and, for Alma users, whether it is INTERNAL.

Memory is about the size of the values themselves: Python lists are moved into polars columns
every `FLUSH_EVERY` records. The per-record loop runs in C when it was built (`fastpath`); `_add`
here is the reference it is tested against.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import polars as pl

from authprobe.analysis import fastpath
from authprobe.analysis.fields import is_identifier
from authprobe.model import Record

if TYPE_CHECKING:
    from authprobe.analysis import _columns

FLUSH_EVERY = 100_000

R, F, V = "r", "f", "v"
"""Column names: record number, field code, folded value (or person key)."""

_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")
_NAME_DROP = dict.fromkeys(map(ord, " -\t\u00a0"), None)


@lru_cache(maxsize=1 << 16)
def name_part(text: str) -> str:
    """A name as duplicate detection compares it: casefolded, accents, spaces and hyphens gone."""
    folded = text.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return folded.translate(_NAME_DROP)


def birth_day(text: str | None) -> str | None:
    """The date part (`YYYY-MM-DD`) of a birth date such as `1990-05-01Z`; None if unreadable."""
    if not text:
        return None
    match = _DATE.match(text)
    return match.group(1) if match else None


def person_key(first: str | None, last: str | None, birth: str | None) -> str | None:
    """`first|last|YYYY-MM-DD` normalised, or None when the last name or birth date is missing."""
    day = birth_day(birth)
    last_part = name_part(last or "")
    if day is None or not last_part:
        return None
    return f"{name_part(first or '')}\x1f{last_part}\x1f{day}"


@dataclass(frozen=True, slots=True)
class AccountTypes:
    """How the records' account types read: INTERNAL, EXTERNAL, missing, or something else."""

    internal: int
    external: int
    missing: int
    other: tuple[tuple[str, int], ...]


class LoadColumns(fastpath.Collected):
    """One side of the pre-flight, column-wise (see the module docstring)."""

    def __init__(self) -> None:
        self._records = 0
        self._built_at = -1
        self.field_codes: dict[str, int] = {}
        self._other: dict[str, int] = {}
        self._rec: list[int] = []
        self._field: list[int] = []
        self._value: list[str] = []
        self._key_rec: list[int] = []
        self._first: list[str | None] = []
        self._last: list[str | None] = []
        self._key: list[str] = []  # the birth date as written, until `_flush`
        self._mail_rec: list[int] = []
        self._mail: list[str] = []
        self._refs: list[str] = []
        self._groups: list[str | None] = []
        self._accounts: list[str | None] = []
        self._chunks: dict[str, list[pl.DataFrame | pl.Series]] = {
            "values": [],
            "people": [],
            "mails": [],
            "refs": [],
            "groups": [],
            "internal": [],
        }
        self.account_types: Counter[str] = Counter()
        self._frames: dict[str, pl.DataFrame | pl.Series] | None = None
        module = fastpath.columns()
        self._fast: _columns.Collector | None = (
            module.Collector(self.field_codes, self._other, self._code, self._lists(), FLUSH_EVERY)
            if module is not None
            else None
        )

    def _lists(self) -> tuple[list[int] | list[str] | list[str | None], ...]:
        """The per-record lists, in the order `_columns.Collector` appends to them."""
        return (
            self._rec, self._field, self._value, self._key_rec, self._first, self._last,
            self._key, self._mail_rec, self._mail, self._refs, self._groups, self._accounts,
        )  # fmt: skip

    def _code(self, name: str) -> int:
        """The field's code, or -1 for a field that is not an identifier."""
        code = self.field_codes.get(name)
        if code is None:
            code = self._other.get(name)
            if code is None:
                if is_identifier(name):
                    code = self.field_codes[name] = len(self.field_codes)
                else:
                    code = self._other[name] = -1
        return code

    def _add(self, record: Record) -> None:
        """`add` in Python (the reference of `_columns.Collector.add`).

        Only raw values are appended here; trimming, casefolding and the person keys are done
        in bulk when the lists are moved into polars columns (`_flush`)."""
        number = self.records
        self.records = number + 1
        field_codes, other = self.field_codes, self._other
        rec, fields, texts = self._rec, self._field, self._value
        for name, values in record.attrs.items():
            code = field_codes.get(name)
            if code is None:
                if name in other:
                    continue
                code = self._code(name)
                if code < 0:
                    continue
            if len(values) == 1:
                rec.append(number)
                fields.append(code)
                texts.append(values[0])
            else:
                rec.extend([number] * len(values))
                fields.extend([code] * len(values))
                texts.extend(values)
        info = record.info
        birth = info.get("birth_date")
        if birth is not None:
            self._key_rec.append(number)
            self._first.append(info.get("first_name"))
            self._last.append(info.get("last_name"))
            self._key.append(birth)
        addresses = record.attrs.get("email:all")
        if addresses:
            self._mail_rec.extend([number] * len(addresses))
            self._mail.extend(addresses)
        self._refs.append(record.ref)
        self._groups.append(record.population)
        self._accounts.append(info.get("account_type"))
        if self.records % FLUSH_EVERY == 0:
            self._flush()

    def _flush(self) -> None:
        """Move the lists into polars columns; the lists are emptied in place (the C loop
        holds them)."""
        chunks = self._chunks
        if self._rec:
            chunks["values"].append(
                _folded_frame(
                    {
                        R: pl.Series(self._rec, dtype=pl.UInt32),
                        F: pl.Series(self._field, dtype=pl.UInt16),
                    },
                    self._value,
                )
            )
        if self._key_rec:
            chunks["people"].append(
                pl.DataFrame(
                    {
                        R: pl.Series(self._key_rec, dtype=pl.UInt32),
                        "first": pl.Series(self._first, dtype=pl.String),
                        "last": pl.Series(self._last, dtype=pl.String),
                        "birth": pl.Series(self._key, dtype=pl.String),
                    }
                )
            )
        if self._mail_rec:
            chunks["mails"].append(
                _folded_frame({R: pl.Series(self._mail_rec, dtype=pl.UInt32)}, self._mail)
            )
        if self._refs:
            chunks["refs"].append(pl.Series(self._refs, dtype=pl.String))
            chunks["groups"].append(pl.Series(self._groups, dtype=pl.String))
            chunks["internal"].append(self._account_column(self._accounts))
        for column in self._lists():
            column.clear()

    def _account_column(self, accounts: list[str | None]) -> pl.Series:
        """Count the account types as read (`account_types`, "" for none) and say which
        records are INTERNAL; each distinct spelling is normalised once."""
        spelled = Counter(accounts)
        normal = {a: ("" if a is None else a.strip().upper()) for a in spelled}
        for account, count in spelled.items():
            self.account_types[normal[account]] += count
        internal = {a for a, n in normal.items() if n == "INTERNAL"}
        if not internal:
            return pl.Series([False] * len(accounts), dtype=pl.Boolean)
        return pl.Series([a in internal for a in accounts], dtype=pl.Boolean)

    def _frame(self, name: str) -> pl.DataFrame:
        frames = self.frames()[name]
        assert isinstance(frames, pl.DataFrame)
        return frames

    def _series(self, name: str) -> pl.Series:
        series = self.frames()[name]
        assert isinstance(series, pl.Series)
        return series

    def frames(self) -> dict[str, pl.DataFrame | pl.Series]:
        """Every column, concatenated (built on first use after the last `add`)."""
        if self._frames is None or self._built_at != self.records:
            self._built_at = self.records
            self._flush()
            frames: dict[str, pl.DataFrame | pl.Series] = {}
            for name, chunks in self._chunks.items():
                if name in ("values", "people", "mails"):
                    schema = _SCHEMAS.get(name, {R: pl.UInt32, V: pl.String})
                    frames[name] = (
                        pl.concat([c for c in chunks if isinstance(c, pl.DataFrame)])
                        if chunks
                        else pl.DataFrame(schema=schema)
                    )
                else:
                    dtype = pl.Boolean if name == "internal" else pl.String
                    series = [c for c in chunks if isinstance(c, pl.Series)]
                    frames[name] = pl.concat(series) if series else pl.Series([], dtype=dtype)
                chunks.clear()
                chunks.append(frames[name])
            self._frames = frames
        return self._frames

    @property
    def values(self) -> pl.DataFrame:
        """(r, f, v): every identifier value, in reading order."""
        return self._frame("values")

    @property
    def keys(self) -> pl.DataFrame:
        """(r, v): name + birth date keys (`person_key`) of every record that has one."""
        return _person_keys(self._frame("people"))

    def keys_of(self, records: pl.Series) -> pl.DataFrame:
        """(r, v): the name + birth date keys of these records only (keys are made on demand:
        the pre-flight needs them for the few records nobody's match value finds)."""
        people = self._frame("people")
        return _person_keys(people.filter(pl.col(R).is_in(records.implode())))

    @property
    def mails(self) -> pl.DataFrame:
        """(r, v): email addresses, casefolded."""
        return self._frame("mails")

    @property
    def refs(self) -> pl.Series:
        """Each record's reference (file:line), by record number."""
        return self._series("refs")

    @property
    def groups(self) -> pl.Series:
        """Each record's user_group (population), by record number."""
        return self._series("groups")

    @property
    def internal(self) -> pl.Series:
        """Whether each record is an INTERNAL account, by record number."""
        return self._series("internal")

    def suspect_values(self, groups: Iterable[str]) -> dict[str, dict[str, int]]:
        """Per identifier field, the values that look like an email or equal a user_group code
        (casefolded), with how many records hold each (for `lint.identifier_misuse`)."""
        codes = pl.Series(sorted({g.strip().casefold() for g in groups if g.strip()}))
        values = self.values.filter(
            pl.col(V).str.contains("@", literal=True) | pl.col(V).is_in(codes.implode())
        )
        counted = values.group_by(F, V).agg(pl.col(R).n_unique().alias("n"))
        names = {code: name for name, code in self.field_codes.items()}
        out: dict[str, dict[str, int]] = {}
        for code, value, n in counted.sort(F, V).iter_rows():
            out.setdefault(names[code], {})[value] = n
        return out

    def accounts(self) -> AccountTypes:
        """The account types read (a missing one is EXTERNAL for the rules; the report says so)."""
        self.frames()  # the last records' types are counted when they are flushed
        types = self.account_types
        other = tuple(
            sorted(
                (
                    (name, n)
                    for name, n in types.items()
                    if name not in ("", "INTERNAL", "EXTERNAL")
                ),
                key=lambda item: (-item[1], item[0]),
            )
        )
        return AccountTypes(types["INTERNAL"], types["EXTERNAL"], types[""], other)


def _folded_frame(columns: dict[str, pl.Series], raw: list[str]) -> pl.DataFrame:
    """`columns` plus `V`: the values of `raw` trimmed and casefolded (Python's own `strip`
    and `casefold`, mapped at C speed), without the rows whose value is then empty."""
    module = fastpath.columns()
    folded = (
        module.fold(raw) if module is not None else list(map(str.casefold, map(str.strip, raw)))
    )
    frame = pl.DataFrame({**columns, V: pl.Series(folded, dtype=pl.String)})
    if "" in folded:
        frame = frame.filter(pl.col(V) != "")
    return frame


_SCHEMAS: dict[str, dict[str, type[pl.DataType]]] = {
    "values": {R: pl.UInt32, F: pl.UInt16, V: pl.String},
    "people": {R: pl.UInt32, "first": pl.String, "last": pl.String, "birth": pl.String},
}


def _plain_or(values: pl.Series, vectorised: pl.Series, exact: Callable[[str], str]) -> pl.Series:
    """`vectorised` (a polars kernel over `values`), except for values that are not printable
    ASCII, which get `exact` (the Python function), each distinct one once.

    On printable ASCII (U+0020 to U+007E) the kernels used here agree with Python: the only
    whitespace is the space, casefolding is lowercasing, nothing decomposes."""
    odd = values.str.contains(r"[^\x20-\x7e]")
    if not odd.any():
        return vectorised
    where = odd.arg_true()
    unusual = values.gather(where).to_list()
    done = {value: exact(value) for value in set(unusual)}
    return vectorised.scatter(where, pl.Series([done[value] for value in unusual], dtype=pl.String))


def _person_keys(people: pl.DataFrame) -> pl.DataFrame:
    """(r, v): the `person_key` of each of `people` (r, first, last, birth as read) that has
    one, in bulk."""
    born = people.get_column("birth")
    days = _plain_or(
        born,
        born.str.extract(r"^ *([0-9]{4}-[0-9]{2}-[0-9]{2})", 1),
        lambda text: birth_day(text) or "\x00",
    )
    frame = pl.DataFrame(
        {
            R: people.get_column(R),
            "first": _name_parts(people.get_column("first")),
            "last": _name_parts(people.get_column("last")),
            "day": days.replace("\x00", None),
        }
    )
    return frame.filter(pl.col("day").is_not_null() & (pl.col("last") != "")).select(
        R, pl.concat_str("first", "last", "day", separator="\x1f").alias(V)
    )


def _name_parts(names: pl.Series) -> pl.Series:
    """`name_part` of each name (None as ""), in bulk."""
    texts = names.fill_null("")
    return _plain_or(texts, texts.str.to_lowercase().str.replace_all("[ -]", ""), name_part)
