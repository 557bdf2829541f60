"""saml decode against what the peers (python3-saml, pysaml2, ruby-saml, ...) expect.

Every message here is written by hand and signed / encrypted at test time by the `xmlsec1`
command-line tool (tests/saml_forge.py), with the prefixes declared once on the Response as many
IdPs write them. The expected verdicts are those of the peers' own test suites: decrypt in context,
URI="" covers the whole document, one invalid signature spoils the message, an unknown algorithm
is not a changed content, a second Signature on one element is refused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from authprobe.cli.app import main
from authprobe.errors import InputError
from authprobe.sources.saml.crypto import Certificate, read_certificates
from authprobe.sources.saml.message import Assertion, decode
from tests import saml_forge as forge
from tests import saml_helpers as helpers

pytestmark = pytest.mark.skipif(helpers.XMLSEC1 is None, reason="xmlsec1 is not installed")

EMPLOYEE_NUMBER = "urn:oid:2.16.840.1.113730.3.1.3"
EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
ATTRIBUTES = {EMPLOYEE_NUMBER: ("0012345",), EPPN: ("jdoe@college.test",)}
RAW_C_OUTPUT = re.compile(r"func=xmlSec|namespace error|parser error|Namespace prefix", re.I)


class Keys:
    """The IdP's signing pair, another (untrusted) pair and the SP's encryption pair."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.idp = helpers.make_keypair(folder, "idp")
        self.other = helpers.make_keypair(folder, "other")
        self.sp = helpers.make_keypair(folder, "sp")

    @property
    def trusted(self) -> tuple[Certificate, ...]:
        """The IdP certificate, as --cert gives it."""
        return read_certificates(self.idp.cert)

    @property
    def sp_key(self) -> str:
        """The SP private key, as --sp-key gives it."""
        return self.sp.key.read_text(encoding="ascii")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """Fresh key pairs for the module."""
    return Keys(tmp_path_factory.mktemp("forge"))


def _decode(xml: bytes, keys: Keys, *, sp_key: bool = False) -> Assertion:
    return decode(xml, "test", certificates=keys.trusted, sp_key=keys.sp_key if sp_key else None)


def _signed(keys: Keys, **assertion: object) -> bytes:
    xml = forge.response(forge.assertion(attributes=ATTRIBUTES, **assertion))  # type: ignore[arg-type]
    return forge.sign(xml, keys.idp, "_a1", keys.folder)


def _released(login: Assertion) -> dict[str, tuple[str, ...]]:
    return {a.name: a.values for a in login.attributes}


# -- decryption in context ---------------------------------------------------------------------


def test_encrypted_assertion_with_prefixes_declared_on_the_response(keys: Keys) -> None:
    """An EncryptedAssertion whose `saml:` prefix the Response declares decrypts and verifies."""
    xml = forge.encrypt_element(
        _signed(keys), "saml:Assertion", "saml:EncryptedAssertion", keys.sp.cert, keys.folder
    )
    assert b"xmlns:saml" not in xml.split(b"<saml:EncryptedAssertion>")[1]
    sealed = _decode(xml, keys)
    assert (sealed.encrypted, sealed.attributes) == (True, ())
    login = _decode(xml, keys, sp_key=True)
    assert login.decrypted is True
    assert login.nameid is not None
    assert login.nameid.value == "jdoe@college.test"
    assert _released(login) == ATTRIBUTES
    assert login.trusted is True


def test_encrypted_nameid_is_decrypted_with_the_sp_key(keys: Keys) -> None:
    """An EncryptedID in a signed assertion: shown as encrypted, then decrypted with --sp-key."""
    xml = forge.response(forge.assertion(nameid="e1234567", attributes=ATTRIBUTES))
    xml = forge.encrypt_element(xml, "saml:NameID", "saml:EncryptedID", keys.sp.cert, keys.folder)
    xml = forge.sign(xml, keys.idp, "_a1", keys.folder)
    sealed = _decode(xml, keys)
    assert sealed.nameid is not None
    assert sealed.nameid.encrypted is True
    login = _decode(xml, keys, sp_key=True)
    assert login.nameid is not None
    assert (login.nameid.value, login.nameid.encrypted) == ("e1234567", False)
    assert login.nameid.format == forge.EMAIL
    assert login.trusted is True


