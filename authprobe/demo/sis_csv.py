"""The demo college's SIS people as the exports campus IT starts from: the registrar's CSV
(students, student employees), HR's CSV (staff, faculty, student employees again) and the
library's list of guests and community borrowers, with the user group code table and the
`[build]` configuration that turns them back into the demo's SIS extract (`sis build`).

`python -m authprobe.demo.sis_csv --write FOLDER` writes them. What `sis build` must do with them
is known by construction: every person once (the student employees merged, registrar first),
the people planted without a primary_id refused (`refused()`), the rest written.

`--next-term` writes the exports of the following term instead, with `NEXT_TERM` planted: some
students re-issued a new student number (their card and NetID unchanged), some graduated
(dropped), a graduate's library card handed to another student, some staff now faculty.
`sis diff` of the two builds finds exactly these.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

from authprobe.demo import DEMO, College, Kind, Person, Problem, generate

REGISTRAR = ("PersonKey", "StudentNo", "Card", "NetID", "GivenName", "Surname", "DOB", "Email",
             "Program", "TermEnd")  # fmt: skip
HR = ("PersonKey", "EmployeeNo", "Card", "NetID", "FirstName", "LastName", "BirthDate", "Email",
      "Class", "ReviewDate")  # fmt: skip
LIBRARY = ("PersonKey", "LibraryNo", "Card", "First", "Last", "Born", "Email", "Type", "Expires")
PROGRAMS = {Kind.STUDENT: "UG", Kind.STUDENT_EMPLOYEE: "UG"}
CLASSES = {Kind.STAFF: "ADM", Kind.FACULTY: "FAC", Kind.STUDENT_EMPLOYEE: "SWS"}
CODES = (
    ("UG", "STUDENT", "undergraduate (registrar)"),
    ("ADM", "STAFF", "administrative staff (HR)"),
    ("SWS", "STAFF", "student work-study (HR)"),
    ("FAC", "FACULTY", "faculty (HR)"),
    ("GST", "GUEST", "guest (library)"),
    ("COM", "COMMUNITY", "community borrower (library)"),
)
CONFIG = """# sis build of the demo college: registrar first, then HR, then the library's guests
[build]
output = "sis-built.zip"
match_id = "primary_id"
person_key = "person"
user_groups = "user-groups.csv"
purge = "expiry_date + 1 year"
email_type = "school"

[[build.sources]]
name = "registrar"
paths = ["registrar.csv"]
map = ["person=PersonKey", "primary_id=StudentNo", "identifier:BARCODE=Card",
       "identifier:NET_ID=NetID", "first_name=GivenName", "last_name=Surname",
       "birth_date=DOB", "email=Email", "user_group=Program"]
expiry = "TermEnd + 1 year"

[[build.sources]]
name = "hr"
paths = ["hr.csv"]
map = ["person=PersonKey", "primary_id=EmployeeNo", "identifier:BARCODE=Card",
       "identifier:NET_ID=NetID", "first_name=FirstName", "last_name=LastName",
       "birth_date=BirthDate", "email=Email", "user_group=Class", "expiry_date=ReviewDate"]

[[build.sources]]
name = "library"
paths = ["library.csv"]
map = ["person=PersonKey", "primary_id=LibraryNo", "identifier:BARCODE=Card",
       "first_name=First", "last_name=Last", "birth_date=Born", "email=Email",
       "user_group=Type", "expiry_date=Expires"]
date_format = "%m/%d/%Y"
"""


def _ids(person: Person) -> tuple[str, str, str]:
    """(primary_id or "", BARCODE, NET_ID or "") as the demo's SIS record holds them."""
    sis = person.sis
    assert sis is not None
    found = dict(sis.identifiers)
    return sis.primary_id or "", found.get("BARCODE", ""), found.get("NET_ID", "")


def _registrar_row(person: Person) -> list[str]:
    sis = person.sis
    assert sis is not None
    primary, card, netid = _ids(person)
    key = f"P{person.index:07d}"
    email = sis.email or ""
    return [key, primary, card, netid, sis.first_name, sis.last_name, sis.birth_date, email,
            PROGRAMS[person.kind], "2026-08-31"]  # fmt: skip


