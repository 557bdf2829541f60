"""The demo college: a deterministic synthetic college whose right answer is known by construction.

`generate(spec)` draws people from one seeded `random.Random` and plants the problems the spec
asks for (missing numbers, a shared mail, a case-only collision, name changes, upper-cased
usernames); `write_college(college, folder)` writes what a college would hand over — an LDIF
export of its directory (Active Directory or OpenLDAP/eduPerson style) and an Alma SIS extract
zip — plus `truth.json`, the right matching ID and its exact figures, counted from the
generator's own bookkeeping (which person got which value), never from authprobe's analysis.

Nothing depends on the clock, hash seeds or dict/set iteration order, and zip members carry a
fixed date, so the same spec always gives the same bytes. `python -m authprobe.demo --write
fixtures/demo-college` regenerates the committed demo files.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import unicodedata
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from authprobe.demo.alma import AlmaSpec, AlmaUser, alma_users, alma_xml, preflight_truth

LDIF_WIDTH = 76
Container = tuple[str, tuple[tuple[str, str], ...]]  # a non-person entry: DN, attributes
ZIP_DATE = (2026, 1, 15, 6, 0, 0)
NUMBER_STEPS: tuple[str, ...] = ()  # a registrar number joins exactly


class DirectoryStyle(StrEnum):
    """How the directory export looks."""

    AD = "ad"  # CN=Last\, First,OU=<population>,OU=People,DC=...; sAMAccountName, employeeID
    OPENLDAP = "openldap"  # uid=...,ou=people,dc=...; inetOrgPerson + eduPerson, entryUUID


class PrimaryId(StrEnum):
    """What the SIS puts in `primary_id`."""

    NUMBER = "number"  # the registrar number (the directory holds it too)
    USERNAME_UPPER = "username-upper"  # the login name, upper-cased
    EMAIL = "email"  # the SIS email address
    SIS_KEY = "sis-key"  # an internal SIS key the directory never sees


class Kind(StrEnum):
    """Who a person is; decides which sources hold them and their population names."""

    STUDENT = "student"
    STAFF = "staff"
    FACULTY = "faculty"
    STUDENT_EMPLOYEE = "student-employee"  # one SIS record (STUDENT), directory entry in Staff
    GUEST = "guest"  # SIS only
    SERVICE = "service-account"  # directory only, no number


class Problem(StrEnum):
    """A planted problem, recorded on the person it was planted on."""

    PRIMARY_ID_EMPTY = "primary-id-empty"
    PRIMARY_ID_ABSENT = "primary-id-absent"
    SIS_NUMBER_ABSENT = "sis-number-absent"
    DIRECTORY_NUMBER_ABSENT = "directory-number-absent"
    NAME_CHANGED = "name-changed"
    NETID_UPPER = "netid-upper-cased"
    NETID_ABSENT = "netid-absent"
    EMAIL_CASE_TWIN = "email-case-twin"  # SIS email = another person's mail in other letter case
    SHARED_MAIL = "shared-mail"  # a service account holding this person's mail
    PERSONAL_EMAIL = "personal-email"  # SIS email is a personal address, not the college mail
    DIRECTORY_NUMBER_UNPADDED = "directory-number-unpadded"  # HR dropped the leading zeros


@dataclass(frozen=True, slots=True)
class CollegeSpec:
    """Everything that decides one synthetic college; same spec, same bytes."""

    name: str
    seed: int
    domain: str
    style: DirectoryStyle = DirectoryStyle.AD
    students: int = 0
    staff: int = 0
    faculty: int = 0
    student_employees: int = 0
    guests: int = 0
    service_accounts: int = 0
    primary_id: PrimaryId = PrimaryId.NUMBER
    number_identifier: str | None = None  # SIS id_type holding the number if not primary_id
    directory_number_attribute: str = "employeeID"
    netid_identifier: str | None = None  # SIS id_type holding the login name, if any
    ou_per_population: bool = True  # OpenLDAP only: ou=students,... instead of one ou=people
    sis_root: str = "users"
    zip_folder: str = ""  # e.g. "extract/": members inside a folder of the zip
    ldif_newline: str = "\n"  # "\r\n" as Windows ldifde writes
    missing_primary_id: int = 0  # half written empty, half left out
    missing_sis_number: int = 0
    missing_directory_number: int = 0
    shared_mail: int = 0
    email_case_collisions: int = 0  # pairs
    name_changes: int = 0
    netid_upper_share: float = 0.0
    missing_netid: int = 0
    personal_email_share: float = 0.0  # share of students whose SIS email is personal
    hr_drops_leading_zeros: bool = False  # staff/faculty entries: 012345678 written 12345678
    alma: AlmaSpec | None = None  # the users already in Alma (demo/alma.py), if any


@dataclass(frozen=True, slots=True)
class SisEmail:
    """One `contact_info/emails/email`; `preferred` None means the attribute is left out."""

    address: str
    preferred: bool | None
    email_type: str


@dataclass(frozen=True, slots=True)
class SisRecord:
    """One `<user>` of the SIS extract."""

    member: str  # zip member it is written to
    primary_id: str | None
    primary_id_element: str  # "value", "empty" or "absent"
    user_group: str
    first_name: str
    last_name: str
    birth_date: str
    expiry_date: str
    emails: tuple[SisEmail, ...]
    identifiers: tuple[tuple[str, str], ...]

    @property
    def email(self) -> str | None:
        """The SIS `email` field: the preferred address, else the first."""
        for email in self.emails:
            if email.preferred:
                return email.address
        return self.emails[0].address if self.emails else None

    def fields(self) -> dict[str, tuple[str, ...]]:
        """The candidate fields as the analysis names them: primary_id, identifier:X, email."""
        values: dict[str, tuple[str, ...]] = {}
        if self.primary_id:
            values["primary_id"] = (self.primary_id,)
        for id_type, value in self.identifiers:
            key = f"identifier:{id_type}"
            values[key] = (*values.get(key, ()), value)
        if self.email is not None:
            values["email"] = (self.email,)
        return values


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One person entry of the LDIF export; binary values are bytes."""

    dn: str
    population: str
    attrs: tuple[tuple[str, tuple[str | bytes, ...]], ...]

    def text_attrs(self) -> dict[str, tuple[str, ...]]:
        """Text-valued attributes (binary ones such as objectGUID left out)."""
        return {
            name: tuple(v for v in values if isinstance(v, str))
            for name, values in self.attrs
            if any(isinstance(v, str) for v in values)
        }


