"""Forged logins of the corpus are never trusted: signature wrapping, a concealed signed
assertion, a tampered signature.

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
import json
import re
import textwrap
from pathlib import Path

import pytest
from lxml import etree

from authprobe.cli.app import main
from authprobe.sources.saml.crypto import Certificate, parse_certificate
from authprobe.sources.saml.message import decode, read_message
from authprobe.sources.saml.metadata import IdpMetadata, read_metadata

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"
RESPONSES = CORPUS / "saml-responses"
METADATA = CORPUS / "idp-metadata"
needs_corpus = pytest.mark.skipif(not RESPONSES.is_dir(), reason="../shared/corpus is absent")

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"


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
