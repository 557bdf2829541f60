"""`recommend --directory ldap://...` against a real slapd: the password from a file, never argv."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authprobe.cli.app import main
from tests.helpers import write_ldif, write_sis
from tests.integration.conftest import SlapdFactory

pytestmark = pytest.mark.integration

BASE = "dc=example,dc=org"
PEOPLE = 300
WITHOUT_NUMBER = 12  # the last 12 people have no employeeNumber: 288 of 300 match


def _for_slapadd(path: Path) -> Path:
    """slapadd reads entries only: drop the LDIF `version: 1` line an export starts with."""
    path.write_text(path.read_text(encoding="utf-8").replace("version: 1\n", ""), "utf-8")
    return path


def test_recommend_reads_a_live_directory(  # type: ignore[no-untyped-def]
    slapd_factory: SlapdFactory, tmp_path: Path, monkeypatch, capsys
) -> None:
    """A live slapd joined to an SIS file gives the planted figures; the password stays secret."""
    entries = [
        {
            "dn": f"uid=p{i},ou=Students,{BASE}",
            "uid": f"p{i}",
            "cn": f"Person {i}",
            "sn": f"Surname{i}",
            **({"employeeNumber": f"{700000 + i:07d}"} if i < PEOPLE - WITHOUT_NUMBER else {}),
        }
        for i in range(PEOPLE)
    ]
    ldif = _for_slapadd(write_ldif(tmp_path / "people.ldif", entries))
    server = slapd_factory(ldif, ous=("Students",), size_limit=None)
    sis = write_sis(
        tmp_path / "sis.xml",
        [{"primary_id": f"{700000 + i:07d}", "user_group": "STUDENT"} for i in range(PEOPLE)],
    )
    secret = tmp_path / "password"
    secret.write_text(server.reader_password + "\n", encoding="utf-8")
    monkeypatch.setenv("AUTHPROBE_LDAP_USER", server.reader_dn)
    monkeypatch.delenv("AUTHPROBE_LDAP_PASSWORD", raising=False)
    argv = ["recommend", "-d", server.url, "-s", str(sis), "--password-file", str(secret)]
    assert main([*argv, "-f", "json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    best = data["recommendation"]
    assert (best["sis_field"], best["directory_attribute"]) == ("primary_id", "employeeNumber")
    assert best["matched"] == PEOPLE - WITHOUT_NUMBER
    assert data["inputs"][0]["records"] == PEOPLE
    assert server.reader_password not in captured.out + captured.err


def test_wrong_password_is_exit_3(  # type: ignore[no-untyped-def]
    slapd_factory: SlapdFactory, tmp_path: Path, monkeypatch, capsys
) -> None:
    """A wrong bind password is a named failure (exit 3), and the password is not echoed."""
    ldif = _for_slapadd(
        write_ldif(
            tmp_path / "one.ldif",
            [{"dn": f"uid=a,ou=Students,{BASE}", "uid": "a", "cn": "A", "sn": "A"}],
        )
    )
    server = slapd_factory(ldif, ous=("Students",), size_limit=None)
    sis = write_sis(tmp_path / "sis.xml", [{"primary_id": "a"}])
    secret = tmp_path / "password"
    secret.write_text("not-the-password-xyz\n", encoding="utf-8")
    monkeypatch.setenv("AUTHPROBE_LDAP_USER", server.reader_dn)
    monkeypatch.delenv("AUTHPROBE_LDAP_PASSWORD", raising=False)
    code = main(["recommend", "-d", server.url, "-s", str(sis), "--password-file", str(secret)])
    err = capsys.readouterr().err
    assert code == 3
    assert "not-the-password-xyz" not in err
    assert "Traceback" not in err


def test_recommend_takes_the_ldap_scan_connection_flags(  # type: ignore[no-untyped-def]
    slapd_factory: SlapdFactory, tmp_path: Path, monkeypatch, capsys
) -> None:
    """`recommend -d ldap://...` takes --user, --base and --filter as `ldap scan` does: with
    --base on one OU and --filter on the people with an employeeNumber, exactly those planted
    there are read; the command line wins over AUTHPROBE_LDAP_USER."""
    staff, students = 40, 60
    entries = [
        {
            "dn": f"uid={ou[0].lower()}{i},ou={ou},{BASE}",
            "uid": f"{ou[0].lower()}{i}",
            "cn": f"Person {i}",
            "sn": f"Surname{i}",
            **({"employeeNumber": f"{ou[0]}{i:06d}"} if i % 4 else {}),
        }
        for ou, count in (("Staff", staff), ("Students", students))
        for i in range(count)
    ]
    ldif = _for_slapadd(write_ldif(tmp_path / "people.ldif", entries))
    server = slapd_factory(ldif, ous=("Staff", "Students"), size_limit=None)
    sis = write_sis(
        tmp_path / "sis.xml",
        [{"primary_id": f"S{i:06d}", "user_group": "STAFF"} for i in range(staff)],
    )
    secret = tmp_path / "password"
    secret.write_text(server.reader_password + "\n", encoding="utf-8")
    monkeypatch.setenv("AUTHPROBE_LDAP_USER", "cn=nobody,dc=example,dc=org")
    monkeypatch.delenv("AUTHPROBE_LDAP_PASSWORD", raising=False)
    argv = [
        "recommend", "-d", server.url, "-s", str(sis), "--password-file", str(secret),
        "--user", server.reader_dn, "--base", f"ou=Staff,{BASE}",
        "--filter", "(&(objectClass=inetOrgPerson)(employeeNumber=*))", "-f", "json",
    ]  # fmt: skip
    main(argv)
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    with_number = sum(1 for i in range(staff) if i % 4)
    assert data["inputs"][0]["records"] == with_number
    assert data["recommendation"]["matched"] == with_number
    assert server.reader_password not in captured.out + captured.err


def test_connection_flags_with_a_file_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--filter with an LDIF export is refused (exit 2): it would not be applied."""
    ldif = write_ldif(tmp_path / "d.ldif", [{"dn": f"uid=a,{BASE}", "uid": "a"}])
    sis = write_sis(tmp_path / "s.xml", [{"primary_id": "a"}])
    code = main(["recommend", "-d", str(ldif), "-s", str(sis), "--filter", "(uid=a)"])
    assert code == 2
    assert "ldap-options-without-url" in capsys.readouterr().err
