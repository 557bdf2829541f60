"""`authprobe sis scan`: formats, exit codes, findings CSV, CSV extracts, schema validation."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from authprobe.analysis.lint import sis_lint
from authprobe.cli.app import main
from authprobe.cli.sis import csv_cell
from tests.unit.test_lint import ID_TYPES, TODAY, planted_users
from tests.unit.test_sis_factory import User, write_users

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "alma"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Expiry checks compare with a fixed day, so counts do not drift with the calendar."""

    class Day(date):
        @classmethod
        def today(cls) -> Day:
            return cls(TODAY.year, TODAY.month, TODAY.day)

    monkeypatch.setattr(sis_lint, "date", Day)


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, dict[tuple[str, str | None], int]]:
    users, expected = planted_users()
    return write_users(tmp_path / "planted.xml", users), expected


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["sis", "scan", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_json_report_has_exact_findings(
    planted: tuple[Path, dict[tuple[str, str | None], int]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The JSON report lists the planted findings with their exact counts, and exits 1."""
    path, expected = planted
    code, data = scan_json(capsys, str(path), "--id-types", ",".join(ID_TYPES))
    assert code == 1  # errors are present and --fail-on defaults to error
    assert data["schema_version"] == 1
    found = {(f["code"], f["field"]): f["count"] for f in data["findings"]}
    assert found == expected
    users, _ = planted_users()
    assert data["inputs"][0]["records"] == len(users)
    primary = next(p for p in data["profiles"] if p["field"] == "primary_id")
    assert primary["present"] == len(users) - 3


def test_examples_are_masked_unless_show_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding examples give file:line and a masked value; --show-values shows it."""
    path = write_users(
        tmp_path / "u.xml", [User(primary_id="ABCD1234"), User(primary_id="ABCD1234")]
    )
    _, data = scan_json(capsys, str(path))
    text = json.dumps(data["findings"])
    assert "ABCD1234" not in text
    assert f"{path}:" in text
    _, data = scan_json(capsys, str(path), "--show-values")
    assert "ABCD1234" in json.dumps(data["findings"])


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("error", 0), ("warning", 1), ("info", 1), ("never", 0)]
)
def test_fail_on_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str, expected: int
) -> None:
    """A warning-only extract exits 1 from --fail-on warning down, 0 otherwise."""
    path = write_users(tmp_path / "u.xml", [User(primary_id=" S1")])  # whitespace: a warning
    assert main(["sis", "scan", str(path), "--fail-on", fail_on]) == expected
    capsys.readouterr()


def test_findings_csv_lists_every_occurrence(
    planted: tuple[Path, dict[tuple[str, str | None], int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--findings-csv (UTF-8 with a BOM, for Excel) has one row per occurrence (duplicates:
    every holder), values masked."""
    path, _ = planted
    target = tmp_path / "findings.csv"
    main(["sis", "scan", str(path), "--findings-csv", str(target), "--format", "json"])
    capsys.readouterr()
    assert target.read_bytes().startswith(b"\xef\xbb\xbfcode,")
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["code", "severity", "field", "reference", "value", "detail"]
    per_code: dict[str, int] = {}
    for row in rows:
        per_code[row["code"]] = per_code.get(row["code"], 0) + 1
    assert per_code["sis-id-duplicate"] == 7  # D1 x2, D2 x3, T1 x2
    assert per_code["sis-id-case-collision"] == 2
    assert per_code["sis-primary-id-missing"] == 3
    assert "D2" not in {row["value"] for row in rows}


def test_findings_csv_escapes_formulas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A value starting with = is written with a leading quote (no spreadsheet formula)."""
    path = write_users(tmp_path / "u.xml", [User(primary_id="=1+1 x")])  # inner space: warning
    target = tmp_path / "f.csv"
    main(["sis", "scan", str(path), "--findings-csv", str(target), "--show-values"])
    capsys.readouterr()
    assert "'=1+1 x" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("a=b", "a=b")],
)
def test_csv_cell(cell: str, expected: str) -> None:
    """Cells starting with = + - @ are neutralised; others are untouched."""
    assert csv_cell(cell) == expected


def test_table_and_markdown_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The table and the Markdown views show the fields and the findings."""
    path = write_users(tmp_path / "u.xml", [User(primary_id=None)])
    main(["sis", "scan", str(path)])
    out = capsys.readouterr().out
    assert "sis-primary-id-missing" in out
    assert "Fields" in out
    main(["sis", "scan", str(path), "--format", "md"])
    out = capsys.readouterr().out
    assert out.startswith("# SIS extract scan")
    assert "| error | `sis-primary-id-missing` | primary_id | 1 |" in out


def test_csv_extract_with_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CSV extract is read through --map; rows give records with file:line refs."""
    path = tmp_path / "sis.csv"
    path.write_text(
        "StudentNo;Card;Mail;Program\n"
        "S1;2901;a@c.ca;UGRAD\n"
        "S2;2901;b@c.ca;UGRAD\n"
        ";2903;c@c.ca;GRAD\n",
        encoding="cp1252",
    )
    code, data = scan_json(
        capsys,
        str(path),
        "--map", "primary_id=StudentNo",
        "--map", "identifier:BARCODE=Card",
        "--map", "email=Mail",
        "--map", "user_group=Program",
    )  # fmt: skip
    assert code == 1
    found = {(f["code"], f["field"]): f["count"] for f in data["findings"]}
    assert found == {
        ("sis-id-duplicate", None): 1,
        ("sis-primary-id-missing", "primary_id"): 1,
        ("sis-expiry-missing", "expiry_date"): 3,  # no date column mapped: every row
        ("sis-purge-missing", "purge_date"): 3,
    }
    assert data["inputs"][0]["kind"] == "sis-csv"
    assert data["inputs"][0]["records"] == 3
    assert {p["user_group"]: p["records"] for p in data["populations"]} == {"UGRAD": 2, "GRAD": 1}
    [missing] = [f for f in data["findings"] if f["code"] == "sis-primary-id-missing"]
    assert missing["examples"][0].startswith(f"{path}:4")


def test_csv_columns_named_like_fields_need_no_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Columns called primary_id, identifier:X, user_group are mapped by name."""
    path = tmp_path / "sis.tsv"
    path.write_text("primary_id\tidentifier:BARCODE\tuser_group\nA\t1\tX\nB\t1\tY\n")
    code, data = scan_json(capsys, str(path))
    assert code == 1
    assert [f["code"] for f in data["findings"]] == [
        "sis-id-duplicate",
        "sis-expiry-missing",
        "sis-purge-missing",
    ]


def test_csv_missing_mapped_column_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --map naming a column the header lacks is exit 4 with file:line."""
    path = tmp_path / "sis.csv"
    path.write_text("StudentNo,Card\nS1,1\n")
    code = main(["sis", "scan", str(path), "--map", "primary_id=Student_Number"])
    err = capsys.readouterr().err
    assert code == 4
    assert "table-column-missing" in err
    assert f"{path}:1" in err


@pytest.mark.parametrize("spec", ["primary_id", "favourite=Col", "=Col", "identifier:=Col"])
def test_bad_map_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    """A --map that is not FIELD=COLUMN with a known field is exit 2."""
    path = tmp_path / "sis.csv"
    path.write_text("a\n1\n")
    assert main(["sis", "scan", str(path), "--map", spec]) == 2
    capsys.readouterr()


@pytest.mark.parametrize(
    ("content", "reference"),
    [
        (b"<?xml version='1.0'?>\n<!DOCTYPE users [<!ENTITY x 'y'>]>\n<users/>", "xml-dtd-refused"),
        (b"<catalog/>", "sis-not-user-xml"),
        (b"<users><user><primary_id>\xe9</primary_id></user></users>", "sis-not-utf8"),
    ],
)
def test_bad_xml_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reference: str
) -> None:
    """Hostile, foreign or broken XML ends in exit 4 naming the file."""
    path = tmp_path / "u.xml"
    path.write_bytes(content)
    assert main(["sis", "scan", str(path)]) == 4
    err = capsys.readouterr().err
    assert reference in err
    assert str(path) in err


