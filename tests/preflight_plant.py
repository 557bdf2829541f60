"""Known-truth data for the pre-flight: an SIS load and an Alma export with every outcome planted.

`plant(plan)` builds SIS records (in load order) and existing Alma users, and records by
construction what each SIS record's outcome and each existing user's fate must be (issue 12's
rules), never by running authprobe. `write_xml` writes both as Alma user XML files.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from authprobe.model import Record

FIELDS = ("primary_id", "identifier:UNIV_ID", "identifier:BARCODE")
GROUPS = ("STUDENT", "STAFF", "FACULTY")


@dataclass(frozen=True, slots=True)
class Plan:
    """How many of each situation to plant."""

    match_field: str = "identifier:UNIV_ID"
    update: int = 0
    create: int = 0
    duplicate_by_name: int = 0  # existing EXTERNAL user: same name (other spelling) + birth date
    duplicate_by_email: int = 0  # existing INTERNAL user: same email (other case)
    missing: int = 0
    twice_in_record: int = 0
    feed_after_loaded: int = 0  # pairs: the first is created, the second shares a value
    feed_after_rejected: int = 0  # pairs: the first is ambiguous, the second shares a value
    ambiguous: int = 0
    not_external: int = 0
    taken_other: int = 0  # its match finds one user, another user holds one of its values
    taken_nobody: int = 0  # its match finds nobody, a user holds one of its values
    orphans: int = 0
    internal_untouched: int = 0
    seed: int = 1


@dataclass
class Planted:
    """The SIS load, the Alma export, and what must happen to each."""

    sis: list[Record] = field(default_factory=list)
    existing: list[Record] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)  # per SIS record, load order
    fates: list[str] = field(default_factory=list)  # per existing user

    def outcome_counts(self) -> Counter[str]:
        """How many SIS records get each outcome."""
        return Counter(self.outcomes)

    def fate_counts(self) -> Counter[str]:
        """How many existing users get each fate."""
        return Counter(self.fates)


class _Builder:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.match = plan.match_field
        self.others = [f for f in FIELDS if f != plan.match_field]
        self.n = 0
        self.k = 0
        self.out = Planted()
        self.units: list[list[tuple[Record, str]]] = []  # SIS records kept together in order

    def person(self, *, match: bool = True) -> dict[str, object]:
        """A fresh SIS person: every identifier unique, a unique name, birth date and email."""
        self.n += 1
        n = self.n
        values = {
            "primary_id": f"P{n:06d}",
            "identifier:UNIV_ID": f"U{n:06d}",
            "identifier:BARCODE": f"B{n:06d}",
        }
        if not match:
            del values[self.match]
        return {
            "values": values,
            "first": f"Given{n}",
            "last": f"Family{n}",
            "birth": f"19{70 + n % 30:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "email": f"p{n}@college.ca",
            "group": GROUPS[n % len(GROUPS)],
        }

    def sis(self, person: dict[str, object]) -> Record:
        values = person["values"]
        assert isinstance(values, dict)
        info = {
            "first_name": str(person["first"]),
            "last_name": str(person["last"]),
            "birth_date": str(person["birth"]),
            "user_group": str(person["group"]),
        }
        attrs: dict[str, tuple[str, ...]] = {k: (v,) for k, v in values.items()}
        attrs["email"] = attrs["email:all"] = (str(person["email"]),)
        return Record(f"sis.xml:{self.n}", attrs, str(person["group"]), info)

    def existing(
        self,
        fate: str,
        values: dict[str, str],
        *,
        internal: bool = False,
        first: str | None = None,
        last: str | None = None,
        birth: str | None = None,
        email: str | None = None,
    ) -> None:
        self.k += 1
        k = self.k
        attrs: dict[str, tuple[str, ...]] = {key: (value,) for key, value in values.items()}
        mail = email or f"old{k}@old.example"
        attrs["email"] = attrs["email:all"] = (mail,)
        info = {
            "first_name": first or f"Old{k}",
            "last_name": last or f"Patron{k}",
            "birth_date": birth or f"18{k % 100:02d}-01-01",
            "account_type": "INTERNAL" if internal else "EXTERNAL",
            "user_group": "MIGRATED",
        }
        self.out.existing.append(Record(f"alma.xml:{k}", attrs, "MIGRATED", info))
        self.out.fates.append(fate)

    def unrelated(self, tag: str) -> dict[str, str]:
        """Identifiers no SIS record holds (a migrated barcode)."""
        return {"primary_id": f"{tag}{self.k + 1:06d}", "identifier:OLD_BARCODE": f"OB{self.k + 1}"}

    def unit(self, *pairs: tuple[Record, str]) -> None:
        self.units.append(list(pairs))


def plant(plan: Plan) -> Planted:
    """Build the load and the export with the planted outcomes (see `Plan`)."""
    b = _Builder(plan)
    o1 = b.others[0]
    for _ in range(plan.update):
        p = b.person()
        b.existing("updated", dict(p["values"]))  # type: ignore[arg-type]
        b.unit((b.sis(p), "update"))
    for _ in range(plan.create):
        b.unit((b.sis(b.person()), "create"))
    for _ in range(plan.duplicate_by_name):
        p = b.person()
        first, last = f"{p['first']}-Ève", f"{p['last']} Dupont"
        p["first"], p["last"] = first, last
        b.existing(
            "orphan",
            b.unrelated("OLD"),
            first=f"{first.replace('-', ' ').replace('È', 'E').lower()}",
            last=last.upper().replace(" ", ""),
            birth=f"{p['birth']}Z",
        )
        b.unit((b.sis(p), "create-duplicate"))
    for _ in range(plan.duplicate_by_email):
        p = b.person()
        b.existing(
            "untouched-internal",
            b.unrelated("STAFF"),
            internal=True,
            email=str(p["email"]).upper(),
        )
        b.unit((b.sis(p), "create-duplicate"))
    for _ in range(plan.missing):
        b.unit((b.sis(b.person(match=False)), "missing-match-id"))
    for _ in range(plan.twice_in_record):
        p = b.person()
        values = p["values"]
        assert isinstance(values, dict)
        values[b.others[1]] = values[o1].lower()  # the same value twice, in another case
        b.unit((b.sis(p), "rejected-in-feed"))
    for _ in range(plan.feed_after_loaded):
        first, second = b.person(), b.person()
        second["values"][o1] = first["values"][o1]  # type: ignore[index]
        b.unit((b.sis(first), "create"), (b.sis(second), "rejected-in-feed"))
    for _ in range(plan.feed_after_rejected):
        first, second = b.person(), b.person()
        m = first["values"][b.match]  # type: ignore[index]
        b.existing("blocked", {**b.unrelated("AMB"), b.match: m})
        b.existing("blocked", {**b.unrelated("AMB"), b.match: m.lower()})
        second["values"][o1] = first["values"][o1]  # type: ignore[index]
        b.unit((b.sis(first), "ambiguous"), (b.sis(second), "create"))
    for _ in range(plan.ambiguous):
        p = b.person()
        m = p["values"][b.match]  # type: ignore[index]
        b.existing("blocked", {**b.unrelated("AMB"), b.match: m})
        b.existing("blocked", {**b.unrelated("AMB"), b.match: f" {m} "})
        b.unit((b.sis(p), "ambiguous"))
    for _ in range(plan.not_external):
        p = b.person()
        b.existing("blocked", {b.match: p["values"][b.match]}, internal=True)  # type: ignore[index]
        b.unit((b.sis(p), "not-external"))
    for _ in range(plan.taken_other):
        p = b.person()
        b.existing("blocked", {b.match: p["values"][b.match]})  # type: ignore[index]
        b.existing("orphan", {**b.unrelated("TAK"), o1: p["values"][o1]})  # type: ignore[index]
        b.unit((b.sis(p), "rejected-taken"))
    for _ in range(plan.taken_nobody):
        p = b.person()
        b.existing("orphan", {**b.unrelated("TKN"), o1: p["values"][o1]})  # type: ignore[index]
        b.unit((b.sis(p), "rejected-taken"))
    for _ in range(plan.orphans):
        b.existing("orphan", b.unrelated("ORP"))
    for _ in range(plan.internal_untouched):
        b.existing("untouched-internal", b.unrelated("INT"), internal=True)
    random.Random(plan.seed).shuffle(b.units)
    for line, (record, outcome) in enumerate((pair for unit in b.units for pair in unit), 1):
        b.out.sis.append(Record(f"sis.xml:{line}", record.attrs, record.population, record.info))
        b.out.outcomes.append(outcome)
    return b.out


def shuffled_existing(planted: Planted, seed: int) -> Planted:
    """The same export in another order (fates follow their users)."""
    order = list(range(len(planted.existing)))
    random.Random(seed).shuffle(order)
    return Planted(
        sis=planted.sis,
        existing=[planted.existing[i] for i in order],
        outcomes=planted.outcomes,
        fates=[planted.fates[i] for i in order],
    )


def _user_xml(record: Record, *, alma: bool) -> str:
    parts = ["<user>"]
    info = record.info
    for tag in ("record_type", "primary_id"):
        if tag == "primary_id" and "primary_id" in record.attrs:
            parts.append(f"<primary_id>{escape(record.attrs['primary_id'][0])}</primary_id>")
    for tag in ("first_name", "last_name", "user_group", "birth_date"):
        if tag in info:
            parts.append(f"<{tag}>{escape(info[tag])}</{tag}>")
    if alma:
        parts.append(f"<account_type>{info['account_type']}</account_type>")
    identifiers = [
        (name.partition(":")[2], value)
        for name, values in record.attrs.items()
        if name.startswith("identifier:")
        for value in values
    ]
    if identifiers:
        parts.append("<user_identifiers>")
        for id_type, value in identifiers:
            parts.append(
                f"<user_identifier segment_type='External'><id_type>{id_type}</id_type>"
                f"<value>{escape(value)}</value><status>ACTIVE</status></user_identifier>"
            )
        parts.append("</user_identifiers>")
    emails = record.attrs.get("email:all", ())
    if emails:
        parts.append("<contact_info><emails>")
        for email in emails:
            parts.append(
                f"<email preferred='true'><email_address>{escape(email)}</email_address></email>"
            )
        parts.append("</emails></contact_info>")
    parts.append("</user>")
    return "".join(parts)


def write_xml(records: list[Record], path: Path, *, alma: bool) -> Path:
    """One user per line (line n+2 holds record n), as Alma user XML."""
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<users>"]
    lines.extend(_user_xml(record, alma=alma) for record in records)
    lines.append("</users>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