def test_encrypted_attribute_is_decrypted_with_the_sp_key(keys: Keys) -> None:
    """An EncryptedAttribute is counted without a key and shown, in place, with --sp-key."""
    xml = forge.response(forge.assertion(attributes=ATTRIBUTES))
    xml = forge.encrypt_element(
        xml, "saml:Attribute", "saml:EncryptedAttribute", keys.sp.cert, keys.folder
    )
    xml = forge.sign(xml, keys.idp, "_a1", keys.folder)
    sealed = _decode(xml, keys)
    assert (sealed.encrypted_attributes, _released(sealed)) == (1, {EPPN: ATTRIBUTES[EPPN]})
    login = _decode(xml, keys, sp_key=True)
    assert login.encrypted_attributes == 0
    assert [a.name for a in login.attributes] == [EMPLOYEE_NUMBER, EPPN]
    assert _released(login) == ATTRIBUTES
    assert login.trusted is True


def test_encrypted_assertion_and_nameid_both_decrypt(keys: Keys) -> None:
    """An EncryptedID inside an EncryptedAssertion: both layers are opened with one key."""
    xml = forge.response(forge.assertion(nameid="inner-id", attributes=ATTRIBUTES))
    xml = forge.encrypt_element(xml, "saml:NameID", "saml:EncryptedID", keys.sp.cert, keys.folder)
    xml = forge.sign(xml, keys.idp, "_a1", keys.folder)
    xml = forge.encrypt_element(
        xml, "saml:Assertion", "saml:EncryptedAssertion", keys.sp.cert, keys.folder
    )
    login = _decode(xml, keys, sp_key=True)
    assert login.nameid is not None
    assert login.nameid.value == "inner-id"
    assert login.trusted is True


# -- what a signature covers ---------------------------------------------------------------------


def test_whole_document_reference_in_the_assertion_verifies(keys: Keys) -> None:
    """A signature in the Assertion with Reference URI="" covers the whole document: trusted."""
    xml = forge.sign(
        forge.response(forge.assertion(attributes=ATTRIBUTES)), keys.idp, "_a1", keys.folder, uri=""
    )
    assert b'URI=""' in xml
    login = _decode(xml, keys)
    assert [s.verified for s in login.signatures] == [True]
    assert login.trusted is True
    tampered = _decode(xml.replace(b"0012345", b"0099999"), keys)
    assert tampered.trusted is False


def test_valid_response_signature_and_invalid_assertion_signature(keys: Keys) -> None:
    """The Response verifies, the Assertion was signed by another key: not trusted, an error."""
    xml = forge.response(forge.assertion(attributes=ATTRIBUTES))
    xml = forge.sign(xml, keys.other, "_a1", keys.folder)
    xml = forge.sign(xml, keys.idp, "_r1", keys.folder)
    login = _decode(xml, keys)
    assert sorted((s.element, s.verified) for s in login.signatures) == [
        ("Assertion", False),
        ("Response", True),
    ]
    assert login.trusted is False
    assert any(f.code == "signature-invalid" and f.severity == "error" for f in login.findings)


def test_valid_assertion_signature_and_invalid_response_signature(keys: Keys) -> None:
    """The Assertion verifies, the Response was signed by another key: not trusted either."""
    xml = forge.response(forge.assertion(attributes=ATTRIBUTES))
    xml = forge.sign(xml, keys.idp, "_a1", keys.folder)
    xml = forge.sign(xml, keys.other, "_r1", keys.folder)
    login = _decode(xml, keys)
    assert login.trusted is False
    assert "not trusted" in login.trust_detail


def test_both_signatures_valid_is_trusted(keys: Keys) -> None:
    """Control: Response and Assertion both signed by the IdP: trusted."""
    xml = forge.sign(_signed(keys), keys.idp, "_r1", keys.folder)
    login = _decode(xml, keys)
    assert [s.verified for s in login.signatures] == [True, True]
    assert login.trusted is True


def test_second_signature_on_the_same_element_is_reported(keys: Keys) -> None:
    """Two Signatures inside one Assertion: both are listed, an error says so, not trusted."""
    xml = forge.sign(_signed(keys), keys.idp, "_a1", keys.folder, tag="second")
    assert xml.count(b"<ds:Signature ") == 2
    login = _decode(xml, keys)
    assert [s.element for s in login.signatures] == ["Assertion", "Assertion"]
    repeated = [f for f in login.findings if f.code == "signature-repeated"]
    assert len(repeated) == 1
    assert repeated[0].severity == "error"
    assert login.trusted is False


def test_unknown_digest_algorithm_is_named(keys: Keys) -> None:
    """A DigestMethod xmlsec does not know (xmlenc#sha384) is named, not called changed content."""
    xml = _signed(keys).replace(forge.SHA256.encode(), b"http://www.w3.org/2001/04/xmlenc#sha384")
    login = _decode(xml, keys)
    (signature,) = login.signatures
    assert signature.verified is False
    assert "http://www.w3.org/2001/04/xmlenc#sha384" in signature.detail
    assert "not know" in signature.detail
    assert "changed" not in signature.detail
    assert login.trusted is False