@pytest.mark.corpus
def test_mit_files_with_the_alma_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """The MIT files validate per <user> against rest_user.xsd except for their empty dates."""
    staff, xsd = CORPUS / "mit_staff_patrons.xml", CORPUS / "rest_user.xsd"
    if not xsd.exists():
        pytest.skip("shared corpus absent")
    code, data = scan_json(capsys, str(staff), "--xsd", str(xsd), "--fail-on", "never")
    assert code == 0
    [invalid] = [f for f in data["findings"] if f["code"] == "sis-xsd-invalid"]
    # both users carry <status_date /> (empty), which is not a valid xs:date
    assert invalid["count"] == 2
    assert "status_date" in invalid["examples"][0]


@pytest.mark.corpus
def test_mit_files_scan_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    """The MIT files give 4 users, no skipped records and no error finding."""
    staff, student = CORPUS / "mit_staff_patrons.xml", CORPUS / "mit_student_patrons.xml"
    if not staff.exists():
        pytest.skip("shared corpus absent")
    code, data = scan_json(capsys, str(staff), str(student))
    assert code == 0
    assert data["inputs"][0]["records"] == 4
    assert data["inputs"][0]["skipped"] == {}
    assert all(f["severity"] != "error" for f in data["findings"])


def test_impossible_combinations_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--map with XML, --xsd with CSV, and XML mixed with CSV are usage errors."""
    xml = write_users(tmp_path / "u.xml", [User()])
    table = tmp_path / "u.csv"
    table.write_text("primary_id\nA\n")
    assert main(["sis", "scan", str(xml), "--map", "primary_id=A"]) == 2
    assert main(["sis", "scan", str(table), "--xsd", str(xml)]) == 2
    assert main(["sis", "scan", str(xml), str(table)]) == 2
    err = capsys.readouterr().err
    for reference in ("sis-map-xml", "sis-xsd-csv", "sis-mixed-inputs"):
        assert reference in err


def test_sis_scan_does_not_load_the_other_commands_libraries(
    planted: tuple[Path, dict[tuple[str, str | None], int]],
) -> None:
    """polars (the cross-check) and ldap3 stay unloaded: start-up, and polars loaded slows a
    scan of 1 M users by about a second (bench/sis_scan.py)."""
    import subprocess
    import sys

    path, _ = planted
    probe = (
        "import sys\n"
        "from authprobe.cli.app import main\n"
        f"code = main(['sis', 'scan', {str(path)!r}, '--format', 'json', '-o', '/dev/null'])\n"
        "print(code, sorted({'polars', 'ldap3', 'onelogin', 'saml2'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split("\n")[-2] == "1 []"
