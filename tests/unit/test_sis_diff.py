"""`authprobe sis diff`: planted ID changes, reassignments and drops counted exactly; A vs A is
silent; the crosswalk CSV."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authprobe.cli.app import main
from tests.diff_plant import Plan, plant, write

EVERYTHING = Plan(
    stable=60,
    match_changed_by_id=7,
    match_changed_by_name=4,
    match_lost=3,
    card_reassigned=2,
    match_reassigned=2,
    dropped=5,
    new=6,
    group_changed=4,
    expiry_changed=3,
    purge_changed=2,
    email_changed=5,
)


def diff_json(
    capsys: pytest.CaptureFixture[str], old: Path, new: Path, *args: str
) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["sis", "diff", str(old), str(new), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path, object]:
    old, new, truth = plant(EVERYTHING)
    return write(old, tmp_path / "old.xml"), write(new, tmp_path / "new.xml"), truth


def test_planted_changes_are_counted_exactly(
    planted: tuple[Path, Path, object], capsys: pytest.CaptureFixture[str]
) -> None:
    """Match ID changes (by evidence), lost IDs, moved values, drops, news and field changes."""
    old, new, truth = planted
    code, data = diff_json(capsys, old, new)
    assert code == 1
    diff = data["diff"]
    assert diff["paired"] == truth.paired  # type: ignore[attr-defined]
    assert diff["match_id_changed"] == sum(truth.match_changed.values())  # type: ignore[attr-defined]
    assert diff["match_id_changed_by_evidence"] == dict(truth.match_changed)  # type: ignore[attr-defined]
    assert diff["match_id_lost"] == truth.match_lost  # type: ignore[attr-defined]
    assert diff["moved_values"] == dict(truth.moved)  # type: ignore[attr-defined]
    assert diff["dropped"] == truth.dropped  # type: ignore[attr-defined]
    assert diff["new"] == truth.new  # type: ignore[attr-defined]
    changes = {k: v for k, v in diff["changes"].items() if v}
    assert changes == dict(truth.changes)  # type: ignore[attr-defined]
    stability = {s["field"]: (s["compared"], s["changed"]) for s in diff["stability"]}
    expected = {
        f: (truth.compared_by_field[f], truth.changed_by_field[f])  # type: ignore[attr-defined]
        for f in truth.compared_by_field  # type: ignore[attr-defined]
    }
    assert stability == expected
    errors = {
        (f["code"], f["field"]): f["count"] for f in data["findings"] if f["severity"] == "error"
    }
    assert errors == {
        ("diff-match-id-changed", "primary_id"): diff["match_id_changed"],
        ("diff-match-id-lost", "primary_id"): truth.match_lost,  # type: ignore[attr-defined]
        **{("diff-value-moved", f): n for f, n in truth.moved.items()},  # type: ignore[attr-defined]
    }


def test_examples_are_masked_unless_show_values(
    planted: tuple[Path, Path, object], capsys: pytest.CaptureFixture[str]
) -> None:
    """Examples name file:line on both sides and mask values unless --show-values."""
    old, new, _ = planted
    _, data = diff_json(capsys, old, new)
    changed = next(f for f in data["findings"] if f["code"] == "diff-match-id-changed")
    assert all("old.xml:" in e and "new.xml:" in e and "→" in e for e in changed["examples"])
    assert all("•" in e for e in changed["examples"])
    _, shown = diff_json(capsys, old, new, "--show-values")
    changed = next(f for f in shown["findings"] if f["code"] == "diff-match-id-changed")
    assert "'P" in changed["examples"][0]
    assert "•" not in changed["examples"][0]


def test_crosswalk_lists_every_changed_match_id(
    planted: tuple[Path, Path, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--crosswalk-csv: UTF-8 with BOM, one row per changed Match ID, old -> new as written."""
    old, new, truth = planted
    out = tmp_path / "crosswalk.csv"
    diff_json(capsys, old, new, "--crosswalk-csv", str(out), "--show-values")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert sorted((r["old_match_id"], r["new_match_id"]) for r in rows) == sorted(
        truth.crosswalk  # type: ignore[attr-defined]
    )
    assert {r["match_id_type"] for r in rows} == {"primary_id"}
    diff_json(capsys, old, new, "--crosswalk-csv", str(out))
    masked = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert all("•" in r["old_match_id"] for r in masked)


