"""Recommender in depth: populations, out-of-scope groups, transformations, IdP release, advice,
snapshots and the config file — each on generated data whose right answer is known."""

from __future__ import annotations

import json
from pathlib import Path

from authprobe.analysis.history import Snapshot
from authprobe.analysis.recommend import Options, build_report
from authprobe.cli.app import main
from authprobe.model import Record, Report, SourceKind
from authprobe.sources.saml.message import decode
from tests.helpers import ListSource, rec, write_ldif, write_sis


def _report(sis: list[Record], directory: list[Record], options: Options | None = None) -> Report:
    return build_report(
        ListSource(SourceKind.DIRECTORY, directory),
        ListSource(SourceKind.SIS, sis),
        options=options,
    )


def _college(
    students: int, staff: int, staff_in_directory: int, guests: int
) -> tuple[list[Record], list[Record]]:
    """Students all in the directory; only some staff; guests never (known by construction)."""
    sis = [rec(f"st{i}", "STUDENT", primary_id=f"1{i:06d}") for i in range(students)]
    sis += [rec(f"sf{i}", "STAFF", primary_id=f"2{i:06d}") for i in range(staff)]
    sis += [rec(f"g{i}", "GUEST", primary_id=f"G{i:05d}") for i in range(guests)]
    directory = [rec(f"d{i}", "Students", employeeID=f"1{i:06d}") for i in range(students)]
    directory += [rec(f"e{i}", "Staff", employeeID=f"2{i:06d}") for i in range(staff_in_directory)]
    directory += [rec(f"svc{i}", "Service Accounts", cn=f"svc{i}") for i in range(7)]
    return sis, directory


def test_weak_population_is_named() -> None:
    """99 % of students but 40 % of staff: the recommendation says so in words."""
    sis, directory = _college(students=100, staff=50, staff_in_directory=20, guests=0)
    best = _report(sis, directory).recommendation
    assert best is not None
    assert best.correspondence.matched == 120
    assert "Covers 100.0 % of STUDENT but only 40.0 % of STAFF." in best.reasons


def test_excluded_groups_are_reported_separately() -> None:
    """--exclude-group GUEST and 'Service Accounts' lift coverage and are counted apart."""
    sis, directory = _college(students=80, staff=20, staff_in_directory=20, guests=25)
    plain = _report(sis, directory).recommendation
    assert plain is not None
    assert plain.correspondence.sis_coverage == 100 / 125
    options = Options(exclude_groups=frozenset({"guest", "SERVICE ACCOUNTS"}))
    report = _report(sis, directory, options)
    best = report.recommendation
    assert best is not None
    assert (best.correspondence.matched, best.correspondence.sis_records) == (100, 100)
    assert best.correspondence.directory_records == 100
    scopes = {(s.source.value, s.population): (s.records, s.matched) for s in report.out_of_scope}
    assert scopes == {("sis", "GUEST"): (25, 0), ("directory", "Service Accounts"): (7, 0)}


def test_population_rule_uses_an_attribute() -> None:
    """--population-rule employeeType groups directory entries by that attribute."""
    sis = [rec(f"s{i}", primary_id=f"{i:05d}") for i in range(30)]
    directory = [
        Record(f"d{i}", {"employeeNumber": (f"{i:05d}",), "employeeType": ("faculty",)}, "People")
        for i in range(10)
    ]
    directory += [
        Record(f"e{i}", {"employeeNumber": (f"{i + 10:05d}",), "employeeType": ("student",)})
        for i in range(15)
    ]
    report = _report(sis, directory, Options(population_attribute="employeeType"))
    best = report.recommendation
    assert best is not None
    pops = {
        p.population: (p.matched, p.records)
        for p in best.correspondence.populations
        if p.source is SourceKind.DIRECTORY
    }
    assert pops == {"faculty": (10, 10), "student": (15, 15)}


def test_transformation_ranks_below_an_equally_good_exact_join() -> None:
    """uid joins exactly; eppn joins only after strip-scope: uid wins, and the loser says who
    must transform what."""
    sis = [rec(f"s{i}", primary_id=f"user{i:04d}x") for i in range(60)]
    directory = [
        rec(f"d{i}", uid=f"user{i:04d}x", eduPersonPrincipalName=f"user{i:04d}x@college.edu")
        for i in range(60)
    ]
    report = _report(sis, directory)
    best = report.recommendation
    assert best is not None
    assert best.correspondence.directory_attribute == "uid"
    assert best.correspondence.normalisation == ()
    eppn = next(c for c in report.candidates if c is not best)
    assert eppn.correspondence.normalisation == ("strip-scope",)
    assert eppn.correspondence.matched == 60
    assert any("drop the @scope" in reason for reason in eppn.reasons)


