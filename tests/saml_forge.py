"""SAML messages pysaml2 will not write, made at test time with the `xmlsec1` command-line tool.

The XML is written here by hand (namespace prefixes declared where a test needs them: on the
Response, as many IdPs do), then signed and encrypted by `xmlsec1` (Debian's xmlsec1, an
independent program): authprobe's own SAML code is never used to make what it is tested on.

    xml = response(issuer=..., nameid=..., attributes={...})
    xml = sign(xml, keys, "_a1", folder)                       # the Assertion's enveloped signature
    xml = encrypt_element(xml, "saml:Assertion", sp_cert, folder)   # -> saml:EncryptedAssertion
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from lxml import etree

from tests.saml_helpers import XMLSEC1, KeyPair

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
ISSUER = "https://idp.forge.test/idp"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def assertion(
    assertion_id: str = "_a1",
    *,
    issuer: str = ISSUER,
    nameid: str = "jdoe@college.test",
    attributes: dict[str, tuple[str, ...]] | None = None,
) -> str:
    """A saml:Assertion using the `saml:` prefix WITHOUT declaring it (the Response does)."""
    attrs = "".join(
        f'<saml:Attribute Name="{_escape(name)}" NameFormat="{URI_FORMAT}">'
        + "".join(f"<saml:AttributeValue>{_escape(v)}</saml:AttributeValue>" for v in values)
        + "</saml:Attribute>"
        for name, values in (attributes or {}).items()
    )
    statement = f"<saml:AttributeStatement>{attrs}</saml:AttributeStatement>" if attrs else ""
    return (
        f'<saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="2030-01-01T00:00:00Z">'
        f"<saml:Issuer>{_escape(issuer)}</saml:Issuer>"
        f'<saml:Subject><saml:NameID Format="{EMAIL}">{_escape(nameid)}</saml:NameID>'
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        '<saml:SubjectConfirmationData NotOnOrAfter="2030-01-01T00:05:00Z" '
        'Recipient="https://sp.test/acs"/></saml:SubjectConfirmation></saml:Subject>'
        '<saml:Conditions NotBefore="2029-12-31T23:55:00Z" NotOnOrAfter="2030-01-01T00:05:00Z">'
        "<saml:AudienceRestriction><saml:Audience>urn:sp</saml:Audience>"
        "</saml:AudienceRestriction></saml:Conditions>"
        f"{statement}</saml:Assertion>"
    )


def response(*assertions: str, response_id: str = "_r1", issuer: str = ISSUER) -> bytes:
    """A samlp:Response declaring `samlp:` and `saml:` once, on itself, holding `assertions`."""
    body = "".join(assertions) if assertions else assertion()
    return (
        f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{response_id}" '
        'Version="2.0" IssueInstant="2030-01-01T00:00:00Z" Destination="https://sp.test/acs">'
        f"<saml:Issuer>{_escape(issuer)}</saml:Issuer>"
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        f"</samlp:Status>{body}</samlp:Response>"
    ).encode()


def _run(*args: str) -> None:
    assert XMLSEC1 is not None
    done = subprocess.run([XMLSEC1, *args], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")


_SIGNATURE = (
    f'<ds:Signature xmlns:ds="{DS}" Id="{{tid}}"><ds:SignedInfo>'
    f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/>'
    f'<ds:SignatureMethod Algorithm="{RSA_SHA256}"/><ds:Reference URI="{{uri}}"><ds:Transforms>'
    f'<ds:Transform Algorithm="{ENVELOPED}"/><ds:Transform Algorithm="{EXC_C14N}"/>'
    '</ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue/></ds:Reference>'
    "</ds:SignedInfo><ds:SignatureValue/></ds:Signature>"
)


def sign(
    xml: bytes,
    keys: KeyPair,
    element_id: str,
    folder: Path,
    *,
    uri: str | None = None,
    digest: str = SHA256,
    tag: str = "first",
) -> bytes:
    """Add an enveloped signature (made by xmlsec1) inside the element with ID `element_id`.

    It goes right after the element's Issuer (or first, when it has none); `uri` defaults to
    `#element_id` ("" signs the whole document). Signing twice adds a second Signature.
    """
    root = etree.fromstring(xml)
    target = root.xpath("//*[@ID=$id]", id=element_id)[0]
    tid = f"sig-{element_id}-{tag}"
    template = etree.fromstring(
        _SIGNATURE.format(tid=tid, uri=f"#{element_id}" if uri is None else uri, digest=digest)
    )
    issuer = target.find(f"{{{SAML}}}Issuer")
    target.insert(0 if issuer is None else target.index(issuer) + 1, template)
    folder.mkdir(parents=True, exist_ok=True)
    source, signed = folder / f"{tid}.in.xml", folder / f"{tid}.out.xml"
    source.write_bytes(etree.tostring(root))
    _run(
        "--sign",
        "--privkey-pem",
        f"{keys.key},{keys.cert}",
        "--id-attr:ID",
        f"{SAMLP}:Response",
        "--id-attr:ID",
        f"{SAML}:Assertion",
        "--node-xpath",
        f"//*[@Id='{tid}']",
        "--output",
        str(signed),
        str(source),
    )
    return signed.read_bytes()


_ENCRYPTED_DATA = (
    f'<xenc:EncryptedData xmlns:xenc="{XENC}" xmlns:ds="{DS}" '
    'Type="http://www.w3.org/2001/04/xmlenc#Element">'
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>'
    "<ds:KeyInfo><xenc:EncryptedKey>"
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>'
    "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
    "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"
)


def encrypt(plain: bytes, cert: Path, folder: Path, name: str = "plain") -> bytes:
    """An xenc:EncryptedData (Type Element) of `plain`, for the holder of `cert`'s key."""
    folder.mkdir(parents=True, exist_ok=True)
    data, template, out = (folder / f"{name}{suffix}" for suffix in (".bin", ".tmpl.xml", ".enc"))
    data.write_bytes(plain)
    template.write_text(_ENCRYPTED_DATA, encoding="utf-8")
    _run(
        "--encrypt",
        "--pubkey-cert-pem",
        str(cert),
        "--session-key",
        "aes-256",
        "--binary-data",
        str(data),
        "--output",
        str(out),
        str(template),
    )
    encrypted = out.read_bytes()
    return re.sub(rb"^<\?xml[^>]*\?>\s*", b"", encrypted)


def encrypt_element(
    xml: bytes, element: str, wrapper: str, cert: Path, folder: Path, *, element_id: str = ""
) -> bytes:
    """Replace the first `<element ...>...</element>` of `xml` by `<wrapper>` + its ciphertext.

    With `element_id`, the first such element whose ID is that. The element's bytes are taken
    exactly as they stand in the document, so namespace prefixes declared on its ancestors stay
    undeclared inside the plaintext (it can only be decrypted in context).
    """
    tag = re.escape(element.encode())
    wanted = rb'[^>]*\bID="' + re.escape(element_id.encode()) + rb'"' if element_id else b""
    pattern = re.compile(rb"<" + tag + rb"(?=[\s>])" + wanted + rb"[^>]*>.*?</" + tag + rb">", re.S)
    match = pattern.search(xml)
    assert match is not None, element
    name = f"{element.replace(':', '-')}{element_id}"
    sealed = encrypt(match.group(0), cert, folder, name=name)
    wrapped = f"<{wrapper}>".encode() + sealed + f"</{wrapper}>".encode()
    return xml[: match.start()] + wrapped + xml[match.end() :]
