"""Known truth on a generated Entra ID tenant: `ldap scan` and `recommend` report what was planted.

tests/entra_tenant.py draws the users and counts what it plants (guests, disabled accounts,
members without employeeId, shared mail addresses, synced users, SIS matches); every expected
figure below comes from that count, and every export goes through the real CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from authprobe.cli.app import main
from authprobe.sources.directory_files.entra import IMMUTABLE_GUID
from tests import entra_tenant as et

TENANT = et.generate()
TRUTH = TENANT.truth
WRITERS: dict[str, Callable[[Path], Path]] = {
    "pages.json": lambda p: et.write_pages_file(TENANT, p),
    "pages.jsonl": lambda p: et.write_pages_file(TENANT, p, lines=True),
    "pages": lambda p: et.write_pages_folder(TENANT, p),
    "convertto.json": lambda p: et.write_convertto_json(TENANT, p, encoding="utf-16"),
    "getmguser.csv": lambda p: et.write_mg_csv(TENANT, p),
    "exportUsers.csv": lambda p: et.write_admin_csv(TENANT, p),
}


def _json(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 0) -> dict[str, Any]:
    assert main(argv) == code
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def _profiles(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["field"]: p for p in data["profiles"]}


@pytest.mark.parametrize("name", list(WRITERS))
def test_scan_reports_what_was_planted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Every export shape: users, guests, disabled, employeeId fill, shared mail, synced GUIDs."""
    path = WRITERS[name](tmp_path / name)
    data = _json(["ldap", "scan", str(path), "--format", "json"], capsys)
    assert data["inputs"][0]["records"] == TRUTH["users"]
    assert (data["scan"]["guests"], data["scan"]["disabled"]) == (
        TRUTH["guests"],
        TRUTH["disabled"],
    )
    findings = {f["code"]: f["count"] for f in data["findings"]}
    assert findings == {
        "directory-disabled-accounts": TRUTH["disabled"],
        "entra-guests": TRUTH["guests"],
    }
    profiles = _profiles(data)
    mail = profiles["mail"]
    assert (mail["duplicate_values"], mail["duplicate_records"]) == (
        TRUTH["duplicate_mail_values"],
        TRUTH["duplicate_mail_records"],
    )
    if name == "exportUsers.csv":  # the admin center's download has no employeeId column
        assert "employeeId" not in profiles
        return
    assert profiles["employeeId"]["present"] == TRUTH["employee_id_present"]
    assert profiles["employeeId"]["records"] - profiles["employeeId"]["present"] == (
        TRUTH["missing_employee_id"] + TRUTH["guests"]
    )
    assert profiles[IMMUTABLE_GUID]["present"] == TRUTH["synced"]
    assert profiles[IMMUTABLE_GUID]["distinct"] == TRUTH["synced"]


def test_scan_excludes_disabled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--exclude-disabled leaves the planted disabled accounts out and counts them."""
    path = et.write_pages_file(TENANT, tmp_path / "pages.json")
    argv = ["ldap", "scan", str(path), "--format", "json", "--exclude-disabled"]
    data = _json(argv, capsys)
    assert data["inputs"][0]["records"] == TRUTH["users"] - TRUTH["disabled"]
    assert data["inputs"][0]["skipped"] == {"disabled account excluded": TRUTH["disabled"]}


def test_first_page_alone_fails_the_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only page 1 saved: the scan reads its 50 users and exits 1 on the error finding."""
    path = tmp_path / "page1.json"
    path.write_text(json.dumps(et.pages(TENANT, 50)[0]), encoding="utf-8")
    data = _json(["ldap", "scan", str(path), "--format", "json"], capsys, code=1)
    assert data["inputs"][0]["records"] == 50
    missing = [f for f in data["findings"] if f["code"] == "entra-next-page-missing"]
    assert [(f["severity"], f["count"]) for f in missing] == [("error", 1)]


def _recommend(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    directory = et.write_pages_folder(TENANT, tmp_path / "pages")
    sis = et.write_sis_extract(TENANT, tmp_path / "sis.xml")
    argv = ["recommend", "--directory", str(directory), "--sis", str(sis), "--format", "json"]
    return _json([*argv, *extra], capsys)


def test_recommend_joins_employee_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SIS primary_id = Entra employeeId exactly, with the planted coverage both ways."""
    data = _recommend(tmp_path, capsys)
    best = data["recommendation"]
    assert (best["sis_field"], best["directory_attribute"], best["normalisation"]) == (
        "primary_id",
        "employeeId",
        [],
    )
    assert best["matched"] == best["directory_matched"] == TRUTH["matched"]
    assert best["sis_coverage"] == round(TRUTH["matched"] / TRUTH["sis_records"], 6)
    assert best["directory_coverage"] == round(TRUTH["matched"] / TRUTH["users"], 6)
    codes = {f["code"]: f["count"] for f in data["findings"]}
    assert codes["entra-guests"] == TRUTH["guests"]
    assert codes["directory-disabled-accounts"] == TRUTH["disabled"]
    rule = next(o["value"] for o in data["options"] if o["name"] == "population rule")
    assert rule.startswith("Entra ID: Guests")


def test_recommend_sets_guests_and_disabled_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--exclude-group Guests and --exclude-disabled: the planted counts leave the figures."""
    data = _recommend(tmp_path, capsys, "--exclude-group", "Guests", "--exclude-disabled")
    best = data["recommendation"]
    matched = TRUTH["matched"] - TRUTH["disabled_with_match"]
    in_scope = TRUTH["users"] - TRUTH["disabled"] - TRUTH["guests"]
    assert best["matched"] == matched
    assert best["directory_coverage"] == round(matched / in_scope, 6)
    assert data["out_of_scope"] == [
        {"source": "directory", "population": "Guests", "records": TRUTH["guests"], "matched": 0}
    ]