def test_gain_of_each_step_is_stated() -> None:
    """Upper-case SIS usernames: the winner says how much casefold gained."""
    sis = [rec(f"s{i}", primary_id=(f"JD{i:03d}Q" if i < 30 else f"jd{i:03d}q")) for i in range(40)]
    directory = [rec(f"d{i}", uid=f"jd{i:03d}q") for i in range(40)]
    best = _report(sis, directory).recommendation
    assert best is not None
    assert best.correspondence.normalisation == ("casefold",)
    assert "SIS coverage by normalisation step: exact 25.0 %, casefold +75.0 %." in best.reasons


def test_identifier_winner_gets_match_id_type_advice() -> None:
    """When an identifier type wins, the advice names it, warns about other unique types, and
    does not make the employee number the LDAP search attribute (people type a username)."""
    sis = [
        rec(f"s{i}", primary_id=f"user{i}", identifier__UNIV_ID=f"{i + 500000:07d}")
        for i in range(40)
    ]
    directory = [rec(f"d{i}", employeeNumber=f"{i + 500000:07d}") for i in range(40)]
    report = _report(sis, directory)
    assert report.advice is not None
    assert report.advice.match_id_type == "UNIV_ID"
    assert report.advice.sis_field == "identifier:UNIV_ID"
    assert report.advice.ldap_search_attribute == ""  # no username attribute in this directory
    assert "confirm with ex libris" in report.advice.ldap_instruction.casefold()
    assert "ask Ex Libris" in report.advice.sis_instruction
    assert "flag" not in report.advice.sis_instruction
    assert report.advice.user_id_attribute_name is None
    assert "Campus IT must release employeeNumber" in report.advice.idp_instruction
    assert report.advice.warnings


RESPONSE = """<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1" Version="2.0"
 IssueInstant="2026-11-01T10:00:00Z" Destination="https://alma.example/sp">
 <saml:Issuer>https://idp.college.ca/idp</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="a1" Version="2.0" IssueInstant="2026-11-01T10:00:00Z">
  <saml:Issuer>https://idp.college.ca/idp</saml:Issuer>
  <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
   >AbCdEf0123456789opaque</saml:NameID></saml:Subject>
  <saml:AttributeStatement>
   <saml:Attribute Name="urn:oasis:names:tc:SAML:2.0:attrname-format:uri:uid"
     FriendlyName="uid"><saml:AttributeValue>user0003x</saml:AttributeValue></saml:Attribute>
   <saml:Attribute Name="urn:oid:0.9.2342.19200300.100.1.3" FriendlyName="mail"
     NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
     <saml:AttributeValue>user0003x@college.edu</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion>
</samlp:Response>"""


def test_captured_login_fills_idp_source_and_locates_values() -> None:
    """A login that releases mail but not employeeNumber: mail gets its exact Name; the number
    gets a 'campus IT must release it' action; the persistent NameID is never the answer."""
    assertion = decode(RESPONSE.encode(), "login.xml")
    sis = [
        rec(f"s{i}", primary_id=f"{i + 700000}", email=f"user{i:04d}x@college.edu")
        for i in range(40)
    ]
    directory = [
        rec(
            f"d{i}",
            employeeNumber=f"{i + 700000}",
            mail=f"user{i:04d}x@college.edu",
            uid=f"user{i:04d}x",
        )
        for i in range(40)
    ]
    report = _report(sis, directory, Options(assertion=assertion))
    by_attribute = {c.correspondence.directory_attribute: c for c in report.candidates}
    mail = by_attribute["mail"]
    assert mail.idp_source == "urn:oid:0.9.2342.19200300.100.1.3"
    assert mail.idp is not None
    assert mail.idp.released
    number = by_attribute["employeeNumber"]
    assert number.idp is not None
    assert not number.idp.released
    assert "campus IT must add it" in number.idp.explanation
    assert report.recommendation is not None
    assert report.recommendation.idp_source != "NameID"
    where = {item.idp_source: item for item in report.released}
    # the mail value is held by mail, and (without its @scope) by uid, of the same one entry
    assert where["urn:oid:0.9.2342.19200300.100.1.3"].directory_attributes == ("mail", "uid")
    assert where["urn:oid:0.9.2342.19200300.100.1.3"].entries == 1
    assert where["NameID"].directory_attributes == ()


