"""The demo college generator: committed fixtures, determinism, truth that follows its definitions.

The oracle below recomputes the truth's figures from the generator's in-memory people, straight
from the definitions in the issue (matched, coverage, profiles), without authprobe's analysis.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from authprobe import demo
from authprobe.demo import DEMO, College, CollegeSpec, generate
from authprobe.xmlsafe import parse_bytes
from tests.colleges import COLLEGES

FIXTURES = Path(__file__).parents[2] / "fixtures" / "demo-college"
FILES = ("directory.ldif", "sis.zip", "truth.json", "alma-users.zip")
NAMES = [spec.name for spec in COLLEGES]

STEP_FUNCTIONS: dict[str, Callable[[str], str]] = {
    "trim": str.strip,
    "casefold": str.casefold,
    "strip-scope": lambda value: value.rpartition("@")[0] if "@" in value[1:] else value,
    "strip-leading-zeros": lambda value: (value.lstrip("0") or "0") if value.isdigit() else value,
}


@pytest.fixture(scope="module", params=COLLEGES, ids=NAMES)
def college(request: pytest.FixtureRequest) -> College:
    spec: CollegeSpec = request.param
    return generate(spec)


@pytest.fixture(scope="module")
def demo_college() -> College:
    return generate(DEMO)


# --- the oracle ---------------------------------------------------------------------------------


def _normalise(value: str, steps: Iterable[str]) -> str:
    wanted = set(steps)
    for name, function in STEP_FUNCTIONS.items():  # always in the canonical order
        if name in wanted:
            value = function(value)
    return value


def _sis_values(college: College, field: str) -> list[tuple[str, tuple[str, ...]]]:
    """(user_group, values of `field`) for every SIS record."""
    return [
        (p.sis.user_group, p.sis.fields().get(field, ()))
        for p in college.people
        if p.sis is not None
    ]


def _first_ou(dn: str) -> str:
    match = re.search(r"(?:^|,)(?:OU|ou)=([^,]+)", dn)
    assert match is not None, dn
    return match.group(1)


def _directory_values(college: College, attribute: str) -> list[tuple[str, tuple[str, ...]]]:
    """(first OU of the DN, values of `attribute`) for every person entry."""
    return [
        (_first_ou(p.directory.dn), p.directory.text_attrs().get(attribute, ()))
        for p in college.people
        if p.directory is not None
    ]


def _join(college: College, field: str, attribute: str, steps: Iterable[str]) -> dict[str, Any]:
    """matched, directory_matched and per-population figures, by the issue's definitions."""
    steps = tuple(steps)
    sis = _sis_values(college, field)
    directory = _directory_values(college, attribute)
    sis_set = {_normalise(v, steps) for _, values in sis for v in values}
    dir_set = {_normalise(v, steps) for _, values in directory for v in values}
    sis_hits = [g for g, values in sis if any(_normalise(v, steps) in dir_set for v in values)]
    dir_hits = [
        ou for ou, values in directory if any(_normalise(v, steps) in sis_set for v in values)
    ]
    populations = [
        {"source": source, "population": name, "records": totals[name], "matched": hits[name]}
        for source, totals, hits in (
            ("sis", Counter(g for g, _ in sis), Counter(sis_hits)),
            ("directory", Counter(ou for ou, _ in directory), Counter(dir_hits)),
        )
        for name in sorted(totals)
    ]
    return {
        "matched": len(sis_hits),
        "sis_coverage": len(sis_hits) / len(sis),
        "directory_matched": len(dir_hits),
        "directory_coverage": len(dir_hits) / len(directory),
        "populations": populations,
    }


