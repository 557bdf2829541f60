"""`authprobe sis build`: planted exports give exact counts; the extract Alma would load."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authprobe.analysis.build_dates import read_date, shift
from authprobe.buildconfig import parse_rule
from authprobe.cli.app import main
from authprobe.errors import UsageError
from authprobe.sources.sis.extract import SisExtract
from authprobe.sources.sis.write import plan_files
from tests.build_plant import Plan, plant

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "alma"
EVERYTHING = Plan(
    students=40,
    staff=25,
    both=12,
    both_birth_disagree=3,
    missing_primary=2,
    missing_match=3,
    too_long=1,
    duplicate_pairs=2,
    twice_in_person=1,
    unknown_group=2,
    bad_status=1,
    control_character=1,
    short_rows=2,
    bad_dates=4,
    non_ascii_names=5,
)
CLEAN = Plan(students=30, staff=20, both=10, non_ascii_names=5)


def build_json(capsys: pytest.CaptureFixture[str], folder: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["sis", "build", "-c", str(folder / "authprobe.toml"), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def scanned(path: Path) -> list[tuple[str, str | None, str | None]]:
    """(primary_id, user_group, first_name) of every user the scanner reads back."""
    return [
        (r.attrs["primary_id"][0], r.population, r.info.get("first_name"))
        for r in SisExtract([path]).records()
    ]


def test_planted_counts_are_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every planted refusal, merge, disagreement, broken row and bad date is counted exactly."""
    truth = plant(EVERYTHING, tmp_path)
    code, data = build_json(capsys, tmp_path, "--allow-partial")
    assert code == 1  # refusals are errors; --fail-on error
    build = data["build"]
    assert build["users_written"] == len(truth.written)
    assert build["refused"] == truth.refused_people
    assert build["merged"] == truth.merged
    assert build["people"] == len(truth.written) + truth.refused_people
    assert build["sources"] == [
        {"name": "registrar", "rows": truth.registrar_rows},
        {"name": "hr", "rows": truth.hr_rows},
    ]
    found: dict[str, int] = {}
    for finding in data["findings"]:
        found[finding["code"]] = found.get(finding["code"], 0) + finding["count"]
    for code_name, people in truth.refused.items():
        assert found[code_name] == people, code_name
    assert found["build-merged"] == truth.merged
    assert found["build-sources-disagree"] == truth.disagree
    assert found["build-row-malformed"] == truth.malformed_rows
    assert found["build-date-unreadable"] == truth.bad_dates
    refusing = {f["code"] for f in data["findings"] if f["severity"] == "error"}
    assert refusing == {*truth.refused, "build-row-malformed"}


def test_round_trip_loses_no_one_and_invents_no_one(tmp_path: Path) -> None:
    """`sis scan` reads back exactly the people written, their groups and UTF-8 names."""
    truth = plant(EVERYTHING, tmp_path)
    assert main(["sis", "build", "-c", str(tmp_path / "authprobe.toml"), "--allow-partial"]) == 1
    users = scanned(tmp_path / "extract.zip")
    assert sorted(p for p, _, _ in users) == sorted(truth.written)
    assert {p: g for p, g, _ in users} == truth.written
    names = {p: n for p, _, n in users}
    assert {p: names[p] for p in truth.names} == truth.names


def test_refusals_write_nothing_without_allow_partial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused person stops the build: exit 1, no zip, the report says why."""
    plant(Plan(students=5, missing_primary=1), tmp_path)
    code, data = build_json(capsys, tmp_path)
    assert code == 1
    assert not (tmp_path / "extract.zip").exists()
    assert not (tmp_path / "extract.zip.part").exists()
    assert data["build"]["written"] is False
    assert data["build"]["users_written"] == 0


def test_clean_build_exits_zero_with_merge_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing refused: exit 0; the merge is reported as information."""
    truth = plant(CLEAN, tmp_path)
    code, data = build_json(capsys, tmp_path)
    assert code == 0
    assert data["build"]["users_written"] == len(truth.written)
    assert [(f["code"], f["count"]) for f in data["findings"]] == [("build-merged", CLEAN.both)]