def test_snapshot_changes_are_counted_by_immutable_key() -> None:
    """12 of 50 people changed mail between snapshots, nobody changed employeeID."""

    def person(i: int, renamed: bool) -> Record:
        return Record(
            f"d{i}",
            {
                "entryUUID": (f"00000000-0000-0000-0000-{i:012d}",),
                "employeeID": (f"{i:06d}",),
                "mail": (f"new{i}@c.ca" if renamed else f"p{i}@c.ca",),
            },
        )

    snapshot = Snapshot()
    for i in range(50):
        snapshot.add(person(i, renamed=i < 12))
    previous = [person(i, renamed=False) for i in range(55)]
    history = snapshot.compare(previous, ["mail", "employeeID"])
    assert history is not None
    assert (history.key_attribute, history.compared) == ("entryUUID", 50)
    assert history.changed == {"mail": 12, "employeeID": 0}
    assert history.share("mail") == 12 / 50


def test_previous_snapshot_lowers_stability_of_changing_values(tmp_path: Path) -> None:
    """With --previous, a value that changed for many people loses to one that never did."""
    current = [
        Record(
            f"d{i}",
            {
                "entryUUID": (f"u{i}",),
                "employeeID": (f"{i:05d}",),
                "employeeNumber": (f"{i:05d}",) if i % 3 else (f"9{i:05d}",),
            },
        )
        for i in range(60)
    ]
    previous = [
        Record(
            f"d{i}",
            {"entryUUID": (f"u{i}",), "employeeID": (f"{i:05d}",), "employeeNumber": (f"{i:05d}",)},
        )
        for i in range(60)
    ]
    sis = [rec(f"s{i}", primary_id=f"{i:05d}") for i in range(60)]
    report = _report(sis, current, Options(previous=ListSource(SourceKind.DIRECTORY, previous)))
    best = report.recommendation
    assert best is not None
    assert best.correspondence.directory_attribute == "employeeID"
    stability = {c.name: c for c in best.criteria}["stability"]
    assert "0 of 60 people" in stability.explanation


