"""No silent wrong answers in `recommend`: out-of-scope groups measured under the winner's own
steps, the logged-in person found among many namesakes, snapshots that cannot be paired, and
empty inputs — each on data whose right answer is known by construction."""

from __future__ import annotations

import json
from pathlib import Path

from authprobe.analysis.history import Snapshot
from authprobe.analysis.recommend import Options, build_report
from authprobe.cli.app import main
from authprobe.model import Record, Report, SourceKind
from authprobe.reports.json import report_to_dict
from authprobe.reports.markdown import render_markdown
from authprobe.sources.saml.message import decode
from tests.helpers import ListSource, rec, write_ldif, write_sis


def _report(sis: list[Record], directory: list[Record], options: Options | None = None) -> Report:
    return build_report(
        ListSource(SourceKind.DIRECTORY, directory),
        ListSource(SourceKind.SIS, sis),
        options=options,
    )


# --- A1: excluded groups under the winner's steps -------------------------------------------


def test_excluded_groups_are_measured_under_the_winners_steps() -> None:
    """The SIS pads numbers to 8 digits, the directory does not: the winner strips leading
    zeros. Excluded: 2 directory Guests holding 2 students' bare numbers (a group far too small
    to adopt the step on its own) and 1000 SIS ALUMNI of whom 998 match as they are and 2 only
    without the zeros. Under the winner's steps every one of them matches."""
    sis = [rec(f"st{i}", "STUDENT", primary_id=f"{i:08d}") for i in range(1000, 3002)]
    sis += [rec(f"al{i}", "ALUMNI", primary_id=f"{i:08d}") for i in range(5000, 6000)]
    directory = [rec(f"d{i}", "People", employeeID=f"{i}") for i in range(1000, 3000)]
    directory += [rec(f"g{i}", "Guests", employeeID=f"{i}") for i in (3000, 3001)]
    directory += [rec(f"a{i}", "Alumni", employeeID=f"{i:08d}") for i in range(5000, 5998)]
    directory += [rec(f"a{i}", "Alumni", employeeID=f"{i}") for i in (5998, 5999)]
    options = Options(exclude_groups=frozenset({"guests", "alumni"}))
    report = _report(sis, directory, options)
    best = report.recommendation
    assert best is not None
    assert best.correspondence.normalisation == ("strip-leading-zeros",)
    scopes = {(s.source, s.population): (s.records, s.matched) for s in report.out_of_scope}
    assert scopes == {
        (SourceKind.SIS, "ALUMNI"): (1000, 1000),
        (SourceKind.DIRECTORY, "Alumni"): (1000, 1000),
        (SourceKind.DIRECTORY, "Guests"): (2, 2),
    }


# --- A2: idp_login finds the person ---------------------------------------------------------

_LOGIN = """<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1" Version="2.0"
 IssueInstant="2026-11-01T10:00:00Z" Destination="https://alma.example/sp">
 <saml:Issuer>https://idp.college.edu/idp</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="a1" Version="2.0" IssueInstant="2026-11-01T10:00:00Z">
  <saml:Issuer>https://idp.college.edu/idp</saml:Issuer>
  <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
   >_9f8e7d6c5b4a</saml:NameID></saml:Subject>
  <saml:AttributeStatement>{attributes}</saml:AttributeStatement>
 </saml:Assertion>
</samlp:Response>"""


def _attribute(name: str, value: str) -> str:
    return (
        f'<saml:Attribute Name="{name}" FriendlyName="{name}">'
        f"<saml:AttributeValue>{value}</saml:AttributeValue></saml:Attribute>"
    )


def _login(**values: str):  # type: ignore[no-untyped-def]
    xml = _LOGIN.format(attributes="".join(_attribute(k, v) for k, v in values.items()))
    return decode(xml.encode(), "login.xml")


def _namesakes() -> tuple[list[Record], list[Record]]:
    """300 John Smiths then 100 Mary Majors, each with a unique uid, mail and number."""
    directory = []
    sis = []
    for i in range(400):
        given, surname = ("John", "Smith") if i < 300 else ("Mary", "Major")
        uid = f"{given[0].lower()}{surname.lower()}{i:03d}"
        directory.append(
            rec(
                f"uid={uid},ou=People,dc=college,dc=edu",
                givenName=given,
                sn=surname,
                uid=uid,
                mail=f"{uid}@college.edu",
                employeeNumber=f"{700000 + i}",
            )
        )
        sis.append(
            rec(f"users.xml:{i + 2}", primary_id=f"{700000 + i}", email=f"{uid}@college.edu")
        )
    return sis, directory


