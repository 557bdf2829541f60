"""The `ldap` command group without a server: exports, usage errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authprobe.cli.app import main

LDIF = (
    "dn: uid=ann,ou=Students,dc=c\nobjectClass: inetOrgPerson\nuid: ann\nemployeeNumber: 007\n\n"
    "dn: uid=bob,ou=Staff,dc=c\nobjectClass: inetOrgPerson\nuid: bob\nemployeeNumber: 007\n\n"
    "dn: cn=g,dc=c\nobjectClass: groupOfNames\ncn: g\n"
)


def test_scan_ldif_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ldap scan FILE.ldif --format json`: records, skipped entries and the duplicate."""
    path = tmp_path / "people.ldif"
    path.write_text(LDIF)
    assert main(["ldap", "scan", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    assert data["inputs"][0]["records"] == 2
    assert data["inputs"][0]["skipped"] == {"not a person entry": 1}
    assert data["scan"] is None
    number = next(p for p in data["profiles"] if p["field"] == "employeeNumber")
    assert (number["distinct"], number["duplicate_values"], number["duplicate_records"]) == (
        1,
        1,
        2,
    )


def test_scan_saves_and_rereads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--save on an export writes a .jsonl.gz that scans to the same profile."""
    path = tmp_path / "people.ldif"
    path.write_text(LDIF)
    saved = tmp_path / "people.jsonl.gz"
    assert main(["ldap", "scan", str(path), "--save", str(saved), "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["ldap", "scan", str(saved), "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["profiles"] == first["profiles"]
    assert second["inputs"][0]["kind"] == "saved"


def test_scan_of_no_person_entries_is_an_error_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export with no people (only a group and an OU): `0 person entries read`, exit 1."""
    path = tmp_path / "groups.ldif"
    path.write_text(
        "dn: cn=g,dc=c\nobjectClass: groupOfNames\ncn: g\n\n"
        "dn: ou=Staff,dc=c\nobjectClass: organizationalUnit\nou: Staff\n"
    )
    assert main(["ldap", "scan", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    first = data["findings"][0]
    assert (first["code"], first["severity"]) == ("no-person-entries", "error")
    assert "0 person entries read — check the filter or the export" in first["message"]
    assert "2 items skipped" in first["message"]


def test_saving_a_snapshot_without_keys_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--save of an export whose entries hold no immutable key warns that `--previous` will
    not pair them; with entryUUID on one of the two entries, only the other is counted."""
    path = tmp_path / "people.ldif"
    path.write_text(LDIF)
    saved = tmp_path / "people.jsonl.gz"
    assert main(["ldap", "scan", str(path), "--save", str(saved), "--format", "json"]) == 0
    found = {f["code"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found["snapshot-without-key"]["count"] == 2
    keyed = LDIF.replace(
        "uid: ann\n", "uid: ann\nentryUUID: 1b4e28ba-2fa1-11d2-883f-0016d3cca427\n"
    )
    path.write_text(keyed)
    assert main(["ldap", "scan", str(path), "--save", str(saved), "--format", "json"]) == 0
    found = {f["code"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found["snapshot-without-key"]["count"] == 1


def test_malformed_ldif_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed LDIF line: exit 4 naming file:line."""
    path = tmp_path / "bad.ldif"
    path.write_text("dn: uid=a,dc=c\nobjectClass: person\nno colon\n")
    assert main(["ldap", "scan", str(path)]) == 4
    err = capsys.readouterr().err
    assert "ldif-malformed" in err
    assert f"{path}:3" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["ldap", "scan", "ldap://127.0.0.1:1", "--page-size", "1001"],
        ["ldap", "scan", "ldap://127.0.0.1:1", "--format", "html"],
        ["ldap", "probe", "ldap://127.0.0.1:1", "--user", "cn=x"],
        ["ldap", "probe", "http://127.0.0.1:1"],
        ["ldap", "lookup", "ldap://127.0.0.1:1", "x"],
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Impossible options exit 2 before any connection (no password and no terminal too)."""
    monkeypatch.delenv("AUTHPROBE_LDAP_PASSWORD", raising=False)
    assert main(argv) == 2


def test_password_file_read_and_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--password-file is read; the password appears nowhere in the error output."""
    monkeypatch.delenv("AUTHPROBE_LDAP_PASSWORD", raising=False)
    secret = tmp_path / "pw"
    secret.write_text("Sup3r-Secret\n")
    code = main(
        ["ldap", "probe", "ldap://127.0.0.1:1", "--user", "cn=x", "--password-file", str(secret)]
    )
    captured = capsys.readouterr()
    assert code == 3
    assert "ldap-connection-refused" in captured.err
    assert "Sup3r-Secret" not in captured.err + captured.out


def test_save_hint_is_never_wrapped_inside_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ldap scan --save FILE` names the command to run next on one line, however long the
    path (rich used to break it at 80 columns, in the middle of the command)."""
    ldif = tmp_path / "d.ldif"
    ldif.write_text("dn: uid=a,dc=c\nobjectClass: person\nuid: a\n", encoding="utf-8")
    folder = tmp_path / ("a-rather-long-folder-name-for-the-snapshots-of-the-directory" * 2)
    folder.mkdir()
    save = folder / "snapshot.jsonl.gz"
    assert main(["ldap", "scan", str(ldif), "--save", str(save), "-f", "json"]) == 0
    err = capsys.readouterr().err
    assert f"authprobe recommend --directory {save}" in err.splitlines()[-1]


def test_scan_ldif_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ldap scan FILE.ldif --format md`: the scan line, the skipped entry, the findings and one
    row per field with the figures the JSON gives (for a ticket or a wiki page)."""
    path = tmp_path / "people.ldif"
    path.write_text(LDIF)
    assert main(["ldap", "scan", str(path), "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Directory scan\n")
    assert "2 person entries read from" in text
    assert "- skipped: 1 × not a person entry" in text
    assert "## Findings\n\nNo findings.\n" in text
    assert "| `employeeNumber` | 2 | 1 | 1 | 0 | 0 | 3-3 |" in text
    assert "uid=ann" not in text


def test_csv_export_passwords_are_left_out_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory CSV with a password column: every row read, none skipped, the password
    values listed under the input's left_out (as for an LDIF), never shown."""
    path = tmp_path / "people.csv"
    path.write_text(
        "DN,objectClass,sAMAccountName,userPassword\n"
        + "".join(f'"CN=U{i},DC=c",user,u{i},pw{i}\n' for i in range(4)),
        encoding="utf-8",
    )
    assert main(["ldap", "scan", str(path), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (read,) = data["inputs"]
    assert read["records"] == 4
    assert read["skipped"] == {}
    assert read["left_out"] == {"password attribute not read": 4}
    assert "pw1" not in json.dumps(data)
