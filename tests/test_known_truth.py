"""Known truth: on generated colleges, the recommendation and its figures equal truth.json exactly.

The demo is read from the committed fixtures (what `make demo` recommends on); the three other
colleges of tests/colleges.py are generated into a temporary folder. Files go through the real
readers and `build_report`; every expected figure comes from truth.json, which the generator
counted from its own bookkeeping.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from authprobe.analysis.recommend import build_report
from authprobe.demo import DEMO, College, generate, write_college
from authprobe.model import Candidate, Correspondence, FieldProfile, Report
from authprobe.sources.directory_files.ldif import LdifFile
from authprobe.sources.sis.extract import SisExtract
from tests.colleges import COLLEGES

FIXTURES = Path(__file__).parents[1] / "fixtures" / "demo-college"
GENERATED: dict[str, College] = {spec.name: generate(spec) for spec in COLLEGES}
NAMES = list(GENERATED)
FIGURES = ("matched", "sis_coverage", "directory_matched", "directory_coverage")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], Report]]:
    """Each college's truth and report (read once per module: the demo takes about a second)."""
    found: dict[str, tuple[dict[str, Any], Report]] = {}
    for name, college in GENERATED.items():
        if name == DEMO.name:
            folder = FIXTURES
        else:
            folder = tmp_path_factory.mktemp(name)
            write_college(college, folder)
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        report = build_report(LdifFile(folder / "directory.ldif"), SisExtract([folder / "sis.zip"]))
        found[name] = (truth, report)
    return found


def _recommended(report: Report) -> Correspondence:
    assert report.recommendation is not None, [f.message for f in report.findings]
    return report.recommendation.correspondence


def _candidate(report: Report, sis_field: str, attribute: str) -> Candidate:
    for candidate in report.candidates:
        pair = candidate.correspondence
        if (pair.sis_field, pair.directory_attribute) == (sis_field, attribute):
            return candidate
    listed = [
        (c.correspondence.sis_field, c.correspondence.directory_attribute)
        for c in report.candidates
    ]
    raise AssertionError(f"no candidate {sis_field} ↔ {attribute}; candidates: {listed}")


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_counted(reports: dict[str, tuple[dict[str, Any], Report]], name: str) -> None:
    """The readers count every person entry and SIS record, and skip only the containers."""
    truth, report = reports[name]
    directory, sis = report.inputs
    assert directory.records == truth["directory"]["records"]
    assert sum(directory.skipped.values()) == truth["directory"]["skipped"]
    assert sis.records == truth["sis"]["records"]
    assert sum(sis.skipped.values()) == 0
    assert sis.files == truth["sis"]["files"]


@pytest.mark.parametrize("name", NAMES)
def test_recommended_pair(reports: dict[str, tuple[dict[str, Any], Report]], name: str) -> None:
    """The recommendation is the right SIS field, directory attribute and normalisation."""
    truth, report = reports[name]
    pair = _recommended(report)
    right = truth["recommendation"]
    assert (pair.sis_field, pair.directory_attribute) == (
        right["sis_field"],
        right["directory_attribute"],
    )
    assert list(pair.normalisation) == right["normalisation"]


@pytest.mark.parametrize("name", NAMES)
def test_recommended_figures(reports: dict[str, tuple[dict[str, Any], Report]], name: str) -> None:
    """Matched records and coverage both ways equal the truth exactly; no ambiguous matches."""
    truth, report = reports[name]
    pair = _recommended(report)
    right = truth["recommendation"]
    assert pair.matched == right["matched"]
    assert pair.sis_records == right["sis_records"]
    assert pair.sis_coverage == pytest.approx(right["sis_coverage"])
    assert pair.directory_matched == right["directory_matched"]
    assert pair.directory_records == right["directory_records"]
    assert pair.directory_coverage == pytest.approx(right["directory_coverage"])
    assert pair.sis_ambiguous == right["sis_ambiguous"]
    assert pair.directory_ambiguous == right["directory_ambiguous"]


def _step_figures(pair: Correspondence) -> dict[str, dict[str, int]]:
    return {
        step.step: {"matched": step.matched, "directory_matched": step.directory_matched}
        for step in pair.steps
        if step.step in ("exact", "trim", "casefold")
    }