def _hr_row(person: Person) -> list[str]:
    sis = person.sis
    assert sis is not None
    primary, card, netid = _ids(person)
    key = f"P{person.index:07d}"
    email = sis.email or ""
    return [key, primary, card, netid, sis.first_name, sis.last_name, sis.birth_date, email,
            CLASSES[person.kind], "2027-08-31"]  # fmt: skip


def _library_row(person: Person) -> list[str]:
    sis = person.sis
    assert sis is not None
    primary, card, _ = _ids(person)
    year, month, day = sis.birth_date.split("-")
    kind = "GST" if sis.user_group == "GUEST" else "COM"
    return [f"P{person.index:07d}", primary, card, sis.first_name, sis.last_name,
            f"{month}/{day}/{year}", sis.email or "", kind, "12/31/2026"]  # fmt: skip


NEXT_TERM = {"renumbered": 5, "graduated": 3, "card_reissued": 1, "to_faculty": 2}
"""What changes in the next term's exports (`next_term`)."""


def _students(college: College) -> list[Person]:
    """Registrar-only students with a primary_id, in generation order."""
    return [
        p
        for p in college.people
        if p.kind is Kind.STUDENT and p.sis is not None and p.sis.primary_id
    ]


def next_term(registrar: list[list[str]], hr: list[list[str]], college: College) -> None:
    """Apply `NEXT_TERM` to this term's rows (in place)."""
    students = _students(college)
    renumbered = students[: NEXT_TERM["renumbered"]]
    graduated = students[len(renumbered) : len(renumbered) + NEXT_TERM["graduated"]]
    receiver = students[len(renumbered) + len(graduated)]
    by_key = {row[0]: row for row in registrar}
    for person in renumbered:
        row = by_key[f"P{person.index:07d}"]
        row[1] = str(int(row[1]) + 1_000_000_000)  # a new 10-digit number
    gone = {f"P{p.index:07d}" for p in graduated}
    by_key[f"P{receiver.index:07d}"][2] = by_key[f"P{graduated[0].index:07d}"][2]
    registrar[:] = [row for row in registrar if row[0] not in gone]
    staff = [row for row in hr if row[8] == "ADM"][: NEXT_TERM["to_faculty"]]
    for row in staff:
        row[8] = "FAC"


def _write(path: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_sis_csv(college: College, folder: Path, *, term: str = "this") -> dict[str, Path]:
    """Write registrar.csv, hr.csv, library.csv, user-groups.csv and authprobe.toml (`term`
    "next": the following term's exports, `NEXT_TERM` planted)."""
    folder.mkdir(parents=True, exist_ok=True)
    people = [p for p in college.people if p.sis is not None]
    registrar = [_registrar_row(p) for p in people if p.kind in PROGRAMS]
    hr = [_hr_row(p) for p in people if p.kind in CLASSES]
    if term == "next":
        next_term(registrar, hr, college)
    library = [_library_row(p) for p in people if p.kind is Kind.GUEST]
    paths = {
        "registrar": folder / "registrar.csv",
        "hr": folder / "hr.csv",
        "library": folder / "library.csv",
        "codes": folder / "user-groups.csv",
        "config": folder / "authprobe.toml",
    }
    _write(paths["registrar"], REGISTRAR, registrar)
    _write(paths["hr"], HR, hr)
    _write(paths["library"], LIBRARY, library)
    _write(paths["codes"], ("sis_code", "alma_user_group", "meaning"), [list(c) for c in CODES])
    paths["config"].write_text(CONFIG, encoding="utf-8")
    return paths


def refused(college: College) -> int:
    """People `sis build` must refuse: those planted without a primary_id (empty or absent)."""
    missing = {Problem.PRIMARY_ID_EMPTY, Problem.PRIMARY_ID_ABSENT}
    return sum(1 for p in college.people if p.sis is not None and p.problems & missing)


def merged(college: College) -> int:
    """People present in two exports (the student employees: registrar and HR)."""
    return sum(1 for p in college.people if p.sis is not None and p.kind is Kind.STUDENT_EMPLOYEE)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the demo college's registrar, HR and library exports into FOLDER."""
    parser = argparse.ArgumentParser(prog="python -m authprobe.demo.sis_csv", description=__doc__)
    parser.add_argument("--write", type=Path, required=True, metavar="FOLDER")
    parser.add_argument("--next-term", action="store_true", help="the following term's exports")
    args = parser.parse_args(argv)
    write_sis_csv(generate(DEMO), args.write, term="next" if args.next_term else "this")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
