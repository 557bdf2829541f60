"""Populations in `recommend`: a weak population is named, out-of-scope groups are reported
separately, the population rule reads an attribute (a finding when it is absent)."""

from __future__ import annotations

from authprobe.analysis.recommend import Options
from authprobe.model import Record, SourceKind
from tests.helpers import rec
from tests.helpers import recommend_report as _report


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
