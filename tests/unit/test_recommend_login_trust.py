"""recommend with a captured SAML login whose signature does not verify, or was not checked:
its values still count as evidence, and the report says how far to trust them (signatures made
by xmlsec1, an independent implementation)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from authprobe.cli.app import main
from tests import saml_forge as forge
from tests.helpers import write_ldif, write_sis
from tests.saml_helpers import make_keypair

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
EMPLOYEE_NUMBER = "urn:oid:2.16.840.1.113730.3.1.3"


def _metadata(cert_pem: bytes | None) -> str:
    key = ""
    if cert_pem is not None:
        der = x509.load_pem_x509_certificate(cert_pem).public_bytes(Encoding.DER)
        key = (
            '<md:KeyDescriptor use="signing"><ds:KeyInfo '
            'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>'
            f"{base64.b64encode(der).decode()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
            "</md:KeyDescriptor>"
        )
    return (
        f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'entityID="{forge.ISSUER}"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{key}"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{forge.ISSUER}/sso"/><saml:Attribute Name="{EMPLOYEE_NUMBER}" '
        'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


@pytest.fixture
def college(tmp_path: Path) -> dict[str, Path]:
    """30 people sharing employeeNumber with the SIS primary_id."""
    entries = [
        {"dn": f"uid=u{i},ou=People,dc=c,dc=ca", "uid": f"u{i}", "employeeNumber": f"{i:06d}"}
        for i in range(30)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": "STAFF"} for i in range(30)]
    return {
        "ldif": write_ldif(tmp_path / "d.ldif", entries),
        "sis": write_sis(tmp_path / "s.xml", users),
    }


def _run(
    college: dict[str, Path], metadata: Path, login: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    argv = ["recommend", "-d", str(college["ldif"]), "-s", str(college["sis"]), "-f", "json"]
    assert main([*argv, "--idp-metadata", str(metadata), "--assertion", str(login)]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def _codes(data: dict[str, Any]) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in data["findings"]}


def test_a_login_that_does_not_verify_is_a_warning(
    college: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A login signed by the IdP's key, then altered (another employeeNumber): the signature
    does not verify with the metadata's certificate, and the report warns that the evidence
    may not be what the IdP sent."""
    keys = make_keypair(tmp_path / "keys", "idp")
    xml = forge.response(
        forge.assertion(attributes={EMPLOYEE_NUMBER: ("000005",)}), response_id="_r1"
    )
    signed = forge.sign(xml, keys, "_a1", tmp_path / "sig")
    altered = signed.replace(b">000005<", b">000006<")
    assert altered != signed
    login = tmp_path / "login.xml"
    login.write_bytes(altered)
    metadata = tmp_path / "idp.xml"
    metadata.write_text(_metadata(keys.cert.read_bytes()), encoding="utf-8")
    data = _run(college, metadata, login, capsys)
    assert _codes(data)["login-not-verified"] == "warning"
    assert "login-not-checked" not in _codes(data)


def test_a_login_that_verifies_raises_nothing(
    college: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same login, not altered: it verifies, and no trust finding is reported."""
    keys = make_keypair(tmp_path / "keys", "idp")
    xml = forge.response(forge.assertion(attributes={EMPLOYEE_NUMBER: ("000005",)}))
    login = tmp_path / "login.xml"
    login.write_bytes(forge.sign(xml, keys, "_a1", tmp_path / "sig"))
    metadata = tmp_path / "idp.xml"
    metadata.write_text(_metadata(keys.cert.read_bytes()), encoding="utf-8")
    codes = _codes(_run(college, metadata, login, capsys))
    assert "login-not-verified" not in codes
    assert "login-not-checked" not in codes


def test_an_unchecked_login_is_noted(
    college: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Metadata without a signing certificate: the login cannot be checked, and an info finding
    says its values were taken as they are."""
    login = tmp_path / "login.xml"
    login.write_bytes(forge.response(forge.assertion(attributes={EMPLOYEE_NUMBER: ("000005",)})))
    metadata = tmp_path / "idp.xml"
    metadata.write_text(_metadata(None), encoding="utf-8")
    assert _codes(_run(college, metadata, login, capsys))["login-not-checked"] == "info"
