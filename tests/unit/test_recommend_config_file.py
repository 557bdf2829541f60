"""authprobe.toml drives a whole `recommend` run and never holds a secret."""

from __future__ import annotations

import json
from pathlib import Path

from authprobe.cli.app import main
from tests.helpers import write_ldif, write_sis


def test_config_file_drives_the_whole_run(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`recommend --config authprobe.toml` reads inputs and options from the file."""
    entries = [
        {
            "dn": f"uid=u{i},ou=Students,dc=c",
            "uid": f"u{i}",
            "cn": "X",
            "sn": "Y",
            "employeeNumber": f"{i:06d}",
        }
        for i in range(20)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": "STUDENT"} for i in range(20)]
    users += [{"primary_id": f"G{i}", "user_group": "GUEST"} for i in range(5)]
    write_ldif(tmp_path / "people.ldif", entries)
    write_sis(tmp_path / "users.xml", users)
    config = tmp_path / "authprobe.toml"
    config.write_text(
        '[directory]\nsource = "people.ldif"\n'
        '[sis]\npaths = ["users.xml"]\nexclude_groups = ["GUEST"]\n'
        '[report]\nformat = "json"\noutput = "out.json"\n',
        encoding="utf-8",
    )
    assert main(["recommend", "--config", str(config)]) == 0
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["recommendation"]["matched"] == 20
    assert data["recommendation"]["sis_coverage"] == 1.0
    assert data["out_of_scope"] == [
        {"source": "sis", "population": "GUEST", "records": 5, "matched": 0}
    ]
    assert data["alma_configuration"]["match_id_type"] == "Primary Identifier"


def test_config_file_refuses_secrets(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A password in authprobe.toml is refused (exit 2): secrets never live in files."""
    config = tmp_path / "authprobe.toml"
    config.write_text('[directory]\nsource = "x.ldif"\nbind_password = "hunter2"\n')
    assert main(["recommend", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "config-secret-refused" in err
    assert "hunter2" not in err
