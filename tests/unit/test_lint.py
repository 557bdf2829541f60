"""The Alma pre-flight lint: every rule, exact counts on an extract with planted problems."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from authprobe.analysis.lint.rules import Code, Occurrence
from authprobe.analysis.lint.scan import scan_extract
from authprobe.analysis.lint.sis_lint import SisLint, lint_records
from authprobe.analysis.profile import profile_records
from authprobe.model import Record, Severity, SourceKind
from authprobe.sources.sis.extract import SisExtract
from tests.unit.test_sis_factory import User, write_users

TODAY = date(2026, 1, 1)
CLEAN = 120
ID_TYPES = ("BARCODE", "UNIV_ID")
DATED = {"expiry_date": "2030-01-01", "purge_date": "2031-01-01"}
"""The dates Alma needs to expire and purge a user (a record without them is a finding)."""


def clean_user(i: int) -> User:
    """A user that breaks no rule: unique IDs, unique name + birth date, unique email."""
    return User(
        primary_id=f"S{i:05d}",
        identifiers=[("BARCODE", f"29{i:08d}"), ("UNIV_ID", f"u{i:05d}")],
        emails=[(f"user{i}@college.ca", True)],
        first_name=f"First{i}",
        last_name=f"Last{i}",
        birth_date=f"19{50 + i % 40}-01-01",
        expiry_date="2030-06-30Z",
        purge_date="2031-06-30Z",
        user_group="STUDENT" if i % 2 else "STAFF",
    )


def planted_users() -> tuple[list[User], dict[tuple[str, str | None], int]]:
    """Clean users plus planted problems, and the exact findings they must give."""
    users = [clean_user(i) for i in range(CLEAN)]

    def add(**changes: object) -> None:
        user = clean_user(10_000 + len(users))
        for key, value in changes.items():
            setattr(user, key, value)
        users.append(user)

    # missing primary_id: absent, empty, blank -> 3
    add(primary_id=None)
    add(primary_id="")
    add(primary_id="   ")
    # duplicates: D1 as primary_id and as a BARCODE (2 users); D2 three times; T1 twice on one user
    add(primary_id="D1")
    add(identifiers=[("BARCODE", "D1")])
    add(primary_id="D2")
    add(primary_id="D2")
    add(primary_id="D2")
    add(primary_id="T1", identifiers=[("BARCODE", "T1")])
    # case-only collision: one value, two spellings
    add(primary_id="JSmith")
    add(primary_id="jsmith")
    # characters
    add(primary_id="L" * 256)
    add(primary_id=" W1")
    add(identifiers=[("BARCODE", "A B")])
    add(identifiers=[("UNIV_ID", "X/1")])
    add(identifiers=[("UNIV_ID", "X?2")])
    add(primary_id="Zoë1")
    # two preferred emails (x2 users)
    add(emails=[("p1@college.ca", True), ("p1b@college.ca", True)])
    add(emails=[("p2@college.ca", True), ("p2b@college.ca", True)])
    # an id type outside --id-types
    add(identifiers=[("NET_ID", "netid1")])
    # the same person in two groups: by name + birth date, and by email; same group: not reported
    add(first_name="Twin", last_name="Person", birth_date="2001-02-03", user_group="STUDENT")
    add(first_name="Twin", last_name="Person", birth_date="2001-02-03", user_group="STAFF")
    add(emails=[("shared@college.ca", True)], user_group="STUDENT")
    add(emails=[("SHARED@college.ca", True)], user_group="EMPLOYEE")
    add(first_name="Same", last_name="Group", birth_date="1999-09-09", user_group="GUEST")
    add(first_name="Same", last_name="Group", birth_date="1999-09-09", user_group="GUEST")
    # expiry dates: two in the past, one not a date
    add(expiry_date="2020-01-01")
    add(expiry_date="2025-12-31Z")
    add(expiry_date="next year")
    # dates Alma needs to purge users: 2 without expiry_date, 3 without purge_date
    add(expiry_date=None)
    add(expiry_date=None, purge_date=None)
    add(purge_date=None)
    add(purge_date="")
    # an identifier with an empty <value> (Alma rejects the record)
    add(identifiers=[("BARCODE", ""), ("UNIV_ID", "e1")])
    # elements the schema does not know (2 users, one element name)
    add(extra=["<favourite_colour>blue</favourite_colour>"])
    add(extra=["<favourite_colour/>"])

    expected = {
        (Code.PRIMARY_MISSING, "primary_id"): 3,
        (Code.DUPLICATE, None): 3,  # D1, D2, T1
        (Code.CASE_COLLISION, None): 1,
        (Code.TOO_LONG, "primary_id"): 1,
        (Code.WHITESPACE, "primary_id"): 1,
        (Code.SPACE, "identifier:BARCODE"): 1,
        (Code.URL_UNSAFE, "identifier:UNIV_ID"): 2,
        (Code.NON_ASCII, "primary_id"): 1,
        (Code.SEVERAL_PREFERRED, "email"): 2,
        (Code.UNKNOWN_ID_TYPE, "identifier:NET_ID"): 1,
        (Code.SAME_PERSON, "user_group"): 2,
        (Code.EXPIRED, "expiry_date"): 2,
        (Code.BAD_DATE, "expiry_date"): 1,
        (Code.UNKNOWN_ELEMENT, "favourite_colour"): 2,
        (Code.EXPIRY_MISSING, "expiry_date"): 2,
        (Code.PURGE_MISSING, "purge_date"): 3,
        (Code.EMPTY_VALUE, None): 1,
    }
    return users, {(code.value, field): n for (code, field), n in expected.items()}


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, dict[tuple[str, str | None], int]]:
    users, expected = planted_users()
    return write_users(tmp_path / "planted.xml", users), expected


def test_planted_problems_give_exact_counts(
    planted: tuple[Path, dict[tuple[str, str | None], int]],
) -> None:
    """Every planted problem is found, counted exactly, and nothing else is reported."""
    path, expected = planted
    result = lint_records(SisExtract([path]).records(), id_types=ID_TYPES, today=TODAY)
    found = {(f.code, f.field): f.count for f in result.findings}
    assert found == expected


def test_clean_extract_has_no_findings(tmp_path: Path) -> None:
    """Users that respect every rule give no finding at all."""
    path = write_users(tmp_path / "clean.xml", [clean_user(i) for i in range(50)])
    result = lint_records(SisExtract([path]).records(), id_types=ID_TYPES, today=TODAY)
    assert result.findings == ()
    assert result.records == 50


def test_duplicate_uses_are_counted(
    planted: tuple[Path, dict[tuple[str, str | None], int]],
) -> None:
    """The duplicate finding says how many uses the repeated values have (D1 2, D2 3, T1 2)."""
    path, _ = planted
    result = lint_records(SisExtract([path]).records(), today=TODAY)
    [duplicate] = [f for f in result.findings if f.code == Code.DUPLICATE]
    assert "(7 uses in all)" in duplicate.message


def test_severities_and_order(planted: tuple[Path, dict[tuple[str, str | None], int]]) -> None:
    """Errors come first; duplicates, case collisions, missing, long and empty IDs are errors."""
    path, _ = planted
    result = lint_records(SisExtract([path]).records(), id_types=ID_TYPES, today=TODAY)
    ranks = [f.severity.rank for f in result.findings]
    assert ranks == sorted(ranks, reverse=True)
    errors = {f.code for f in result.findings if f.severity is Severity.ERROR}
    assert errors == {
        Code.DUPLICATE.value,
        Code.CASE_COLLISION.value,
        Code.PRIMARY_MISSING.value,
        Code.TOO_LONG.value,
        Code.EMPTY_VALUE.value,
    }


def test_sink_receives_every_occurrence(
    planted: tuple[Path, dict[tuple[str, str | None], int]],
) -> None:
    """The sink gets one occurrence per rule hit, plus each repeated value's first holder."""
    path, expected = planted
    seen: list[Occurrence] = []
    lint_records(SisExtract([path]).records(), id_types=ID_TYPES, today=TODAY, sink=seen.append)
    per_code = Counter(o.code.value for o in seen)
    # duplicates: D1 2 uses, D2 3, T1 2 = 7 rows; case collision JSmith/jsmith = 2 rows
    assert per_code[Code.DUPLICATE.value] == 7
    assert per_code[Code.CASE_COLLISION.value] == 2
    for (code, _field), count in expected.items():
        if code not in (Code.DUPLICATE.value, Code.CASE_COLLISION.value):
            assert per_code[code] == count, code


