"""A drafted person as each source holds them: the SIS record, the directory entry (Active
Directory or OpenLDAP/eduPerson style), and the directory's containers."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from authprobe.demo.college import (
    CollegeSpec,
    Container,
    DirectoryEntry,
    DirectoryStyle,
    Kind,
    Person,
    PrimaryId,
    Problem,
    SisEmail,
    SisRecord,
)
from authprobe.demo.names import PERSONAL_DOMAINS


@dataclass(slots=True)
class Draft:
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


def finish_all(spec: CollegeSpec, drafts: Iterable[Draft]) -> tuple[Person, ...]:
    """Every drafted person as the sources hold them, in creation order (which decides who
    keeps a name that repeats in an OU: see `_unique_name`)."""
    taken: Counter[tuple[str, str]] = Counter()
    return tuple(_finish(spec, draft, taken) for draft in drafts)


def _finish(spec: CollegeSpec, draft: Draft, taken: Counter[tuple[str, str]]) -> Person:
    return Person(
        index=draft.index,
        kind=draft.kind,
        first=draft.first,
        last=draft.last,
        number=draft.number,
        username=draft.username,
        sis=_sis_record(spec, draft) if draft.in_sis else None,
        directory=_directory_entry(spec, draft, taken) if draft.in_directory else None,
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


def _sis_record(spec: CollegeSpec, draft: Draft) -> SisRecord:
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


def _primary_id(spec: CollegeSpec, draft: Draft, email: str) -> str:
    if spec.primary_id is PrimaryId.NUMBER:
        return draft.number
    if spec.primary_id is PrimaryId.SIS_KEY:
        return draft.sis_key
    if spec.primary_id is PrimaryId.EMAIL:
        return email
    if draft.kind is Kind.GUEST:
        return f"CM{draft.sis_key[1:]}"  # community borrowers get a library-made ID
    return draft.username.upper()


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


def directory_containers(spec: CollegeSpec) -> tuple[Container, ...]:
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


def _unique_name(cn: str, population: str, taken: Counter[tuple[str, str]]) -> str:
    """Active Directory keeps a name unique within its OU (ignoring case), so an export never
    holds one DN twice: the second "Brown, Julia" created in Students is "Brown, Julia (2)",
    the third "Brown, Julia (3)" (the entry's cn, as the RDN; displayName keeps the name)."""
    key = (population, cn.casefold())
    taken[key] += 1
    return cn if taken[key] == 1 else f"{cn} ({taken[key]})"


def _directory_entry(
    spec: CollegeSpec, draft: Draft, taken: Counter[tuple[str, str]]
) -> DirectoryEntry:
    population = _population(spec, draft.kind)
    number = (
        draft.kind is not Kind.SERVICE and Problem.DIRECTORY_NUMBER_ABSENT not in draft.problems
    )
    service = draft.kind is Kind.SERVICE
    display = draft.username if service else f"{draft.first} {draft.last}"
    attrs: list[tuple[str, tuple[str | bytes, ...]]]
    if spec.style is DirectoryStyle.AD:
        cn = _unique_name(
            draft.username if service else f"{draft.last}, {draft.first}", population, taken
        )
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


def _directory_number(draft: Draft) -> str:
    """The number as the directory holds it (HR-fed entries may have lost the leading zeros)."""
    if Problem.DIRECTORY_NUMBER_UNPADDED in draft.problems:
        return draft.number.lstrip("0")
    return draft.number


def _groups(spec: CollegeSpec, draft: Draft) -> list[str]:
    base = _base_dn(spec)
    groups = [f"CN={g},OU=Groups,{base}" for g in GROUPS[draft.kind]]
    if draft.kind is Kind.STUDENT_EMPLOYEE and draft.index % 9 == 0:
        groups.append(f"CN=Library Student Workers - Circulation Desk,OU=Groups,OU=Library,{base}")
    return groups
