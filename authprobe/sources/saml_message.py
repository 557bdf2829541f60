"""One captured login: a SAML Response (or a bare Assertion), however the user got hold of it.

    login = read_message("response.txt", certificates=..., metadata=..., sp_key=None)
    login.nameid.value, login.nameid.format, login.attributes[i].name / .values, login.trusted

Accepted input (`extract_xml`): raw XML; the base64 POST body; a `SAMLResponse=` query or form
string or a whole callback URL (URL-encoded; Redirect-binding deflate); an HTML page holding the
response (an auto-submit form, or the escaped XML that Alma's test mode shows); a SOAP
ArtifactResponse. Everything is parsed by `xmlsafe` (no DTDs).

Trust: a signature counts only when it is a direct child of the Response or of the Assertion
shown, references that very element by an ID that occurs once, uses only canonicalisation
transforms and verifies with a *trusted* certificate (from `--cert` or the IdP metadata, never the
one embedded in the message). `Assertion.trusted` says whether the values shown are covered;
signatures elsewhere (signature wrapping) are reported and ignored. Text is read as the XPath
string-value (every text node, comments excluded), so comment injection cannot shorten a value.
"""

from __future__ import annotations

import copy
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from authprobe import runtime, vocab, xmlsafe
from authprobe.errors import InputError, UsageError
from authprobe.model import Finding, Severity
from authprobe.sources.saml_checks import OPAQUE_NAMEID, nameid_opaque, nameid_short
from authprobe.sources.saml_crypto import (
    DS,
    Certificate,
    SignatureCheck,
    check_enveloped_signature,
)
from authprobe.sources.saml_input import MAX_INPUT, extract_xml, not_a_message
from authprobe.sources.saml_metadata import IdpEntity, IdpMetadata, parse_datetime

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
SOURCE = "saml-assertion"
OPAQUE_FORMATS = OPAQUE_NAMEID


@dataclass(frozen=True, slots=True)
class NameId:
    """The Subject's NameID."""

    value: str
    format: str | None
    name_qualifier: str | None = None
    sp_name_qualifier: str | None = None
    sp_provided_id: str | None = None
    encrypted: bool = False

    @property
    def format_short(self) -> str:
        """`persistent`, `emailAddress`, ... (`unspecified` when no Format is sent)."""
        return nameid_short(self.format) if self.format else "unspecified"

    @property
    def opaque(self) -> bool:
        """True for persistent, transient and pairwise NameIDs (never the matching ID).

        The Format is compared case-insensitively on its known short names, so the eIDAS
        spelling `urn:oasis:names:tc:saml2:2.0:nameid-format:persistent` is persistent too.
        """
        return nameid_opaque(self.format)


@dataclass(frozen=True, slots=True)
class Attribute:
    """One released attribute, Name exactly as sent."""

    name: str
    name_format: str | None
    friendly_name: str | None
    values: tuple[str, ...]
    nil_values: int = 0

    @property
    def readable_name(self) -> str:
        """A name a librarian can read (registry, else FriendlyName, else the URI's tail)."""
        return vocab.friendly_name(self.name, self.friendly_name)


@dataclass(frozen=True, slots=True)
class SignatureFact:
    """One signature found on the Response or the Assertion, and what checking it showed."""

    element: str  # "Response" or "Assertion"
    element_id: str | None
    algorithm: str | None
    digest_algorithm: str | None
    verified: bool | None  # None: no trusted certificate given
    detail: str
    certificate: str | None = None