def test_the_logged_in_person_is_found_among_300_namesakes() -> None:
    """John Smith number 250 logs in: his uid and mail are held by one entry (his), the given
    name and surname by all 300 John Smiths; the report names his entry as the person."""
    sis, directory = _namesakes()
    login = _login(uid="jsmith250", mail="jsmith250@college.edu", givenName="John", sn="Smith")
    report = _report(sis, directory, Options(assertion=login))
    held = {item.idp_source: (item.directory_attributes, item.entries) for item in report.released}
    assert held == {
        "NameID": ((), 0),  # transient: nobody holds it
        "uid": (("uid",), 1),
        "mail": (("uid", "mail"), 1),  # uid (first in the entry) holds it without its @scope
        "givenName": (("givenName",), 300),
        "sn": (("sn",), 300),
    }
    (person,) = report.login_people
    assert person.protocol == "saml"
    assert person.ref == "uid=jsmith250,ou=People,dc=college,dc=edu"
    assert person.entries == 1
    assert [item.person_holds for item in report.released] == [False, True, True, True, True]
    mail = next(c for c in report.candidates if c.correspondence.directory_attribute == "mail")
    assert mail.idp is not None
    assert mail.idp.released
    data = report_to_dict(report)
    assert data["idp_login_people"] == [
        {
            "protocol": "saml",
            "ref": "uid=j••••••••,ou=People,dc=college,dc=edu",
            "entries": 1,
            "released_values_held": 4,
        }
    ]
    assert [item["person_holds"] for item in data["idp_login"]] == [False, True, True, True, True]
    shown = render_markdown(report)
    assert "The SAML login is uid=j••••••••,ou=People,dc=college,dc=edu" in shown
    assert "jsmith250" not in shown  # masked without --show-values


def test_a_login_held_alike_by_many_entries_names_no_person() -> None:
    """Only the given name and surname are released: 300 entries hold both, so the person
    cannot be told apart, and the report says how many entries are alike."""
    sis, directory = _namesakes()
    report = _report(sis, directory, Options(assertion=_login(givenName="John", sn="Smith")))
    (person,) = report.login_people
    assert (person.ref, person.entries) == (None, 300)
    held = {item.idp_source: item.entries for item in report.released}
    assert held == {"NameID": 0, "givenName": 300, "sn": 300}
    assert report_to_dict(report)["idp_login_people"][0]["ref"] is None


def test_the_most_specific_value_decides_over_more_common_ones() -> None:
    """Mary Major 350's login releases her uid and the name `John Smith` (a wrong claim rule):
    the entry holding the unique uid is the person, not one of the 300 John Smiths."""
    sis, directory = _namesakes()
    login = _login(uid="mmajor350", givenName="John", sn="Smith")
    report = _report(sis, directory, Options(assertion=login))
    (person,) = report.login_people
    assert (person.ref, person.entries) == ("uid=mmajor350,ou=People,dc=college,dc=edu", 1)
    holds = {item.idp_source: item.person_holds for item in report.released}
    assert holds == {"NameID": False, "uid": True, "givenName": False, "sn": False}


# --- A5: snapshots that cannot be paired ----------------------------------------------------


def _people(key: str, prefix: str, renamed: int = 0) -> list[Record]:
    return [
        Record(
            f"uid=p{i},ou=People,dc=c",
            {
                key: (f"{prefix}-{i:08d}",),
                "employeeID": (f"{i:05d}",),
                "mail": (f"new{i}@c.ca" if i < renamed else f"p{i}@c.ca",),
            },
        )
        for i in range(60)
    ]


def test_snapshots_sharing_no_key_give_a_warning_and_no_stability_claim() -> None:
    """The current directory is keyed by entryUUID, the previous snapshot by objectGUID (another
    directory): nothing is compared, a warning says so, and stability claims nothing measured."""
    sis = [rec(f"s{i}", primary_id=f"{i:05d}") for i in range(60)]
    previous = ListSource(SourceKind.DIRECTORY, _people("objectGUID", "g"))
    report = _report(sis, _people("entryUUID", "u"), Options(previous=previous))
    warning = next(f for f in report.findings if f.code == "history-no-shared-key")
    assert warning.severity.value == "warning"
    assert "entryUUID" in warning.message
    assert "objectGUID" in warning.message
    best = report.recommendation
    assert best is not None
    stability = {c.name: c for c in best.criteria}["stability"]
    assert "not measured" in stability.explanation.casefold()
    assert "does not change" not in stability.explanation
    assert "between the two directory snapshots" not in stability.explanation.casefold()


def test_previous_snapshot_without_keys_at_all_is_a_warning() -> None:
    """A previous export with no immutable key on any entry cannot be paired either."""
    sis = [rec(f"s{i}", primary_id=f"{i:05d}") for i in range(60)]
    bare = [
        Record(r.ref, {k: v for k, v in r.attrs.items() if k != "entryUUID"})
        for r in _people("entryUUID", "u")
    ]
    report = _report(
        sis, _people("entryUUID", "u"), Options(previous=ListSource(SourceKind.DIRECTORY, bare))
    )
    warning = next(f for f in report.findings if f.code == "history-no-shared-key")
    assert "previous snapshot holds no immutable key" in warning.message


