"""The demo college's users already in Alma: the patrons migrated from the old ILS, and others.

Ontario colleges migrated their patrons from the old ILS (mostly SirsiDynix Symphony) with
USER_ID taken from the library barcode or, at some colleges, from the registrar number; staff
created INTERNAL users by hand; alumni stayed. `alma_users(college)` draws such an export from
the college's people, and `preflight_truth` counts, from what each user was made to be, the
outcome of the first SIS load of every SIS record with primary_id as the Match ID Type (the
rules of authprobe/analysis/preflight, applied by construction, never by running authprobe).

Groups (each drawn from different people, so that nothing interacts by accident):
- by number: USER_ID was the registrar number: primary_id = the number, BARCODE = the card
  (some without a card) -> update;
- by barcode: USER_ID was the card: primary_id = the barcode, UNIV_ID = the number -> the SIS
  record's values are held by someone its match does not find: rejected-taken;
- old card (name): migrated under an old card, no number; same name and birth date ->
  create-duplicate; old card (email): same email, no birth date -> create-duplicate;
- internal staff: staff who made themselves INTERNAL users with their number -> not-external;
- internal guests: community borrowers kept as INTERNAL users, same email -> create-duplicate;
- taken: a person migrated by number without a card, whose new card's barcode an alumnus still
  holds as BARCODE (a reused card) -> that person's record is rejected-taken although their own
  migrated user is found;
- alumni (EXTERNAL, orphans) and library staff accounts (INTERNAL, untouched).
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from authprobe.demo.college import College, Person

MIGRATED_KINDS = ("student", "staff", "faculty", "student-employee")
BUSY = frozenset(
    {"email-case-twin", "shared-mail", "primary-id-empty", "primary-id-absent"}
)  # problems whose people are kept out of the Alma groups (they would interact)
OUTCOMES = (
    "missing-match-id",
    "rejected-in-feed",
    "ambiguous",
    "not-external",
    "rejected-taken",
    "update",
    "create-duplicate",
    "create",
)
FATES = ("updated", "blocked", "orphan", "untouched-internal")


@dataclass(frozen=True, slots=True)
class AlmaSpec:
    """How many users of each group the Alma export holds (see the module docstring)."""

    seed: int
    by_number: int = 0
    without_card: int = 0  # of the `by_number` users, how many have no BARCODE identifier
    by_barcode: int = 0
    old_card_name: int = 0
    old_card_email: int = 0
    internal_staff: int = 0
    internal_guests: int = 0
    taken: int = 0  # of the cardless `by_number` people, how many an alumnus' BARCODE also names
    alumni: int = 0
    library_staff: int = 0


@dataclass(frozen=True, slots=True)
class AlmaUser:
    """One user of the Alma export."""

    group: str
    primary_id: str
    identifiers: tuple[tuple[str, str], ...]
    first: str
    last: str
    birth_date: str | None
    email: str
    account_type: str  # INTERNAL or EXTERNAL
    record_type: str
    user_group: str
    person: int | None  # the college person's index, when it is one of them


def _fold_name(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c) and c not in " -")


def _keys(person: Person) -> tuple[tuple[str, str, str], str]:
    assert person.sis is not None
    name = (_fold_name(person.sis.first_name), _fold_name(person.sis.last_name))
    return (*name, person.sis.birth_date), (person.sis.email or "").casefold()


def _unique_people(people: Iterable[Person]) -> list[Person]:
    """SIS people whose name + birth date and whose email no other SIS person shares."""
    sis = [p for p in people if p.sis is not None]
    names = Counter(_keys(p)[0] for p in sis)
    mails = Counter(a.address.casefold() for p in sis if p.sis for a in p.sis.emails)
    return [
        p
        for p in sis
        if names[_keys(p)[0]] == 1
        and all(mails[a.address.casefold()] == 1 for a in p.sis.emails)  # type: ignore[union-attr]
        and not {problem.value for problem in p.problems} & BUSY
    ]


class _Draw:
    """Picks disjoint people and fresh values with one seeded generator."""

    def __init__(self, college: College, spec: AlmaSpec) -> None:
        self.rng = random.Random(spec.seed)
        self.pool = _unique_people(college.people)
        self.used: set[int] = set()
        taken = {p.number for p in college.people} | {
            v for p in college.people if p.sis for _, v in p.sis.identifiers
        }
        self.taken = taken
        self.users: list[AlmaUser] = []

    def people(self, count: int, kinds: Iterable[str]) -> list[Person]:
        wanted = set(kinds)
        pool = [p for p in self.pool if p.kind.value in wanted and p.index not in self.used]
        chosen = self.rng.sample(pool, count)
        self.used.update(p.index for p in chosen)
        return sorted(chosen, key=lambda p: p.index)

    def fresh(self, prefix: str, digits: int) -> str:
        while True:
            value = f"{prefix}{self.rng.randrange(10**digits):0{digits}d}"
            if value not in self.taken:
                self.taken.add(value)
                return value

    def add(self, user: AlmaUser) -> None:
        self.users.append(user)


def _barcode(person: Person) -> str:
    assert person.sis is not None
    return next(v for t, v in person.sis.identifiers if t == "BARCODE")


def _migrated(draw: _Draw, spec: AlmaSpec) -> list[Person]:
    """The by-number, by-barcode and old-card groups; returns the cardless by-number people."""
    by_number = draw.people(spec.by_number, MIGRATED_KINDS)
    cardless = set(draw.rng.sample([p.index for p in by_number], spec.without_card))
    for p in by_number:
        assert p.sis is not None
        ids = () if p.index in cardless else (("BARCODE", _barcode(p)),)
        draw.add(_patron("by-number", p, p.number, ids, p.sis.email or ""))
    for p in draw.people(spec.by_barcode, MIGRATED_KINDS):
        assert p.sis is not None
        draw.add(_patron("by-barcode", p, _barcode(p), (("UNIV_ID", p.number),), p.sis.email or ""))
    for p in draw.people(spec.old_card_name, MIGRATED_KINDS):
        old = draw.fresh("2", 13)
        draw.add(_patron("old-card-name", p, old, (), f"p{p.index}.old@oldils.example"))
    for p in draw.people(spec.old_card_email, MIGRATED_KINDS):
        assert p.sis is not None
        user = _patron("old-card-email", p, draw.fresh("2", 13), (), (p.sis.email or "").upper())
        draw.add(_replace_person(user, first=p.sis.first_name[:1] + ".", birth=None))
    return [p for p in by_number if p.index in cardless]


def _patron(
    group: str, person: Person, primary: str, ids: tuple[tuple[str, str], ...], email: str
) -> AlmaUser:
    assert person.sis is not None
    return AlmaUser(
        group=group,
        primary_id=primary,
        identifiers=ids,
        first=person.sis.first_name,
        last=person.sis.last_name.upper() if group == "old-card-name" else person.sis.last_name,
        birth_date=person.sis.birth_date,
        email=email,
        account_type="EXTERNAL",
        record_type="PUBLIC",
        user_group=person.sis.user_group,
        person=person.index,
    )


def _replace_person(user: AlmaUser, *, first: str, birth: str | None) -> AlmaUser:
    return AlmaUser(
        user.group,
        user.primary_id,
        user.identifiers,
        first,
        user.last,
        birth,
        user.email,
        user.account_type,
        user.record_type,
        user.user_group,
        user.person,
    )


def _others(draw: _Draw, spec: AlmaSpec, cardless: list[Person]) -> None:
    """Internal staff and guests, the taken numbers, alumni and library staff."""
    for p in draw.people(spec.internal_staff, ("staff", "faculty")):
        assert p.sis is not None
        user = _patron("internal-staff", p, p.number, (), p.sis.email or "")
        draw.add(_internal(user, "STAFF"))
    for p in draw.people(spec.internal_guests, ("guest",)):
        assert p.sis is not None
        user = _patron("internal-guest", p, f"CB{p.index:05d}", (), (p.sis.email or "").upper())
        draw.add(_internal(_replace_person(user, first=user.first, birth=None), "PUBLIC"))
    for k, p in enumerate(draw.rng.sample(cardless, spec.taken)):
        draw.add(_alumnus(draw, f"Taken{k}", card=_barcode(p)))
    for k in range(spec.alumni):
        draw.add(_alumnus(draw, f"Alum{k}"))
    for k in range(spec.library_staff):
        draw.add(
            AlmaUser(
                "library-staff",
                f"lib-desk{k:02d}",
                (),
                "Circulation",
                f"Desk{k:02d}",
                None,
                f"desk{k:02d}@library.college.ca",
                "INTERNAL",
                "STAFF",
                "LIBSTAFF",
                None,
            )
        )


def _internal(user: AlmaUser, record_type: str) -> AlmaUser:
    return AlmaUser(
        user.group,
        user.primary_id,
        user.identifiers,
        user.first,
        user.last,
        user.birth_date,
        user.email,
        "INTERNAL",
        record_type,
        "COMMUNITY" if user.group == "internal-guest" else user.user_group,
        user.person,
    )


def _alumnus(draw: _Draw, name: str, card: str | None = None) -> AlmaUser:
    """An alumnus: born before anyone in the SIS, an alumni address, an old number; `card`, a
    barcode since given to someone else, as BARCODE."""
    rng = draw.rng
    ids = (("UNIV_ID", draw.fresh("", 9)),) + ((("BARCODE", card),) if card else ())
    return AlmaUser(
        "taken" if card else "alumni",
        draw.fresh("2", 13),
        ids,
        "Alumna" if rng.random() < 0.5 else "Alumnus",
        name,
        f"{rng.randrange(1930, 1960)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        f"{name.lower()}@alumni.college.ca",
        "EXTERNAL",
        "PUBLIC",
        "ALUMNI",
        None,
    )


def alma_users(college: College, spec: AlmaSpec) -> tuple[AlmaUser, ...]:
    """The export of the users already in Alma, in a seeded order (as an export would be)."""
    draw = _Draw(college, spec)
    cardless = _migrated(draw, spec)
    _others(draw, spec, cardless)
    users = list(draw.users)
    draw.rng.shuffle(users)
    return tuple(users)


def preflight_truth(college: College, spec: AlmaSpec, users: Iterable[AlmaUser]) -> dict[str, Any]:
    """The first load's outcomes and fates with primary_id as the Match ID Type, by construction."""
    groups = Counter(u.group for u in users)
    sis = [p for p in college.people if p.sis is not None]
    missing = sum(1 for p in sis if p.sis and p.sis.primary_id is None)
    outcomes = dict.fromkeys(OUTCOMES, 0)
    outcomes["missing-match-id"] = missing
    outcomes["not-external"] = groups["internal-staff"]
    outcomes["rejected-taken"] = groups["by-barcode"] + groups["taken"]
    outcomes["update"] = groups["by-number"] - groups["taken"]
    duplicates = groups["old-card-name"] + groups["old-card-email"] + groups["internal-guest"]
    outcomes["create-duplicate"] = duplicates
    outcomes["create"] = len(sis) - sum(outcomes.values())
    orphans = (
        groups["by-barcode"]
        + groups["old-card-name"]
        + groups["old-card-email"]
        + groups["taken"]
        + groups["alumni"]
    )
    fates = {
        "updated": groups["by-number"] - groups["taken"],
        "blocked": groups["taken"] + groups["internal-staff"],
        "orphan": orphans,
        "untouched-internal": groups["internal-guest"] + groups["library-staff"],
    }
    # with identifier:BARCODE instead: the cardless by-number users (the taken ones among them)
    # and the internal staff are found by nobody but hold the record's number (rejected-taken),
    # and the SIS records without a primary_id carry a barcode, so they are created
    barcode_clean = groups["by-number"] - spec.without_card + outcomes["create"] + missing
    return {
        "users": sum(groups.values()),
        "internal": sum(1 for u in users if u.account_type == "INTERNAL"),
        "groups": dict(sorted(groups.items())),
        "match_id_type": "primary_id",
        "outcomes": outcomes,
        "fates": fates,
        "create_duplicate_evidence": {
            "name and birth date": groups["old-card-name"],
            "email": groups["old-card-email"] + groups["internal-guest"],
        },
        "clean": {
            "primary_id": outcomes["update"] + outcomes["create"],
            "identifier:BARCODE": barcode_clean,
        },
    }