@dataclass(frozen=True, slots=True)
class Assertion:
    """A captured login: the Response envelope, the assertion inside, and how far to trust it."""

    location: str
    input_format: str  # "xml", "base64", "base64+deflate", "form", "html", "soap"
    message: str  # "Response" or "Assertion"
    response_id: str | None
    response_issuer: str | None
    destination: str | None
    in_response_to: str | None
    issue_instant: datetime | None
    status: str | None
    status_message: str | None
    assertion_id: str | None
    issuer: str | None
    nameid: NameId | None
    recipient: str | None
    not_before: datetime | None
    not_on_or_after: datetime | None
    audiences: tuple[str, ...]
    authn_instant: datetime | None
    authn_context: str | None
    session_index: str | None
    attributes: tuple[Attribute, ...]
    encrypted: bool  # an EncryptedAssertion that was not decrypted
    decrypted: bool
    encrypted_attributes: int
    signatures: tuple[SignatureFact, ...]
    trusted: bool | None  # a verified signature covers the assertion shown; None: not checked
    trust_detail: str
    findings: tuple[Finding, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        """The attribute sent with this Name (case-insensitive), or None."""
        wanted = name.casefold()
        return next((a for a in self.attributes if a.name.casefold() == wanted), None)


# ---------------------------------------------------------------------------------------------
# reading the XML


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Any) -> str:
    """All text of an element (XPath string-value: every text node, comments excluded)."""
    return "" if element is None else str(element.xpath("string()")).strip()


def _child(element: Any, namespace: str, tag: str) -> Any:
    return None if element is None else element.find(f"{{{namespace}}}{tag}")


def _finding(code: str, severity: Severity, message: str, field: str | None = None) -> Finding:
    return Finding(code, severity, SOURCE, field, 1, message)


def _message_root(root: Any, location: str, input_format: str) -> tuple[Any, str]:
    """The Response or Assertion element to read (unwrapping SOAP / ArtifactResponse)."""
    tag = _local(root.tag)
    if tag in ("Envelope", "ArtifactResponse"):
        inner = root.find(f".//{{{SAMLP}}}Response")
        if inner is None:
            raise not_a_message(location, f"a <{tag}> without a SAML Response in it")
        return inner, "soap"
    if tag in ("Response", "Assertion", "EncryptedAssertion") and root.tag.startswith(
        (f"{{{SAMLP}}}", f"{{{SAML}}}")
    ):
        return root, input_format
    if tag.lower() == "html":
        raise not_a_message(location, "an HTML page without a SAML response in it")
    if tag in ("EntityDescriptor", "EntitiesDescriptor"):
        raise InputError(
            "saml-message-is-metadata",
            "This is SAML metadata, not a captured login.",
            location=location,
            hint="Use `authprobe saml metadata` for it, or pass it with --idp-metadata.",
        )
    raise not_a_message(location, f"the root element is <{tag}>")


def read_message(
    source: str | Path,
    *,
    certificates: Sequence[Certificate] = (),
    metadata: IdpMetadata | None = None,
    sp_key: str | None = None,
    now: datetime | None = None,
) -> Assertion:
    """Read a captured login from a file, or from stdin when `source` is `-`."""
    text = str(source)
    if text == "-":
        data = sys.stdin.buffer.read(MAX_INPUT + 1)
        location = "<stdin>"
    else:
        runtime.refuse_special(text, "captured login", stdin=True)
        try:
            data = Path(text).read_bytes()
        except OSError as exc:
            raise InputError(
                "saml-message-unreadable",
                f"The file cannot be read: {exc.strerror or exc}",
                location=text,
            ) from exc
        location = text
    return decode(
        data, location, certificates=certificates, metadata=metadata, sp_key=sp_key, now=now
    )


def decode(
    data: bytes,
    location: str,
    *,
    certificates: Sequence[Certificate] = (),
    metadata: IdpMetadata | None = None,
    sp_key: str | None = None,
    now: datetime | None = None,
) -> Assertion:
    """Decode a captured login (see the module docstring)."""
    moment = now or datetime.now(UTC)
    xml, input_format = extract_xml(data, location)
    root = xmlsafe.parse_bytes(xml, location)
    message, input_format = _message_root(root, location, input_format)
    return _Decoder(location, input_format, certificates, metadata, sp_key, moment).run(message)


