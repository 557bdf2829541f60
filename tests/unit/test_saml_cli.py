"""The `saml` commands through the CLI funnel: JSON contract, masking, exit codes."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import pytest

from authprobe.cli.app import main
from tests import saml_helpers as helpers

pytestmark = pytest.mark.skipif(helpers.XMLSEC1 is None, reason="xmlsec1 is not installed")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A pysaml2 IdP's signed metadata, its certificate and one signed login (base64)."""
    folder = tmp_path_factory.mktemp("cli")
    idp = helpers.make_idp(folder)
    metadata = folder / "idp.xml"
    metadata.write_text(helpers.idp_metadata_xml(idp.server, sign=True), encoding="utf-8")
    login = folder / "login.b64"
    login.write_bytes(base64.b64encode(helpers.authn_response(idp.server).encode()))
    return {"metadata": metadata, "cert": idp.keys.cert, "login": login}


def test_metadata_json_contract(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """`saml metadata --format json`: schema_version, meta, the document and its IdPs."""
    code = main(
        ["saml", "metadata", str(files["metadata"]), "--cert", str(files["cert"]), "-f", "json"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["schema_version"] == 1
    assert data["meta"]["command"] == "saml metadata"
    assert data["metadata"]["signature"]["verified"] is True
    assert [i["entity_id"] for i in data["idps"]] == [helpers.IDP_ENTITY_ID]
    assert data["idps"][0]["certificates"][0]["subject"] == "CN=idp"


def test_decode_masks_values_by_default(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """NameID and attribute values are masked unless --show-values; Names never are."""
    assert main(["saml", "decode", str(files["login"]), "-f", "json"]) == 0
    masked = json.loads(capsys.readouterr().out)["login"]
    assert masked["nameid"]["value"] != "jdoe@college.test"
    assert masked["nameid"]["value"].endswith("@college.test")
    names = {a["name"] for a in masked["attributes"]}
    assert names == set(helpers.RELEASED_NAMES)
    assert "0012345" not in json.dumps(masked)
    assert main(["saml", "decode", str(files["login"]), "-f", "json", "--show-values"]) == 0
    shown = json.loads(capsys.readouterr().out)["login"]
    assert shown["nameid"]["value"] == "jdoe@college.test"
    assert {a["name"]: tuple(a["values"]) for a in shown["attributes"]} == helpers.RELEASED_NAMES


def test_decode_with_metadata_verifies(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """--idp-metadata supplies the trusted certificate: the login is trusted."""
    code = main(
        [
            "saml",
            "decode",
            str(files["login"]),
            "--idp-metadata",
            str(files["metadata"]),
            "-f",
            "json",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["login"]["trusted"] is True


def test_decode_from_stdin(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-` reads the message from standard input."""
    import io
    import sys

    data = files["login"].read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["saml", "decode", "-", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["login"]["location"] == "<stdin>"


def test_table_output_names_the_trust(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The terminal view shows the exact attribute Names and the trust sentence."""
    assert main(["saml", "decode", str(files["login"]), "--cert", str(files["cert"])]) == 0
    out = capsys.readouterr().out
    assert "Trust: A verified signature covers the assertion" in out
    assert "Attributes released (4)" in out
    assert "employeeNumber" in out


@pytest.mark.parametrize("command", ["metadata", "decode"])
def test_unreadable_input_exits_4(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not XML / not SAML: exit 4 with a one-paragraph error on stderr, no traceback."""
    path = tmp_path / "junk.txt"
    path.write_text("this is not a SAML document at all", encoding="utf-8")
    assert main(["saml", command, str(path)]) == 4
    err = capsys.readouterr().err
    assert err.startswith("authprobe: error [")
    assert "Traceback" not in err


def test_unreachable_url_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    """A metadata URL nothing answers: exit 3."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["saml", "metadata", f"http://127.0.0.1:{port}/md"]) == 3
    assert "saml-metadata-unreachable" in capsys.readouterr().err


def test_unknown_entity_exits_2(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """--entity not in the metadata is a usage error: exit 2."""
    assert main(["saml", "metadata", str(files["metadata"]), "--entity", "urn:nope"]) == 2
    assert "saml-metadata-entity-not-found" in capsys.readouterr().err


def test_fail_on_warning(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """--fail-on warning exits 1 when a warning is reported (pysaml2 signs metadata with SHA-1)."""
    assert main(["saml", "metadata", str(files["metadata"]), "--fail-on", "warning"]) == 1
    assert main(["saml", "metadata", str(files["metadata"]), "--fail-on", "error"]) == 0
    capsys.readouterr()


def test_print_sp_metadata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """test-sp --print-metadata prints SP metadata with the ACS URL and keeps the same cert."""
    args = ["saml", "test-sp", "--print-metadata", "--port", "8999", "--config-dir", str(tmp_path)]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert 'Location="http://127.0.0.1:8999/acs"' in first
    assert 'entityID="urn:authprobe:test-sp"' in first
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert (tmp_path / "sp-key.pem").stat().st_mode & 0o077 == 0


def test_markdown_output(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """--format md: the same facts as JSON, as Markdown tables; values masked by default."""
    assert main(["saml", "metadata", str(files["metadata"]), "-f", "md"]) == 0
    metadata = capsys.readouterr().out
    assert metadata.startswith("# SAML metadata")
    assert f"## {helpers.IDP_ENTITY_ID}" in metadata
    assert "| signing | CN=idp |" in metadata
    assert main(["saml", "decode", str(files["login"]), "-f", "md"]) == 0
    login = capsys.readouterr().out
    assert (
        "| `urn:oid:2.16.840.1.113730.3.1.3` | `urn:oasis:names:tc:SAML:2.0:attrname-format:uri`"
        " | employeeNumber | employeeNumber |"
    ) in login
    assert "0012345" not in login


def test_html_format_is_a_usage_error(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """--format html is not offered by the saml commands: exit 2, naming the formats offered."""
    assert main(["saml", "metadata", str(files["metadata"]), "-f", "html"]) == 2
    assert "'html' is not one of 'table', 'json', 'md'" in capsys.readouterr().err


def test_aggregate_table_is_one_line_per_idp(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """More than 3 IdPs: the terminal lists them one per line and points to --entity."""
    single = files["metadata"].read_text(encoding="utf-8").split("?>", 1)[-1]
    entities = "".join(
        single.replace(helpers.IDP_ENTITY_ID, f"https://idp{i}.college.test/idp") for i in range(5)
    )
    aggregate = tmp_path / "aggregate.xml"
    aggregate.write_text(
        '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        + entities
        + "</md:EntitiesDescriptor>",
        encoding="utf-8",
    )
    assert main(["saml", "metadata", str(aggregate)]) == 0
    out = capsys.readouterr().out
    assert "5 IdPs: pass --entity ENTITY_ID" in out
    assert out.count("college.test/idp") == 5