def test_config_file_drives_the_whole_run(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`recommend --config authprobe.toml` reads inputs and options from the file."""
    entries = [
        {
            "dn": f"uid=u{i},ou=Students,dc=c",
            "uid": f"u{i}",
            "cn": "X",
            "sn": "Y",
            "employeeNumber": f"{i:06d}",
        }
        for i in range(20)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": "STUDENT"} for i in range(20)]
    users += [{"primary_id": f"G{i}", "user_group": "GUEST"} for i in range(5)]
    write_ldif(tmp_path / "people.ldif", entries)
    write_sis(tmp_path / "users.xml", users)
    config = tmp_path / "authprobe.toml"
    config.write_text(
        '[directory]\nsource = "people.ldif"\n'
        '[sis]\npaths = ["users.xml"]\nexclude_groups = ["GUEST"]\n'
        '[report]\nformat = "json"\noutput = "out.json"\n',
        encoding="utf-8",
    )
    assert main(["recommend", "--config", str(config)]) == 0
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["recommendation"]["matched"] == 20
    assert data["recommendation"]["sis_coverage"] == 1.0
    assert data["out_of_scope"] == [
        {"source": "sis", "population": "GUEST", "records": 5, "matched": 0}
    ]
    assert data["alma_configuration"]["match_id_type"] == "Primary Identifier"


def test_config_file_refuses_secrets(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A password in authprobe.toml is refused (exit 2): secrets never live in files."""
    config = tmp_path / "authprobe.toml"
    config.write_text('[directory]\nsource = "x.ldif"\nbind_password = "hunter2"\n')
    assert main(["recommend", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "config-secret-refused" in err
    assert "hunter2" not in err


def test_conflicts_and_reasons_are_counted_in_the_json() -> None:
    """Planted: 3 lost leading zeros (990-992), 2 numbers only under employeeNumber (993-994),
    1 SIS record without primary_id (997), 4 with no directory entry (995, 996, 998, 999), and
    one number held by two directory entries."""
    from authprobe.reports.json import report_to_dict

    sis = [rec(f"s{i}", "STUDENT", primary_id=f"{100000 + i}") for i in range(997)]
    sis += [rec("s997", "STUDENT")]
    sis += [rec(f"s{i}", "STUDENT", primary_id=f"{100000 + i}") for i in (998, 999)]
    directory = [rec(f"d{i}", "Students", employeeID=f"{100000 + i}") for i in range(990)]
    directory += [rec(f"d{i}", "Students", employeeID=f"0{100000 + i}") for i in (990, 991, 992)]
    directory += [rec(f"d{i}", "Students", employeeNumber=f"{100000 + i}") for i in (993, 994)]
    directory += [rec("dup", "Students", employeeID="100000")]
    report = _report(sis, directory)
    best = report.recommendation
    assert best is not None
    pair = best.correspondence
    assert (pair.sis_field, pair.directory_attribute, pair.normalisation) == (
        "primary_id",
        "employeeID",
        (),
    )
    assert pair.matched == 990
    data = report_to_dict(report)
    chosen = next(
        c
        for c in data["correspondences"]
        if (c["sis_field"], c["directory_attribute"]) == ("primary_id", "employeeID")
    )
    reasons = {u["reason"]: u["count"] for u in chosen["unmatched"] if u["source"] == "sis"}
    assert reasons == {
        "differs by leading zeros": 3,
        "present under another attribute": 2,
        "absent": 1,
        "no directory entry with that value": 4,
    }
    assert chosen["sis_multiple"] == 1
    assert chosen["sis_multiple_examples"] == ["s0"]
    assert chosen["directory_multiple"] == 0


def test_digits_only_meets_stripped_leading_zeros() -> None:
    """Known by construction: 40 directory numbers carry two leading zeros; 20 SIS records hold
    the bare number (strip-leading-zeros joins them) and 30 hold it as `S-00…` (only digits-only
    joins them, and only if it drops the zeros that strip-leading-zeros dropped on the other
    side). 10 SIS records have no directory entry."""
    sis = [rec(f"a{i}", "STUDENT", primary_id=f"{100000 + i}") for i in range(20)]
    sis += [rec(f"b{i}", "STUDENT", primary_id=f"S-00{200000 + i}") for i in range(30)]
    sis += [rec(f"c{i}", "STUDENT", primary_id=f"X{900000 + i}") for i in range(10)]
    directory = [rec(f"d{i}", "People", employeeNumber=f"00{100000 + i}") for i in range(20)]
    directory += [rec(f"e{i}", "People", employeeNumber=f"00{200000 + i}") for i in range(30)]
    best = _report(sis, directory).recommendation
    assert best is not None
    pair = best.correspondence
    assert (pair.sis_field, pair.directory_attribute) == ("primary_id", "employeeNumber")
    reached = {step.step: step.matched for step in pair.steps}
    assert reached["exact"] == 0
    assert reached["strip-leading-zeros"] == 20
    assert reached["digits-only"] == 50
    assert pair.matched == 50
    assert pair.directory_matched == 50


def test_identifiers_shared_between_sis_fields() -> None:
    """Known by construction: 5 users' BARCODE is another user's primary_id, 2 users carry their
    own primary_id (in other case) as UNIV_ID, and a duplicate within primary_id alone is the
    duplicate-value finding, not this one."""
    sis = [
        rec(f"u{i}", "STUDENT", primary_id=f"P{i:04d}", identifier__BARCODE=f"B{i:04d}")
        for i in range(40)
    ]
    for i in range(5):  # u0..u4's barcode is u10..u14's primary_id
        sis[i] = rec(
            f"u{i}", "STUDENT", primary_id=f"P{i:04d}", identifier__BARCODE=f"P{10 + i:04d}"
        )
    sis += [
        rec(f"v{i}", "STAFF", primary_id=f"S{i}", identifier__UNIV_ID=f"s{i}") for i in range(2)
    ]
    sis.append(rec("w0", "STAFF", primary_id="P0039"))  # same field, another user
    directory = [rec(f"d{i}", "People", uid=f"P{i:04d}") for i in range(40)]
    report = _report(sis, directory)
    shared = {f.field: f for f in report.findings if f.code == "identifier-shared"}
    assert {name: f.count for name, f in shared.items()} == {
        "identifier:BARCODE": 5,
        "primary_id": 7,
        "identifier:UNIV_ID": 2,
    }
    assert "identifier:BARCODE, identifier:UNIV_ID" in shared["primary_id"].message
    assert shared["identifier:BARCODE"].examples == ("u0", "u1", "u2")
    duplicates = [f for f in report.findings if f.code == "duplicate-value"]
    assert [(f.field, f.count) for f in duplicates] == [("primary_id", 1)]


def test_population_rule_on_an_absent_attribute_is_a_finding() -> None:
    """--population-rule employeeType: 3 of 10 entries lack it and stay in their OU, said so."""
    sis = [rec(f"s{i}", "STUDENT", primary_id=f"{1000 + i}") for i in range(10)]
    directory = [
        rec(f"d{i}", "People", uid=f"{1000 + i}", employeeType="student") for i in range(7)
    ]
    directory += [rec(f"e{i}", "People", uid=f"{1007 + i}") for i in range(3)]
    report = _report(sis, directory, Options(population_attribute="employeetype"))
    found = [f for f in report.findings if f.code == "population-attribute-missing"]
    assert [(f.count, f.severity.value, f.examples) for f in found] == [
        (3, "warning", ("e0", "e1", "e2"))
    ]
    best = report.recommendation
    assert best is not None
    groups = {p.population: p.records for p in best.correspondence.populations}
    assert groups.get("student") == 7
    assert groups.get("People") == 3
    none = _report(sis, directory, Options(population_attribute="employeeCategory"))
    found = [f for f in none.findings if f.code == "population-attribute-missing"]
    assert [(f.count, f.severity.value) for f in found] == [(10, "error")]


def test_awkward_characters_rank_a_candidate_lower() -> None:
    """Two identifier types join equally well; in one, 20 of 100 values hold a `/` (known by
    construction), so it scores 0 on `characters` and ranks below the clean one, saying why."""
    sis = [
        rec(
            f"s{i}",
            "STUDENT",
            primary_id=f"P{i:04d}",
            identifier__ALT=f"n/{i:04d}" if i < 20 else f"n{i:04d}",
            identifier__CODE=f"c{i:04d}",
        )
        for i in range(100)
    ]
    directory = [
        rec(f"d{i}", "People", altid=f"n/{i:04d}" if i < 20 else f"n{i:04d}", code=f"c{i:04d}")
        for i in range(100)
    ]
    report = _report(sis, directory)
    by_field = {c.correspondence.sis_field: c for c in report.candidates}
    alt, code = by_field["identifier:ALT"], by_field["identifier:CODE"]
    assert alt.correspondence.matched == code.correspondence.matched == 100
    chars = {c.name: c for c in alt.criteria}["characters"]
    assert chars.value == 0.0
    assert "20 identifier:ALT values (20.0 %) hold" in chars.explanation
    assert {c.name: c for c in code.criteria}["characters"].value == 1.0
    assert report.candidates.index(code) < report.candidates.index(alt)
    assert chars.explanation in alt.reasons
    profile = {(p.source.value, p.field): p for p in report.profiles}
    assert profile[("sis", "identifier:ALT")].awkward_values == 20
    assert profile[("directory", "code")].awkward_values == 0


def test_terminal_shows_idp_release_and_released_values() -> None:
    """With a captured login the terminal lists each candidate's IdP status and idp_source,
    and where each released value lives (masked unless --show-values)."""
    import io

    from rich.console import Console

    from authprobe.cli.render import render_terminal

    assertion = decode(RESPONSE.encode(), "login.xml")
    sis = [
        rec(f"s{i}", primary_id=f"{i + 700000}", email=f"user{i:04d}x@college.edu")
        for i in range(40)
    ]
    directory = [
        rec(f"d{i}", employeeNumber=f"{i + 700000}", mail=f"user{i:04d}x@college.edu")
        for i in range(40)
    ]
    report = _report(sis, directory, Options(assertion=assertion))
    shown = {}
    for values in (False, True):
        console = Console(width=100, record=True, file=io.StringIO())
        render_terminal(report, console, show_values=values)
        shown[values] = console.export_text()
    text = shown[False]
    assert "IdP release per candidate" in text
    table = text.split("IdP release per candidate", 1)[1].split("Why the others lost", 1)[0]
    rows = {
        cells[2]: cells[3:5]
        for line in table.splitlines()
        if (cells := [c.strip() for c in line.split("│")]) and len(cells) > 5 and cells[1].isdigit()
    }
    assert rows["mail"] == ["released", "urn:oid:0.9.2342.19200300.100.1.3"]
    assert rows["employeeNumber"] == ["not released", "—"]
    assert "Values released in the captured login" in text
    assert "user0003x@college.edu" not in text
    assert "user0003x@college.edu" in shown[True]
    assert all(len(line) <= 100 for line in text.splitlines())
