"""SAML documents written by hand for the saml tests: a Response and IdP metadata with
rich-markup lookalikes in every data field, and a fresh self-signed certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
EIDAS_PERSISTENT = "urn:oasis:names:tc:saml2:2.0:nameid-format:persistent"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
ATTR_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


def response(
    *,
    destination: str = "https://sp.test/acs?x=[red]hi[/red]",
    issuer: str = "https://idp.test/[bold]idp",
    nameid: str = "jdoe[/x]@college.test",
    nameid_format: str | None = EMAIL,
    name_qualifier: str | None = "https://idp.test/[nq]",
    sp_name_qualifier: str | None = "urn:sp:[/spq]",
    attribute_name: str = "urn:x:[/bold]",
    friendly_name: str = "[i]friendly",
    value: str = "v[/u]:smile:",
) -> str:
    """An unsigned Response written by hand, with rich-markup lookalikes in every data field."""

    def attr(name: str, text: str | None) -> str:
        if text is None:
            return ""
        escaped = text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return f' {name}="{escaped}"'

    return f"""<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_r" Version="2.0"
    IssueInstant="2024-01-01T00:00:00Z"{attr("Destination", destination)}>
  <saml:Issuer>{issuer}</saml:Issuer>
  <samlp:Status>
    <samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>
  </samlp:Status>
  <saml:Assertion ID="_a" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">
    <saml:Issuer>{issuer}</saml:Issuer>
    <saml:Subject><saml:NameID{attr("Format", nameid_format)}{attr("NameQualifier", name_qualifier)}
        {attr("SPNameQualifier", sp_name_qualifier)}>{nameid}</saml:NameID></saml:Subject>
    <saml:AttributeStatement>
      <saml:Attribute{attr("Name", attribute_name)}{attr("NameFormat", ATTR_URI)}
          {attr("FriendlyName", friendly_name)}>
        <saml:AttributeValue>{value}</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"""


def write_text(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def certificate_body(common_name: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


MD_NAMESPACES = (
    'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
    'xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" '
    'xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui"'
)


def entity(entity_id: str, cert_body: str, formats: tuple[str, ...] = (EIDAS_PERSISTENT,)) -> str:
    nameid_formats = "".join(f"<md:NameIDFormat>{f}</md:NameIDFormat>" for f in formats)
    return f"""<md:EntityDescriptor entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:Extensions><shibmd:Scope regexp="false">[scope]college.test</shibmd:Scope>
      <mdui:UIInfo><mdui:DisplayName xml:lang="en">College [/i] IdP</mdui:DisplayName></mdui:UIInfo>
    </md:Extensions>
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{cert_body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.test/slo?[/slo]"/>
    {nameid_formats}
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.test/sso?[/sso]"/>
    <saml:Attribute Name="urn:x:[/attr]" FriendlyName="[/friendly]"/>
  </md:IDPSSODescriptor>
  <md:Organization>
    <md:OrganizationName xml:lang="en">Org [/org]</md:OrganizationName>
    <md:OrganizationDisplayName xml:lang="en">Org [/org] display</md:OrganizationDisplayName>
    <md:OrganizationURL xml:lang="en">https://org.test/</md:OrganizationURL>
  </md:Organization>
</md:EntityDescriptor>"""


def single_entity(entity: str) -> str:
    return entity.replace("<md:EntityDescriptor ", f"<md:EntityDescriptor {MD_NAMESPACES} ", 1)
