"""A federation metadata aggregate of any size, written streaming (for memory and time tests).

Every entity is an IdP (the costly kind: authprobe keeps facts only for IdPs) with a signing
certificate, two SSO endpoints, a NameID format, two offered attributes, a scope and a display
name; the generator knows what it wrote (`count` IdPs named https://idpN.fed.test/idp).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

MD = "urn:oasis:names:tc:SAML:2.0:metadata"


def entity_id(number: int) -> str:
    """The entityID of IdP number `number`."""
    return f"https://idp{number}.fed.test/idp"


def display_name(number: int) -> str:
    """The mdui:DisplayName of IdP number `number`."""
    return f"IdP {number}"


def _entity(number: int, cert_body: str) -> str:
    eid = entity_id(number)
    return (
        f'<md:EntityDescriptor entityID="{eid}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:Extensions><shibmd:Scope regexp="false">idp{number}.fed.test</shibmd:Scope>'
        f'<mdui:UIInfo><mdui:DisplayName xml:lang="en">{display_name(number)}</mdui:DisplayName>'
        "</mdui:UIInfo></md:Extensions>"
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
        f"<ds:X509Certificate>{cert_body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</md:KeyDescriptor>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{eid}/sso/redirect"/>'
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{eid}/sso/post"/>'
        '<saml:Attribute Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.6" '
        'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" '
        'FriendlyName="eduPersonPrincipalName"/>'
        '<saml:Attribute Name="urn:oid:2.16.840.1.113730.3.1.3" '
        'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" '
        'FriendlyName="employeeNumber"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>\n"
    )


def chunks(count: int, cert_body: str) -> Iterator[str]:
    """The document in pieces: head, `count` IdP entities, tail."""
    yield (
        f'<md:EntitiesDescriptor xmlns:md="{MD}" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        'xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" '
        'xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" Name="urn:test:big-federation">\n'
    )
    for number in range(count):
        yield _entity(number, cert_body)
    yield "</md:EntitiesDescriptor>\n"


def write_aggregate(path: Path, count: int, cert_body: str) -> Path:
    """Write an aggregate of `count` IdPs to `path` (streaming) and return the path."""
    with path.open("w", encoding="utf-8") as handle:
        for piece in chunks(count, cert_body):
            handle.write(piece)
    return path