class _Decoder:
    def __init__(
        self,
        location: str,
        input_format: str,
        certificates: Sequence[Certificate],
        metadata: IdpMetadata | None,
        sp_key: str | None,
        now: datetime,
    ) -> None:
        self.location = location
        self.input_format = input_format
        self.certificates = list(certificates)
        self.metadata = metadata
        self.sp_key = sp_key
        self.now = now
        self.findings: list[Finding] = []
        self.signatures: list[SignatureFact] = []

    # -- the envelope -------------------------------------------------------------------------

    def run(self, message: Any) -> Assertion:
        response = message if _local(message.tag) == "Response" else None
        response_issuer = _text(_child(response, SAML, "Issuer")) or None
        status_code = status_message = None
        if response is not None:
            code = response.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusCode")
            status_code = code.get("Value") if code is not None else None
            status_message = _text(response.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusMessage"))
            assertions = [
                c for c in response if _local(c.tag) in ("Assertion", "EncryptedAssertion")
            ]
        else:
            assertions = [message]
        if len(assertions) > 1:
            raise InputError(
                "saml-multiple-assertions",
                f"The Response holds {len(assertions)} assertions; SAML service providers "
                "(and Alma) refuse such a response, and it is a classic signature-wrapping trick.",
                location=self.location,
                hint="Capture the login again; if it repeats, show this to campus IT.",
            )
        assertion = assertions[0] if assertions else None
        self._trusted_certificates(response_issuer or _issuer(assertion))
        response_check = self._check(response, "Response") if response is not None else None
        encrypted = assertion is not None and _local(assertion.tag) == "EncryptedAssertion"
        decrypted = False
        if encrypted and self.sp_key:
            assertion = self._decrypt(assertion)
            encrypted, decrypted = False, True
        assertion_check = self._check(assertion, "Assertion") if not encrypted else None
        self._stray_signatures(message, response, assertion)
        trusted, trust_detail = self._trust(response_check, assertion_check, assertion, encrypted)
        if status_code and not status_code.endswith(":Success"):
            self.findings.append(
                _finding(
                    "login-failed",
                    Severity.ERROR,
                    f"The IdP answered with status {status_code.rsplit(':', 1)[-1]}"
                    f"{': ' + status_message if status_message else ''}: this login failed.",
                )
            )
        body = _AssertionBody.read(assertion if not encrypted else None, self)
        self._time_findings(body)
        self._metadata_findings(response_issuer or body.issuer, body.attributes)
        return Assertion(
            location=self.location,
            input_format=self.input_format,
            message="Response" if response is not None else "Assertion",
            response_id=response.get("ID") if response is not None else None,
            response_issuer=response_issuer,
            destination=response.get("Destination") if response is not None else None,
            in_response_to=response.get("InResponseTo") if response is not None else None,
            issue_instant=parse_datetime(message.get("IssueInstant")),
            status=status_code,
            status_message=status_message or None,
            assertion_id=assertion.get("ID") if assertion is not None else None,
            issuer=body.issuer,
            nameid=body.nameid,
            recipient=body.recipient,
            not_before=body.not_before,
            not_on_or_after=body.not_on_or_after,
            audiences=body.audiences,
            authn_instant=body.authn_instant,
            authn_context=body.authn_context,
            session_index=body.session_index,
            attributes=body.attributes,
            encrypted=encrypted,
            decrypted=decrypted,
            encrypted_attributes=body.encrypted_attributes,
            signatures=tuple(self.signatures),
            trusted=trusted,
            trust_detail=trust_detail,
            findings=tuple(self.findings),
        )

    # -- trust ---------------------------------------------------------------------------------

    def _idp(self, issuer: str | None) -> IdpEntity | None:
        if self.metadata is None:
            return None
        idp = self.metadata.find(issuer) if issuer else None
        if idp is None:
            self.findings.append(
                _finding(
                    "issuer-not-in-metadata",
                    Severity.ERROR,
                    f"The Issuer {issuer!r} is not an IdP of the metadata given "
                    f"({self.metadata.idp_count} IdPs): the login came from another IdP, or "
                    "the metadata is not this IdP's.",
                )
            )
        return idp

    def _trusted_certificates(self, issuer: str | None) -> None:
        idp = self._idp(issuer)
        if idp is not None:
            self.certificates.extend(idp.signing_certificates)

    def _check(self, element: Any, name: str) -> SignatureCheck | None:
        if element is None:
            return None
        signature = element.find(f"{{{DS}}}Signature")
        if signature is None:
            return None
        check = check_enveloped_signature(element, signature, self.certificates)
        self.signatures.append(
            SignatureFact(
                name,
                element.get("ID"),
                check.algorithm,
                check.digest_algorithm,
                check.verified,
                check.detail,
                check.certificate,
            )
        )
        return check

    def _stray_signatures(self, message: Any, response: Any, assertion: Any) -> None:
        known = {e for e in (response, assertion) if e is not None}
        known.update(message.iterancestors())  # a SOAP ArtifactResponse signs itself
        top = message.getroottree().getroot()
        stray = [s for s in top.iter(f"{{{DS}}}Signature") if s.getparent() not in known]
        if stray:
            places = sorted({_local(s.getparent().tag) for s in stray})
            self.findings.append(
                _finding(
                    "signature-elsewhere",
                    Severity.WARNING,
                    f"{len(stray)} signature(s) elsewhere in the message (inside "
                    f"{', '.join('<' + p + '>' for p in places)}) were ignored: they do not "
                    "cover the Response or the assertion shown. Unexpected signatures are a "
                    "sign of signature wrapping.",
                )
            )

    def _trust(
        self,
        response_check: SignatureCheck | None,
        assertion_check: SignatureCheck | None,
        assertion: Any,
        encrypted: bool,
    ) -> tuple[bool | None, str]:
        checks = [c for c in (response_check, assertion_check) if c is not None]
        if any(c.verified for c in checks) and any(c.verified is False for c in checks):
            self.findings.append(
                _finding(
                    "signature-partly-invalid",
                    Severity.WARNING,
                    "One signature verifies and another does not: "
                    + "; ".join(c.detail for c in checks if c.verified is False)
                    + ".",
                )
            )
        if any(c.verified for c in checks):
            covered = (
                "the whole Response"
                if response_check is not None and response_check.verified
                else "the assertion"
            )
            return True, f"A verified signature covers {covered}: the values shown are trusted."
        if not checks:
            if assertion is None and not encrypted:
                return None, "There is no assertion to trust."
            if encrypted:
                return None, (
                    "The Response is not signed and the assertion is encrypted: whether the "
                    "assertion inside is signed shows only once decrypted (--sp-key)."
                )
            detail = "Nothing is signed: anyone could have written these values."
            self.findings.append(_finding("unsigned", Severity.WARNING, detail))
            return (False if self.certificates else None), detail
        broken = [c for c in checks if c.verified is False]
        if broken:
            detail = "No signature verifies: " + "; ".join(c.detail for c in broken) + "."
            self.findings.append(
                _finding(
                    "signature-invalid",
                    Severity.ERROR,
                    detail + " Do not trust the values shown.",
                )
            )
            return False, detail
        return None, (
            "Signed, but not checked: pass --idp-metadata or --cert to verify the signature."
        )

    def _decrypt(self, encrypted: Any) -> Any:
        import xmlsec  # local: the C binding is only needed with --sp-key

        data = encrypted.find(f"{{{XENC}}}EncryptedData")
        if data is None:
            raise InputError(
                "saml-encrypted-malformed",
                "The EncryptedAssertion has no EncryptedData.",
                location=self.location,
            )
        _inline_retrieved_key(encrypted, data)
        try:
            manager = xmlsec.KeysManager()
            key = xmlsec.Key.from_memory(
                (self.sp_key or "").encode(), xmlsec.constants.KeyDataFormatPem, None
            )
            manager.add_key(key)
            plain = xmlsec.EncryptionContext(manager).decrypt(copy.deepcopy(data))
        except xmlsec.Error as exc:
            raise InputError(
                "saml-decrypt-failed",
                f"The assertion cannot be decrypted with the SP key given ({exc}).",
                location=self.location,
                hint="Pass the private key of the service provider the IdP encrypted for "
                "(--sp-key); the IdP's own keys cannot decrypt.",
            ) from exc
        text = etree.tostring(plain)
        root = xmlsafe.parse_bytes(text, f"{self.location} (decrypted)")
        if _local(root.tag) != "Assertion":
            raise not_a_message(self.location, "the decrypted content is not an Assertion")
        return root

    # -- facts ---------------------------------------------------------------------------------

    def _time_findings(self, body: _AssertionBody) -> None:
        if body.not_on_or_after is not None and body.not_on_or_after < self.now:
            self.findings.append(
                _finding(
                    "assertion-expired",
                    Severity.INFO,
                    f"The assertion was valid until {body.not_on_or_after:%Y-%m-%d %H:%M} UTC; "
                    "a captured login expires within minutes, so this is expected when "
                    "decoding an old capture.",
                )
            )
        if body.not_before is not None and body.not_before > self.now:
            self.findings.append(
                _finding(
                    "assertion-not-yet-valid",
                    Severity.WARNING,
                    f"The assertion is valid only from {body.not_before:%Y-%m-%d %H:%M} UTC: "
                    "the IdP's clock may be wrong.",
                )
            )

    def _metadata_findings(self, issuer: str | None, attributes: tuple[Attribute, ...]) -> None:
        if self.metadata is None or issuer is None:
            return
        idp = self.metadata.find(issuer)
        if idp is None or not idp.attributes:
            return
        missing = [a.name for a in attributes if not idp.offers(a.name)]
        if missing:
            self.findings.append(
                _finding(
                    "attribute-not-offered",
                    Severity.INFO,
                    f"{len(missing)} released attribute(s) are not listed in the metadata: "
                    + ", ".join(missing),
                )
            )


def _issuer(assertion: Any) -> str | None:
    if assertion is None or _local(assertion.tag) != "Assertion":
        return None
    return _text(_child(assertion, SAML, "Issuer")) or None


def _inline_retrieved_key(encrypted: Any, data: Any) -> None:
    """Move an EncryptedKey referenced by RetrievalMethod into the KeyInfo (as Okta sends it)."""
    key_info = data.find(f"{{{DS}}}KeyInfo")
    if key_info is None:
        return
    for method in key_info.findall(f"{{{DS}}}RetrievalMethod"):
        uri = (method.get("URI") or "").lstrip("#")
        for key in encrypted.findall(f"{{{XENC}}}EncryptedKey"):
            if key.get("Id") == uri:
                key_info.append(key)


@dataclass(frozen=True, slots=True)
class _AssertionBody:
    issuer: str | None = None
    nameid: NameId | None = None
    recipient: str | None = None
    not_before: datetime | None = None
    not_on_or_after: datetime | None = None
    audiences: tuple[str, ...] = ()
    authn_instant: datetime | None = None
    authn_context: str | None = None
    session_index: str | None = None
    attributes: tuple[Attribute, ...] = ()
    encrypted_attributes: int = 0

    @classmethod
    def read(cls, assertion: Any, decoder: _Decoder) -> _AssertionBody:
        if assertion is None:
            return cls()
        subject = _child(assertion, SAML, "Subject")
        confirmation = (
            None
            if subject is None
            else subject.find(f"{{{SAML}}}SubjectConfirmation/{{{SAML}}}SubjectConfirmationData")
        )
        conditions = _child(assertion, SAML, "Conditions")
        authn = _child(assertion, SAML, "AuthnStatement")
        context = (
            None
            if authn is None
            else authn.find(f"{{{SAML}}}AuthnContext/{{{SAML}}}AuthnContextClassRef")
        )
        statements = assertion.findall(f"{{{SAML}}}AttributeStatement")
        attributes = tuple(
            _attribute(a, decoder)
            for statement in statements
            for a in statement.iterfind(f"{{{SAML}}}Attribute")
        )
        counts = Counter(a.name for a in attributes)
        duplicated = sorted(name for name, n in counts.items() if n > 1)
        if duplicated:
            decoder.findings.append(
                _finding(
                    "attribute-duplicated",
                    Severity.WARNING,
                    "These attributes are sent more than once (python3-saml and other SPs refuse "
                    "that): " + ", ".join(duplicated),
                )
            )
        return cls(
            issuer=_text(_child(assertion, SAML, "Issuer")) or None,
            nameid=_nameid(subject, decoder),
            recipient=confirmation.get("Recipient") if confirmation is not None else None,
            not_before=parse_datetime(conditions.get("NotBefore"))
            if conditions is not None
            else None,
            not_on_or_after=parse_datetime(
                conditions.get("NotOnOrAfter")
                if conditions is not None and conditions.get("NotOnOrAfter")
                else (confirmation.get("NotOnOrAfter") if confirmation is not None else None)
            ),
            audiences=tuple(
                _text(a) for a in assertion.iterfind(f".//{{{SAML}}}Audience") if _text(a)
            ),
            authn_instant=parse_datetime(authn.get("AuthnInstant")) if authn is not None else None,
            authn_context=_text(context) or None,
            session_index=authn.get("SessionIndex") if authn is not None else None,
            attributes=attributes,
            encrypted_attributes=sum(
                len(s.findall(f"{{{SAML}}}EncryptedAttribute")) for s in statements
            ),
        )


def _odd_text(element: Any, what: str, decoder: _Decoder) -> None:
    """Report comments or child elements inside a value (comment injection, nesting)."""
    if any(isinstance(node, etree._Comment) for node in element.iter()):
        first = element.text or ""
        decoder.findings.append(
            _finding(
                "comment-in-value",
                Severity.WARNING,
                f"The {what} contains an XML comment. authprobe reads the whole text "
                f"({len(_text(element))} characters); software that reads only the first text "
                f"node would see just the first {len(first.strip())} — the comment-injection "
                "attack.",
                field=what,
            )
        )
    if any(isinstance(child.tag, str) for child in element):
        decoder.findings.append(
            _finding(
                "nested-value",
                Severity.WARNING,
                f"The {what} contains child elements; its value is read as all of its text.",
                field=what,
            )
        )


def _nameid(subject: Any, decoder: _Decoder) -> NameId | None:
    if subject is None:
        return None
    if subject.find(f"{{{SAML}}}EncryptedID") is not None:
        return NameId("", None, encrypted=True)
    node = subject.find(f"{{{SAML}}}NameID")
    if node is None:
        return None
    _odd_text(node, "NameID", decoder)
    return NameId(
        value=_text(node),
        format=node.get("Format"),
        name_qualifier=node.get("NameQualifier"),
        sp_name_qualifier=node.get("SPNameQualifier"),
        sp_provided_id=node.get("SPProvidedID"),
    )


def _attribute(node: Any, decoder: _Decoder) -> Attribute:
    name = node.get("Name") or ""
    values: list[str] = []
    nil = 0
    for value in node.iterfind(f"{{{SAML}}}AttributeValue"):
        if (value.get(XSI_NIL) or "").lower() in ("true", "1"):
            nil += 1
            continue
        inner = value.find(f"{{{SAML}}}NameID")
        if inner is None:
            _odd_text(value, f"value of {name}", decoder)
        values.append(_text(inner if inner is not None else value))
    return Attribute(name, node.get("NameFormat"), node.get("FriendlyName"), tuple(values), nil)


def load_sp_key(path: str | Path) -> str:
    """Read an SP private key (PEM) for --sp-key."""
    runtime.refuse_special(path, "SP key file")
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            "sp-key-unreadable", f"The SP key cannot be read: {exc}", location=str(path)
        ) from exc
    if "PRIVATE KEY" not in text:
        raise UsageError(
            "sp-key-not-pem",
            "--sp-key must be a PEM private key (-----BEGIN PRIVATE KEY-----).",
            location=str(path),
        )
    return text