@pytest.mark.parametrize("name", NAMES)
def test_recommended_step_figures(
    reports: dict[str, tuple[dict[str, Any], Report]], name: str
) -> None:
    """Matched records after exact, trim and casefold equal the truth, step by step."""
    truth, report = reports[name]
    assert _step_figures(_recommended(report)) == truth["recommendation"]["steps"]


@pytest.mark.parametrize("name", NAMES)
def test_population_figures(reports: dict[str, tuple[dict[str, Any], Report]], name: str) -> None:
    """Per SIS user_group and per directory OU: records and matched equal the truth."""
    truth, report = reports[name]
    found = {
        (p.source.value, p.population): (p.records, p.matched)
        for p in _recommended(report).populations
    }
    expected = {
        (row["source"], row["population"]): (row["records"], row["matched"])
        for row in truth["populations"]
    }
    assert found == expected


@pytest.mark.parametrize("name", NAMES)
def test_planted_profiles(reports: dict[str, tuple[dict[str, Any], Report]], name: str) -> None:
    """Profiles show the planted problems: shared mail, case-only collisions, missing IDs."""
    truth, report = reports[name]
    profiles = {(p.source.value, p.field): p for p in report.profiles}
    for expected in truth["profiles"]:
        profile = profiles.get((expected["source"], expected["field"]))
        assert profile is not None, (expected["source"], expected["field"])
        for key, value in expected.items():
            if key not in ("source", "field"):
                assert getattr(profile, key) == value, (expected["field"], key)


@pytest.mark.parametrize("name", NAMES)
def test_missing_primary_id_is_a_finding(
    reports: dict[str, tuple[dict[str, Any], Report]], name: str
) -> None:
    """SIS records without primary_id are reported as one finding with their exact count."""
    truth, report = reports[name]
    missing = truth["sis"]["missing_primary_id"]
    counts = [f.count for f in report.findings if f.field == "primary_id" and "missing" in f.code]
    assert counts == ([missing] if missing else [])


OTHER_PAIRS = [
    (name, index, pair)
    for name, college in GENERATED.items()
    for index, pair in enumerate(college.truth["other_pairs"])
]


def _pair_id(case: tuple[str, int, dict[str, Any]]) -> str:
    name, _, pair = case
    return f"{name}:{pair['sis_field']}-{pair['directory_attribute']}"


@pytest.mark.parametrize("case", OTHER_PAIRS, ids=[_pair_id(c) for c in OTHER_PAIRS])
def test_other_pair_fate(
    reports: dict[str, tuple[dict[str, Any], Report]], case: tuple[str, int, dict[str, Any]]
) -> None:
    """Other overlapping pairs are candidates that lose: rejected, or ranked below the answer."""
    name, _, expected = case
    _truth, report = reports[name]
    candidate = _candidate(report, expected["sis_field"], expected["directory_attribute"])
    assert report.recommendation is not None
    assert candidate is not report.recommendation
    if expected["fate"] == "rejected":
        assert candidate.rejected
    else:
        assert not candidate.rejected, candidate.rejected_because
        assert candidate.rank > report.recommendation.rank


@pytest.mark.parametrize("case", OTHER_PAIRS, ids=[_pair_id(c) for c in OTHER_PAIRS])
def test_other_pair_figures(
    reports: dict[str, tuple[dict[str, Any], Report]], case: tuple[str, int, dict[str, Any]]
) -> None:
    """Other pairs are measured right too: normalisation, matched and coverage both ways."""
    name, _, expected = case
    _truth, report = reports[name]
    pair = _candidate(report, expected["sis_field"], expected["directory_attribute"]).correspondence
    assert list(pair.normalisation) == expected["normalisation"]
    assert pair.matched == expected["matched"]
    assert pair.sis_coverage == pytest.approx(expected["sis_coverage"])
    assert pair.directory_matched == expected["directory_matched"]
    assert pair.directory_coverage == pytest.approx(expected["directory_coverage"])


