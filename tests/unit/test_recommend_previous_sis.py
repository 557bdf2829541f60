"""`recommend --previous-sis`: people whose Match ID candidate changed since the previous SIS
extract count against it (planted changes, exact counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authprobe.cli.app import main
from tests.diff_plant import Plan, plant, write
from tests.helpers import write_ldif

PLAN = Plan(stable=90, match_changed_by_id=10)


@pytest.fixture
def college(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A directory, the current SIS extract and the previous one (10 primary_ids changed)."""
    old, new, _ = plant(PLAN)
    entries = [
        {
            "dn": f"uid=u{i},ou=Students,dc=c,dc=ca",
            "uid": f"u{i}",
            "cn": "U",
            "sn": "X",
            "employeeNumber": person.get("primary_id", ""),
        }
        for i, person in enumerate(new)
    ]
    return (
        write_ldif(tmp_path / "d.ldif", entries),
        write(new, tmp_path / "now.xml"),
        write(old, tmp_path / "before.xml"),
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["recommend", *args, "--format", "json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)


def test_changes_since_the_previous_extract_decide_the_match_id(
    college: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """primary_id wins on the extract alone; with the previous extract, BARCODE (stable) wins."""
    directory, now, before = college
    alone = run(capsys, "-d", str(directory), "-s", str(now))
    assert alone["sis_match"]["match_id_type"] == "primary_id"
    assert all(c["previous_sis"] is None for c in alone["sis_match"]["candidates"])
    data = run(capsys, "-d", str(directory), "-s", str(now), "--previous-sis", str(before))
    match = data["sis_match"]
    assert match["match_id_type"] == "identifier:BARCODE"
    by_field = {c["match_id_type"]: c for c in match["candidates"]}
    people = PLAN.stable + PLAN.match_changed_by_id
    assert by_field["primary_id"]["previous_sis"]["compared"] == people
    assert by_field["primary_id"]["previous_sis"]["changed"] == PLAN.match_changed_by_id
    assert by_field["identifier:BARCODE"]["previous_sis"] == {
        "compared": people,
        "changed": 0,
        "share": 0.0,
    }
    loser = by_field["primary_id"]["reasons"]
    assert f"{PLAN.match_changed_by_id:,} people changed their primary_id" in loser[0]
    assert any(f"{PLAN.match_changed_by_id} of {people}" in r for r in loser)
    assert not any(f["code"] == "match-id-changed" for f in data["findings"])
    assert len([i for i in data["inputs"] if i["source"] == "sis"]) == 2


def test_a_chosen_unstable_match_id_is_an_error(
    college: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """--match-id primary_id with changed values: a match-id-changed error with the count."""
    directory, now, before = college
    data = run(
        capsys,
        "-d",
        str(directory),
        "-s",
        str(now),
        "--previous-sis",
        str(before),
        "--match-id",
        "primary_id",
    )
    found = [f for f in data["findings"] if f["code"] == "match-id-changed"]
    assert [(f["field"], f["count"], f["severity"]) for f in found] == [
        ("primary_id", PLAN.match_changed_by_id, "error")
    ]


def test_previous_sis_from_the_config_file(
    college: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """[sis] previous in authprobe.toml does what --previous-sis does."""
    directory, now, before = college
    config = tmp_path / "authprobe.toml"
    config.write_text(
        f'[directory]\nsource = "{directory}"\n[sis]\npaths = ["{now}"]\nprevious = "{before}"\n',
        encoding="utf-8",
    )
    data = run(capsys, "-c", str(config))
    assert data["sis_match"]["match_id_type"] == "identifier:BARCODE"
