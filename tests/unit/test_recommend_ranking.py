"""How `recommend` ranks candidates: an exact join beats a transformation, each step states its
gain, awkward characters rank lower, conflicts and reasons are counted, shared identifiers are
found, and an identifier winner gets the Match ID Type advice."""

from __future__ import annotations

from tests.helpers import rec
from tests.helpers import recommend_report as _report


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