def test_crosswalk_cells_are_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Match ID that starts like a formula is written with a leading apostrophe."""
    old_people, new_people, _ = plant(Plan(match_changed_by_id=1))
    new_people[0]["primary_id"] = "=HYPERLINK(1)"
    old = write(old_people, tmp_path / "a.xml")
    new = write(new_people, tmp_path / "b.xml")
    out = tmp_path / "c.csv"
    diff_json(capsys, old, new, "--crosswalk-csv", str(out), "--show-values")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["new_match_id"] == "'=HYPERLINK(1)"


def test_match_id_by_identifier_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --match-id identifier:BARCODE, a changed primary_id is no Match ID change."""
    old_people, new_people, _ = plant(Plan(stable=5, match_changed_by_id=3))
    old = write(old_people, tmp_path / "a.xml")
    new = write(new_people, tmp_path / "b.xml")
    code, data = diff_json(capsys, old, new, "--match-id", "BARCODE")
    assert code == 0
    assert data["diff"]["match_id_type"] == "identifier:BARCODE"
    assert data["diff"]["match_id_changed"] == 0
    assert main(["sis", "diff", str(old), str(new), "--match-id", "identifier:NOPE"]) == 2
    assert "[match-id-unknown]" in capsys.readouterr().err


def test_csv_extracts_with_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two CSV extracts read with one --map."""
    header = "Number,Card,Group\n"
    (tmp_path / "a.csv").write_text(header + "1,C1,UG\n2,C2,UG\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(header + "9,C1,UG\n2,C2,GR\n", encoding="utf-8")
    maps = ["--map", "primary_id=Number", "--map", "identifier:CARD=Card"]
    code, data = diff_json(
        capsys, tmp_path / "a.csv", tmp_path / "b.csv", *maps, "--map", "user_group=Group"
    )
    assert code == 1
    assert data["diff"]["match_id_changed"] == 1
    assert data["diff"]["changes"]["user_group"] == 1


plans = st.builds(
    Plan,
    stable=st.integers(0, 15),
    match_changed_by_id=st.integers(0, 4),
    match_changed_by_name=st.integers(0, 4),
    match_lost=st.integers(0, 3),
    card_reassigned=st.integers(0, 3),
    dropped=st.integers(0, 3),
)


@settings(max_examples=20, deadline=None)
@given(plans, st.booleans())
def test_diff_of_an_extract_with_itself_reports_nothing(plan: Plan, use_new: bool) -> None:
    """`sis diff A A`: everyone followed, nothing changed, no finding, exit 0."""
    old_people, new_people, _ = plant(plan)
    people = new_people if use_new else old_people
    if not any("primary_id" in person for person in people):
        return  # no record carries the Match ID: a usage error (see the last test)
    with tempfile.TemporaryDirectory() as folder:
        path = write(people, Path(folder) / "a.xml")
        out = Path(folder) / "r.json"
        code = main(["sis", "diff", str(path), str(path), "--format", "json", "-o", str(out)])
        data = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0
    assert data["findings"] == []
    assert data["diff"]["paired"] == len(people)
    assert all(s["changed"] == 0 for s in data["diff"]["stability"])


def test_an_extract_without_the_match_id_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When no record of either extract carries the Match ID, `sis diff` stops (exit 2) and
    names the types it could use, instead of reporting that nothing changed."""
    _, new_people, _ = plant(Plan(match_lost=2))
    path = write(new_people, tmp_path / "a.xml")
    assert main(["sis", "diff", str(path), str(path)]) == 2
    err = capsys.readouterr().err
    assert "[match-id-unknown]" in err
    assert "identifier:BARCODE" in err
