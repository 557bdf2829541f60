"""Audit fixes: rich markup in SAML data, the NameID/attribute formats shown, eIDAS NameIDs, and the
malicious corpus logins (signature wrapping, concealed assertion, tampered signature).

The corpus facts below were read from the XML files themselves and checked with `xmlsec1
--verify --pubkey-cert-pem CERT --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion`
(the certificate of `pysaml2_idp_all.xml`, or the one in the concealed file's KeyInfo):

- pysaml2_xsw_assertion_wrapper.xml: the Response is not signed. Its only saml:Assertion child,
  ID "the-attack-assertion" (NameID "attack-name-id"), holds the only ds:Signature, whose single
  Reference is URI="#the-assertion": the assertion hidden in <XSW_ATTACK> (NameID "name-id").
  xmlsec1 says that signature verifies with the pysaml2 IdP certificate — over the hidden one.
- rubysaml_invalid_concealed_signed_assertion.xml: the Response is not signed. Its assertion
  "unsigned-assertion" (NameID victim@example.com) holds the only ds:Signature, whose Reference
  is "#pfx7fca52d6-8991-5d99-3147-4f9d7c278d78": the assertion concealed in <foo> (NameID
  someone@example.org). xmlsec1 says it verifies with the certificate in its KeyInfo — over the
  concealed one.
- pysaml2_saml_false_signed.xml: one signature, inside assertion
  "pfx9e022535-4b38-cc7f-41ec-9a01bcd2936d", referencing that same ID; xmlsec1 (KeyInfo removed,
  the pysaml2 IdP certificate given) fails: "data and digest do not match".
"""

from __future__ import annotations

import copy
import io
import json
import re
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from authprobe.analysis.idp_release import NAMEID, idp_release
from authprobe.cli.app import main
from authprobe.model import Record
from authprobe.sources.saml.checks import nameid_opaque, nameid_short
from authprobe.sources.saml.crypto import Certificate, parse_certificate
from authprobe.sources.saml.message import Assertion, NameId, decode, read_message
from authprobe.sources.saml.metadata import IdpMetadata, parse_metadata, read_metadata

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"
RESPONSES = CORPUS / "saml-responses"
METADATA = CORPUS / "idp-metadata"
needs_corpus = pytest.mark.skipif(not RESPONSES.is_dir(), reason="../shared/corpus is absent")

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
DS = "http://www.w3.org/2000/09/xmldsig#"
EIDAS_PERSISTENT = "urn:oasis:names:tc:saml2:2.0:nameid-format:persistent"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
ATTR_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