def _profile(holders: list[tuple[str, ...]]) -> dict[str, int]:
    """The profile figures of one field, by the issue's definitions."""
    by_value: dict[str, set[int]] = defaultdict(set)
    spellings: dict[str, set[str]] = defaultdict(set)
    folded_holders: dict[str, set[int]] = defaultdict(set)
    for record, values in enumerate(holders):
        for value in values:
            by_value[value].add(record)
            spellings[value.casefold()].add(value)
            folded_holders[value.casefold()].add(record)
    duplicates = {v for v, records in by_value.items() if len(records) > 1}
    collisions = {
        folded
        for folded, forms in spellings.items()
        if len(forms) > 1 and len(folded_holders[folded]) > 1
    }
    return {
        "records": len(holders),
        "present": sum(1 for values in holders if values),
        "distinct": len(by_value),
        "duplicate_values": len(duplicates),
        "duplicate_records": len(set().union(*(by_value[v] for v in duplicates))),
        "case_collision_values": len(collisions),
        "case_collision_records": len(set().union(*(folded_holders[f] for f in collisions))),
        "multi_valued": sum(1 for values in holders if len(values) > 1),
    }


# --- committed fixtures and determinism --------------------------------------------------------


def test_committed_fixtures_equal_generator_output(tmp_path: Path) -> None:
    """`python -m authprobe.demo --write` reproduces fixtures/demo-college byte for byte."""
    assert demo.main(["--write", str(tmp_path)]) == 0
    for name in FILES:
        committed = (FIXTURES / name).read_bytes()
        generated = (tmp_path / name).read_bytes()
        if name == "sis.zip":  # compare members first: a clearer message than two blobs
            assert _members(generated) == _members(committed)
        assert generated == committed, f"{name} differs: run python -m authprobe.demo --write"


