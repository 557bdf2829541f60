"""The demo college round trip: registrar, HR and library CSVs → `sis build` → `sis scan` →
`recommend` gives the demo's right answer (fixtures/demo-college/truth.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from authprobe.cli.app import main
from authprobe.demo import DEMO, generate
from authprobe.demo.sis_csv import merged, refused, write_sis_csv

FIXTURES = Path(__file__).parents[2] / "fixtures" / "demo-college"
CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "alma"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    """The demo's exports built into an extract once; the build's JSON report."""
    folder = tmp_path_factory.mktemp("demo-csv")
    paths = write_sis_csv(generate(DEMO), folder)
    report = folder / "build.json"
    code = main(
        [
            "sis",
            "build",
            "-c",
            str(paths["config"]),
            "--allow-partial",
            "--format",
            "json",
            "--report",
            str(report),
        ]
    )
    assert code == 1  # the planted missing primary_ids are refused (errors)
    return folder / "sis-built.zip", json.loads(report.read_text(encoding="utf-8"))


def test_build_merges_and_refuses_what_was_planted(built: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    """Student employees merged once each; only the people without a primary_id refused."""
    _, data = built
    college = generate(DEMO)
    truth = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
    assert data["build"]["merged"] == merged(college) == DEMO.student_employees
    assert data["build"]["refused"] == refused(college) == DEMO.missing_primary_id
    assert data["build"]["people"] == truth["sis"]["records"]
    assert data["build"]["users_written"] == truth["sis"]["records"] - DEMO.missing_primary_id
    codes = {(f["code"], f["count"]) for f in data["findings"] if f["severity"] == "error"}
    assert codes == {("sis-primary-id-missing", DEMO.missing_primary_id)}


def test_built_demo_scans_clean_against_the_schema(
    built: tuple[Path, dict],  # type: ignore[type-arg]
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`sis scan --xsd` reads every user back with no schema or error finding."""
    if not (CORPUS / "rest_user.xsd").is_file():
        pytest.skip("shared corpus absent")
    path, data = built
    capsys.readouterr()
    code = main(
        ["sis", "scan", str(path), "--xsd", str(CORPUS / "rest_user.xsd"), "--format", "json"]
    )
    scan = json.loads(capsys.readouterr().out)
    assert code == 0
    assert scan["inputs"][0]["records"] == data["build"]["users_written"]
    assert [f for f in scan["findings"] if f["severity"] == "error" or "xsd" in f["code"]] == []
    groups = {g["user_group"]: g["records"] for g in scan["populations"]}
    truth = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
    assert (
        sum(groups.values()) == sum(truth["sis"]["user_groups"].values()) - DEMO.missing_primary_id
    )
    assert set(groups) == set(truth["sis"]["user_groups"])


def test_built_demo_passes_xmllint(built: tuple[Path, dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    """xmllint validates the built demo extract against rest_users.xsd."""
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        pytest.skip("xmllint is not installed (Debian package libxml2-utils)")
    if not (CORPUS / "rest_users.xsd").is_file():
        pytest.skip("shared corpus absent")
    path, _ = built
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path)
        names = archive.namelist()
    result = subprocess.run(
        [
            xmllint,
            "--noout",
            "--schema",
            str(CORPUS / "rest_users.xsd"),
            *(str(tmp_path / n) for n in names),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_recommend_on_the_built_extract_gives_the_right_answer(
    built: tuple[Path, dict],  # type: ignore[type-arg]
    capsys: pytest.CaptureFixture[str],
) -> None:
    """recommend with the built extract names the demo's matching ID with the truth's counts."""
    path, _ = built
    capsys.readouterr()
    code = main(
        ["recommend", "-d", str(FIXTURES / "directory.ldif"), "-s", str(path), "--format", "json"]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    right = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))["recommendation"]
    got = report["recommendation"]
    for key in ("sis_field", "directory_attribute", "normalisation", "matched"):
        assert got[key] == right[key], key
    assert got["directory_matched"] == right["directory_matched"]
    assert report["sis_match"]["match_id_type"] == right["sis_field"]


def test_next_term_diff_finds_what_was_planted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two terms of the demo's exports, built and diffed: exactly the planted changes."""
    from authprobe.demo.sis_csv import NEXT_TERM

    college = generate(DEMO)
    built = []
    for term in ("this", "next"):
        paths = write_sis_csv(college, tmp_path / term, term=term)
        assert main(["sis", "build", "-c", str(paths["config"]), "--allow-partial"]) == 1
        built.append(str(tmp_path / term / "sis-built.zip"))
    capsys.readouterr()
    assert main(["sis", "diff", *built, "--format", "json"]) == 1
    diff = json.loads(capsys.readouterr().out)["diff"]
    assert diff["match_id_changed"] == NEXT_TERM["renumbered"]
    assert diff["match_id_changed_by_evidence"] == {"other identifier": NEXT_TERM["renumbered"]}
    assert diff["moved_values"] == {"identifier:BARCODE": NEXT_TERM["card_reissued"]}
    assert diff["dropped"] == NEXT_TERM["graduated"]
    assert diff["new"] == 0
    assert diff["changes"] == {
        "user_group": NEXT_TERM["to_faculty"],
        "expiry_date": 0,
        "purge_date": 0,
        "email": 0,
    }
