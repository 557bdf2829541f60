"""An independent SAML IdP for the tests: pysaml2 signing with xmlsec1, keys made at test time.

Nothing here uses authprobe's SAML code: responses and metadata come from pysaml2 (its own
XML, its own signer), so authprobe is checked against another implementation.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

IDP_ENTITY_ID = "https://idp.college.test/idp/shibboleth"
SP_ENTITY_ID = "urn:authprobe:test-sp"
XMLSEC1 = shutil.which("xmlsec1")

EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
EMPLOYEE_NUMBER = "urn:oid:2.16.840.1.113730.3.1.3"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
UID = "urn:oid:0.9.2342.19200300.100.1.1"

# What the test IdP releases (friendly names as pysaml2's attribute maps know them) and the
# attribute Names that must come out in the assertion.
IDENTITY = {
    "eduPersonPrincipalName": ["jdoe@college.test"],
    "employeeNumber": ["0012345"],
    "mail": ["Jane.Doe@College.test"],
    "uid": ["jdoe"],
}
RELEASED_NAMES = {
    EPPN: ("jdoe@college.test",),
    EMPLOYEE_NUMBER: ("0012345",),
    MAIL: ("Jane.Doe@College.test",),
    UID: ("jdoe",),
}


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, as PEM files."""

    cert: Path
    key: Path

    @property
    def cert_pem(self) -> str:
        """The certificate text."""
        return self.cert.read_text(encoding="ascii")


def make_keypair(folder: Path, name: str, *, days: int = 365, md5: bool = False) -> KeyPair:
    """A fresh RSA 2048 self-signed certificate valid for `days` (negative: already expired)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    start, end = (now - timedelta(days=1), now + timedelta(days=days))
    if days < 0:
        start, end = now + timedelta(days=days * 2), now + timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return KeyPair(cert_path, key_path)


def sp_metadata_xml(entity_id: str, acs_url: str, cert_pem: str) -> str:
    """Minimal SP metadata (written by hand, not by authprobe) for the pysaml2 IdP."""
    body = "".join(line for line in cert_pem.splitlines() if not line.startswith("-----"))
    return f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:AssertionConsumerService index="1"
        Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs_url}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def idp_server(
    keys: KeyPair,
    sp_metadata: str,
    *,
    base_url: str = "https://idp.college.test",
    entity_id: str = IDP_ENTITY_ID,
    lifetime_minutes: int = 15,
) -> Any:
    """A pysaml2 `Server` acting as the IdP, with the SP known from `sp_metadata`."""
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.saml import NAME_FORMAT_URI
    from saml2.server import Server

    config = {
        "entityid": entity_id,
        "service": {
            "idp": {
                "name": "College Test IdP",
                "endpoints": {
                    "single_sign_on_service": [
                        (f"{base_url}/sso/redirect", BINDING_HTTP_REDIRECT),
                        (f"{base_url}/sso/post", BINDING_HTTP_POST),
                    ]
                },
                "policy": {
                    "default": {
                        "lifetime": {"minutes": lifetime_minutes},
                        "attribute_restrictions": None,
                        "name_form": NAME_FORMAT_URI,
                    }
                },
                "name_id_format": [
                    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
                ],
            }
        },
        "key_file": str(keys.key),
        "cert_file": str(keys.cert),
        "encryption_keypairs": [{"key_file": str(keys.key), "cert_file": str(keys.cert)}],
        "xmlsec_binary": XMLSEC1,
        "metadata": {"inline": [sp_metadata]},
    }
    return Server(config=IdPConfig().load(config))


def idp_metadata_xml(server: Any, *, sign: bool = False) -> str:
    """The IdP's metadata as pysaml2 writes it (optionally signed by pysaml2)."""
    from saml2.metadata import entity_descriptor, sign_entity_descriptor
    from saml2.sigver import security_context

    descriptor = entity_descriptor(server.config)
    if sign:
        context = security_context(server.config)
        _, signed = sign_entity_descriptor(descriptor, None, context)
        return str(signed)
    return str(descriptor)


def authn_response(
    server: Any,
    *,
    destination: str = "http://127.0.0.1:8910/acs",
    audience: str = SP_ENTITY_ID,
    identity: dict[str, list[str]] | None = None,
    nameid: str = "jdoe@college.test",
    nameid_format: str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    in_response_to: str = "_request-1",
    sign_response: bool = False,
    sign_assertion: bool = True,
    encrypt_assertion: bool = False,
    encrypt_cert: str | None = None,
) -> str:
    """A Response XML made and signed by pysaml2."""
    from saml2.saml import NameID

    response = server.create_authn_response(
        identity=identity if identity is not None else IDENTITY,
        in_response_to=in_response_to,
        destination=destination,
        sp_entity_id=audience,
        name_id=NameID(format=nameid_format, text=nameid),
        authn={
            "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
            "authn_auth": IDP_ENTITY_ID,
        },
        sign_response=sign_response,
        sign_assertion=sign_assertion,
        encrypt_assertion=encrypt_assertion,
        encrypt_cert_assertion=encrypt_cert,
    )
    return str(response)


@dataclass(frozen=True)
class TestIdp:
    """A pysaml2 IdP with its keys, and the SP keys it encrypts for."""

    __test__ = False

    server: Any
    keys: KeyPair
    sp_keys: KeyPair

    @property
    def sp_cert_body(self) -> str:
        """The SP certificate as pysaml2 wants it for encryption (base64, one line)."""
        return "".join(
            line for line in self.sp_keys.cert_pem.splitlines() if not line.startswith("-----")
        )


def make_idp(folder: Path, *, lifetime_minutes: int = 15) -> TestIdp:
    """Keys and a pysaml2 IdP that knows the test SP (ACS http://127.0.0.1:8910/acs)."""
    keys = make_keypair(folder, "idp")
    sp_keys = make_keypair(folder, "sp")
    metadata = sp_metadata_xml(SP_ENTITY_ID, "http://127.0.0.1:8910/acs", sp_keys.cert_pem)
    server = idp_server(keys, metadata, lifetime_minutes=lifetime_minutes)
    return TestIdp(server, keys, sp_keys)
