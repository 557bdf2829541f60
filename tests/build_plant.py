"""Known-truth exports for `sis build`: a registrar CSV and an HR CSV with every situation planted.

`plant(plan, folder)` writes registrar.csv, hr.csv, user-groups.csv and authprobe.toml, and
records by construction (never by running authprobe) who must be written, who refused and why,
who merged, which rows are broken and which dates unreadable. The Match ID is
identifier:UNIV_ID; the person key is the `PersonKey` column; the registrar wins conflicts.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REGISTRAR = ("PersonKey", "StudentNo", "UnivId", "Card", "Given", "Family", "DOB", "Email",
             "Program", "Status", "TermEnd")  # fmt: skip
HR = ("PersonKey", "EmpNo", "UnivId", "Card", "First", "Last", "Born", "Mail", "Class")
CODES = (("UG", "STUDENT"), ("GR", "STUDENT"), ("ADM", "STAFF"), ("FAC", "FACULTY"))

CONFIG = """[build]
output = "extract.zip"
match_id = "identifier:UNIV_ID"
person_key = "person"
user_groups = "user-groups.csv"
purge = "expiry_date + 2 years"

[[build.sources]]
name = "registrar"
paths = ["registrar.csv"]
map = ["person=PersonKey", "primary_id=StudentNo", "identifier:UNIV_ID=UnivId",
       "identifier:BARCODE=Card", "first_name=Given", "last_name=Family", "birth_date=DOB",
       "email=Email", "user_group=Program", "status=Status"]
expiry = "TermEnd + 1 year"

[[build.sources]]
name = "hr"
paths = ["hr.csv"]
map = ["person=PersonKey", "primary_id=EmpNo", "identifier:UNIV_ID=UnivId",
       "identifier:BARCODE=Card", "first_name=First", "last_name=Last", "birth_date=Born",
       "email=Mail", "user_group=Class"]
