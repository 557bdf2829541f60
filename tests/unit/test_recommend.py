"""The recommender: Alma's hard rules reject, the rubric ranks, every verdict is explained."""

from __future__ import annotations

import pytest

from authprobe.analysis.recommend import RUBRIC, build_report
from authprobe.model import Record, SourceKind
from tests.helpers import ListSource, rec


def _report(sis: list[Record], directory: list[Record]):  # type: ignore[no-untyped-def]
    return build_report(
        ListSource(SourceKind.DIRECTORY, directory), ListSource(SourceKind.SIS, sis)
    )


def _people(n: int) -> list[tuple[str, str, str]]:
    surnames = ["smith", "jones", "brown", "nguyen", "khan", "martin", "roy", "tremblay"]
    return [(f"{100000 + i:09d}", surnames[i % len(surnames)], f"{i}") for i in range(n)]


def test_number_beats_username_and_email() -> None:
    """A registrar number outranks a name-derived username and an email with equal coverage."""
    people = _people(200)
    sis = [
        rec(
            f"s{i}",
            "STUDENT",
            primary_id=num,
            email=f"{sn}{i}@college.ca",
            identifier__NET_ID=f"J{sn.upper()}{i}",
        )
        for i, (num, sn, _) in enumerate(people)
    ]
    directory = [
        Record(
            f"d{i}",
            {
                "employeeID": (num,),
                "sAMAccountName": (f"j{sn}{i}",),
                "mail": (f"{sn}{i}@college.ca",),
                "sn": (sn.title(),),
            },
            "Students",
        )
        for i, (num, sn, _) in enumerate(people)
    ]
    report = _report(sis, directory)
    best = report.recommendation
    assert best is not None
    assert (best.correspondence.sis_field, best.correspondence.directory_attribute) == (
        "primary_id",
        "employeeID",
    )
    assert best.correspondence.matched == 200
    others = {c.correspondence.directory_attribute: c for c in report.candidates if c is not best}
    assert set(others) == {"sAMAccountName", "mail"}
    assert not others["sAMAccountName"].rejected
    assert any("name" in reason for reason in others["sAMAccountName"].reasons)
    assert any("email-style" in reason for reason in others["mail"].reasons)


def test_case_only_collision_in_sis_rejects_the_field() -> None:
    """Two SIS people whose email differs only by case make `email` unusable (hard rule)."""
    sis = [rec(f"s{i}", primary_id=f"{i:05d}", email=f"user{i}@c.ca") for i in range(20)]
    sis.append(rec("s20", primary_id="00020", email="USER3@c.ca"))
    directory = [rec(f"d{i}", employeeID=f"{i:05d}", mail=f"user{i}@c.ca") for i in range(21)]
    report = _report(sis, directory)
    email = next(c for c in report.candidates if c.correspondence.sis_field == "email")
    assert email.rejected
    assert "1 value of email is held" in email.rejected_because[0]
    assert report.recommendation is not None
    assert report.recommendation.correspondence.sis_field == "primary_id"


def test_values_longer_than_255_are_rejected() -> None:
    """A SIS field with a 256-character value breaks Alma's length limit."""
    long_value = "x" * 256
    sis = [rec(f"s{i}", primary_id=f"id{i:04d}") for i in range(10)]
    sis.append(rec("s10", primary_id=long_value))
    directory = [rec(f"d{i}", uid=f"id{i:04d}") for i in range(10)]
    directory.append(rec("d10", uid=long_value))
    report = _report(sis, directory)
    assert report.recommendation is None
    (only,) = report.candidates
    assert only.rejected
    assert "256 characters" in only.rejected_because[0]
    assert report.findings[0].code == "no-candidate"


def test_multi_valued_directory_attribute_is_rejected() -> None:
    """A matched directory entry with two values of the attribute breaks the single-value rule."""
    sis = [rec(f"s{i}", primary_id=f"{i:04d}") for i in range(10)]
    directory = [rec(f"d{i}", employeeNumber=f"{i:04d}") for i in range(9)]
    directory.append(rec("d9", employeeNumber=["0009", "9999"]))
    report = _report(sis, directory)
    (only,) = report.candidates
    assert only.rejected_because == (
        "1 matched directory entries hold several values of employeeNumber; the IdP could "
        "send any of them.",
    )


def test_primary_id_preferred_over_identifier_on_a_tie() -> None:
    """When primary_id and an identifier carry the same values, primary_id wins."""
    sis = [rec(f"s{i}", primary_id=f"{i:05d}", identifier__UNIV_ID=f"{i:05d}") for i in range(30)]
    directory = [rec(f"d{i}", employeeNumber=f"{i:05d}") for i in range(30)]
    report = _report(sis, directory)
    assert report.recommendation is not None
    assert report.recommendation.correspondence.sis_field == "primary_id"
    runner_up = report.candidates[1]
    assert runner_up.correspondence.sis_field == "identifier:UNIV_ID"
    assert runner_up.reasons


def test_nothing_in_common_gives_no_recommendation() -> None:
    """Sources that share no values produce no candidate and an error finding."""
    report = _report([rec("s1", primary_id="a1")], [rec("d1", uid="zz")])
    assert report.recommendation is None
    assert report.candidates == ()
    assert report.findings[0].code == "no-candidate"


def test_missing_primary_id_is_a_counted_finding() -> None:
    """SIS records without primary_id are counted, not fatal."""
    sis = [rec(f"s{i}", primary_id=f"{i:04d}") for i in range(10)] + [rec("s10"), rec("s11")]
    directory = [rec(f"d{i}", employeeID=f"{i:04d}") for i in range(10)]
    report = _report(sis, directory)
    missing = next(f for f in report.findings if f.code == "missing-primary-id")
    assert missing.count == 2
    assert report.recommendation is not None
    assert report.recommendation.correspondence.sis_coverage == 10 / 12


def test_rubric_weights_sum_to_one() -> None:
    """The soft criteria's weights add up to 1, so scores are out of 100."""
    assert abs(sum(rule.weight for rule in RUBRIC) - 1.0) < 1e-9


def test_started_source_raises_its_error_at_the_first_record() -> None:
    """`started` asks for a source's records at once, but a problem doing so is raised only
    when the first record is asked for (errors keep the order of reading one source after
    the other)."""
    from authprobe.analysis.recommend.sides import started
    from authprobe.errors import InputError

    problem = InputError("zip-unreadable", "Broken zip.", location="sis.zip")

    class Broken:
        def records(self) -> list[object]:
            raise problem

    records = started(Broken())  # type: ignore[arg-type]
    with pytest.raises(InputError) as caught:
        next(records)
    assert caught.value is problem
