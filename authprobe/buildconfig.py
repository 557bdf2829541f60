"""The `[build]` section of `authprobe.toml`: how `sis build` turns registrar and HR exports into
the Alma SIS extract.

```toml
[build]
output = "alma/sis-extract.zip"
match_id = "identifier:UNIV_ID"      # the Match ID Type the meeting chose (every record needs it)
person_key = "person"                # the mapped field that links one person's rows across sources
user_groups = "codes/user-groups.csv" # SIS code -> Alma user group code (two columns, a header)
expiry = "TermEnd + 1 year"           # a column, a date or `today`, +/- N days/months/years
purge = "expiry_date + 2 years"       # `expiry_date` is the expiry just computed
date_format = "%m/%d/%Y"             # how the exports write dates (default: YYYY-MM-DD)
status = "ACTIVE"
email_type = "school"
users_per_file = 100000
allow_partial = false

[[build.sources]]                     # in precedence order: the first source wins a conflict
name = "registrar"
paths = ["exports/registrar.csv"]
map = ["person=PersonKey", "primary_id=StudentNo", "identifier:BARCODE=Card",
       "first_name=GivenName", "last_name=Surname", "birth_date=DOB", "email=Email",
       "user_group=Program"]
encoding = "cp1252"
delimiter = ","
expiry = "TermEnd + 1 year"           # per-source rules win over the [build] ones
```

Everything is validated when the file is read (an unknown key or a malformed rule: exit 2).
Relative paths are relative to the file. This module only reads settings: `sis build` applies
them (analysis/build).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from authprobe.errors import UsageError

DEFAULT_USERS_PER_FILE = 100_000
MAX_FILES_PER_ZIP = 50
"""Alma loads at most 50 XML files from one zip."""

PERSON = "person"
"""The pseudo-field a source maps to its person key column (not written to Alma)."""

_BUILD_KEYS: dict[str, type | tuple[type, ...]] = {
    "output": str,
    "match_id": str,
    "person_key": str,
    "precedence": list,
    "user_groups": str,
    "expiry": str,
    "purge": str,
    "date_format": str,
    "status": str,
    "email_type": str,
    "users_per_file": int,
    "allow_partial": bool,
    "sources": list,
}
_SOURCE_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "paths": list,
    "map": list,
    "encoding": str,
    "delimiter": str,
    "expiry": str,
    "purge": str,
    "date_format": str,
    "email_type": str,
}

UNITS = {"day": "days", "days": "days", "month": "months", "months": "months"}
UNITS |= {"year": "years", "years": "years"}
_RULE = re.compile(
    r"^\s*(?P<base>.*?)\s*(?:(?P<sign>[+-])\s*(?P<n>\d{1,4})\s*(?P<unit>[A-Za-z]+))?\s*$"
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TODAY = "today"
EXPIRY = "expiry_date"


@dataclass(frozen=True, slots=True)
class DateRule:
    """`BASE [+|- N unit]`: BASE is a column of the source, a date, `today` or (purge only)
    `expiry_date`; the unit is days, months or years."""

    text: str
    base: str
    literal: date | None = None
    days: int = 0
    months: int = 0

    @property
    def base_kind(self) -> str:
        """`date`, `today`, `expiry_date` or `column`."""
        if self.literal is not None:
            return "date"
        if self.base.casefold() == TODAY:
            return TODAY
        if self.base.casefold() == EXPIRY:
            return EXPIRY
        return "column"


def parse_rule(text: str, *, what: str, location: str | None = None) -> DateRule:
    """Parse a date rule such as `TermEnd + 1 year` (exit 2 when it is not one)."""
    match = _RULE.match(text)
    base = match.group("base") if match else ""
    if match is None or not base:
        raise _bad_rule(text, what, location)
    unit = UNITS.get((match.group("unit") or "").casefold())
    if match.group("sign") and unit is None:
        raise _bad_rule(text, what, location)
    n = int(match.group("n") or 0) * (-1 if match.group("sign") == "-" else 1)
    literal = None
    if _ISO.match(base):
        try:
            literal = date.fromisoformat(base)
        except ValueError as exc:
            raise _bad_rule(text, what, location) from exc
    return DateRule(
        text=text.strip(),
        base=base,
        literal=literal,
        days=n if unit == "days" else 0,
        months=n * 12 if unit == "years" else n if unit == "months" else 0,
    )


def _bad_rule(text: str, what: str, location: str | None) -> UsageError:
    return UsageError(
        "build-rule-syntax",
        f"The {what} rule {text!r} is not BASE [+|- N days|months|years].",
        location=location,
        hint="BASE is a column of the export, a date (2027-08-31), `today`, or for the purge "
        "date `expiry_date`; e.g. 'TermEnd + 1 year' or 'expiry_date + 2 years'.",
    )


@dataclass(frozen=True, slots=True)
class BuildSource:
    """One export to read (registrar, HR...): its files, its column map, its own rules."""

    name: str
    paths: tuple[Path, ...]
    map: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None
    expiry: DateRule | None = None
    purge: DateRule | None = None
    date_format: str | None = None
    email_type: str | None = None


@dataclass(frozen=True, slots=True)
class BuildSettings:
    """The `[build]` section (None / empty = not set there)."""

    output: Path | None = None
    match_id: str | None = None
    person_key: str | None = None
    precedence: tuple[str, ...] = ()
    user_groups: Path | None = None
    expiry: DateRule | None = None
    purge: DateRule | None = None
    date_format: str | None = None
    status: str | None = None
    email_type: str | None = None
    users_per_file: int | None = None
    allow_partial: bool = False
    sources: tuple[BuildSource, ...] = ()


def _check_keys(
    table: dict[str, Any], schema: dict[str, type | tuple[type, ...]], name: str, location: str
) -> None:
    for key, value in table.items():
        expected = schema.get(key)
        if expected is None:
            raise UsageError(
                "config-unknown-key",
                f"Unknown setting {key!r} in {name}.",
                location=location,
                hint=f"Known settings of {name}: {', '.join(schema)}.",
            )
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise UsageError(
                "config-wrong-type",
                f"{name} {key} has the wrong type ({type(value).__name__}).",
                location=location,
                hint="See the example in the README (section `sis build`).",
            )


def _strings(values: list[Any], what: str, location: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in values):
        raise UsageError(
            "config-wrong-type",
            f"{what} must be a list of strings.",
            location=location,
        )
    return tuple(values)


def _path(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _source(table: Any, base: Path, location: str, index: int) -> BuildSource:
    name = f"[[build.sources]] #{index}"
    if not isinstance(table, dict):
        raise UsageError("config-wrong-type", f"{name} is not a table.", location=location)
    _check_keys(table, _SOURCE_KEYS, name, location)
    for required in ("name", "paths", "map"):
        if required not in table:
            raise UsageError(
                "config-build-source",
                f"{name} has no {required!r}.",
                location=location,
                hint="Each source needs a name, its paths and its column map.",
            )
    maps = _strings(table["map"], f"{name} map", location)
    for spec in maps:
        if "=" not in spec:
            raise UsageError(
                "sis-map-syntax",
                f"{name} map entry {spec!r} is not FIELD=COLUMN.",
                location=location,
            )
    return BuildSource(
        name=table["name"],
        paths=tuple(_path(base, p) for p in _strings(table["paths"], f"{name} paths", location)),
        map=maps,
        encoding=table.get("encoding"),
        delimiter=table.get("delimiter"),
        expiry=parse_rule(table["expiry"], what="expiry", location=location)
        if "expiry" in table
        else None,
        purge=parse_rule(table["purge"], what="purge", location=location)
        if "purge" in table
        else None,
        date_format=table.get("date_format"),
        email_type=table.get("email_type"),
    )


def parse_build(table: dict[str, Any], base: Path, location: str) -> BuildSettings:
    """Validate the `[build]` table of a configuration file (exit 2 on anything unknown)."""
    _check_keys(table, _BUILD_KEYS, "[build]", location)
    sources = tuple(
        _source(item, base, location, i) for i, item in enumerate(table.get("sources", []), 1)
    )
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise UsageError(
            "config-build-source",
            "Two [[build.sources]] have the same name.",
            location=location,
            hint="Give each source its own name (registrar, hr, ...).",
        )
    precedence = _strings(table.get("precedence", []), "[build] precedence", location)
    unknown = [p for p in precedence if p not in names]
    if unknown:
        raise UsageError(
            "config-build-precedence",
            f"[build] precedence names {', '.join(unknown)}, which no [[build.sources]] is.",
            location=location,
            hint=f"Sources: {', '.join(names) or '(none)'}.",
        )
    per_file = table.get("users_per_file")
    if per_file is not None and per_file < 1:
        raise UsageError(
            "config-wrong-type", "[build] users_per_file must be at least 1.", location=location
        )
    return BuildSettings(
        output=_path(base, table["output"]) if "output" in table else None,
        match_id=table.get("match_id"),
        person_key=table.get("person_key"),
        precedence=precedence,
        user_groups=_path(base, table["user_groups"]) if "user_groups" in table else None,
        expiry=parse_rule(table["expiry"], what="expiry", location=location)
        if "expiry" in table
        else None,
        purge=parse_rule(table["purge"], what="purge", location=location)
        if "purge" in table
        else None,
        date_format=table.get("date_format"),
        status=table.get("status"),
        email_type=table.get("email_type"),
        users_per_file=per_file,
        allow_partial=table.get("allow_partial", False),
        sources=sources,
    )
