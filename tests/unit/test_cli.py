"""The CLI funnel: documented exit codes, one-paragraph errors, no tracebacks unless --debug."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authprobe.cli.app import main
from tests.helpers import write_ldif, write_sis
from tests.unit.test_xmlsafe import BILLION_LAUGHS, XXE


@pytest.fixture
def college(tmp_path: Path) -> tuple[Path, Path]:
    """30 people: SIS primary_id = directory employeeNumber for 27 of them."""
    entries = [
        {
            "dn": f"uid=u{i},ou=Students,dc=c,dc=ca",
            "uid": f"u{i}",
            "cn": f"U {i}",
            "sn": "X",
            **({"employeeNumber": f"{i:06d}"} if i < 27 else {}),
        }
        for i in range(30)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": "STUDENT"} for i in range(30)]
    return write_ldif(tmp_path / "d.ldif", entries), write_sis(tmp_path / "s.xml", users)


def test_recommend_json_is_the_contract(college: tuple[Path, Path], capsys) -> None:  # type: ignore[no-untyped-def]
    """`recommend -f json` prints schema_version 1 with the recommended pair and exit 0."""
    ldif, sis = college
    code = main(["recommend", "--directory", str(ldif), "--sis", str(sis), "-f", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    assert list(data)[:8] == [
        "schema_version",
        "meta",
        "inputs",
        "profiles",
        "correspondences",
        "candidates",
        "recommendation",
        "findings",
    ]
    best = data["recommendation"]
    assert (best["sis_field"], best["directory_attribute"]) == ("primary_id", "employeeNumber")
    assert best["matched"] == 27
    assert best["sis_coverage"] == 0.9
    assert best["idp_source"] is None


def test_table_output_leads_with_the_answer(college: tuple[Path, Path], capsys) -> None:  # type: ignore[no-untyped-def]
    """The terminal view starts with the recommendation and fits 100 columns."""
    ldif, sis = college
    assert main(["recommend", "-d", str(ldif), "-s", str(sis)]) == 0
    out = capsys.readouterr().out
    assert "Login ID: SIS primary_id = directory employeeNumber (exact)" in out.splitlines()[1]
    assert max(len(line) for line in out.splitlines()) <= 100


def test_output_file(college: tuple[Path, Path], tmp_path: Path) -> None:
    """-o writes the report to a file."""
    ldif, sis = college
    target = tmp_path / "r.json"
    assert (
        main(["recommend", "-d", str(ldif), "-s", str(sis), "-f", "json", "-o", str(target)]) == 0
    )
    assert json.loads(target.read_text())["recommendation"]["matched"] == 27


def test_usage_error_is_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    """An unknown option is a usage error (exit 2)."""
    assert main(["recommend", "--bogus"]) == 2


def test_missing_file_is_exit_4(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A directory export that does not exist is exit 4 with a hint, no traceback."""
    code = main(["recommend", "-d", str(tmp_path / "nope.ldif"), "-s", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 4
    assert "error [input-not-found]" in err
    assert "what to do:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_sis_xml_is_exit_4(  # type: ignore[no-untyped-def]
    college: tuple[Path, Path], tmp_path: Path, document: bytes, capsys
) -> None:
    """A SIS file with a DTD (billion laughs, XXE) ends in exit 4 with a clear message."""
    ldif, _ = college
    evil = tmp_path / "evil.xml"
    evil.write_bytes(document)
    code = main(["recommend", "-d", str(ldif), "-s", str(evil)])
    err = capsys.readouterr().err
    assert code == 4
    assert "xml-dtd-refused" in err
    assert "evil.xml:2" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """--debug adds the Python traceback for bug reports."""
    code = main(["--debug", "recommend", "-d", str(tmp_path / "x.ldif"), "-s", str(tmp_path)])
    assert code == 4
    assert "Traceback" in capsys.readouterr().err


def test_no_recommendation_is_exit_1(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """When nothing joins, the command says so and exits 1."""
    ldif = write_ldif(
        tmp_path / "d.ldif", [{"dn": "uid=a,dc=c", "uid": "zzz", "cn": "A", "sn": "A"}]
    )
    sis = write_sis(tmp_path / "s.xml", [{"primary_id": "111"}])
    assert main(["recommend", "-d", str(ldif), "-s", str(sis)]) == 1
    assert "No login ID can be recommended" in capsys.readouterr().out


def test_fail_on_error(college: tuple[Path, Path], tmp_path: Path) -> None:
    """--fail-on error exits 1 when an error finding exists (a SIS record without primary_id)."""
    ldif, _ = college
    users = [{"primary_id": f"{i:06d}"} for i in range(30)] + [{"user_group": "STUDENT"}]
    sis = write_sis(tmp_path / "s2.xml", users)
    assert main(["recommend", "-d", str(ldif), "-s", str(sis)]) == 0
    assert main(["recommend", "-d", str(ldif), "-s", str(sis), "--fail-on", "error"]) == 1


def test_a_bug_is_exit_70_without_traceback(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """An unexpected exception (a bug) is one paragraph and exit 70; --debug adds the traceback."""
    import authprobe.cli.recommend as recommend_module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("planted bug")

    monkeypatch.setattr(recommend_module, "build_report", broken)
    argv = ["recommend", "-d", "x.ldif", "-s", "y.xml"]
    monkeypatch.setattr(recommend_module, "open_directory", lambda *_a, **_k: None)
    monkeypatch.setattr(recommend_module, "open_sis", lambda *_a, **_k: None)
    assert main(argv) == 70
    err = capsys.readouterr().err
    assert "internal error [ZeroDivisionError]" in err
    assert "Traceback" not in err
    assert main(["--debug", *argv]) == 70
    assert "Traceback" in capsys.readouterr().err


def test_recommend_reads_a_csv_sis_extract_with_a_map(
    college: tuple[Path, Path], tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    """`--sis users.csv --map primary_id=StudentNo` joins like the XML extract does."""
    ldif, _ = college
    rows = ["StudentNo,Group"] + [f"{i:06d},STUDENT" for i in range(30)]
    csv_path = tmp_path / "users.csv"
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    argv = ["recommend", "-d", str(ldif), "-s", str(csv_path), "--map", "primary_id=StudentNo"]
    assert main([*argv, "-f", "json"]) == 0
    best = json.loads(capsys.readouterr().out)["recommendation"]
    assert (best["sis_field"], best["matched"]) == ("primary_id", 27)