expiry = "2037-06-30"
date_format = "%d/%m/%Y"
"""


@dataclass(frozen=True, slots=True)
class Plan:
    """How many of each situation to plant."""

    students: int = 0
    staff: int = 0
    both: int = 0  # student employees: one row in each export, merged
    both_birth_disagree: int = 0  # of `both`: HR has another birth date (registrar's kept)
    missing_primary: int = 0
    missing_match: int = 0
    too_long: int = 0  # a 256-character card
    duplicate_pairs: int = 0  # two people holding one card (different case): both refused
    twice_in_person: int = 0  # the card equals the person's own UNIV_ID
    unknown_group: int = 0
    bad_status: int = 0
    control_character: int = 0  # a card holding \x07
    short_rows: int = 0  # registrar rows with fewer cells than the header
    bad_dates: int = 0  # students whose DOB does not parse (written, no birth date)
    non_ascii_names: int = 0  # written as they are, in UTF-8


@dataclass
class Planted:
    """What `sis build` must do, counted while planting."""

    written: dict[str, str] = field(default_factory=dict)  # primary_id -> user group
    refused: Counter[str] = field(default_factory=Counter)  # code -> people
    refused_people: int = 0
    merged: int = 0
    disagree: int = 0
    malformed_rows: int = 0
    bad_dates: int = 0
    registrar_rows: int = 0
    hr_rows: int = 0
    names: dict[str, str] = field(default_factory=dict)  # primary_id -> first name (non-ASCII)


class _Writer:
    def __init__(self) -> None:
        self.n = 0
        self.registrar: list[list[str]] = []
        self.hr: list[list[str]] = []
        self.out = Planted()

    def ids(self) -> dict[str, str]:
        self.n += 1
        n = self.n
        return {
            "key": f"K{n:06d}",
            "primary": f"S{n:07d}",
            "univ": f"U{n:07d}",
            "card": f"2{n:09d}",
            "first": f"First{n}",
            "last": f"Last{n}",
            "dob": f"19{n % 90 + 10:02d}-0{n % 9 + 1}-1{n % 9}",
            "email": f"p{n}@college.ca",
        }

    def student(self, p: dict[str, str], *, program: str = "UG", status: str = "") -> None:
        self.registrar.append(
            [
                p["key"],
                p["primary"],
                p["univ"],
                p["card"],
                p["first"],
                p["last"],
                p["dob"],
                p["email"],
                program,
                status,
                "2036-04-30",
            ]
        )

    def employee(self, p: dict[str, str], *, born: str | None = None) -> None:
        year, month, day = (born or p["dob"]).split("-")
        self.hr.append(
            [
                p["key"],
                p["primary"],
                p["univ"],
                p["card"],
                p["first"],
                p["last"],
                f"{day}/{month}/{year}",
                p["email"],
                "ADM",
            ]
        )

    def written(self, p: dict[str, str], group: str) -> None:
        self.out.written[p["primary"]] = group

    def refuse(self, code: str, people: int = 1) -> None:
        self.out.refused[code] += people
        self.out.refused_people += people


def _plant_clean(w: _Writer, plan: Plan) -> None:
    for _ in range(plan.students):
        p = w.ids()
        w.student(p)
        w.written(p, "STUDENT")
    for _ in range(plan.staff):
        p = w.ids()
        w.employee(p)
        w.written(p, "STAFF")
    for i in range(plan.both):
        p = w.ids()
        w.student(p)
        if i < plan.both_birth_disagree:
            w.employee(p, born="1950-01-01")
            w.out.disagree += 1
        else:
            w.employee(p)
        w.written(p, "STUDENT")  # the registrar first
        w.out.merged += 1
    for _ in range(plan.bad_dates):
        p = w.ids()
        p["dob"] = "2001-13-45"
        w.student(p)
        w.written(p, "STUDENT")
        w.out.bad_dates += 1
    for i in range(plan.non_ascii_names):
        p = w.ids()
        p["first"] = ("Zoë", "José", "Łukasz", "Ngọc", "Søren")[i % 5]
        w.student(p)
        w.written(p, "STUDENT")
        w.out.names[p["primary"]] = p["first"]


def _plant_refused(w: _Writer, plan: Plan) -> None:
    for _ in range(plan.missing_primary):
        p = w.ids()
        p["primary"] = ""
        w.student(p)
        w.refuse("sis-primary-id-missing")
    for _ in range(plan.missing_match):
        p = w.ids()
        p["univ"] = ""
        w.employee(p)
        w.refuse("match-id-missing")
    for _ in range(plan.too_long):
        p = w.ids()
        p["card"] = "9" * 256
        w.student(p)
        w.refuse("sis-id-too-long")
    for _ in range(plan.duplicate_pairs):
        first, second = w.ids(), w.ids()
        second["card"] = first["card"] = f"LIB{w.n:06d}x"
        second["card"] = second["card"].upper()
        w.student(first)
        w.employee(second)
        w.refuse("sis-id-duplicate", 2)
    for _ in range(plan.twice_in_person):
        p = w.ids()
        p["card"] = p["univ"].lower()
        w.student(p)
        w.refuse("sis-id-duplicate")
    for _ in range(plan.unknown_group):
        p = w.ids()
        w.student(p, program="ZZ")
        w.refuse("build-user-group-unknown")
    for _ in range(plan.bad_status):
        p = w.ids()
        w.student(p, status="GONE")
        w.refuse("build-status-unknown")
    for _ in range(plan.control_character):
        p = w.ids()
        p["card"] = f"2{w.n:06d}\x07"
        w.student(p)
        w.refuse("build-invalid-character")


def plant(plan: Plan, folder: Path) -> Planted:
    """Write the exports into `folder`; return what the build must do with them."""
    w = _Writer()
    _plant_clean(w, plan)
    _plant_refused(w, plan)
    for _ in range(plan.short_rows):
        p = w.ids()
        w.registrar.append([p["key"], p["primary"], p["univ"]])
        w.out.malformed_rows += 1
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (("registrar.csv", REGISTRAR, w.registrar), ("hr.csv", HR, w.hr)):
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    with (folder / "user-groups.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("sis", "alma"), *CODES])
    (folder / "authprobe.toml").write_text(CONFIG, encoding="utf-8")
    w.out.registrar_rows = sum(1 for row in w.registrar if len(row) == len(REGISTRAR))
    w.out.hr_rows = len(w.hr)
    return w.out
