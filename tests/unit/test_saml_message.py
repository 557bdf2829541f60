"""saml message: captured logins signed by pysaml2 (xmlsec1), read in every shape users paste."""

from __future__ import annotations

import base64
import copy
import urllib.parse
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from authprobe.errors import ExitCode, InputError, UnsafeInputError
from authprobe.sources.saml.crypto import Certificate, read_certificates
from authprobe.sources.saml.message import Assertion, decode, extract_xml
from authprobe.sources.saml.metadata import parse_metadata
from tests import saml_helpers as helpers

pytestmark = pytest.mark.skipif(helpers.XMLSEC1 is None, reason="xmlsec1 is not installed")

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
DS = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> helpers.TestIdp:
    """A pysaml2 IdP with fresh keys."""
    return helpers.make_idp(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def trusted(idp: helpers.TestIdp) -> tuple[Certificate, ...]:
    """The IdP's signing certificate, as --cert would give it."""
    return read_certificates(idp.keys.cert)


@pytest.fixture(scope="module")
def signed(idp: helpers.TestIdp) -> str:
    """A Response whose assertion pysaml2 signed."""
    return helpers.authn_response(idp.server)


def _decode(xml: str | bytes, certs: tuple[Certificate, ...] = (), **kwargs: object) -> Assertion:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return decode(data, "test", certificates=certs, **kwargs)  # type: ignore[arg-type]


def test_valid_signed_assertion_is_trusted_and_read_exactly(
    signed: str, trusted: tuple[Certificate, ...]
) -> None:
    """A pysaml2-signed login verifies; NameID and every attribute Name/value come out as sent."""
    login = _decode(signed, trusted)
    assert login.trusted is True
    assert [s.element for s in login.signatures] == ["Assertion"]
    assert login.signatures[0].verified is True
    assert login.issuer == helpers.IDP_ENTITY_ID
    assert login.nameid is not None
    assert login.nameid.value == "jdoe@college.test"
    assert login.nameid.format_short == "emailAddress"
    assert {a.name: a.values for a in login.attributes} == helpers.RELEASED_NAMES
    assert login.audiences == (helpers.SP_ENTITY_ID,)
    assert not [f for f in login.findings if f.severity.value != "info"]


def test_signed_response_covers_the_whole_response(
    idp: helpers.TestIdp, trusted: tuple[Certificate, ...]
) -> None:
    """When pysaml2 signs the Response (not the assertion) the trust covers the whole Response."""
    xml = helpers.authn_response(idp.server, sign_response=True, sign_assertion=False)
    login = _decode(xml, trusted)
    assert [(s.element, s.verified) for s in login.signatures] == [("Response", True)]
    assert login.trusted is True
    assert "whole Response" in login.trust_detail


def test_signature_is_not_checked_without_a_trusted_certificate(signed: str) -> None:
    """Without --cert/--idp-metadata the signature is reported as not checked, never trusted."""
    login = _decode(signed)
    assert login.trusted is None
    assert login.signatures[0].verified is None


def test_embedded_certificate_is_never_trusted(
    tmp_path: Path, signed: str, idp: helpers.TestIdp
) -> None:
    """A login signed by another key (its own cert in KeyInfo) does not verify with the IdP's."""
    other = helpers.make_idp(tmp_path)
    xml = helpers.authn_response(other.server)
    login = _decode(xml, read_certificates(idp.keys.cert))
    assert login.trusted is False
    assert login.signatures[0].verified is False


def test_tampered_after_signing_does_not_verify(
    signed: str, trusted: tuple[Certificate, ...]
) -> None:
    """Changing one attribute value after signing breaks the signature; nothing is trusted."""
    tampered = signed.replace("0012345", "0099999")
    assert tampered != signed
    login = _decode(tampered, trusted)
    assert login.trusted is False
    assert login.signatures[0].verified is False
    assert any(f.code == "signature-invalid" for f in login.findings)


def _response_and_assertion(xml: str) -> tuple[etree._Element, etree._Element]:
    root = etree.fromstring(xml.encode())
    assertion = root.find(f"{{{SAML}}}Assertion")
    assert assertion is not None
    return root, assertion


def _evil(assertion: etree._Element) -> etree._Element:
    evil = copy.deepcopy(assertion)
    for node in evil.iter(f"{{{SAML}}}NameID"):
        node.text = "attacker@evil.test"
    for node in evil.iter(f"{{{SAML}}}AttributeValue"):
        node.text = "666"
    return evil


def test_wrapping_moved_signed_assertion_is_not_trusted(
    signed: str, trusted: tuple[Certificate, ...]
) -> None:
    """XSW: the signed assertion hidden in Extensions, an unsigned evil one in its place."""
    root, original = _response_and_assertion(signed)
    evil = _evil(original)
    evil.remove(evil.find(f"{{{DS}}}Signature"))
    evil.set("ID", "_evil")
    index = root.index(original)
    root.remove(original)
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    extensions.append(original)
    root.insert(1, extensions)
    root.insert(index + 1, evil)
    login = _decode(etree.tostring(root), trusted)
    assert login.nameid is not None
    assert login.nameid.value == "attacker@evil.test"
    assert login.trusted is False
    assert any(f.code == "signature-elsewhere" for f in login.findings)


def test_wrapping_duplicate_id_is_refused(signed: str, trusted: tuple[Certificate, ...]) -> None:
    """XSW: an evil assertion with the same ID carrying the real signature is refused."""
    root, original = _response_and_assertion(signed)
    evil = _evil(original)
    index = root.index(original)
    root.remove(original)
    evil_signature = evil.find(f"{{{DS}}}Signature")
    assert evil_signature is not None
    original_signature = original.find(f"{{{DS}}}Signature")
    assert original_signature is not None
    evil.replace(evil_signature, original_signature)
    evil.find(f"{{{SAML}}}Subject").append(original)  # type: ignore[union-attr]
    root.insert(index, evil)
    login = _decode(etree.tostring(root), trusted)
    assert login.trusted is False
    assert login.signatures[0].verified is False
    assert "occurs 2 times" in login.signatures[0].detail


def test_wrapping_signature_pointing_elsewhere_is_refused(
    signed: str, trusted: tuple[Certificate, ...]
) -> None:
    """XSW: the shown assertion carries a signature whose Reference points at another element."""
    root, original = _response_and_assertion(signed)
    evil = _evil(original)
    evil.set("ID", "_evil")
    index = root.index(original)
    root.remove(original)
    root.insert(index, evil)
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    stripped = copy.deepcopy(original)
    stripped.remove(stripped.find(f"{{{DS}}}Signature"))
    extensions.append(stripped)
    root.insert(1, extensions)
    login = _decode(etree.tostring(root), trusted)
    assert login.trusted is False
    assert "signature wrapping" in login.signatures[0].detail


def test_unsigned_response_is_reported_and_untrusted(
    idp: helpers.TestIdp, trusted: tuple[Certificate, ...]
) -> None:
    """An unsigned login is read, flagged unsigned, and not trusted when a cert was given."""
    xml = helpers.authn_response(idp.server, sign_assertion=False)
    login = _decode(xml, trusted)
    assert login.signatures == ()
    assert login.trusted is False
    assert any(f.code == "unsigned" for f in login.findings)


def test_expired_login_is_reported(tmp_path: Path) -> None:
    """An assertion whose validity ended is read, with an assertion-expired finding."""
    past = helpers.make_idp(tmp_path, lifetime_minutes=-5)
    login = _decode(helpers.authn_response(past.server))
    assert login.not_on_or_after is not None
    assert login.not_on_or_after < datetime.now(UTC)
    assert any(f.code == "assertion-expired" for f in login.findings)


def test_fresh_login_is_not_expired_until_its_end(signed: str) -> None:
    """The same login decoded after its NotOnOrAfter is reported expired, before it is not."""
    now = datetime.now(UTC)
    assert not any(f.code == "assertion-expired" for f in _decode(signed, now=now).findings)
    later = now + timedelta(hours=1)
    assert any(f.code == "assertion-expired" for f in _decode(signed, now=later).findings)


def test_wrong_audience_is_shown_as_sent(idp: helpers.TestIdp) -> None:
    """A login made for another SP shows that SP as its audience."""
    xml = helpers.authn_response(idp.server, audience="urn:some:other-sp")
    assert _decode(xml).audiences == ("urn:some:other-sp",)


def test_encrypted_assertion_is_reported_then_decrypted_with_sp_key(
    idp: helpers.TestIdp, trusted: tuple[Certificate, ...]
) -> None:
    """An EncryptedAssertion is reported as such; with --sp-key it is decrypted and verified."""
    xml = helpers.authn_response(idp.server, encrypt_assertion=True, encrypt_cert=idp.sp_cert_body)
    sealed = _decode(xml, trusted)
    assert sealed.encrypted is True
    assert sealed.attributes == ()
    assert sealed.nameid is None
    key = idp.sp_keys.key.read_text(encoding="ascii")
    opened = _decode(xml, trusted, sp_key=key)
    assert opened.decrypted is True
    assert {a.name: a.values for a in opened.attributes} == helpers.RELEASED_NAMES
    assert opened.trusted is True


def test_wrong_sp_key_fails_cleanly(tmp_path: Path, idp: helpers.TestIdp) -> None:
    """Decrypting with a key the IdP did not encrypt for is an InputError (exit 4)."""
    xml = helpers.authn_response(idp.server, encrypt_assertion=True, encrypt_cert=idp.sp_cert_body)
    wrong = helpers.make_keypair(tmp_path, "wrong").key.read_text(encoding="ascii")
    with pytest.raises(InputError) as caught:
        _decode(xml, sp_key=wrong)
    assert caught.value.reference == "saml-decrypt-failed"


def test_issuer_checked_against_metadata(signed: str, idp: helpers.TestIdp) -> None:
    """With the IdP's metadata the signature verifies from its certificates alone."""
    metadata_xml = helpers.idp_metadata_xml(idp.server).encode()
    import io

    metadata = parse_metadata(io.BytesIO(metadata_xml), "idp.xml")
    login = _decode(signed, metadata=metadata)
    assert login.trusted is True
    assert not any(f.code == "issuer-not-in-metadata" for f in login.findings)


# -- input shapes ---------------------------------------------------------------------------------


def test_base64_post_body(signed: str) -> None:
    """The base64 SAMLResponse value decodes to the same login."""
    login = _decode(base64.b64encode(signed.encode()))
    assert login.input_format == "base64"
    assert login.nameid is not None
    assert login.nameid.value == "jdoe@college.test"


def test_form_string_and_callback_url(signed: str) -> None:
    """A URL-encoded `SAMLResponse=` form body and a whole callback URL both decode."""
    value = urllib.parse.quote_plus(base64.b64encode(signed.encode()).decode())
    for text in (
        f"RelayState=abc&SAMLResponse={value}",
        f"https://sp.test/acs?SAMLResponse={value}",
    ):
        login = _decode(text)
        assert login.input_format == "form"
        assert login.issuer == helpers.IDP_ENTITY_ID


def test_redirect_binding_deflate(signed: str) -> None:
    """A deflated (HTTP-Redirect binding) base64 message is inflated."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflater.compress(signed.encode()) + deflater.flush()
    login = _decode(base64.b64encode(packed))
    assert login.input_format == "base64+deflate"
    assert len(login.attributes) == len(helpers.RELEASED_NAMES)


def test_html_auto_submit_form(signed: str) -> None:
    """The IdP's auto-submit page (as a browser saves it) yields the login in its form."""
    value = base64.b64encode(signed.encode()).decode()
    page = (
        "<!DOCTYPE html><html><body><form method='post' action='https://sp.test/acs'>"
        f"<input type='hidden' name='SAMLResponse' value='{value}'/></form></body></html>"
    )
    login = _decode(page)
    assert login.input_format == "html"
    assert login.nameid is not None
    assert login.nameid.value == "jdoe@college.test"


def test_html_page_with_escaped_xml(signed: str) -> None:
    """A page showing the response as escaped text (like a test-mode page) yields the login."""
    import html

    page = f"<html><body><h1>SAML test</h1><pre>{html.escape(signed)}</pre></body></html>"
    login = _decode(page)
    assert login.input_format == "html"
    assert login.issuer == helpers.IDP_ENTITY_ID


@pytest.mark.parametrize(
    ("data", "reference"),
    [
        (b"", "saml-message-empty"),
        (b"hello, this is not saml at all!", "saml-not-a-message"),
        (base64.b64encode(b"\x00\x01binary junk"), "saml-not-a-message"),
        (b"<html><body>login page</body></html>", "saml-not-a-message"),
        (b"<users><user/></users>", "saml-not-a-message"),
        (b"<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'>", "xml-malformed"),
    ],
)
def test_bad_input_is_a_clean_input_error(data: bytes, reference: str) -> None:
    """Garbage, non-SAML XML, truncated XML: an InputError with exit 4, never a traceback."""
    with pytest.raises(InputError) as caught:
        _decode(data)
    assert caught.value.reference == reference
    assert caught.value.exit_code is ExitCode.UNREADABLE


def test_dtd_is_refused() -> None:
    """A message with a DTD (billion laughs, XXE) is refused as unsafe."""
    xml = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>'
    with pytest.raises(UnsafeInputError):
        _decode(xml)


def test_comment_injection_reads_the_whole_value(
    idp: helpers.TestIdp, trusted: tuple[Certificate, ...]
) -> None:
    """A comment inside a signed NameID does not shorten it, and is reported."""
    xml = helpers.authn_response(idp.server, nameid="jdoe@college.test.evil.test")
    injected = xml.replace("jdoe@college.test.evil.test", "jdoe@college.test<!---->.evil.test")
    login = _decode(injected, trusted)
    assert login.nameid is not None
    assert login.nameid.value == "jdoe@college.test.evil.test"
    assert login.trusted is True  # exclusive c14n drops comments: the signed text is unchanged
    assert any(f.code == "comment-in-value" for f in login.findings)


def test_extract_xml_passes_plain_xml_through() -> None:
    """Raw XML is returned as is, marked xml."""
    assert extract_xml(b"  <a/>", "x") == (b"<a/>", "xml")


def test_damaged_messages_never_raise_anything_but_input_errors(
    signed: str, trusted: tuple[Certificate, ...]
) -> None:
    """Truncated or byte-flipped logins (raw and base64) give a result or an AuthprobeError."""
    from authprobe.errors import AuthprobeError

    data = signed.encode()
    variants = [data[:cut] for cut in range(1, len(data), max(1, len(data) // 60))]
    for index in range(0, len(data), max(1, len(data) // 60)):
        flipped = bytearray(data)
        flipped[index] ^= 0x5A
        variants.append(bytes(flipped))
    outcomes = {"read": 0, "refused": 0}
    for variant in variants:
        for shape in (variant, base64.b64encode(variant)):
            try:
                decode(shape, "damaged", certificates=trusted)
            except AuthprobeError:
                outcomes["refused"] += 1
            else:
                outcomes["read"] += 1
    assert outcomes["refused"] > 0
    assert outcomes["read"] > 0


def test_xml_after_some_text(signed: str) -> None:
    """XML pasted after a line of text (an e-mail, a ticket) is found."""
    login = _decode("SAML response from the test button:\n" + signed)
    assert login.input_format == "text"
    assert login.issuer == helpers.IDP_ENTITY_ID
