"""`alma scan` and `recommend --alma-users`: the users already in Alma as an input, end to end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from authprobe.cli.app import main
from authprobe.model import Record
from tests.helpers import write_ldif
from tests.preflight_plant import Plan, plant, write_xml

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "alma"
PLAN = Plan(update=12, create=5, duplicate_by_name=2, taken_other=2, not_external=1, orphans=3)


@pytest.fixture
def college(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, int]]:
    """A directory LDIF, an SIS extract and an Alma export with planted outcomes."""
    planted = plant(PLAN)
    sis = write_xml(planted.sis, tmp_path / "sis.xml", alma=False)
    alma = write_xml(planted.existing, tmp_path / "alma.xml", alma=True)
    entries = [
        {
            "dn": f"uid=u{i},ou=Students,dc=c,dc=ca",
            "uid": f"u{i}",
            "employeeNumber": r.attrs["identifier:UNIV_ID"][0],
        }
        for i, r in enumerate(planted.sis)
    ]
    ldif = write_ldif(tmp_path / "d.ldif", entries)
    return ldif, sis, alma, dict(planted.outcome_counts())


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_recommend_preflight_counts(
    college: tuple[Path, Path, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    """`recommend --alma-users --match-id` reports the planted outcome counts in JSON."""
    ldif, sis, alma, expected = college
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--alma-users", str(alma)]
    code, data = _json(capsys, [*argv, "--match-id", "identifier:UNIV_ID", "-f", "json"])
    assert code == 0
    assert data["sis_match"]["match_id_type"] == "identifier:UNIV_ID"
    assert data["sis_match"]["chosen_by"] == "--match-id"
    assert {k: v for k, v in data["preflight"]["outcomes"].items() if v} == expected
    assert data["alma_configuration"]["match_id_type"] == "UNIV_ID"
    assert [i["source"] for i in data["inputs"]] == ["directory", "sis", "alma"]


def test_preflight_csv(college: tuple[Path, Path, Path, dict[str, int]], tmp_path: Path) -> None:
    """--preflight-csv: a BOM, one row per SIS record with its outcome, masked values."""
    ldif, sis, alma, expected = college
    out = tmp_path / "pre.csv"
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--alma-users", str(alma)]
    argv += ["--match-id", "UNIV_ID", "--preflight-csv", str(out), "-f", "json"]
    assert main(argv) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == sum(expected.values())
    counted: dict[str, int] = {}
    for row in rows:
        counted[row["outcome"]] = counted.get(row["outcome"], 0) + 1
    assert counted == expected
    taken = [r for r in rows if r["outcome"] == "rejected-taken"]
    assert all(r["alma_references"].startswith(str(tmp_path)) for r in taken)
    assert all("•" in r["match_value"] for r in rows)


def test_preflight_csv_needs_alma_users(
    college: tuple[Path, Path, Path, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--preflight-csv without --alma-users is a usage error, before anything is read."""
    ldif, sis, _, _ = college
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--preflight-csv", str(tmp_path / "p")]
    assert main(argv) == 2
    assert "preflight-csv-without-alma" in capsys.readouterr().err