def test_twice_on_one_user_is_said(tmp_path: Path) -> None:
    """A value used twice on the same user says so in the occurrence detail."""
    path = write_users(tmp_path / "u.xml", [User(primary_id="T1", identifiers=[("BARCODE", "T1")])])
    seen: list[Occurrence] = []
    lint_records(SisExtract([path]).records(), today=TODAY, sink=seen.append)
    assert any("twice on the same user" in o.detail for o in seen)


def test_duplicates_compare_trimmed_and_caseless() -> None:
    """' ab' and 'AB' on two users collide by case; 'ab' twice is a duplicate."""
    records = [
        Record("f:1", {"primary_id": (" ab",)}),
        Record("f:2", {"primary_id": ("AB",)}),
        Record("f:3", {"primary_id": ("ab",)}),
    ]
    result = lint_records(records, today=TODAY)
    found = {f.code: f.count for f in result.findings}
    assert found[Code.DUPLICATE.value] == 1  # "ab" (trimmed) used twice
    assert found[Code.CASE_COLLISION.value] == 1


def test_unknown_id_types_only_with_id_types() -> None:
    """Without --id-types no identifier type is reported as unknown."""
    records = [Record("f:1", {"primary_id": ("a",), "identifier:LOCAL": ("1",)}, info=DATED)]
    assert lint_records(records, today=TODAY).findings == ()
    result = lint_records(records, id_types=["BARCODE"], today=TODAY)
    assert [(f.code, f.field) for f in result.findings] == [
        (Code.UNKNOWN_ID_TYPE.value, "identifier:LOCAL")
    ]