def alma_xml(users: Iterable[AlmaUser]) -> bytes:
    """The users as Alma's Export Users job writes them (`<users>`/`<user>`, rest_user.xsd)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<users>"]
    for user in users:
        out += [
            "  <user>",
            f'    <record_type desc="{user.record_type.title()}">{user.record_type}</record_type>',
            f"    <primary_id>{escape(user.primary_id)}</primary_id>",
            f"    <first_name>{escape(user.first)}</first_name>",
            f"    <last_name>{escape(user.last)}</last_name>",
            f"    <user_group>{escape(user.user_group)}</user_group>",
            f'    <account_type desc="{user.account_type.title()}">{user.account_type}'
            "</account_type>",
            '    <status desc="Active">ACTIVE</status>',
            "    <expiry_date>2027-08-31Z</expiry_date>",
            "    <purge_date>2029-08-31Z</purge_date>",
        ]
        if user.birth_date:
            out.append(f"    <birth_date>{user.birth_date}Z</birth_date>")
        out += [
            "    <contact_info>",
            "      <emails>",
            '        <email preferred="true" segment_type="External">',
            f"          <email_address>{escape(user.email)}</email_address>",
            "          <email_types><email_type>school</email_type></email_types>",
            "        </email>",
            "      </emails>",
            "    </contact_info>",
        ]
        if user.identifiers:
            out.append("    <user_identifiers>")
            for id_type, value in user.identifiers:
                out += [
                    '      <user_identifier segment_type="External">',
                    f'        <id_type desc="{id_type}">{id_type}</id_type>',
                    f"        <value>{escape(value)}</value>",
                    "        <status>ACTIVE</status>",
                    "      </user_identifier>",
                ]
            out.append("    </user_identifiers>")
        out.append("  </user>")
    out.append("</users>")
    return ("\n".join(out) + "\n").encode("utf-8")
