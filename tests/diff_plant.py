"""Known-truth extract pairs for `sis diff`: OLD and NEW with every change planted and counted.

`plant(plan)` returns both extracts as people (dicts) and what the diff must find, counted while
planting; `write(people, path)` writes Alma user XML with a plain template (not authprobe's
writer). The Match ID is primary_id; everyone also has a BARCODE and a NET_ID.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape


@dataclass(frozen=True, slots=True)
class Plan:
    """How many of each change to plant."""

    stable: int = 0
    match_changed_by_id: int = 0  # primary_id changes, BARCODE stays
    match_changed_by_name: int = 0  # every identifier and the email change; name + birth stay
    match_lost: int = 0  # NEW has no primary_id; BARCODE stays
    card_reassigned: int = 0  # OLD person dropped; a new person (other birth date) gets the card
    match_reassigned: int = 0  # a person gets a new primary_id; a new person gets the old one
    dropped: int = 0
    new: int = 0
    group_changed: int = 0  # of the stable people
    expiry_changed: int = 0
    purge_changed: int = 0
    email_changed: int = 0


@dataclass
class Truth:
    """What the diff must report."""

    paired: int = 0
    match_changed: Counter[str] = field(default_factory=Counter)  # by evidence
    match_lost: int = 0
    moved: Counter[str] = field(default_factory=Counter)  # by field
    dropped: int = 0
    new: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    changed_by_field: Counter[str] = field(default_factory=Counter)
    compared_by_field: Counter[str] = field(default_factory=Counter)
    crosswalk: list[tuple[str, str]] = field(default_factory=list)


Person = dict[str, str]
COMPARED = (("user_group", "group"), ("expiry_date", "expiry"), ("purge_date", "purge"))
COMPARED += (("email", "email"),)


class _Planter:
    def __init__(self) -> None:
        self.n = 0
        self.old: list[Person] = []
        self.new: list[Person] = []
        self.truth = Truth()

    def person(self) -> Person:
        self.n += 1
        n = self.n
        return {
            "primary_id": f"P{n:06d}",
            "BARCODE": f"B{n:06d}",
            "NET_ID": f"net{n}",
            "first": f"First{n}",
            "last": f"Last{n}",
            "birth": f"19{n % 80 + 10:02d}-{n % 12 + 1:02d}-{n % 27 + 1:02d}",
            "email": f"p{n}@college.ca",
            "group": "STUDENT",
            "expiry": "2030-08-31",
            "purge": "2032-08-31",
        }

    def pair(self, old: Person, new: Person) -> None:
        self.old.append(old)
        self.new.append(new)
        self.truth.paired += 1
        for label, key in COMPARED:
            if old[key].casefold() != new[key].casefold():
                self.truth.changes[label] += 1
        for name in ("primary_id", "BARCODE", "NET_ID"):
            if name in old:
                key = name if name == "primary_id" else f"identifier:{name}"
                self.truth.compared_by_field[key] += 1
                if new.get(name, "").casefold() != old[name].casefold():
                    self.truth.changed_by_field[key] += 1


def _stable(p: _Planter, plan: Plan) -> None:
    changes = (
        ("user_group", "group", "STAFF", plan.group_changed),
        ("expiry_date", "expiry", "2031-04-30", plan.expiry_changed),
        ("purge_date", "purge", "2033-04-30", plan.purge_changed),
        ("email", "email", "other@college.ca", plan.email_changed),
    )
    for i in range(plan.stable):
        old = p.person()
        new = dict(old)
        offset = 0
        for _label, key, value, count in changes:
            if offset <= i < offset + count:
                new[key] = value if key != "email" else f"x{i}.{value}"
            offset += count
        if i % 5 == 0:
            new["primary_id"] = old["primary_id"].lower()  # case only: the same value for Alma
        p.pair(old, new)


def _match_changes(p: _Planter, plan: Plan) -> None:
    for _ in range(plan.match_changed_by_id):
        old = p.person()
        new = dict(old, primary_id=f"Q{p.n:06d}")
        p.pair(old, new)
        p.truth.match_changed["other identifier"] += 1
        p.truth.crosswalk.append((old["primary_id"], new["primary_id"]))
    for _ in range(plan.match_changed_by_name):
        old = p.person()
        new = dict(old, primary_id=f"R{p.n:06d}", BARCODE=f"C{p.n:06d}", NET_ID=f"new{p.n}")
        new["email"] = f"renamed{p.n}@college.ca"
        p.pair(old, new)
        p.truth.match_changed["name and birth date"] += 1
        p.truth.crosswalk.append((old["primary_id"], new["primary_id"]))
    for _ in range(plan.match_lost):
        old = p.person()
        new = dict(old)
        del new["primary_id"]
        p.pair(old, new)
        p.truth.match_lost += 1


def _moves(p: _Planter, plan: Plan) -> None:
    for _ in range(plan.card_reassigned):
        gone = p.person()
        p.old.append(gone)
        p.truth.dropped += 1
        other = p.person()
        other["BARCODE"] = gone["BARCODE"]
        other["birth"] = "1950-01-01"
        p.new.append(other)
        p.truth.new += 1
        p.truth.moved["identifier:BARCODE"] += 1
    for _ in range(plan.match_reassigned):
        old = p.person()
        new = dict(old, primary_id=f"S{p.n:06d}")
        p.pair(old, new)
        p.truth.match_changed["other identifier"] += 1
        p.truth.crosswalk.append((old["primary_id"], new["primary_id"]))
        other = p.person()
        other["primary_id"] = old["primary_id"]
        other["birth"] = "1951-02-02"
        p.new.append(other)
        p.truth.new += 1
        p.truth.moved["primary_id"] += 1


def plant(plan: Plan) -> tuple[list[Person], list[Person], Truth]:
    """OLD, NEW and the truth."""
    p = _Planter()
    _stable(p, plan)
    _match_changes(p, plan)
    _moves(p, plan)
    for _ in range(plan.dropped):
        p.old.append(p.person())
        p.truth.dropped += 1
    for _ in range(plan.new):
        p.new.append(p.person())
        p.truth.new += 1
    return p.old, p.new, p.truth


def write(people: list[Person], path: Path) -> Path:
    """Alma user XML, one <user> per person."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<users>"]
    for person in people:
        parts = ["<user>"]
        if "primary_id" in person:
            parts.append(f"<primary_id>{escape(person['primary_id'])}</primary_id>")
        parts.append(
            f"<first_name>{person['first']}</first_name><last_name>{person['last']}</last_name>"
            f"<user_group>{person['group']}</user_group><birth_date>{person['birth']}Z"
            f"</birth_date><expiry_date>{person['expiry']}Z</expiry_date>"
            f"<purge_date>{person['purge']}Z</purge_date>"
            "<contact_info><emails><email preferred='true'><email_address>"
            f"{escape(person['email'])}</email_address></email></emails></contact_info>"
            "<user_identifiers>"
        )
        for id_type in ("BARCODE", "NET_ID"):
            parts.append(
                f"<user_identifier><id_type>{id_type}</id_type><value>"
                f"{escape(person[id_type])}</value></user_identifier>"
            )
        parts.append("</user_identifiers></user>")
        out.append("".join(parts))
    out.append("</users>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path