@dataclass(frozen=True, slots=True)
class Person:
    """One person or account with what each source holds about them."""

    index: int
    kind: Kind
    first: str
    last: str  # current last name (the directory's)
    number: str
    username: str
    sis: SisRecord | None
    directory: DirectoryEntry | None
    problems: frozenset[Problem]


@dataclass(frozen=True, slots=True)
class College:
    """A generated college: its people (with both sources' views) and the truth."""

    spec: CollegeSpec
    people: tuple[Person, ...]
    containers: tuple[Container, ...]
    truth: dict[str, Any]
    alma: tuple[AlmaUser, ...] = ()

    def summary(self) -> str:
        """One line for humans: sizes and the right answer."""
        answer = self.truth["recommendation"]
        return (
            f"{self.truth['directory']['records']:,} directory entries, "
            f"{self.truth['sis']['records']:,} SIS records; right answer "
            f"{answer['sis_field']} ↔ {answer['directory_attribute']}"
        )


@dataclass(frozen=True, slots=True)
class CollegeFiles:
    """Where `write_college` put the files."""

    directory: Path
    sis: Path
    truth: Path
    alma: Path | None = None  # the users already in Alma (Export Users XML), if the spec has them


DEMO = CollegeSpec(
    name="demo",
    seed=20260115,
    domain="college.ca",
    students=3500,
    staff=650,
    faculty=350,
    student_employees=250,
    guests=180,
    service_accounts=70,
    netid_identifier="NET_ID",
    missing_primary_id=12,
    missing_directory_number=37,
    shared_mail=1,
    email_case_collisions=1,
    name_changes=25,
    netid_upper_share=0.3,
    missing_netid=80,
    alma=AlmaSpec(
        seed=20260116,
        by_number=2400,
        without_card=200,
        by_barcode=300,
        old_card_name=40,
        old_card_email=15,
        internal_staff=8,
        internal_guests=10,
        taken=6,
        alumni=400,
        library_staff=20,
    ),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- names -------------------------------------------------------------------------------------

FIRST_NAMES = _words(
    "Aaliyah Adam Aiden Alexandre Amélie Amir Ana Andrew Anika Ava Benjamin Béatrice Brandon "
    "Camille Chen Chloé Daniel David Diego Elena Élise Emily Emma Ethan Fatima Félix Gabriel "
    "Grace Hannah Hiroshi Isabelle Jacob James Jérôme Jessica Jo Joshua Julia Kaitlyn Kevin Leila "
    "Liam Lucas Maya Mei Michael Mohammed Nathan Noah Noémie Olivia Omar Priya Rafael Rebecca "
    "Ryan Samuel Sarah Sofia Sophie Thomas Valérie William Xavier Yasmin Zoë Zoe"
)
LAST_NAMES = _words(
    "Anderson Bélanger Bouchard Brown Campbell Chen Côté Davies Desjardins Dubé Fortin Gagné "
    "Gagnon Garcia Gauthier Gill Girard Grant Hall Harris Jones Kaur Khan Kim Lavoie Leblanc Lee "
    "Lévesque Li MacDonald Martin Morin Murray Nguyen Ouellet Patel Pelletier Roy Scott Singh "
    "Smith Stewart Tremblay Taylor Thompson Wang Watson White Williams Wilson Wong Young Zhang "
    "Ó'Brien Ábrahám Núñez Müller Kowalski Abernathy-Whitfield Papadopoulos Okonkwo"
)
SERVICE_NAMES = _words(
    "backup ldap-sync print scanner kiosk library-circ helpdesk moodle payroll web wifi "
    "printq lab-image av-booking cctv door-access hvac pos sms-gateway mail-relay"
)
PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.ca", "hotmail.com")


def _ascii(text: str) -> str:
    """Lower-case ASCII letters (and hyphens) of a name: `Côté` -> `cote`."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalpha() or c == "-")


class _Names:
    """Allocates unique login names and mail addresses (unique after casefold)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def username(self, first: str, last: str) -> str:
        base = (_ascii(first)[:1] + _ascii(last).replace("-", ""))[:7]
        while True:
            name = f"{base}{self.rng.randrange(10, 100)}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def mail(self, local: str, domain: str) -> str:
        suffix = 1
        while True:
            address = f"{local}{suffix if suffix > 1 else ''}@{domain}"
            if address.casefold() not in self.taken:
                self.taken.add(address.casefold())
                return address
            suffix += 1


# --- generation --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """A person while the generator is still deciding things about them."""

    index: int
    kind: Kind
    first: str
    last: str
    number: str = ""
    barcode: str = ""
    sis_key: str = ""
    hr_number: str = ""
    username: str = ""
    mail: str = ""
    sis_email: str = ""
    old_last: str = ""
    guid: bytes = b""
    birth_date: str = ""
    guest_group: str = "GUEST"
    problems: set[Problem] = field(default_factory=set)

    @property
    def in_sis(self) -> bool:
        return self.kind is not Kind.SERVICE

    @property
    def in_directory(self) -> bool:
        return self.kind is not Kind.GUEST


def generate(spec: CollegeSpec) -> College:
    """Draw the college's people, plant the spec's problems, and count the truth."""
    rng = random.Random(spec.seed)
    names = _Names(rng)
    drafts = _draw_people(spec, rng, names)
    _plant_problems(spec, rng, names, drafts)
    people = tuple(_finish(spec, draft) for draft in drafts)
    containers = _containers(spec)
    college = College(spec=spec, people=people, containers=containers, truth={})
    if spec.alma is not None:
        college = replace(college, alma=alma_users(college, spec.alma))
    return replace(college, truth=compute_truth(college))


def _draw_people(spec: CollegeSpec, rng: random.Random, names: _Names) -> list[_Draft]:
    counts = (
        (Kind.STUDENT, spec.students),
        (Kind.STAFF, spec.staff),
        (Kind.FACULTY, spec.faculty),
        (Kind.STUDENT_EMPLOYEE, spec.student_employees),
        (Kind.GUEST, spec.guests),
        (Kind.SERVICE, spec.service_accounts),
    )
    kinds = [kind for kind, count in counts for _ in range(count)]
    rng.shuffle(kinds)  # the export order mixes populations, as real exports do
    total = len(kinds)
    numbers = rng.sample(range(10**9), total)
    barcodes = rng.sample(range(10**13), total)
    keys = rng.sample(range(10**7), total)
    hr_numbers = rng.sample(range(10**6), total)  # kept: drawn before, so the seed's output holds
    drafts: list[_Draft] = []
    for index, kind in enumerate(kinds):
        draft = _Draft(index, kind, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        draft.number = f"{numbers[index]:09d}"
        draft.barcode = f"2{barcodes[index]:013d}"
        draft.sis_key = f"P{keys[index]:07d}"
        draft.hr_number = f"{hr_numbers[index]:06d}"
        draft.guid = rng.randbytes(16)
        draft.birth_date = f"{rng.randrange(1960, 2008)}-{rng.randrange(1, 13):02d}-" + (
            f"{rng.randrange(1, 29):02d}"
        )
        draft.guest_group = rng.choice(("GUEST", "COMMUNITY"))
        drafts.append(draft)
    twins = _pick(rng, drafts, 2 * spec.email_case_collisions, _has_both, set())
    for first, second in zip(twins[::2], twins[1::2], strict=True):
        second.first, second.last = first.first, first.last  # two people with one name
    changed = _pick(rng, drafts, spec.name_changes, _has_both, {d.index for d in twins})
    for draft in changed:
        draft.problems.add(Problem.NAME_CHANGED)
        draft.old_last = draft.last
        draft.last = rng.choice([n for n in LAST_NAMES if n != draft.old_last])
    services = 0
    for draft in drafts:
        if draft.kind is Kind.SERVICE:
            label = SERVICE_NAMES[services] if services < len(SERVICE_NAMES) else str(draft.index)
            draft.username = f"svc-{label}"
            services += 1
            continue
        draft.username = names.username(draft.first, draft.old_last or draft.last)
        local = f"{_ascii(draft.first)}.{_ascii(draft.old_last or draft.last)}"
        if draft.kind is Kind.GUEST:
            draft.sis_email = _personal(rng, names, draft)
            continue
        draft.sis_email = names.mail(local, spec.domain)
        if draft.old_last:
            draft.mail = names.mail(f"{_ascii(draft.first)}.{_ascii(draft.last)}", spec.domain)
        else:
            draft.mail = draft.sis_email
    for first, second in zip(twins[::2], twins[1::2], strict=True):
        second.problems.add(Problem.EMAIL_CASE_TWIN)
        local, _, domain = first.mail.partition("@")
        second.sis_email = ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain
    return drafts


def _personal(rng: random.Random, names: _Names, draft: _Draft) -> str:
    local = f"{_ascii(draft.first)}.{_ascii(draft.last)}{rng.randrange(100, 1000)}"
    return names.mail(local, rng.choice(PERSONAL_DOMAINS))


def _has_both(draft: _Draft) -> bool:
    return draft.kind in (Kind.STUDENT, Kind.STAFF, Kind.FACULTY, Kind.STUDENT_EMPLOYEE)


def _pick(
    rng: random.Random,
    drafts: Sequence[_Draft],
    count: int,
    eligible: Callable[[_Draft], bool],
    exclude: set[int],
) -> list[_Draft]:
    """`count` eligible drafts not excluded (by index), in a seeded random order."""
    pool = [d for d in drafts if eligible(d) and d.index not in exclude]
    return rng.sample(pool, count)


def _plant_problems(
    spec: CollegeSpec, rng: random.Random, names: _Names, drafts: list[_Draft]
) -> None:
    """Plant the spec's per-person problems; each major problem on different people."""
    twins = {d.mail.casefold() for d in drafts if Problem.EMAIL_CASE_TWIN in d.problems}
    busy = {d.index for d in drafts if d.problems or d.mail.casefold() in twins}

    def plant(problem: Problem, count: int, eligible: Callable[[_Draft], bool]) -> list[_Draft]:
        chosen = _pick(rng, drafts, count, eligible, busy)
        for draft in chosen:
            draft.problems.add(problem)
            busy.add(draft.index)
        return chosen

    shared = plant(Problem.SHARED_MAIL, spec.shared_mail, lambda d: d.kind is Kind.STAFF)
    services = [d for d in drafts if d.kind is Kind.SERVICE]
    for person, service in zip(shared, services, strict=False):
        service.mail = person.mail  # a shared mailbox account holding a person's address
    empty = spec.missing_primary_id // 2
    plant(Problem.PRIMARY_ID_EMPTY, empty, lambda d: d.in_sis)
    plant(Problem.PRIMARY_ID_ABSENT, spec.missing_primary_id - empty, lambda d: d.in_sis)
    plant(Problem.SIS_NUMBER_ABSENT, spec.missing_sis_number, _has_both)
    plant(Problem.DIRECTORY_NUMBER_ABSENT, spec.missing_directory_number, _has_both)
    for draft in drafts:  # login-name and email habits overlap the problems above freely
        if spec.netid_identifier and _has_both(draft) and rng.random() < spec.netid_upper_share:
            draft.problems.add(Problem.NETID_UPPER)
    if spec.netid_identifier:
        for draft in rng.sample([d for d in drafts if _has_both(d)], spec.missing_netid):
            draft.problems.add(Problem.NETID_ABSENT)
    for draft in drafts:  # no random draw: HR numbers are unpadded whenever they start with 0
        hr_fed = draft.kind in (Kind.STAFF, Kind.FACULTY) and draft.number.startswith("0")
        if spec.hr_drops_leading_zeros and hr_fed and Problem.SHARED_MAIL not in draft.problems:
            draft.problems.add(Problem.DIRECTORY_NUMBER_UNPADDED)
    for draft in drafts:
        personal = draft.kind is Kind.STUDENT and draft.index not in busy
        if personal and rng.random() < spec.personal_email_share:
            draft.problems.add(Problem.PERSONAL_EMAIL)
            draft.sis_email = _personal(rng, names, draft)


def _finish(spec: CollegeSpec, draft: _Draft) -> Person:
    return Person(
        index=draft.index,
        kind=draft.kind,
        first=draft.first,
        last=draft.last,
        number=draft.number,
        username=draft.username,
        sis=_sis_record(spec, draft) if draft.in_sis else None,
        directory=_directory_entry(spec, draft) if draft.in_directory else None,
        problems=frozenset(draft.problems),
    )


# --- the SIS side ------------------------------------------------------------------------------

USER_GROUPS = {
    Kind.STUDENT: "STUDENT",
    Kind.STUDENT_EMPLOYEE: "STUDENT",
    Kind.STAFF: "STAFF",
    Kind.FACULTY: "FACULTY",
}
SIS_MEMBERS = {
    Kind.STUDENT: "students.xml",
    Kind.STUDENT_EMPLOYEE: "students.xml",
    Kind.STAFF: "employees.xml",
    Kind.FACULTY: "employees.xml",
    Kind.GUEST: "guests.xml",
}


def _sis_record(spec: CollegeSpec, draft: _Draft) -> SisRecord:
    email = draft.sis_email
    primary: str | None = _primary_id(spec, draft, email)
    element = "value"
    if Problem.PRIMARY_ID_EMPTY in draft.problems:
        primary, element = None, "empty"
    elif Problem.PRIMARY_ID_ABSENT in draft.problems:
        primary, element = None, "absent"
    identifiers = [("BARCODE", draft.barcode)]
    if spec.number_identifier and Problem.SIS_NUMBER_ABSENT not in draft.problems:
        identifiers.append((spec.number_identifier, draft.number))
    netid = spec.netid_identifier and draft.kind is not Kind.GUEST
    if netid and spec.netid_identifier and Problem.NETID_ABSENT not in draft.problems:
        upper = Problem.NETID_UPPER in draft.problems
        identifiers.append(
            (spec.netid_identifier, draft.username.upper() if upper else draft.username)
        )
    emails = [SisEmail(email, True, "personal" if draft.kind is Kind.GUEST else "school")]
    if draft.index % 7 == 0:  # some records list a second address; the field takes the preferred
        emails.insert(0, SisEmail(f"{draft.username}.alt@{PERSONAL_DOMAINS[0]}", False, "home"))
    elif draft.index % 11 == 0:  # and some mark none preferred; the field takes the first
        emails = [SisEmail(email, None, emails[0].email_type)]
    return SisRecord(
        member=SIS_MEMBERS[draft.kind],
        primary_id=primary,
        primary_id_element=element,
        user_group=USER_GROUPS.get(draft.kind, draft.guest_group),
        first_name=draft.first,
        last_name=draft.old_last or draft.last,
        birth_date=draft.birth_date,
        expiry_date="2027-08-31Z" if draft.kind is not Kind.GUEST else "2026-12-31Z",
        emails=tuple(emails),
        identifiers=tuple(identifiers),
    )


def _primary_id(spec: CollegeSpec, draft: _Draft, email: str) -> str:
    if spec.primary_id is PrimaryId.NUMBER:
        return draft.number
    if spec.primary_id is PrimaryId.SIS_KEY:
        return draft.sis_key
    if spec.primary_id is PrimaryId.EMAIL:
        return email
    if draft.kind is Kind.GUEST:
        return f"CM{draft.sis_key[1:]}"  # community borrowers get a library-made ID
    return draft.username.upper()


def _sis_xml(root: str, records: Iterable[SisRecord], shuffled: bool) -> bytes:
    """One SIS XML file; `shuffled` writes identifiers before contact_info (order is free)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root}>"]
    for record in records:
        head = ["  <user>", '    <record_type desc="Public">PUBLIC</record_type>']
        if record.primary_id_element == "value":
            head.append(f"    <primary_id>{escape(record.primary_id or '')}</primary_id>")
        elif record.primary_id_element == "empty":
            head.append("    <primary_id></primary_id>")
        head += [
            f"    <first_name>{escape(record.first_name)}</first_name>",
            f"    <last_name>{escape(record.last_name)}</last_name>",
            f"    <user_group>{record.user_group}</user_group>",
            '    <status desc="Active">ACTIVE</status>',
            f"    <expiry_date>{record.expiry_date}</expiry_date>",
            f"    <birth_date>{record.birth_date}Z</birth_date>",
        ]
        contact = ["    <contact_info>", "      <emails>"]
        for email in record.emails:
            pref = (
                ""
                if email.preferred is None
                else f" preferred={quoteattr(str(email.preferred).lower())}"
            )
            contact += [
                f'        <email{pref} segment_type="External">',
                f"          <email_address>{escape(email.address)}</email_address>",
                f"          <email_types><email_type>{email.email_type}</email_type></email_types>",
                "        </email>",
            ]
        contact += ["      </emails>", "    </contact_info>"]
        ids = ["    <user_identifiers>"]
        for id_type, value in record.identifiers:
            ids += [
                '      <user_identifier segment_type="External">',
                f"        <id_type>{id_type}</id_type>",
                f"        <value>{escape(value)}</value>",
                "        <status>ACTIVE</status>",
                "      </user_identifier>",
            ]
        ids.append("    </user_identifiers>")
        out += head + (ids + contact if shuffled else contact + ids) + ["  </user>"]
    out.append(f"</{root}>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _people(college: College, shuffle: int | None) -> list[Person]:
    """The people in file order: as generated, or shuffled by the seed `shuffle`."""
    people = list(college.people)
    if shuffle is not None:
        random.Random(shuffle).shuffle(people)
    return people


def _zipped(name: str, data: bytes) -> bytes:
    """One member in a zip with a fixed date, so the bytes never change."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def sis_zip(college: College, shuffle: int | None = None) -> bytes:
    """The SIS extract: one XML member per feed, fixed dates, so the bytes never change."""
    members: dict[str, list[SisRecord]] = {}
    for person in _people(college, shuffle):
        if person.sis is not None:
            members.setdefault(person.sis.member, []).append(person.sis)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(college.spec.zip_folder + name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            data = _sis_xml(college.spec.sis_root, members[name], shuffled=name == "guests.xml")
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


# --- the directory side ------------------------------------------------------------------------

AD_OUS = {
    Kind.STUDENT: "Students",
    Kind.STAFF: "Staff",
    Kind.STUDENT_EMPLOYEE: "Staff",
    Kind.FACULTY: "Faculty",
    Kind.SERVICE: "Service Accounts",
}
AFFILIATIONS = {
    Kind.STUDENT: ("student", "member"),
    Kind.STAFF: ("staff", "employee", "member"),
    Kind.FACULTY: ("faculty", "employee", "member"),
    Kind.STUDENT_EMPLOYEE: ("student", "staff", "employee", "member"),
    Kind.SERVICE: ("affiliate",),
}
GROUPS = {
    Kind.STUDENT: ("All Students",),
    Kind.STAFF: ("All Staff",),
    Kind.FACULTY: ("All Staff", "Faculty"),
    Kind.STUDENT_EMPLOYEE: ("All Students", "All Staff"),
    Kind.SERVICE: ("Service Accounts",),
}


def _base_dn(spec: CollegeSpec) -> str:
    dc = "DC" if spec.style is DirectoryStyle.AD else "dc"
    return ",".join(f"{dc}={part}" for part in spec.domain.split("."))


def _population(spec: CollegeSpec, kind: Kind) -> str:
    """The directory population: the first OU of the entry's DN."""
    if spec.style is DirectoryStyle.AD:
        return AD_OUS[kind]
    if not spec.ou_per_population:
        return "people"
    return {Kind.SERVICE: "affiliates"}.get(kind, AD_OUS[kind].lower())


def _containers(spec: CollegeSpec) -> tuple[Container, ...]:
    """OU (and for OpenLDAP the base) entries: not people, skipped by the reader."""
    base = _base_dn(spec)
    ous = sorted({_population(spec, k) for k in _kinds_present(spec) if k is not Kind.GUEST})
    if spec.style is DirectoryStyle.AD:
        top = f"OU=People,{base}"
        return (_ou_entry(top, "People"), *(_ou_entry(f"OU={ou},{top}", ou) for ou in ous))
    org = spec.domain.split(".")[0]
    domain_attrs = (
        ("objectClass", "top"),
        ("objectClass", "dcObject"),
        ("objectClass", "organization"),
        ("dc", org),
        ("o", f"{org.title()} College"),
    )
    entries: list[Container] = [(base, domain_attrs), _ou_entry(f"ou=people,{base}", "people")]
    if spec.ou_per_population:
        entries += [_ou_entry(f"ou={ou},ou=people,{base}", ou) for ou in ous]
    return tuple(entries)


def _ou_entry(dn: str, ou: str) -> Container:
    return dn, (("objectClass", "top"), ("objectClass", "organizationalUnit"), ("ou", ou))


def _kinds_present(spec: CollegeSpec) -> list[Kind]:
    sizes = {
        Kind.STUDENT: spec.students,
        Kind.STAFF: spec.staff,
        Kind.FACULTY: spec.faculty,
        Kind.STUDENT_EMPLOYEE: spec.student_employees,
        Kind.GUEST: spec.guests,
        Kind.SERVICE: spec.service_accounts,
    }
    return [kind for kind in Kind if sizes[kind]]


def _directory_entry(spec: CollegeSpec, draft: _Draft) -> DirectoryEntry:
    population = _population(spec, draft.kind)
    number = (
        draft.kind is not Kind.SERVICE and Problem.DIRECTORY_NUMBER_ABSENT not in draft.problems
    )
    service = draft.kind is Kind.SERVICE
    display = draft.username if service else f"{draft.first} {draft.last}"
    attrs: list[tuple[str, tuple[str | bytes, ...]]]
    if spec.style is DirectoryStyle.AD:
        cn = draft.username if service else f"{draft.last}, {draft.first}"
        dn = f"CN={cn.replace(',', chr(92) + ',')},OU={population},OU=People,{_base_dn(spec)}"
        attrs = [
            ("objectClass", ("top", "person", "organizationalPerson", "user")),
            ("cn", (cn,)),
            ("sAMAccountName", (draft.username,)),
            ("userPrincipalName", (f"{draft.username}@{spec.domain}",)),
        ]
        if not service:
            attrs += [("givenName", (draft.first,)), ("sn", (draft.last,))]
        attrs.append(("displayName", (display,)))
        if draft.mail:
            attrs.append(("mail", (draft.mail,)))
        if number:
            attrs.append((spec.directory_number_attribute, (_directory_number(draft),)))
        attrs += [
            ("objectGUID", (draft.guid,)),
            ("userAccountControl", ("66048" if service else "512",)),
            ("memberOf", tuple(_groups(spec, draft))),
        ]
    else:
        ou = f"ou={population},ou=people" if spec.ou_per_population else "ou=people"
        dn = f"uid={draft.username},{ou},{_base_dn(spec)}"
        attrs = [
            (
                "objectClass",
                ("top", "person", "organizationalPerson", "inetOrgPerson", "eduPerson"),
            ),
            ("uid", (draft.username,)),
            ("cn", (display,)),
            ("sn", (draft.username if service else draft.last,)),
        ]
        if not service:
            attrs += [("givenName", (draft.first,)), ("displayName", (display,))]
        if draft.mail:
            attrs.append(("mail", (draft.mail,)))
        if number:
            attrs.append((spec.directory_number_attribute, (_directory_number(draft),)))
        attrs += [
            ("eduPersonPrincipalName", (f"{draft.username}@{spec.domain}",)),
            ("eduPersonAffiliation", AFFILIATIONS[draft.kind]),
            ("entryUUID", (str(uuid.UUID(bytes=draft.guid, version=4)),)),
        ]
    return DirectoryEntry(dn=dn, population=population, attrs=tuple(attrs))


def _directory_number(draft: _Draft) -> str:
    """The number as the directory holds it (HR-fed entries may have lost the leading zeros)."""
    if Problem.DIRECTORY_NUMBER_UNPADDED in draft.problems:
        return draft.number.lstrip("0")
    return draft.number


def _groups(spec: CollegeSpec, draft: _Draft) -> list[str]:
    base = _base_dn(spec)
    groups = [f"CN={g},OU=Groups,{base}" for g in GROUPS[draft.kind]]
    if draft.kind is Kind.STUDENT_EMPLOYEE and draft.index % 9 == 0:
        groups.append(f"CN=Library Student Workers - Circulation Desk,OU=Groups,OU=Library,{base}")
    return groups


def _ldif_line(name: str, value: str | bytes) -> str:
    """`name: value`, or `name:: base64` for binary and unsafe text (RFC 2849)."""
    if isinstance(value, str) and value.isascii() and _safe(value):
        line = f"{name}: {value}"
    else:
        data = value if isinstance(value, bytes) else value.encode("utf-8")
        line = f"{name}:: {base64.b64encode(data).decode('ascii')}"
    return _fold(line)


def _safe(value: str) -> bool:
    unsafe_start = value[:1] in (" ", ":", "<")
    return not unsafe_start and not value.endswith(" ") and not any(c in value for c in "\0\r\n")


def _fold(line: str) -> str:
    """Fold at LDIF_WIDTH characters: continuation lines start with one space."""
    if len(line) <= LDIF_WIDTH:
        return line
    parts = [line[:LDIF_WIDTH]]
    rest = line[LDIF_WIDTH:]
    while rest:
        parts.append(" " + rest[: LDIF_WIDTH - 1])
        rest = rest[LDIF_WIDTH - 1 :]
    return "\n".join(parts)


def ldif(college: College, shuffle: int | None = None) -> bytes:
    """The directory export: containers first, then every person entry."""
    blocks = ["version: 1"]
    for dn, container_attrs in college.containers:
        blocks.append(
            "\n".join([_ldif_line("dn", dn)] + [_ldif_line(n, v) for n, v in container_attrs])
        )
    for person in _people(college, shuffle):
        entry = person.directory
        if entry is None:
            continue
        lines = [_ldif_line("dn", entry.dn)]
        lines += [_ldif_line(name, value) for name, values in entry.attrs for value in values]
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks) + "\n"
    return text.replace("\n", college.spec.ldif_newline).encode("ascii")


# --- truth -------------------------------------------------------------------------------------


def answer(spec: CollegeSpec) -> tuple[str, str, tuple[str, ...]]:
    """The right pair by construction: the registrar number if the SIS has it, else the login."""
    if spec.primary_id is PrimaryId.NUMBER:
        return "primary_id", spec.directory_number_attribute, NUMBER_STEPS
    if spec.number_identifier:
        return f"identifier:{spec.number_identifier}", spec.directory_number_attribute, NUMBER_STEPS
    if spec.primary_id is PrimaryId.USERNAME_UPPER:
        login = "sAMAccountName" if spec.style is DirectoryStyle.AD else "uid"
        return "primary_id", login, ("casefold",)
    raise ValueError(f"college {spec.name!r} has no right answer by construction")


def _sis_joins(spec: CollegeSpec, person: Person) -> bool:
    """The person's SIS record holds their own value of the right field (guests have none)."""
    if person.sis is None or person.kind is Kind.GUEST:
        return False
    if answer(spec)[0] == "primary_id":
        return person.sis.primary_id_element == "value"
    return Problem.SIS_NUMBER_ABSENT not in person.problems


def _directory_joins(spec: CollegeSpec, person: Person) -> bool:
    """The person's directory entry holds their value of the right attribute."""
    if person.directory is None:
        return False
    if answer(spec)[1] == spec.directory_number_attribute:
        return _has_number(person)
    return True  # the login name is the entry's RDN: always there


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def compute_truth(college: College) -> dict[str, Any]:
    """The right answer and exact figures, counted from who got which value (not from analysis)."""
    spec = college.spec
    people = college.people
    sis_people = [p for p in people if p.sis is not None]
    dir_people = [p for p in people if p.directory is not None]
    sis_field, attribute, steps = answer(spec)
    joined = [p for p in people if _sis_joins(spec, p) and _directory_joins(spec, p)]
    unpadded = sum(1 for p in joined if Problem.DIRECTORY_NUMBER_UNPADDED in p.problems)
    if unpadded and attribute == spec.directory_number_attribute:
        steps = ("strip-leading-zeros",)  # HR dropped the zeros: only that step joins them
    before = 0 if "casefold" in steps else len(joined) - unpadded  # matched before casefold
    after = len(joined) - unpadded  # matched once casefold is applied
    recommendation = {
        "sis_field": sis_field,
        "directory_attribute": attribute,
        "normalisation": list(steps),
        "matched": len(joined),
        "sis_records": len(sis_people),
        "sis_coverage": _ratio(len(joined), len(sis_people)),
        "directory_matched": len(joined),  # one entry per person: the join is one-to-one
        "directory_records": len(dir_people),
        "directory_coverage": _ratio(len(joined), len(dir_people)),
        "sis_ambiguous": 0,
        "directory_ambiguous": 0,
        "steps": _steps(after, after, before),
    }
    populations: list[dict[str, Any]] = []
    for source, key in (("sis", _user_group), ("directory", _ou)):
        records = Counter(key(p) for p in people if key(p))
        matched = Counter(key(p) for p in joined)
        populations += [
            {
                "source": source,
                "population": name,
                "records": records[name],
                "matched": matched[name],
            }
            for name in sorted(records)
        ]
    return {
        "college": spec.name,
        "spec": _spec_summary(spec),
        "directory": {
            "style": spec.style.value,
            "records": len(dir_people),
            "skipped": len(college.containers),
            "populations": dict(sorted(Counter(_ou(p) for p in dir_people).items())),
        },
        "sis": {
            "records": len(sis_people),
            "files": len({p.sis.member for p in sis_people if p.sis}),
            "missing_primary_id": sum(1 for p in sis_people if p.sis and p.sis.primary_id is None),
            "user_groups": dict(sorted(Counter(_user_group(p) for p in sis_people).items())),
        },
        "recommendation": recommendation,
        "populations": populations,
        "planted": _planted(college),
        "profiles": _profiles(college),
        "other_pairs": _other_pairs(college, recommendation),
        **(
            {"alma": preflight_truth(college, spec.alma, college.alma)}
            if spec.alma is not None
            else {}
        ),
    }


def _user_group(person: Person) -> str:
    return person.sis.user_group if person.sis else ""


def _ou(person: Person) -> str:
    return person.directory.population if person.directory else ""


def _steps(
    matched: int, directory_matched: int, exact: int, exact_dir: int | None = None
) -> dict[str, dict[str, int]]:
    """Matched records after exact, trim and casefold: nothing is padded with whitespace, so
    trim never gains; casefold gains whatever differed only by case."""
    exact_dir = exact if exact_dir is None else exact_dir
    plain = {"matched": exact, "directory_matched": exact_dir}
    return {
        "exact": plain,
        "trim": dict(plain),
        "casefold": {"matched": matched, "directory_matched": directory_matched},
    }


def _spec_summary(spec: CollegeSpec) -> dict[str, Any]:
    summary = asdict(spec)
    return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in summary.items()}


def _planted(college: College) -> dict[str, int]:
    counts = Counter(problem.value for p in college.people for problem in p.problems)
    return {problem.value: counts[problem.value] for problem in Problem}


def _profiles(college: College) -> list[dict[str, Any]]:
    """Profile figures the planted problems decide (others depend on the profiler's details)."""
    spec = college.spec
    sis = [p for p in college.people if p.sis is not None]
    directory = [p for p in college.people if p.directory is not None]
    people = [p for p in directory if p.kind is not Kind.SERVICE]  # every person has a mail
    shared = spec.shared_mail  # each shared mail sits on one service account too
    profiles: list[dict[str, Any]] = [
        {
            "source": "directory",
            "field": "mail",
            "records": len(directory),
            "present": len(people) + shared,
            "duplicate_values": shared,
            "duplicate_records": 2 * shared,
            "case_collision_values": 0,
            "case_collision_records": 0,
        },
        {
            "source": "sis",
            "field": "email",
            "records": len(sis),
            "present": len(sis),
            "case_collision_values": spec.email_case_collisions,
            "case_collision_records": 2 * spec.email_case_collisions,
        },
        {
            "source": "sis",
            "field": "primary_id",
            "records": len(sis),
            "present": len(sis) - spec.missing_primary_id,
        },
        {
            "source": "directory",
            "field": spec.directory_number_attribute,
            "records": len(directory),
            "present": sum(1 for p in directory if _has_number(p)),
            "duplicate_values": 0,
        },
    ]
    if spec.primary_id is PrimaryId.EMAIL:  # primary_id is the email: same collisions
        profiles[2]["case_collision_values"] = spec.email_case_collisions
        profiles[2]["case_collision_records"] = 2 * spec.email_case_collisions
    if spec.netid_identifier:
        has = [
            p for p in sis if p.kind is not Kind.GUEST and Problem.NETID_ABSENT not in p.problems
        ]
        profiles.append(
            {
                "source": "sis",
                "field": f"identifier:{spec.netid_identifier}",
                "records": len(sis),
                "present": len(has),
            }
        )
    return profiles


def _has_number(person: Person) -> bool:
    return (
        person.kind is not Kind.SERVICE and Problem.DIRECTORY_NUMBER_ABSENT not in person.problems
    )


def _other_pairs(college: College, right: dict[str, Any]) -> list[dict[str, Any]]:
    """What must happen to the other overlapping pairs, why, and their figures by construction.

    `exact` counts what matches before casefold (trim never gains here), `matched` after the
    pair's normalisation.
    """
    spec = college.spec
    sis_n = sum(1 for p in college.people if p.sis is not None)
    dir_n = sum(1 for p in college.people if p.directory is not None)

    def pair(
        field: str,
        attribute: str,
        fate: str,
        because: str,
        steps: list[str],
        figures: tuple[int, int, int, int],
    ) -> dict[str, Any]:
        matched, directory_matched, exact, exact_dir = figures
        casefold = (0, 0) if "strip-scope" in steps else (matched, directory_matched)
        return {
            "sis_field": field,
            "directory_attribute": attribute,
            "fate": fate,
            "because": because,
            "normalisation": steps,
            "matched": matched,
            "sis_coverage": _ratio(matched, sis_n),
            "directory_matched": directory_matched,
            "directory_coverage": _ratio(directory_matched, dir_n),
            "steps": _steps(*casefold, exact, exact_dir),
        }

    pairs: list[dict[str, Any]] = []
    login = "sAMAccountName" if spec.style is DirectoryStyle.AD else "uid"
    scoped = "userPrincipalName" if spec.style is DirectoryStyle.AD else "eduPersonPrincipalName"
    mail_fields = ["primary_id", "email"] if spec.primary_id is PrimaryId.EMAIL else ["email"]
    for mail_field in mail_fields:
        # people whose SIS address is their own directory mail, letter for letter; each twin
        # matches the other twin's entry (already matched); a shared mailbox adds one entry
        same = sum(1 for p in college.people if _sis_holds_own_mail(p, mail_field))
        twins = sum(1 for p in college.people if _sis_holds_twin_mail(p, mail_field))
        fate, because = "ranked-below", "mail changes when a person's name changes"
        if twins:
            fate, because = "rejected", "values of the SIS field collide when case is ignored"
        steps = ["casefold"] if twins else []
        entries = same + spec.shared_mail
        pairs.append(
            pair(mail_field, "mail", fate, because, steps, (same + twins, entries, same, entries))
        )
    if spec.netid_identifier:
        joined = [p for p in college.people if _netid(p) is not None and p.directory is not None]
        lower = sum(1 for p in joined if Problem.NETID_UPPER not in p.problems)
        steps = ["casefold"] if lower < len(joined) else []
        because = "login names are derived from people's names"
        field = f"identifier:{spec.netid_identifier}"
        figures = (len(joined), len(joined), lower, lower)
        pairs.append(pair(field, login, "ranked-below", because, steps, figures))
        because = "needs strip-scope: the IdP or the SIS export must transform values"
        figures = (len(joined), len(joined), 0, 0)  # UPN/eppn carry @scope: no exact match
        pairs.append(pair(field, scoped, "ranked-below", because, [*steps, "strip-scope"], figures))
    if spec.primary_id is PrimaryId.USERNAME_UPPER:
        because = "needs strip-scope: the IdP or the SIS export must transform values"
        figures = (right["matched"], right["directory_matched"], 0, 0)
        steps = ["casefold", "strip-scope"]
        pairs.append(pair("primary_id", scoped, "ranked-below", because, steps, figures))
    return pairs


def _sis_holds_own_mail(person: Person, sis_field: str) -> bool:
    """The SIS field holds the person's own directory mail, exactly."""
    if person.sis is None or person.directory is None or person.kind is Kind.SERVICE:
        return False
    if sis_field == "primary_id" and person.sis.primary_id is None:
        return False
    different = {Problem.NAME_CHANGED, Problem.PERSONAL_EMAIL, Problem.EMAIL_CASE_TWIN}
    return not person.problems & different


def _sis_holds_twin_mail(person: Person, sis_field: str) -> bool:
    """The SIS field holds the other twin's mail in other letter case."""
    if person.sis is None or Problem.EMAIL_CASE_TWIN not in person.problems:
        return False
    return sis_field != "primary_id" or person.sis.primary_id is not None


def _netid(person: Person) -> str | None:
    if person.sis is None or person.kind is Kind.GUEST or Problem.NETID_ABSENT in person.problems:
        return None
    return person.username


# --- files -------------------------------------------------------------------------------------


ALMA_FILE = "alma-users.zip"


def truth_json(college: College) -> bytes:
    """truth.json, with a stable layout."""
    return (json.dumps(college.truth, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_college(college: College, folder: Path, *, shuffle: int | None = None) -> CollegeFiles:
    """Write directory.ldif, sis.zip and truth.json into `folder` (created if needed).

    `shuffle` writes the same people in another (seeded) order: the truth does not change.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = CollegeFiles(
        folder / "directory.ldif",
        folder / "sis.zip",
        folder / "truth.json",
        folder / ALMA_FILE if college.alma else None,
    )
    files.directory.write_bytes(ldif(college, shuffle))
    files.sis.write_bytes(sis_zip(college, None if shuffle is None else shuffle + 1))
    files.truth.write_bytes(truth_json(college))
    if files.alma is not None:
        users = list(college.alma)
        if shuffle is not None:
            random.Random(shuffle + 2).shuffle(users)
        files.alma.write_bytes(_zipped("alma-users.xml", alma_xml(users)))
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m authprobe.demo --write FOLDER`: regenerate the demo college's files."""
    parser = argparse.ArgumentParser(prog="python -m authprobe.demo", description=__doc__)
    parser.add_argument("--write", type=Path, required=True, metavar="FOLDER")
    args = parser.parse_args(argv)
    write_college(generate(DEMO), args.write)
    return 0