def test_standard_sha384_digest_verifies(keys: Keys) -> None:
    """Control: the standard SHA-384 identifier (xmldsig-more#sha384) verifies."""
    sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    xml = forge.sign(forge.response(), keys.idp, "_a1", keys.folder, digest=sha384, tag="sha384")
    login = _decode(xml, keys)
    assert [s.digest_algorithm for s in login.signatures] == [sha384]
    assert login.trusted is True


def test_changed_content_is_still_called_changed(keys: Keys) -> None:
    """Control: a value changed after signing is reported as such."""
    login = _decode(_signed(keys).replace(b"0012345", b"0099999"), keys)
    assert login.trusted is False
    assert "changed" in login.signatures[0].detail


# -- a Response holding several assertions -------------------------------------------------------


def test_assertion_and_encrypted_assertion_are_shown_with_an_error(keys: Keys) -> None:
    """A Response with an Assertion and an EncryptedAssertion is shown, never trusted, an error."""
    plain = forge.assertion(attributes=ATTRIBUTES)
    hidden = forge.assertion("_a2", nameid="other@college.test")
    xml = forge.sign(forge.response(plain, hidden), keys.idp, "_a1", keys.folder)
    xml = forge.encrypt_element(
        xml,
        "saml:Assertion",
        "saml:EncryptedAssertion",
        keys.sp.cert,
        keys.folder,
        element_id="_a2",
    )
    assert xml.count(b"<saml:EncryptedAssertion>") == 1
    assert xml.count(b"<saml:Assertion ") == 1
    login = _decode(xml, keys)
    assert login.assertion_id == "_a1"
    assert login.nameid is not None
    assert login.nameid.value == "jdoe@college.test"
    assert _released(login) == ATTRIBUTES
    assert login.trusted is False
    (held,) = [f for f in login.findings if f.code == "multiple-assertions"]
    assert held.severity == "error"
    assert "1 Assertion" in held.message
    assert "1 EncryptedAssertion" in held.message


def test_two_plain_assertions_are_shown_with_an_error(keys: Keys) -> None:
    """Two Assertions: the first is shown, not trusted even though its signature verifies."""
    xml = forge.response(forge.assertion(attributes=ATTRIBUTES), forge.assertion("_a2"))
    login = _decode(forge.sign(xml, keys.idp, "_a1", keys.folder), keys)
    assert [s.verified for s in login.signatures] == [True]
    assert login.trusted is False
    assert any(f.code == "multiple-assertions" for f in login.findings)


# -- nothing from the C libraries on stderr -------------------------------------------------------


