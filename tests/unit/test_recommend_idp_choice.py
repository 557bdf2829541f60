"""recommend --idp-metadata with a federation aggregate: which IdP is the campus's?

The aggregate holds two IdPs: A offers only mail, B (the forge IdP) offers employeeNumber, the
matching ID the SIS and directory share. Without --entity, the captured login's Issuer picks the
IdP; with neither, the run stops with a usage error (exit 2) instead of reporting that "the IdP
neither offers nor releases" an attribute B offers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authprobe.cli.app import main
from tests import saml_forge as forge
from tests.helpers import write_ldif, write_sis

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
IDP_A = "https://idp-a.test/idp"
IDP_B = forge.ISSUER
EMPLOYEE_NUMBER = "urn:oid:2.16.840.1.113730.3.1.3"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"


def _entity(entity_id: str, offered: str) -> str:
    return (
        f'<md:EntityDescriptor entityID="{entity_id}"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{entity_id}/sso"/><saml:Attribute Name="{offered}" '
        'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """Directory and SIS sharing employeeNumber; the two-IdP aggregate; logins from B and C."""
    entries = [
        {
            "dn": f"uid=u{i},ou=People,dc=c,dc=ca",
            "uid": f"u{i}",
            "cn": f"U {i}",
            "sn": "X",
            "employeeNumber": f"{i:06d}",
            "mail": f"u{i}@c.ca",
        }
        for i in range(30)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": "STAFF"} for i in range(30)]
    aggregate = tmp_path / "aggregate.xml"
    aggregate.write_text(
        f'<md:EntitiesDescriptor xmlns:md="{MD}" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
        + _entity(IDP_A, MAIL)
        + _entity(IDP_B, EMPLOYEE_NUMBER)
        + "</md:EntitiesDescriptor>",
        encoding="utf-8",
    )
    login_b = tmp_path / "login-b.xml"
    login_b.write_bytes(
        forge.response(forge.assertion(nameid="u5@c.ca", attributes={EMPLOYEE_NUMBER: ("000005",)}))
    )
    login_c = tmp_path / "login-c.xml"
    login_c.write_bytes(
        forge.response(
            forge.assertion(issuer="https://idp-c.test/idp"), issuer="https://idp-c.test/idp"
        )
    )
    return {
        "ldif": write_ldif(tmp_path / "d.ldif", entries),
        "sis": write_sis(tmp_path / "s.xml", users),
        "aggregate": aggregate,
        "login_b": login_b,
        "login_c": login_c,
    }


def _recommend(inputs: dict[str, Path], *extra: str) -> list[str]:
    return [
        "recommend",
        "-d",
        str(inputs["ldif"]),
        "-s",
        str(inputs["sis"]),
        "--idp-metadata",
        str(inputs["aggregate"]),
        "-f",
        "json",
        *extra,
    ]


def test_the_captured_logins_issuer_picks_the_idp(
    inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """No --entity: the IdP whose entityID is the login's Issuer is used, and the report says so."""
    assert main(_recommend(inputs, "--assertion", str(inputs["login_b"]))) == 0
    data = json.loads(capsys.readouterr().out)
    options = {item["name"]: item["value"] for item in data["options"]}
    assert options["IdP entity"].startswith(IDP_B)
    assert "Issuer" in options["IdP entity"]
    winner = data["candidates"][0]
    assert winner["directory_attribute"] == "employeeNumber"
    assert winner["idp"]["offered"] is True
    assert winner["idp"]["released"] is True
    assert winner["idp_source"] == EMPLOYEE_NUMBER


def test_aggregate_without_entity_or_login_is_a_usage_error(
    inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither --entity nor a login: exit 2, saying how to choose and listing the IdPs."""
    assert main(_recommend(inputs)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--entity" in captured.err
    assert "--assertion" in captured.err
    assert IDP_A in captured.err
    assert IDP_B in captured.err
    assert "neither offers" not in captured.err


def test_login_from_another_idp_is_a_usage_error(
    inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A login whose Issuer is not in the aggregate, no --entity: exit 2 naming that Issuer."""
    assert main(_recommend(inputs, "--assertion", str(inputs["login_c"]))) == 2
    err = capsys.readouterr().err
    assert "https://idp-c.test/idp" in err
    assert "--entity" in err


def test_entity_option_still_chooses(
    inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """--entity B without a login: B's offer is used (offered, not yet released)."""
    assert main(_recommend(inputs, "--entity", IDP_B)) == 0
    winner = json.loads(capsys.readouterr().out)["candidates"][0]
    assert winner["directory_attribute"] == "employeeNumber"
    assert (winner["idp"]["offered"], winner["idp"]["released"]) == (True, False)