@pytest.mark.parametrize("case", OTHER_PAIRS, ids=[_pair_id(c) for c in OTHER_PAIRS])
def test_other_pair_step_figures(
    reports: dict[str, tuple[dict[str, Any], Report]], case: tuple[str, int, dict[str, Any]]
) -> None:
    """Other pairs' matches after exact, trim and casefold equal the truth, step by step."""
    name, _, expected = case
    _truth, report = reports[name]
    pair = _candidate(report, expected["sis_field"], expected["directory_attribute"]).correspondence
    assert _step_figures(pair) == expected["steps"]


def _summary(report: Report) -> list[tuple[object, ...]]:
    """What must not depend on input order: every candidate's pair, figures and verdict."""
    return [
        (
            c.correspondence.sis_field,
            c.correspondence.directory_attribute,
            c.correspondence.normalisation,
            c.correspondence.matched,
            c.correspondence.directory_matched,
            c.correspondence.populations,
            c.rejected,
        )
        for c in sorted(
            report.candidates,
            key=lambda c: (c.correspondence.sis_field, c.correspondence.directory_attribute),
        )
    ]


@pytest.mark.parametrize("name", ["demo", "cedar"])
def test_input_order_does_not_matter(
    reports: dict[str, tuple[dict[str, Any], Report]],
    tmp_path: Path,
    name: str,
) -> None:
    """The same people written in another order give the same recommendation and figures."""
    _truth, report = reports[name]
    files = write_college(GENERATED[name], tmp_path, shuffle=11)
    shuffled = build_report(LdifFile(files.directory), SisExtract([files.sis]))
    assert _without_examples(asdict(_recommended(shuffled))) == _without_examples(
        asdict(_recommended(report))
    )
    assert _summary(shuffled) == _summary(report)
    assert _profiles(shuffled) == _profiles(report)


def _without_examples(value: Any) -> Any:
    """The value with every `examples` left out: examples are references (file:line), which
    depend on where each record was written, by design."""
    if isinstance(value, dict):
        return {k: _without_examples(v) for k, v in value.items() if k != "examples"}
    if isinstance(value, list | tuple):
        return [_without_examples(v) for v in value]
    return value


def _profiles(report: Report) -> list[FieldProfile]:
    """Profiles without their examples (the first few values seen depend on order, by design)."""
    return sorted(
        (replace(p, examples=()) for p in report.profiles), key=lambda p: (p.source, p.field)
    )


@pytest.fixture(scope="module")
def demo_with_alma() -> tuple[dict[str, Any], Report]:
    """The demo college with its users already in Alma (what `make demo` shows)."""
    from authprobe.analysis.recommend import Options
    from authprobe.sources.sis.alma_users import AlmaUsers

    truth = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
    report = build_report(
        LdifFile(FIXTURES / "directory.ldif"),
        SisExtract([FIXTURES / "sis.zip"]),
        options=Options(alma_users=AlmaUsers([FIXTURES / "alma-users.zip"])),
    )
    return truth["alma"], report


def test_demo_preflight_outcomes_and_fates(demo_with_alma: tuple[dict[str, Any], Report]) -> None:
    """The first load of the demo: every outcome and fate count equals what the generator
    planted (migrated by number, by barcode, under an old card, internal staff and guests...)."""
    truth, report = demo_with_alma
    assert report.sis_match is not None
    assert report.preflight is not None
    assert report.sis_match.match_id_type == truth["match_id_type"]
    preflight = report.preflight
    assert {o.value: n for o, n in preflight.outcomes.items()} == truth["outcomes"]
    assert {f.value: n for f, n in preflight.fates.items()} == truth["fates"]
    assert dict(preflight.evidence) == truth["create_duplicate_evidence"]
    assert preflight.existing_users == truth["users"]
    assert preflight.existing_internal == truth["internal"]


def test_demo_match_id_ranking(demo_with_alma: tuple[dict[str, Any], Report]) -> None:
    """primary_id wins the Match ID decision by clean loads; BARCODE loses by the cardless
    migrated users and the internal staff (known by construction)."""
    truth, report = demo_with_alma
    assert report.sis_match is not None
    clean = {c.field: c.preflight.clean for c in report.sis_match.candidates if c.preflight}
    for field, expected in truth["clean"].items():
        assert clean[field] == expected
    assert report.sis_match.candidates[0].field == "primary_id"
    assert report.advice is not None
    assert report.advice.match_id_type == "Primary Identifier"