def test_no_raw_library_messages_on_stderr(
    keys: Keys, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Decrypting content with an undeclared prefix, and an unknown algorithm: our words only."""
    broken = forge.response(forge.assertion()).replace(b"<saml:Subject>", b"<foo:Subject>")
    broken = broken.replace(b"</saml:Subject>", b"</foo:Subject>")
    sealed = forge.encrypt_element(
        broken, "saml:Assertion", "saml:EncryptedAssertion", keys.sp.cert, keys.folder
    )
    login = tmp_path / "login.xml"
    login.write_bytes(sealed)
    key = tmp_path / "sp.key"
    key.write_text(keys.sp_key, encoding="ascii")
    assert main(["saml", "decode", str(login), "--sp-key", str(key)]) == 4
    err = capfd.readouterr().err
    assert "saml-decrypt-failed" in err
    assert "foo" in err
    assert not RAW_C_OUTPUT.search(err.replace("namespace prefix foo", "")), err
    odd = tmp_path / "odd.xml"
    odd.write_bytes(
        _signed(keys).replace(forge.SHA256.encode(), b"http://www.w3.org/2001/04/xmlenc#sha384")
    )
    # exit 1: the signature that cannot be checked is an error (--fail-on defaults to error)
    assert main(["saml", "decode", str(odd), "--cert", str(keys.idp.cert), "-f", "json"]) == 1
    captured = capfd.readouterr()
    assert not RAW_C_OUTPUT.search(captured.err), captured.err
    data = json.loads(captured.out)
    assert data["login"]["trusted"] is False


def test_wrong_sp_key_is_still_a_clean_error(keys: Keys) -> None:
    """A key the IdP did not encrypt for: saml-decrypt-failed (exit 4), naming the cause."""
    xml = forge.encrypt_element(
        _signed(keys), "saml:Assertion", "saml:EncryptedAssertion", keys.sp.cert, keys.folder
    )
    with pytest.raises(InputError) as caught:
        decode(xml, "test", sp_key=keys.other.key.read_text(encoding="ascii"))
    assert caught.value.reference == "saml-decrypt-failed"
    assert "encrypted for another" in caught.value.message


def test_bare_encrypted_assertion_decrypts(keys: Keys) -> None:
    """A lone saml:EncryptedAssertion (as Okta's test data holds one) decrypts and verifies."""
    xml = forge.encrypt_element(
        _signed(keys), "saml:Assertion", "saml:EncryptedAssertion", keys.sp.cert, keys.folder
    )
    start = xml.index(b"<saml:EncryptedAssertion>")
    end = xml.index(b"</saml:EncryptedAssertion>") + len(b"</saml:EncryptedAssertion>")
    bare = xml[start:end].replace(
        b"<saml:EncryptedAssertion>",
        f'<saml:EncryptedAssertion xmlns:saml="{forge.SAML}">'.encode(),
        1,
    )
    login = _decode(bare, keys, sp_key=True)
    assert (login.message, login.decrypted) == ("Assertion", True)
    assert _released(login) == ATTRIBUTES
    assert login.trusted is True


def _sealed(keys: Keys, plaintext: bytes, name: str) -> bytes:
    encrypted = forge.encrypt(plaintext, keys.sp.cert, keys.folder, name=name)
    return forge.response(
        f"<saml:EncryptedAssertion>{encrypted.decode()}</saml:EncryptedAssertion>"
    )


@pytest.mark.parametrize(
    ("plaintext", "said"),
    [
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<saml:Assertion ID="_x">&b;</saml:Assertion>',
            "not well-formed XML: Entity 'b' not defined",
        ),
        (b'<saml:Assertion ID="_x"><saml:Issuer>&xxe;</saml:Issuer></saml:Assertion>', "xxe"),
        (b"just text, not XML", "not an XML element"),
    ],
)
def test_hostile_plaintext_is_a_clean_decrypt_error(
    keys: Keys, plaintext: bytes, said: str
) -> None:
    """Entities, a DTD or plain text inside an EncryptedAssertion: exit 4 saying so, no crash."""
    with pytest.raises(InputError) as caught:
        _decode(_sealed(keys, plaintext, f"hostile{len(plaintext)}"), keys, sp_key=True)
    assert caught.value.reference == "saml-decrypt-failed"
    assert said in caught.value.message
    assert "with the SP key given" not in caught.value.message  # the key was right


def test_two_assertions_in_one_encrypted_assertion(keys: Keys) -> None:
    """One EncryptedData holding two Assertions: the first is shown, an error, not trusted."""
    xml = forge.sign(
        forge.response(forge.assertion("_x", nameid="first@college.test")),
        keys.idp,
        "_x",
        keys.folder,
    )
    signed = xml[xml.index(b"<saml:Assertion") : xml.index(b"</saml:Assertion>") + 17]
    login = _decode(
        _sealed(keys, signed + forge.assertion("_y").encode(), "smuggled"), keys, sp_key=True
    )
    assert [s.verified for s in login.signatures] == [True]  # the first one is genuine
    assert login.assertion_id == "_x"
    assert login.trusted is False
    (held,) = [f for f in login.findings if f.code == "multiple-assertions"]
    assert "'_y'" in held.message


def test_encrypted_attribute_holding_two_attributes_is_reported(keys: Keys) -> None:
    """An EncryptedAttribute that decrypts to two Attributes: a warning says only one is read."""
    two = (
        f'<saml:Attribute Name="{EPPN}"><saml:AttributeValue>a@college.test'
        f'</saml:AttributeValue></saml:Attribute><saml:Attribute Name="{EMPLOYEE_NUMBER}">'
        "<saml:AttributeValue>007</saml:AttributeValue></saml:Attribute>"
    ).encode()
    sealed = forge.encrypt(two, keys.sp.cert, keys.folder, name="two-attributes")
    statement = (
        f"<saml:AttributeStatement><saml:EncryptedAttribute>{sealed.decode()}"
        "</saml:EncryptedAttribute></saml:AttributeStatement>"
    )
    xml = forge.response(
        forge.assertion().replace("</saml:Assertion>", statement + "</saml:Assertion>")
    )
    login = _decode(forge.sign(xml, keys.idp, "_a1", keys.folder), keys, sp_key=True)
    assert [a.name for a in login.attributes] == [EPPN]
    (odd,) = [f for f in login.findings if f.code == "encrypted-part-odd"]
    assert "2 elements" in odd.message