def test_unknown_match_id_is_exit_2(
    college: tuple[Path, Path, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A --match-id no SIS record carries is a usage error listing the types there are."""
    ldif, sis, alma, _ = college
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--alma-users", str(alma)]
    assert main([*argv, "--match-id", "identifier:NOPE"]) == 2
    err = capsys.readouterr().err
    assert "match-id-unknown" in err
    assert "identifier:UNIV_ID" in err


def _users_xml(path: Path, users: list[str]) -> Path:
    path.write_text("<users>\n" + "\n".join(users) + "\n</users>\n", encoding="utf-8")
    return path


def test_corrupt_export_is_an_error_finding_and_goes_on(
    college: tuple[Path, Path, Path, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An export holding one primary_id twice is an error finding; both holders count, so a
    record matching that value is ambiguous."""
    ldif, sis, _, _ = college
    alma = _users_xml(
        tmp_path / "a.xml",
        [
            "<user><primary_id>P000001</primary_id><account_type>EXTERNAL</account_type></user>",
            "<user><primary_id>p000001</primary_id><account_type>EXTERNAL</account_type></user>",
        ],
    )
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--alma-users", str(alma)]
    code, data = _json(capsys, [*argv, "--match-id", "primary_id", "-f", "json"])
    assert code == 0
    codes = {f["code"]: f for f in data["findings"]}
    assert codes["alma-export-duplicate-value"]["severity"] == "error"
    assert codes["alma-export-duplicate-value"]["count"] == 1
    assert data["preflight"]["outcomes"]["ambiguous"] == 1


def test_missing_account_type_is_external_and_said(
    college: tuple[Path, Path, Path, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Users without account_type are EXTERNAL, and a finding says so; unknown id_types read."""
    ldif, sis, _, _ = college
    alma = _users_xml(
        tmp_path / "a.xml",
        [
            "<user><primary_id>P000001</primary_id><user_identifiers><user_identifier>"
            "<id_type>WEIRD_TYPE</id_type><value>w1</value></user_identifier>"
            "</user_identifiers></user>",
            "<user><primary_id>X9</primary_id><account_type>INTERNAL</account_type></user>",
        ],
    )
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--alma-users", str(alma)]
    code, data = _json(capsys, [*argv, "--match-id", "primary_id", "-f", "json"])
    assert code == 0
    [missing] = [f for f in data["findings"] if f["code"] == "alma-account-type-missing"]
    assert missing["count"] == 1
    assert "treated as EXTERNAL" in missing["message"]
    assert data["preflight"]["outcomes"]["update"] == 1
    assert data["preflight"]["fates"] == {
        "updated": 1,
        "blocked": 0,
        "orphan": 0,
        "untouched-internal": 1,
    }


def test_no_shared_identifier_type_is_a_clear_finding(
    college: tuple[Path, Path, Path, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An export and an extract that share no identifier field: an error finding, not an empty
    table (every record is then predicted to create a new user)."""
    ldif, sis, _, _ = college
    alma = tmp_path / "a.csv"
    alma.write_text("Barcode,Type\n1,EXTERNAL\n2,EXTERNAL\n", encoding="utf-8")
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--alma-users", str(alma)]
    argv += ["--alma-map", "identifier:OLD_CARD=Barcode", "--alma-map", "account_type=Type"]
    code, data = _json(capsys, [*argv, "-f", "json"])
    assert code == 0
    [shared] = [f for f in data["findings"] if f["code"] == "alma-no-shared-identifier"]
    assert shared["severity"] == "error"
    assert data["preflight"]["fates"]["orphan"] == 2


def test_csv_missing_mapped_column_is_exit_4(
    college: tuple[Path, Path, Path, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A CSV export without a column --alma-map names: exit 4 naming the column and file."""
    ldif, sis, _, _ = college
    alma = tmp_path / "a.csv"
    alma.write_text("User ID\nP1\n", encoding="utf-8")
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "--alma-users", str(alma)]
    assert main([*argv, "--alma-map", "primary_id=Primary Identifier"]) == 4
    err = capsys.readouterr().err
    assert "'Primary Identifier'" in err
    assert str(alma) in err


def test_alma_scan_csv_without_account_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`alma scan` of a CSV with no account type column says every user is EXTERNAL."""
    path = tmp_path / "report.csv"
    path.write_text("User ID,Barcode\nA1,111\nA2,222\nA3,111\n", encoding="utf-8")
    argv = ["alma", "scan", str(path), "--map", "primary_id=User ID"]
    code, data = _json(capsys, [*argv, "--map", "identifier:BARCODE=Barcode", "-f", "json"])
    assert code == 1  # the duplicate barcode is an error
    assert data["meta"]["command"] == "alma scan"
    assert data["inputs"][0]["kind"] == "alma-csv"
    assert data["accounts"]["account_type"] == {"(missing)": 3}
    codes = {f["code"]: f for f in data["findings"]}
    assert "every one is treated as EXTERNAL" in codes["alma-account-type-missing"]["message"]
    assert codes["sis-id-duplicate"]["source"] == "alma"


def test_alma_scan_counts_account_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`alma scan` counts INTERNAL and EXTERNAL users and reports empty identifier values."""
    records = [
        Record("x:1", {"primary_id": ("a1",)}, "STAFF", {"account_type": "INTERNAL"}),
        Record("x:2", {"primary_id": ("a2",)}, "STUDENT", {"account_type": "EXTERNAL"}),
        Record("x:3", {"primary_id": ("a3",)}, "STUDENT", {"account_type": "EXTERNAL"}),
    ]
    path = write_xml(records, tmp_path / "alma.xml", alma=True)
    text = path.read_text(encoding="utf-8").replace(
        "<primary_id>a3</primary_id>",
        "<primary_id>a3</primary_id><user_identifiers><user_identifier><id_type>BARCODE"
        "</id_type><value></value></user_identifier></user_identifiers>",
    )
    path.write_text(text, encoding="utf-8")
    code, data = _json(capsys, ["alma", "scan", str(path), "-f", "json"])
    assert code == 1
    assert data["accounts"]["account_type"] == {"EXTERNAL": 2, "INTERNAL": 1}
    [empty] = [f for f in data["findings"] if f["code"] == "sis-id-empty-value"]
    assert empty["count"] == 1


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["mit_staff_patrons.xml", "mit_student_patrons.xml"])
def test_mit_samples_read_as_alma_users(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The MIT patron files (<userRecords>) read as users already in Alma: both EXTERNAL."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip("../shared/corpus is absent")
    main(["alma", "scan", str(path), "-f", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["inputs"][0]["records"] == 2
    assert data["accounts"]["account_type"] == {"EXTERNAL": 2}


def test_config_file_alma_section(
    college: tuple[Path, Path, Path, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """[alma] users and match_id in authprobe.toml drive the pre-flight like the options, and
    the report's options say where they came from."""
    ldif, sis, alma, expected = college
    config = tmp_path / "authprobe.toml"
    config.write_text(
        f'[directory]\nsource = "{ldif}"\n[sis]\npaths = ["{sis}"]\n'
        f'[alma]\nusers = ["{alma}"]\nmatch_id = "identifier:UNIV_ID"\n',
        encoding="utf-8",
    )
    code, data = _json(capsys, ["recommend", "--config", str(config), "-f", "json"])
    assert code == 0
    assert {k: v for k, v in data["preflight"]["outcomes"].items() if v} == expected
    options = {o["name"]: o["value"] for o in data["options"]}
    assert options["Match ID Type"] == "identifier:UNIV_ID (authprobe.toml)"
    assert options["users already in Alma"] == str(alma)