def _xmllint() -> str:
    found = shutil.which("xmllint")
    if found is None:
        pytest.skip("xmllint is not installed (Debian package libxml2-utils)")
    if not (CORPUS / "rest_users.xsd").is_file():
        pytest.skip("shared corpus absent")
    return found


def test_extract_validates_with_xmllint(tmp_path: Path) -> None:
    """Every XML file of the extract validates against Alma's schema with xmllint."""
    xmllint = _xmllint()
    plant(EVERYTHING, tmp_path)
    args = ["-c", str(tmp_path / "authprobe.toml"), "--allow-partial", "--users-per-file", "20"]
    main(["sis", "build", *args])
    with zipfile.ZipFile(tmp_path / "extract.zip") as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "x")
    assert len(names) > 1
    result = subprocess.run(
        [
            xmllint,
            "--noout",
            "--schema",
            str(CORPUS / "rest_users.xsd"),
            *(str(tmp_path / "x" / n) for n in names),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    verdicts = [line for line in result.stderr.splitlines() if line.endswith(" validates")]
    assert len(verdicts) == len(names)


def test_scan_with_xsd_finds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sis scan --xsd rest_user.xsd` reads a clean build with no finding at all."""
    if not (CORPUS / "rest_user.xsd").is_file():
        pytest.skip("shared corpus absent")
    truth = plant(CLEAN, tmp_path)
    assert main(["sis", "build", "-c", str(tmp_path / "authprobe.toml")]) == 0
    capsys.readouterr()
    xsd = str(CORPUS / "rest_user.xsd")
    code = main(["sis", "scan", str(tmp_path / "extract.zip"), "--xsd", xsd, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["findings"] == []
    assert data["inputs"][0]["records"] == len(truth.written)


def test_findings_csv_lists_every_refused_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--findings-csv (UTF-8 with a BOM, for Excel) has one row per refusal, masked unless
    --show-values."""
    truth = plant(Plan(students=3, duplicate_pairs=4, unknown_group=3), tmp_path)
    out = tmp_path / "f.csv"
    build_json(capsys, tmp_path, "--allow-partial", "--findings-csv", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbfcode,")
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert (
        sum(1 for r in rows if r["code"] == "sis-id-duplicate") == truth.refused["sis-id-duplicate"]
    )
    unknown = [r for r in rows if r["code"] == "build-user-group-unknown"]
    assert len(unknown) == 3
    assert {r["value"] for r in unknown} == {"Z•"}
    assert all("registrar.csv:" in r["reference"] for r in unknown)


def test_command_line_sources_and_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files on the command line, one --map for all, flags for the code table and the rules."""
    plant(Plan(students=6), tmp_path)
    maps = [
        "primary_id=StudentNo",
        "identifier:UNIV_ID=UnivId",
        "user_group=Program",
        "first_name=Given",
        "last_name=Family",
    ]
    args = [a for m in maps for a in ("--map", m)]
    out = tmp_path / "cli.zip"
    code = main(
        [
            "sis",
            "build",
            str(tmp_path / "registrar.csv"),
            *args,
            "-o",
            str(out),
            "--user-groups",
            str(tmp_path / "user-groups.csv"),
            "--expiry",
            "2030-01-31 + 1 month",
            "--purge",
            "expiry_date + 1 year",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["build"]["users_written"] == 6
    records = list(SisExtract([out]).records())
    assert {r.info["expiry_date"] for r in records} == {"2030-02-28Z"}
    assert {r.info["purge_date"] for r in records} == {"2031-02-28Z"}
    assert {r.population for r in records} == {"STUDENT"}


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("[build]\nsurprise = 1\n", "config-unknown-key"),
        (
            '[[build.sources]]\nname = "a"\npaths = ["x"]\nmap = ["a=b"]\nextra = 1\n',
            "config-unknown-key",
        ),
        ('[build]\nexpiry = "TermEnd + 1 fortnight"\n', "build-rule-syntax"),
        ('[build]\nprecedence = ["hr"]\n', "config-build-precedence"),
        ('[[build.sources]]\nname = "a"\nmap = ["a=b"]\n', "config-build-source"),
        ("[build]\nusers_per_file = true\n", "config-wrong-type"),
        (
            '[build]\nexpiry = "expiry_date + 1 year"\n[[build.sources]]\nname = "a"\n'
            'paths = ["x.csv"]\nmap = ["primary_id=A"]\n',
            "build-rule-syntax",
        ),
    ],
)
def test_bad_build_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, reference: str
) -> None:
    """An unknown key, a malformed rule or a missing source setting is a usage error (exit 2)."""
    config = tmp_path / "authprobe.toml"
    config.write_text(text, encoding="utf-8")
    assert main(["sis", "build", "-c", str(config), "-o", str(tmp_path / "o.zip")]) == 2
    assert f"[{reference}]" in capsys.readouterr().err


def test_code_table_conflict_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A code listed twice with two Alma codes is refused with its line (exit 4)."""
    plant(Plan(students=2), tmp_path)
    (tmp_path / "user-groups.csv").write_text("sis,alma\nUG,STUDENT\nug,STAFF\n", encoding="utf-8")
    assert main(["sis", "build", "-c", str(tmp_path / "authprobe.toml")]) == 4
    err = capsys.readouterr().err
    assert "[code-table-conflict]" in err
    assert "user-groups.csv:3" in err


def test_unmapped_person_key_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every source must map the person key."""
    plant(Plan(students=2), tmp_path)
    code = main(
        ["sis", "build", "-c", str(tmp_path / "authprobe.toml"), "--person-key", "identifier:X"]
    )
    assert code == 2
    assert "[build-person-key-unmapped]" in capsys.readouterr().err


def test_rules_and_dates() -> None:
    """Rules shift by days, months (clamped to the month's end) and years; dates read strictly."""
    rule = parse_rule("TermEnd + 1 year", what="expiry")
    assert (rule.base, rule.months, rule.days, rule.base_kind) == ("TermEnd", 12, 0, "column")
    assert parse_rule("today - 10 days", what="expiry").days == -10
    assert parse_rule("2027-08-31", what="expiry").literal == date(2027, 8, 31)
    with pytest.raises(UsageError):
        parse_rule("+ 1 year", what="expiry")
    assert shift(date(2024, 2, 29), 12, 0) == date(2025, 2, 28)
    assert shift(date(2026, 1, 31), 1, 1) == date(2026, 3, 1)
    assert read_date("2026-08-31Z") == date(2026, 8, 31)
    assert read_date("2026-08-31T10:00:00+02:00") == date(2026, 8, 31)
    assert read_date("31/08/2026", "%d/%m/%Y") == date(2026, 8, 31)
    assert read_date("2026-02-30") is None
    assert read_date("08/31/2026") is None


def test_files_per_zip_never_exceed_fifty() -> None:
    """At most 50 XML files, users spread evenly, each at most the asked size when possible."""
    assert plan_files(0, 10) == [0]
    assert plan_files(25, 10) == [9, 8, 8]
    sizes = plan_files(1_000_000, 1_000)
    assert len(sizes) == 50
    assert sum(sizes) == 1_000_000


people = st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people)
def test_build_then_scan_keeps_every_person(plan: list[tuple[bool, bool, bool]]) -> None:
    """Whatever mix of students, employees and both: each person written once, none invented."""
    students = sum(1 for s, e, _ in plan if s and not e)
    staff = sum(1 for s, e, _ in plan if e and not s)
    both = sum(1 for s, e, _ in plan if s and e)
    missing = sum(1 for s, e, m in plan if m and not (s or e))
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        truth = plant(Plan(students=students, staff=staff, both=both, missing_match=missing), base)
        code = main(["sis", "build", "-c", str(base / "authprobe.toml"), "--allow-partial"])
        if not truth.written:
            return
        assert code == (1 if missing else 0)
        users = scanned(base / "extract.zip")
    assert len(users) == len(truth.written)
    assert {p for p, _, _ in users} == set(truth.written)