def _response(
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


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- 1. rich markup in data -------------------------------------------------------------------


def test_decode_shows_bracketed_data_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`[red]`, `[bold]`, `[/x]` in Destination, Issuer, Names, values: exit 0, shown as sent."""
    path = _write(tmp_path, "login.xml", _response())
    assert main(["saml", "decode", str(path), "--show-values"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "internal error" not in captured.err
    for literal in (
        "https://sp.test/acs?x=[red]hi[/red]",
        "https://idp.test/[bold]idp",
        "jdoe[/x]@college.test",
        "https://idp.test/[nq]",
        "urn:sp:[/spq]",
        "urn:x:[/bold]",
        "FriendlyName: [i]friendly",
        "v[/u]:smile:",  # not a markup tag, not an emoji either
    ):
        assert literal in out, literal


def test_decode_masked_view_with_closing_tags_does_not_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default (masked) view survives a value that is only a closing tag."""
    path = _write(tmp_path, "login.xml", _response(nameid="[/x]", value="[/y]"))
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert "urn:x:[/bold]" in out
    assert "https://sp.test/acs?x=[red]hi[/red]" in out


def test_decode_to_file_shows_bracketed_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output FILE (terminal format) writes the same literal text."""
    path = _write(tmp_path, "login.xml", _response())
    target = tmp_path / "out.txt"
    assert main(["saml", "decode", str(path), "--output", str(target)]) == 0
    capsys.readouterr()
    text = target.read_text(encoding="utf-8")
    assert "urn:x:[/bold]" in text
    assert "https://sp.test/acs?x=[red]hi[/red]" in text


def _certificate_body(common_name: str) -> str:
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


def _entity(entity_id: str, cert_body: str, formats: tuple[str, ...] = (EIDAS_PERSISTENT,)) -> str:
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


def _single(entity: str) -> str:
    return entity.replace("<md:EntityDescriptor ", f"<md:EntityDescriptor {MD_NAMESPACES} ", 1)


def test_metadata_shows_bracketed_data_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """entityID (panel title too), names, endpoints, scopes, cert subject, attributes: literal."""
    body = _certificate_body("idp [/cn] [bold]x")
    path = _write(tmp_path, "md.xml", _single(_entity("https://idp.test/[/entity]", body)))
    assert main(["saml", "metadata", str(path)]) == 0
    out = capsys.readouterr().out
    for literal in (
        "https://idp.test/[/entity]",
        "College [/i] IdP",
        "Org [/org] display",
        "https://idp.test/sso?[/sso]",
        "https://idp.test/slo?[/slo]",
        "[scope]college.test",
        "CN=idp [/cn] [bold]x",
        "urn:x:[/attr]",
        "[/friendly]",
    ):
        assert literal in out, literal
    assert out.count("https://idp.test/[/entity]") == 2  # the panel title and the entityID row


def test_metadata_aggregate_summary_shows_bracketed_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one-line-per-IdP table (more than 3 IdPs) and the aggregate Name: literal too."""
    body = _certificate_body("idp")
    entities = "".join(_entity(f"https://idp{i}.test/[/e]", body) for i in range(5))
    path = _write(
        tmp_path,
        "aggregate.xml",
        f'<md:EntitiesDescriptor {MD_NAMESPACES} Name="[/aggregate]">{entities}'
        "</md:EntitiesDescriptor>",
    )
    assert main(["saml", "metadata", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[/aggregate]" in out
    assert all(f"https://idp{i}.test/[/e]" in out for i in range(5))
    assert out.count("College [/i] IdP") == 5


# -- 2. NameID Format, qualifiers, attribute NameFormat in the terminal view -----------------------


def test_decode_terminal_shows_nameid_format_and_qualifiers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The full Format URI and its short name, NameQualifier, SPNameQualifier, NameFormat."""
    path = _write(
        tmp_path,
        "login.xml",
        _response(name_qualifier="https://idp.college.test", sp_name_qualifier="urn:alma:sp"),
    )
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{EMAIL} (emailAddress)" in out
    assert re.search(r"NameQualifier\s+https://idp\.college\.test", out)
    assert re.search(r"SPNameQualifier\s+urn:alma:sp", out)
    assert "NameFormat: uri" in out
    assert f"NameFormat uri = {ATTR_URI}" in out
    # what JSON gives is what the terminal shows
    assert main(["saml", "decode", str(path), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["login"]
    assert data["nameid"]["format"] == EMAIL
    assert data["nameid"]["name_qualifier"] == "https://idp.college.test"
    assert data["attributes"][0]["name_format"] == ATTR_URI


def test_decode_terminal_without_format_or_qualifiers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No Format sent: said so (unspecified); absent qualifiers are not shown."""
    path = _write(
        tmp_path,
        "login.xml",
        _response(nameid_format=None, name_qualifier=None, sp_name_qualifier=None),
    )
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(none sent: unspecified)" in out
    assert "NameQualifier" not in out


def test_decode_terminal_eidas_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The eIDAS spelling is shown as sent, classified persistent and flagged opaque."""
    path = _write(tmp_path, "login.xml", _response(nameid_format=EIDAS_PERSISTENT))
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{EIDAS_PERSISTENT} (persistent)" in out
    assert "A persistent NameID is opaque" in out


# -- 3. eIDAS persistent NameIDs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "short", "opaque"),
    [
        (EIDAS_PERSISTENT, "persistent", True),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "persistent", True),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "transient", True),
        ("urn:oasis:names:tc:saml2:2.0:nameid-format:transient", "transient", True),
        ("URN:OASIS:NAMES:TC:SAML:2.0:NAMEID-FORMAT:PERSISTENT", "persistent", True),
        (" urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\n", "persistent", True),
        (
            "urn:oasis:names:tc:SAML:attribute:pairwise-id",
            "urn:oasis:names:tc:SAML:attribute:pairwise-id",
            True,
        ),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.10", "urn:oid:1.3.6.1.4.1.5923.1.1.1.10", True),
        ("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "unspecified", False),
        ("urn:oasis:names:tc:saml2:2.0:nameid-format:unspecified", "unspecified", False),
        (EMAIL, "emailAddress", False),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:emailAddress", "emailAddress", False),
        ("urn:oasis:names:tc:saml:1.1:nameid-format:emailaddress", "emailAddress", False),
        ("urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName", "X509SubjectName", False),
        (
            "urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName",
            "WindowsDomainQualifiedName",
            False,
        ),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos", "kerberos", False),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:entity", "entity", False),
        ("urn:example:persistent-email", "urn:example:persistent-email", False),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:persistentish", "persistentish", False),
    ],
)
def test_nameid_format_classification(fmt: str, short: str, opaque: bool) -> None:
    """Known short names are matched case-insensitively, on the known prefixes only."""
    assert nameid_short(fmt) == short
    assert nameid_opaque(fmt) is opaque
    assert NameId("x", fmt).opaque is opaque


def test_missing_or_encrypted_nameid_is_not_opaque() -> None:
    """No Format: unspecified, not opaque; an EncryptedID has no format to judge."""
    assert NameId("x", None).format_short == "unspecified"
    assert NameId("x", None).opaque is False
    assert nameid_opaque(None) is False
    assert NameId("", None, encrypted=True).opaque is False


@needs_corpus
def test_eidas_corpus_response_nameid_is_persistent() -> None:
    """The eIDAS node's login: NameID Format `...saml2:2.0:...:persistent` (read in the file)."""
    login = read_message(RESPONSES / "pysaml2_eidas_response.xml")
    assert login.nameid is not None
    assert login.nameid.value == "ES/AT/02635542Y"
    assert login.nameid.format == EIDAS_PERSISTENT
    assert login.nameid.format_short == "persistent"
    assert login.nameid.opaque is True


def _login(nameid_format: str, value: str = "jdoe") -> Assertion:
    return decode(
        _response(
            nameid=value, nameid_format=nameid_format, destination="https://sp.test/acs"
        ).encode(),
        "login.xml",
    )


@pytest.mark.parametrize(
    "fmt",
    [
        EIDAS_PERSISTENT,
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
        "urn:oasis:names:tc:SAML:attribute:pairwise-id",
    ],
)
def test_opaque_nameid_is_never_the_matching_id(fmt: str) -> None:
    """Even when its value equals the person's uid, an opaque NameID is not usable."""
    login = _login(fmt)
    person = Record("uid=jdoe,ou=people", {"uid": ("jdoe",)})
    result = idp_release("uid", None, login, person=person)
    assert result.idp_source == NAMEID
    assert result.value_confirmed is True
    assert result.usable is False
    assert "matching ID" in result.explanation


def test_email_nameid_may_be_the_matching_id() -> None:
    """Control: the same login with an emailAddress NameID is usable."""
    login = _login(EMAIL, "jdoe@college.test")
    person = Record("uid=jdoe,ou=people", {"mail": ("jdoe@college.test",)})
    result = idp_release("mail", None, login, person=person)
    assert result.idp_source == NAMEID
    assert result.usable is True


def _metadata(formats: tuple[str, ...]) -> IdpMetadata:
    text = _single(_entity("https://idp.test/idp", _certificate_body("idp"), formats))
    return parse_metadata(io.BytesIO(text.encode()), "md.xml")


@pytest.mark.parametrize(
    ("formats", "warned"),
    [
        ((EIDAS_PERSISTENT,), True),
        ((EIDAS_PERSISTENT, "urn:oasis:names:tc:saml2:2.0:nameid-format:transient"), True),
        ((EIDAS_PERSISTENT, EMAIL), False),
        (("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",), False),
    ],
)
def test_metadata_opaque_only_finding(formats: tuple[str, ...], warned: bool) -> None:
    """Metadata offering only eIDAS persistent/transient NameIDs gets the opaque-only warning."""
    (idp,) = _metadata(formats).idps
    assert any(f.code == "nameid-opaque-only" for f in idp.findings) is warned


# -- 4. malicious corpus logins --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pysaml2_idp() -> IdpMetadata:
    """The pysaml2 test IdP (urn:mace:example.com:saml:roland:idp) and its signing certificate."""
    if not METADATA.is_dir():
        pytest.skip("../shared/corpus is absent")
    return read_metadata(METADATA / "pysaml2_idp_all.xml")


def _keyinfo_certificate(name: str) -> tuple[Certificate, ...]:
    text = (RESPONSES / name).read_text(encoding="utf-8")
    match = re.search(r"X509Certificate>([^<]+)<", text)
    assert match is not None
    return (parse_certificate(match.group(1)),)


def _parse(name: str) -> etree._Element:
    return etree.fromstring((RESPONSES / name).read_bytes())


def _by_id(root: etree._Element, wanted: str) -> etree._Element:
    found = [e for e in root.iter() if isinstance(e.tag, str) and e.get("ID") == wanted]
    assert len(found) == 1
    return found[0]


def _unwrapped(name: str, shown_id: str, hidden_id: str) -> bytes:
    """The message an honest IdP sent: the signature put back into the element it references."""
    root = _parse(name)
    shown, hidden = _by_id(root, shown_id), _by_id(root, hidden_id)
    signature = shown.find(f"{{{DS}}}Signature")
    assert signature is not None
    wrapper = hidden.getparent()
    assert wrapper is not None
    wrapper.remove(hidden)
    root.remove(wrapper)  # <XSW_ATTACK> / <foo>
    signature.tail = None
    hidden.find(f"{{{SAML}}}Issuer").addnext(copy.deepcopy(signature))  # type: ignore[union-attr]
    root.replace(shown, hidden)
    return etree.tostring(root)


@needs_corpus
def test_xsw_assertion_wrapper_is_not_trusted(pysaml2_idp: IdpMetadata) -> None:
    """The shown assertion carries a signature over the hidden one: not valid, not trusted."""
    login = read_message(RESPONSES / "pysaml2_xsw_assertion_wrapper.xml", metadata=pysaml2_idp)
    assert login.issuer == "urn:mace:example.com:saml:roland:idp"
    assert not any(f.code == "issuer-not-in-metadata" for f in login.findings)
    assert login.assertion_id == "the-attack-assertion"
    assert login.nameid is not None
    assert login.nameid.value == "attack-name-id"
    assert len(login.signatures) == 1  # the Response is not signed
    (signature,) = login.signatures
    assert (signature.element, signature.element_id) == ("Assertion", "the-attack-assertion")
    assert signature.verified is False
    assert "'the-assertion'" in signature.detail
    assert "signature wrapping" in signature.detail
    assert login.trusted is False
    assert any(f.code == "signature-invalid" for f in login.findings)


@needs_corpus
def test_xsw_signature_is_genuine_over_the_hidden_assertion(pysaml2_idp: IdpMetadata) -> None:
    """Control: put back in `the-assertion`, the same signature verifies (as xmlsec1 says)."""
    xml = _unwrapped("pysaml2_xsw_assertion_wrapper.xml", "the-attack-assertion", "the-assertion")
    login = decode(xml, "unwrapped", metadata=pysaml2_idp)
    assert login.assertion_id == "the-assertion"
    assert login.nameid is not None
    assert login.nameid.value == "name-id"
    assert [(s.element_id, s.verified) for s in login.signatures] == [("the-assertion", True)]
    assert login.trusted is True


@needs_corpus
def test_concealed_signed_assertion_is_not_trusted() -> None:
    """The assertion shown is unsigned; the signature it carries covers the concealed one."""
    name = "rubysaml_invalid_concealed_signed_assertion.xml"
    login = read_message(RESPONSES / name, certificates=_keyinfo_certificate(name))
    assert login.response_issuer == "idp.example.com"
    assert login.issuer == "idp.myexample.org"
    assert login.assertion_id == "unsigned-assertion"
    assert login.nameid is not None
    assert login.nameid.value == "victim@example.com"
    assert login.nameid.name_qualifier == "idp.example.com"
    (signature,) = login.signatures
    assert (signature.element, signature.element_id) == ("Assertion", "unsigned-assertion")
    assert signature.verified is False
    assert "'pfx7fca52d6-8991-5d99-3147-4f9d7c278d78'" in signature.detail
    assert "signature wrapping" in signature.detail
    assert login.trusted is False


@needs_corpus
def test_concealed_signature_is_genuine_over_the_concealed_assertion() -> None:
    """Control: put back in the concealed assertion, the signature verifies with that cert."""
    name = "rubysaml_invalid_concealed_signed_assertion.xml"
    concealed = "pfx7fca52d6-8991-5d99-3147-4f9d7c278d78"
    xml = _unwrapped(name, "unsigned-assertion", concealed)
    login = decode(xml, "unwrapped", certificates=_keyinfo_certificate(name))
    assert login.nameid is not None
    assert login.nameid.value == "someone@example.org"
    assert [(s.element_id, s.verified) for s in login.signatures] == [(concealed, True)]
    assert login.trusted is True


@needs_corpus
def test_false_signed_does_not_verify(pysaml2_idp: IdpMetadata) -> None:
    """A well-formed signature on its own assertion whose digest no longer matches: refused."""
    login = read_message(RESPONSES / "pysaml2_saml_false_signed.xml", metadata=pysaml2_idp)
    assert login.issuer == "urn:mace:example.com:saml:roland:idp"
    (signature,) = login.signatures
    assert signature.element == "Assertion"
    assert signature.element_id == "pfx9e022535-4b38-cc7f-41ec-9a01bcd2936d"
    assert signature.verified is False
    assert "does NOT verify" in signature.detail
    assert "signature wrapping" not in signature.detail  # the structure is fine
    assert login.trusted is False
    assert any(f.code == "signature-invalid" for f in login.findings)
    assert login.nameid is not None
    assert login.nameid.value == "_cddc88563d433f556d4cc70c3162deabddea3b5019"
    assert login.nameid.format_short == "transient"
    assert login.nameid.sp_name_qualifier == "xenosmilus.umdc.umu.se"
    assert login.nameid.opaque is True
    assert {a.name: a.values for a in login.attributes} == {
        "uid": ("student",),
        "eduPersonAffiliation": ("member", "student"),
    }


@needs_corpus
@pytest.mark.parametrize(
    ("name", "trust"),
    [
        ("pysaml2_xsw_assertion_wrapper.xml", "--idp-metadata"),
        ("pysaml2_saml_false_signed.xml", "--idp-metadata"),
        ("rubysaml_invalid_concealed_signed_assertion.xml", "--cert"),
    ],
)
def test_cli_never_reports_malicious_logins_as_trusted(
    tmp_path: Path, name: str, trust: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the CLI: JSON `trusted` is false, the terminal says NOT valid, exit 1 by default."""
    if trust == "--cert":
        body = re.sub(r"\s", "", _keyinfo_certificate(name)[0].pem.split("-----")[2])
        cert = tmp_path / "idp.pem"
        cert.write_text(
            "-----BEGIN CERTIFICATE-----\n"
            + "\n".join(textwrap.wrap(body, 64))
            + "\n-----END CERTIFICATE-----\n",
            encoding="ascii",
        )
        args = ["--cert", str(cert)]
    else:
        args = ["--idp-metadata", str(METADATA / "pysaml2_idp_all.xml")]
    path = str(RESPONSES / name)
    assert main(["saml", "decode", path, *args, "-f", "json"]) == 1  # --fail-on error
    data = json.loads(capsys.readouterr().out)["login"]
    assert data["trusted"] is False
    assert [s["verified"] for s in data["signatures"]] == [False]
    assert main(["saml", "decode", path, *args]) == 1
    out = capsys.readouterr().out
    assert "Trust: No signature verifies" in out
    assert "signature on the Assertion: NOT valid" in out
    assert "A verified signature covers" not in out


def test_decode_markdown_shows_format_qualifiers_and_name_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--format md` carries what JSON and the terminal do: Format URI, qualifiers, NameFormat."""
    path = _write(
        tmp_path,
        "login.xml",
        _response(
            name_qualifier="https://idp.college.test",
            sp_name_qualifier="urn:alma:sp",
            friendly_name="uid",
        ),
    )
    assert main(["saml", "decode", str(path), "-f", "md"]) == 0
    out = capsys.readouterr().out
    assert f"  - Format: `{EMAIL}`" in out
    assert "  - NameQualifier: `https://idp.college.test`" in out
    assert "  - SPNameQualifier: `urn:alma:sp`" in out
    assert f"| `{ATTR_URI}` | uid |" in out