def test_attribute_missing_from_the_previous_snapshot_is_not_counted_as_changed() -> None:
    """The previous snapshot was saved with `-a mail` only: employeeID's changes are not
    measured (not "60 of 60 changed"), mail's are (12 of 60 renamed)."""
    sis = [rec(f"s{i}", primary_id=f"{i:05d}") for i in range(60)]
    previous = [
        Record(r.ref, {k: v for k, v in r.attrs.items() if k != "employeeID"})
        for r in _people("entryUUID", "u")
    ]
    current = _people("entryUUID", "u", renamed=12)
    snapshot = Snapshot()
    for record in current:
        snapshot.add(record)
    history = snapshot.compare(previous, ["employeeID", "mail"])
    assert history.share("employeeID") is None
    assert history.share("mail") == 12 / 60
    report = _report(sis, current, Options(previous=ListSource(SourceKind.DIRECTORY, previous)))
    best = report.recommendation
    assert best is not None
    assert best.correspondence.directory_attribute == "employeeID"
    stability = {c.name: c for c in best.criteria}["stability"]
    assert "60 of 60" not in stability.explanation
    assert "not measured" in stability.explanation.casefold()
    absent = next(f for f in report.findings if f.code == "history-attribute-absent")
    assert absent.field == "employeeID"


def _ldif_people(path: Path, key: str, renamed: int) -> Path:
    return write_ldif(
        path,
        [
            {
                "dn": f"uid=p{i},ou=People,dc=c",
                "uid": f"p{i}",
                "sn": f"Person{i}",
                key: f"1b4e28ba-2fa1-11d2-883f-{i:012d}",
                "employeeNumber": f"{i:05d}",
                "mail": f"new{i}@c.ca" if i < renamed else f"p{i}@c.ca",
            }
            for i in range(60)
        ],
    )


def test_ldif_and_csv_exports_pair_as_previous_snapshots(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`--previous` an LDIF export (entryUUID) and an AD CSV export (ObjectGUID column) pair
    with the current LDIF by key: 12 of 60 renamed people changed mail, nobody employeeNumber."""
    sis = write_sis(
        tmp_path / "sis.xml",
        [{"primary_id": f"{i:05d}", "email": f"p{i}@c.ca"} for i in range(60)],
    )
    current = _ldif_people(tmp_path / "now.ldif", "entryUUID", renamed=12)
    before = _ldif_people(tmp_path / "before.ldif", "entryUUID", renamed=0)
    code = main(
        ["recommend", "--directory", str(current), "--sis", str(sis), "--previous", str(before),
         "--format", "json"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    stability = next(c for c in data["recommendation"]["criteria"] if c["name"] == "stability")
    assert "0 of 60 people" in stability["explanation"]
    assert not [f for f in data["findings"] if f["code"].startswith("history-")]
    # AD: the CSV's ObjectGUID against an LDIF keyed by objectGUID
    guid_now = _ldif_people(tmp_path / "guid.ldif", "objectGUID", renamed=12)
    csv = tmp_path / "before.csv"
    rows = ["DistinguishedName,ObjectGUID,SamAccountName,employeeNumber,mail"]
    rows += [
        f'"uid=p{i},ou=People,dc=c",1b4e28ba-2fa1-11d2-883f-{i:012d},p{i},{i:05d},p{i}@c.ca'
        for i in range(60)
    ]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = main(
        ["recommend", "--directory", str(guid_now), "--sis", str(sis), "--previous", str(csv),
         "--format", "json"]
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    stability = next(c for c in data["recommendation"]["criteria"] if c["name"] == "stability")
    assert "0 of 60 people" in stability["explanation"]
    by_attribute = {c["directory_attribute"]: c for c in data["candidates"]}
    mail = next(c for c in by_attribute["mail"]["criteria"] if c["name"] == "stability")
    assert "12 of 60 people" in mail["explanation"]


# --- A6: zero records -----------------------------------------------------------------------


def test_zero_person_entries_is_an_error_finding_not_no_shared_values() -> None:
    """A filter or export with no people: `0 person entries read`, not a claim about values."""
    report = _report([rec(f"s{i}", primary_id=f"{i:05d}") for i in range(10)], [])
    assert report.recommendation is None
    first = report.findings[0]
    assert (first.code, first.severity.value) == ("no-person-entries", "error")
    assert "0 person entries read — check the filter or the export" in first.message
    assert not any("shares values" in f.message for f in report.findings)


def test_zero_sis_records_is_an_error_finding() -> None:
    """An SIS extract with no users: `0 SIS records read`."""
    report = _report([], [rec(f"d{i}", employeeID=f"{i:05d}") for i in range(10)])
    assert report.recommendation is None
    codes = {f.code: f for f in report.findings}
    assert "0 SIS records read" in codes["no-sis-records"].message
    assert codes["no-sis-records"].severity.value == "error"
    assert not any("shares values" in f.message for f in report.findings)


def test_every_entry_set_aside_is_an_error_finding() -> None:
    """--exclude-group naming the only directory population leaves nothing to compare: the
    report says so, not that no field shares values."""
    sis = [rec(f"s{i}", "STUDENT", primary_id=f"{i:05d}") for i in range(10)]
    directory = [rec(f"d{i}", "People", employeeID=f"{i:05d}") for i in range(10)]
    report = _report(sis, directory, Options(exclude_groups=frozenset({"people"})))
    codes = {f.code: f for f in report.findings}
    assert codes["no-records-in-scope"].count == 10
    assert "set aside by --exclude-group" in codes["no-records-in-scope"].message
    assert not any("shares values" in f.message for f in report.findings)