def test_schema_errors_are_findings() -> None:
    """A record carrying xsd_errors from the reader counts as a schema finding."""
    records = [Record("f:1", {"primary_id": ("a",)}, info={"xsd_errors": "line 3: bad", **DATED})]
    [finding] = lint_records(records, today=TODAY).findings
    assert (finding.code, finding.count) == (Code.XSD.value, 1)


def test_samples_are_bounded() -> None:
    """Only a few occurrences are kept per finding, whatever the count."""
    lint = SisLint(today=TODAY)
    for i in range(100):
        lint.add(Record(f"f:{i}", {}, info=DATED))
    result = lint.result()
    [finding] = result.findings
    assert finding.count == 100
    assert len(result.samples[(Code.PRIMARY_MISSING, "primary_id")]) == 5
    assert finding.examples == ("f:0", "f:1", "f:2", "f:3", "f:4")


def test_details_name_the_first_holder() -> None:
    """Occurrence details name the first holder's file:line, for IDs and for people."""
    records = [
        Record("a.xml:7", {"primary_id": ("X1",), "email": ("p@c.ca",)}, "STAFF", {}),
        Record("b.xml:70000", {"primary_id": ("X1",)}, "STUDENT", {}),
        Record("b.xml:80000", {"primary_id": ("X2",), "email": ("P@c.ca",)}, "STUDENT", {}),
    ]
    seen: list[Occurrence] = []
    lint_records(records, today=TODAY, sink=seen.append)
    details = {(o.code, o.ref): o.detail for o in seen}
    assert details[(Code.DUPLICATE, "a.xml:7")] == "first holder"
    assert details[(Code.DUPLICATE, "b.xml:70000")] == "also held by a.xml:7"
    assert details[(Code.SAME_PERSON, "b.xml:80000")] == "same email as a.xml:7 (STAFF vs STUDENT)"


def test_scan_profiles_equal_profile_records(
    planted: tuple[Path, dict[tuple[str, str | None], int]],
) -> None:
    """The one-pass scan gives exactly the profiles `profile_records` gives on the same input."""
    path, _ = planted
    scan = scan_extract(SisExtract([path]), SisLint(today=TODAY))
    expected = profile_records(SisExtract([path]).records(), SourceKind.SIS)
    assert list(scan.profiles) == expected
    users, _ = planted_users()
    assert scan.input.records == len(users)
    assert sum(n for _, n in scan.populations) == len(users)


def test_missing_dates_are_warnings() -> None:
    """A user without expiry_date or purge_date is a warning: Alma never purges such users."""
    records = [
        Record("f:1", {"primary_id": ("a",)}, info={"expiry_date": "2030-01-01"}),
        Record("f:2", {"primary_id": ("b",)}, info={}),
    ]
    found = {f.code: (f.severity, f.count) for f in lint_records(records, today=TODAY).findings}
    assert found == {
        Code.EXPIRY_MISSING.value: (Severity.WARNING, 1),
        Code.PURGE_MISSING.value: (Severity.WARNING, 2),
    }


def test_emails_and_group_codes_as_identifiers(tmp_path: Path) -> None:
    """An email or a user_group code loaded as an additional identifier is an error that says
    how many users share each value (primary_id holding an email is not reported)."""
    users = [clean_user(i) for i in range(6)]
    users[0].identifiers = [("OTHER_ID_1", "family@home.ca")]
    users[1].identifiers = [("OTHER_ID_1", "FAMILY@home.ca ")]
    users[2].identifiers = [("OTHER_ID_1", "own@home.ca")]
    users[3].identifiers = [("OTHER_ID_2", "STUDENT")]
    users[4].identifiers = [("OTHER_ID_2", "student")]
    users[5].primary_id = "person@college.ca"
    path = write_users(tmp_path / "u.xml", users)
    scan = scan_extract(SisExtract([path]), SisLint(today=TODAY))
    found = {(f.code, f.field): f for f in scan.lint.findings}
    email = found[(Code.EMAIL_AS_ID.value, "identifier:OTHER_ID_1")]
    assert (email.severity, email.count) == (Severity.ERROR, 3)
    assert "1 of these values is shared by 2 users" in email.message
    group = found[(Code.GROUP_AS_ID.value, "identifier:OTHER_ID_2")]
    assert group.count == 2
    assert "STUDENT: 2 users" in group.message
    assert not [f for f in scan.lint.findings if f.field == "primary_id"]
