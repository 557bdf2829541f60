"""What a demo college is: the spec that decides it, and its people as each source holds them.

`CollegeSpec` decides everything (same spec, same bytes); a `College` is what `generate` made of
it: every `Person` with their SIS record and directory entry (either may be missing), the
planted problems, the containers of the directory export and the truth (`truth.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from authprobe.demo.alma import AlmaSpec, AlmaUser

Container = tuple[str, tuple[tuple[str, str], ...]]  # a non-person entry: DN, attributes


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