def _members(data: bytes) -> list[tuple[str, tuple[int, ...], bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(i.filename, i.date_time, archive.read(i)) for i in archive.infolist()]


def test_generation_is_deterministic() -> None:
    """Generating the same spec twice gives the same three files."""
    first, second = generate(DEMO), generate(DEMO)
    assert demo.ldif(first) == demo.ldif(second)
    assert demo.sis_zip(first) == demo.sis_zip(second)
    assert demo.truth_json(first) == demo.truth_json(second)


def test_output_does_not_depend_on_hash_seed() -> None:
    """Two interpreters with different PYTHONHASHSEED write identical bytes."""
    code = (
        "import hashlib; from authprobe import demo; c = demo.generate(demo.DEMO); "
        "print(hashlib.sha256(demo.ldif(c) + demo.sis_zip(c) + demo.truth_json(c) "
        "+ demo.alma_xml(c.alma)).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(digests) == 1
    assert all(re.fullmatch("[0-9a-f]{64}", d) for d in digests)


def test_seed_changes_the_college() -> None:
    """A different seed gives different people (the seed is really used)."""
    other = CollegeSpec(**{**_spec_fields(DEMO), "seed": DEMO.seed + 1})
    digest = hashlib.sha256(demo.ldif(generate(other))).hexdigest()
    assert digest != hashlib.sha256(demo.ldif(generate(DEMO))).hexdigest()


def _spec_fields(spec: CollegeSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in spec.__dataclass_fields__}


def test_zip_members_have_fixed_dates(demo_college: College) -> None:
    """Every SIS zip member carries the fixed date, and there are 2-3 XML members."""
    members = _members(demo.sis_zip(demo_college))
    assert 2 <= len(members) <= 3
    assert {date for _, date, _ in members} == {demo.ZIP_DATE}
    assert all(name.endswith(".xml") for name, _, _ in members)


# --- truth is self-consistent ------------------------------------------------------------------


def test_counts_add_up_by_population(college: College) -> None:
    """Population records and matches add up to the totals, on both sides."""
    truth, spec = college.truth, college.spec
    people = spec.students + spec.staff + spec.faculty + spec.student_employees
    assert truth["sis"]["records"] == people + spec.guests
    assert truth["directory"]["records"] == people + spec.service_accounts
    for source, records in (("sis", truth["sis"]["records"]), ("directory", None)):
        rows = [row for row in truth["populations"] if row["source"] == source]
        total = records if records is not None else truth["directory"]["records"]
        assert sum(row["records"] for row in rows) == total
        assert sum(row["matched"] for row in rows) == truth["recommendation"]["matched"]
    assert sum(truth["sis"]["user_groups"].values()) == truth["sis"]["records"]
    assert sum(truth["directory"]["populations"].values()) == truth["directory"]["records"]
    assert truth["sis"]["missing_primary_id"] == spec.missing_primary_id


def test_recommendation_follows_the_definitions(college: College) -> None:
    """The right pair's figures equal a join computed from the definitions."""
    right = college.truth["recommendation"]
    found = _join(college, right["sis_field"], right["directory_attribute"], right["normalisation"])
    for key in ("matched", "sis_coverage", "directory_matched", "directory_coverage"):
        assert right[key] == pytest.approx(found[key]), key
    assert college.truth["populations"] == found["populations"]
    assert right["sis_records"] == college.truth["sis"]["records"]
    assert right["directory_records"] == college.truth["directory"]["records"]


def test_recommendation_needs_exactly_its_steps(college: College) -> None:
    """Each listed step is needed (dropping it loses matches) and no further step gains."""
    right = college.truth["recommendation"]
    field, attribute, steps = (
        right["sis_field"],
        right["directory_attribute"],
        right["normalisation"],
    )
    full = _join(college, field, attribute, steps)["matched"]
    for step in steps:
        fewer = [s for s in steps if s != step]
        assert _join(college, field, attribute, fewer)["matched"] < full
    assert _join(college, field, attribute, STEP_FUNCTIONS)["matched"] == full


def test_other_pairs_follow_the_definitions(college: College) -> None:
    """Every other pair's figures equal the join from the definitions, and trail the answer."""
    right = college.truth["recommendation"]
    for pair in college.truth["other_pairs"]:
        field, attribute = pair["sis_field"], pair["directory_attribute"]
        found = _join(college, field, attribute, pair["normalisation"])
        for key in ("matched", "sis_coverage", "directory_matched", "directory_coverage"):
            assert pair[key] == pytest.approx(found[key]), (field, attribute, key)
        for step in pair["normalisation"]:
            fewer = [s for s in pair["normalisation"] if s != step]
            assert _join(college, field, attribute, fewer)["matched"] < pair["matched"]
        assert pair["fate"] in ("rejected", "ranked-below")
        assert pair["because"]
        assert (field, attribute) != (right["sis_field"], right["directory_attribute"])


CUMULATIVE = {"exact": (), "trim": ("trim",), "casefold": ("trim", "casefold")}


def test_step_figures_follow_the_definitions(college: College) -> None:
    """Matched records after exact, trim and casefold equal the join for each cumulative step."""
    for pair in [college.truth["recommendation"], *college.truth["other_pairs"]]:
        field, attribute = pair["sis_field"], pair["directory_attribute"]
        assert set(pair["steps"]) == set(CUMULATIVE)
        for step, figures in pair["steps"].items():
            found = _join(college, field, attribute, CUMULATIVE[step])
            assert figures["matched"] == found["matched"], (field, attribute, step)
            assert figures["directory_matched"] == found["directory_matched"], (field, step)


def test_shuffled_files_hold_the_same_entries(demo_college: College) -> None:
    """A shuffled write has the same entries and records in another order."""
    plain, shuffled = demo.ldif(demo_college), demo.ldif(demo_college, shuffle=7)
    assert plain != shuffled
    blocks = sorted(plain.rstrip(b"\n").split(b"\n\n"))
    assert blocks == sorted(shuffled.rstrip(b"\n").split(b"\n\n"))
    plain_members = _members(demo.sis_zip(demo_college))
    shuffled_members = _members(demo.sis_zip(demo_college, shuffle=8))
    for (name, _, data), (other, _, shuffled_data) in zip(
        plain_members, shuffled_members, strict=True
    ):
        assert name == other
        assert data != shuffled_data
        users = sorted(re.findall(rb"<user>.*?</user>", data, re.DOTALL))
        assert users == sorted(re.findall(rb"<user>.*?</user>", shuffled_data, re.DOTALL))
        assert len(users) == data.count(b"<user>")


def test_rejected_pairs_collide_by_case(college: College) -> None:
    """A pair the truth rejects has a SIS field whose values collide only by letter case."""
    for pair in college.truth["other_pairs"]:
        if pair["fate"] == "rejected":
            values = [v for _, v in _sis_values(college, pair["sis_field"])]
            assert _profile(values)["case_collision_values"] > 0


def test_profiles_follow_the_definitions(college: College) -> None:
    """The planted profile figures equal the profile computed from the definitions."""
    for expected in college.truth["profiles"]:
        if expected["source"] == "sis":
            holders = [v for _, v in _sis_values(college, expected["field"])]
        else:
            holders = [v for _, v in _directory_values(college, expected["field"])]
        found = _profile(holders)
        for key, value in expected.items():
            if key not in ("source", "field"):
                assert found[key] == value, (expected["field"], key)


def test_right_field_is_unique_and_case_safe(college: College) -> None:
    """The right SIS field has no duplicates, even ignoring case (Alma's hard rule)."""
    field = college.truth["recommendation"]["sis_field"]
    found = _profile([v for _, v in _sis_values(college, field)])
    assert found["duplicate_values"] == 0
    assert found["case_collision_values"] == 0


def test_identifiers_are_unique_across_fields(college: College) -> None:
    """No value appears in two SIS identifier fields or twice (only planted case collisions)."""
    seen: Counter[str] = Counter()
    for person in college.people:
        if person.sis is not None:
            seen.update(v for k, vs in person.sis.fields().items() if k != "email" for v in vs)
    assert seen
    assert max(seen.values()) == 1


def test_planted_problems_are_there(demo_college: College) -> None:
    """The demo plants every problem the issue lists, in the spec's numbers."""
    planted, spec = demo_college.truth["planted"], DEMO
    assert planted["primary-id-empty"] + planted["primary-id-absent"] == spec.missing_primary_id
    assert planted["directory-number-absent"] == spec.missing_directory_number
    assert planted["shared-mail"] == spec.shared_mail == 1
    assert planted["email-case-twin"] == spec.email_case_collisions == 1
    assert planted["name-changed"] == spec.name_changes > 0
    assert planted["netid-absent"] == spec.missing_netid
    assert 0 < planted["netid-upper-cased"] < spec.students
    changed = [p for p in demo_college.people if demo.Problem.NAME_CHANGED in p.problems]
    for person in changed:
        assert person.sis is not None
        assert person.directory is not None
        assert person.sis.email not in person.directory.text_attrs()["mail"]


def test_student_employees_have_one_sis_record_and_a_staff_entry(demo_college: College) -> None:
    """Student-employees: one STUDENT record in the SIS, an entry in OU=Staff, same number."""
    workers = [p for p in demo_college.people if p.kind is demo.Kind.STUDENT_EMPLOYEE]
    assert len(workers) == DEMO.student_employees
    for person in workers:
        assert person.sis is not None
        assert person.directory is not None
        assert person.sis.user_group == "STUDENT"
        assert ",OU=Staff,OU=People," in person.directory.dn


# --- the files hold what the model says ---------------------------------------------------------


def test_ldif_file_shape(college: College) -> None:
    """LDIF: version line, an entry per person or container, folded at 76, base64 where due."""
    raw = demo.ldif(college).decode("ascii")
    newline = college.spec.ldif_newline
    assert raw.count(newline) == raw.count("\n")  # one line-end convention throughout
    text = raw.replace(newline, "\n")
    lines = text.split("\n")
    assert lines[0] == "version: 1"
    assert all(len(line) <= demo.LDIF_WIDTH for line in lines)
    entries = [line for line in lines if line.startswith(("dn: ", "dn:: "))]
    truth = college.truth["directory"]
    assert len(entries) == truth["records"] + truth["skipped"]
    assert text.count("\n\n") == len(entries)  # one blank line before every entry
    unfolded = text.replace("\n ", "")
    guids = re.findall(r"^(?:objectGUID|entryUUID)::? (.+)$", unfolded, re.MULTILINE)
    assert len(guids) == truth["records"]
    names = re.findall(r"^(?:dn|cn|sn|givenName|displayName):: (.+)$", unfolded, re.MULTILINE)
    decoded = [base64.b64decode(value).decode("utf-8") for value in names]
    assert decoded  # accented names are there, base64-encoded
    assert all(not value.isascii() for value in decoded)


def test_ad_entries_carry_binary_guids(demo_college: College) -> None:
    """AD-style entries: base64 16-byte objectGUIDs, escaped commas in DNs, folded lines."""
    unfolded = demo.ldif(demo_college).decode("ascii").replace("\n ", "")
    guids = re.findall(r"^objectGUID:: (.+)$", unfolded, re.MULTILINE)
    assert len(guids) == demo_college.truth["directory"]["records"]
    assert any(line.startswith(" ") for line in demo.ldif(demo_college).decode().split("\n"))
    assert {len(base64.b64decode(g)) for g in guids} == {16}
    assert len(set(guids)) == len(guids)
    assert re.search(
        r"^dn: CN=[^,\\]+\\, [^,]+,OU=Students,OU=People,DC=college,DC=ca$", unfolded, re.M
    )


def test_every_dn_is_unique(college: College) -> None:
    """No two entries of the LDIF export share a DN, ignoring case (no directory holds that)."""
    text = demo.ldif(college).decode("ascii").replace(college.spec.ldif_newline, "\n")
    unfolded = text.replace("\n ", "")
    plain = re.findall(r"^dn: (.+)$", unfolded, re.MULTILINE)
    encoded = re.findall(r"^dn:: (.+)$", unfolded, re.MULTILINE)
    dns = plain + [base64.b64decode(value).decode("utf-8") for value in encoded]
    truth = college.truth["directory"]
    assert len(dns) == truth["records"] + truth["skipped"]
    assert len({dn.casefold() for dn in dns}) == len(dns)


def test_a_name_repeated_in_an_ou_is_numbered(demo_college: College) -> None:
    """AD style: the second "Last, First" created in an OU is "Last, First (2)", the third
    "(3)" (the cn and the DN's RDN); displayName keeps the plain name; other OUs do not count."""
    seen: Counter[tuple[str, str]] = Counter()
    numbered = 0
    for person in sorted(demo_college.people, key=lambda p: p.index):
        entry = person.directory
        if entry is None or person.kind is demo.Kind.SERVICE:
            continue
        name = f"{person.last}, {person.first}"
        seen[(entry.population, name.casefold())] += 1
        count = seen[(entry.population, name.casefold())]
        expected = name if count == 1 else f"{name} ({count})"
        attrs = entry.text_attrs()
        assert attrs["cn"] == (expected,)
        assert entry.dn.startswith(
            "CN=" + expected.replace(",", "\\,") + f",OU={entry.population},"
        )
        assert attrs["displayName"] == (f"{person.first} {person.last}",)
        numbered += count > 1
    assert numbered == sum(n - 1 for n in seen.values()) > 0


def test_sis_zip_holds_the_records(college: College) -> None:
    """The SIS zip: one <user> per SIS record, primary_id empty or absent as the truth counts."""
    users = []
    with zipfile.ZipFile(io.BytesIO(demo.sis_zip(college))) as archive:
        for info in archive.infolist():
            root = parse_bytes(archive.read(info), info.filename)
            assert root.tag == college.spec.sis_root
            users += list(root.iter("user"))
    assert len(users) == college.truth["sis"]["records"]
    missing = [u for u in users if not (u.findtext("primary_id") or "").strip()]
    assert len(missing) == college.truth["sis"]["missing_primary_id"]
    groups = Counter(u.findtext("user_group") for u in users)
    assert dict(groups) == college.truth["sis"]["user_groups"]


def test_demo_files_give_the_same_answer_to_recommend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`authprobe demo --files DIR` keeps the college's inputs, and `recommend` on them (as the
    README's walk-through runs it) gives the demo's recommendation and pre-flight."""
    import json

    from authprobe.cli.app import main

    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--files", "demo-files", "-f", "json"]) == 0
    demo = json.loads(capsys.readouterr().out)
    kept = sorted(p.name for p in (tmp_path / "demo-files").iterdir())
    assert kept == ["alma-users.zip", "directory.ldif", "sis.zip", "truth.json"]
    monkeypatch.chdir(tmp_path / "demo-files")
    argv = ["recommend", "-d", "directory.ldif", "-s", "sis.zip", "--alma-users", "alma-users.zip"]
    assert main([*argv, "-f", "json"]) == 0
    mine = json.loads(capsys.readouterr().out)
    assert mine["recommendation"] == demo["recommendation"]
    assert mine["preflight"] == demo["preflight"]
