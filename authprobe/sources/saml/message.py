"""One captured login: a SAML Response (or a bare Assertion), however the user got hold of it.

    login = read_message("response.txt", certificates=..., metadata=..., sp_key=None)
    login.nameid.value, login.nameid.format, login.attributes[i].name / .values, login.trusted

Accepted input (`extract_xml`): raw XML; the base64 POST body; a `SAMLResponse=` query or form
string or a whole callback URL (URL-encoded; Redirect-binding deflate); an HTML page holding the
response (an auto-submit form, or the escaped XML that Alma's test mode shows); a SOAP
ArtifactResponse. Everything is parsed by `xmlsafe` (no DTDs).

Trust: a signature counts only when it is a direct child of the Response or of the Assertion
shown, references that very element by an ID that occurs once (or URI="", the whole document),
uses only canonicalisation transforms and verifies with a *trusted* certificate (from `--cert` or
the IdP metadata, never the one embedded in the message). `Assertion.trusted` is True only when
every such signature verifies (`trust`): one invalid signature, a second Signature on one
element or a Response holding several assertions spoils it. Signatures elsewhere (signature
wrapping) are reported and ignored. Text is read as the XPath string-value (every text node,
comments excluded), so comment injection cannot shorten a value (`body`).

With `sp_key`, an EncryptedAssertion is decrypted where it stands in a copy of the document (so
prefixes declared on the Response resolve, and its signature is checked in the context it was
made in), then EncryptedID and EncryptedAttribute in place (`libxmlsec`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from authprobe import runtime, xmlsafe
from authprobe.errors import InputError, UsageError
from authprobe.model import Finding, Severity
from authprobe.sources.saml import libxmlsec
from authprobe.sources.saml.body import AssertionBody, Attribute, NameId, read_body
from authprobe.sources.saml.crypto import DS, Certificate, SignatureCheck, check_enveloped_signature
from authprobe.sources.saml.login import Assertion, SignatureFact
from authprobe.sources.saml.metadata import IdpEntity, IdpMetadata, parse_datetime
from authprobe.sources.saml.trust import TrustVerdict, held_finding, trust
from authprobe.sources.saml.unwrap import extract_xml, not_a_message, read_input
from authprobe.wording import agree, plural

__all__ = [
    "Assertion",
    "Attribute",
    "NameId",
    "SignatureFact",
    "decode",
    "extract_xml",
    "issuers",
    "load_sp_key",
    "read_input",
    "read_message",
]

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
XENC = "http://www.w3.org/2001/04/xmlenc#"
SOURCE = "saml-assertion"
CHECKED_PER_ELEMENT = 2
"""Signatures verified per element: a second one is refused anyway, and each check walks the
whole document, so thousands of copies would cost minutes."""


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
    index: int | None = None,
) -> Assertion:
    """Read a captured login from a file, or from stdin when `source` is `-` (`index`: which
    message of a SAML-tracer export)."""
    data, location = read_input(source)
    return decode(
        data,
        location,
        certificates=certificates,
        metadata=metadata,
        sp_key=sp_key,
        now=now,
        index=index,
    )


def issuers(data: bytes, location: str, *, index: int | None = None) -> tuple[str, ...]:
    """The Issuers a login names (Response, and each readable Assertion), to find its IdP.

    Read before the IdP metadata, so that only that IdP of a large aggregate is kept. Nothing
    here is trusted: the signatures are checked by `decode`.
    """
    xml, input_format = extract_xml(data, location, index=index)
    message, _ = _message_root(xmlsafe.parse_bytes(xml, location), location, input_format)
    found = [_text(_child(message, SAML, "Issuer"))]
    found += [_text(_child(a, SAML, "Issuer")) for a in message.iterfind(f"{{{SAML}}}Assertion")]
    return tuple(dict.fromkeys(i for i in found if i))


def decode(
    data: bytes,
    location: str,
    *,
    certificates: Sequence[Certificate] = (),
    metadata: IdpMetadata | None = None,
    sp_key: str | None = None,
    now: datetime | None = None,
    index: int | None = None,
) -> Assertion:
    """Decode a captured login (see the module docstring)."""
    moment = now or datetime.now(UTC)
    xml, input_format = extract_xml(data, location, index=index)
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
        self.signature_totals: dict[str, int] = {}

    # -- the envelope -------------------------------------------------------------------------

    def run(self, message: Any) -> Assertion:
        response = message if _local(message.tag) == "Response" else None
        response_issuer = _text(_child(response, SAML, "Issuer")) or None
        held = (
            [c for c in response if _local(c.tag) in ("Assertion", "EncryptedAssertion")]
            if response is not None
            else [message]
        )
        assertion = _shown(held)
        if len(held) > 1:
            self.findings.append(
                held_finding([_kind_and_id(a) for a in held], _kind_and_id(assertion))
            )
        self._trusted_certificates(response_issuer or _issuer(assertion))
        response_checks = self._check(response, "Response")
        encrypted = assertion is not None and _local(assertion.tag) == "EncryptedAssertion"
        decrypted = False
        held_count = len(held)
        if encrypted and self.sp_key:
            assertion = self._open_assertion(assertion)
            encrypted, decrypted = False, True
            held_count += self._smuggled(assertion)
        assertion_checks = self._check(assertion, "Assertion") if not encrypted else []
        self._stray_signatures(message, response, assertion, decrypted)
        verdict = trust(
            response_checks,
            assertion_checks,
            has_assertion=assertion is not None,
            encrypted=encrypted,
            held=held_count,
            certificates=bool(self.certificates),
            totals=self.signature_totals,
        )
        self.findings.extend(verdict.findings)
        self._status_findings(response)
        opener = self._open_part if self.sp_key else None
        body = read_body(assertion if not encrypted else None, self.findings, opener)
        self._time_findings(body)
        self._metadata_findings(response_issuer or body.issuer, body.attributes)
        return self._assertion(message, response, assertion, body, encrypted, decrypted, verdict)

    def _assertion(
        self,
        message: Any,
        response: Any,
        assertion: Any,
        body: AssertionBody,
        encrypted: bool,
        decrypted: bool,
        verdict: TrustVerdict,
    ) -> Assertion:
        status_code, status_message = _status(response)
        return Assertion(
            location=self.location,
            input_format=self.input_format,
            message="Response" if response is not None else "Assertion",
            response_id=response.get("ID") if response is not None else None,
            response_issuer=_text(_child(response, SAML, "Issuer")) or None,
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
            trusted=verdict.trusted,
            trust_detail=verdict.detail,
            findings=tuple(self.findings),
        )

    def _status_findings(self, response: Any) -> None:
        status_code, status_message = _status(response)
        if status_code and not status_code.endswith(":Success"):
            self.findings.append(
                _finding(
                    "login-failed",
                    Severity.ERROR,
                    f"The IdP answered with status {status_code.rsplit(':', 1)[-1]}"
                    f"{': ' + status_message if status_message else ''}: this login failed.",
                )
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

    def _check(self, element: Any, name: str) -> list[SignatureCheck]:
        """Check every Signature child of `element` (a second one is reported by `trust`)."""
        if element is None:
            return []
        checks = []
        found = element.findall(f"{{{DS}}}Signature")
        self.signature_totals[name] = len(found)
        for signature in found[:CHECKED_PER_ELEMENT]:  # a second one already spoils the message
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
            checks.append(check)
        return checks

    def _stray_signatures(self, message: Any, response: Any, assertion: Any, opened: bool) -> None:
        known = {e for e in (response, assertion) if e is not None}
        known.update(message.iterancestors())  # a SOAP ArtifactResponse signs itself
        tops = [message.getroottree().getroot()]
        if opened:  # the decrypted assertion lives in its own copy of the document
            tops.append(assertion)
        stray = [
            s for top in tops for s in top.iter(f"{{{DS}}}Signature") if s.getparent() not in known
        ]
        if stray:
            places = sorted({_local(s.getparent().tag) for s in stray})
            self.findings.append(
                _finding(
                    "signature-elsewhere",
                    Severity.WARNING,
                    agree(
                        f"{plural(len(stray), 'signature')} elsewhere in the message (inside "
                        f"{', '.join('<' + p + '>' for p in places)}) [was|were] ignored: "
                        "[it does|they do] not cover the Response or the assertion shown. ",
                        len(stray),
                    )
                    + "Unexpected signatures are a "
                    "sign of signature wrapping.",
                )
            )

    # -- decryption (--sp-key) -----------------------------------------------------------------

    def _open_assertion(self, sealed: Any) -> Any:
        """The EncryptedAssertion decrypted where it stands, in a copy of the document.

        The copy keeps the original intact (the Response signature was checked on it). In the
        copy the Assertion takes the place of the EncryptedData, in the context the IdP wrote it
        in, so prefixes declared on the Response resolve and its signature is checked there.
        It is left in place: moving it (lxml) would rewrite its namespace prefixes, and
        exclusive canonicalisation counts prefixes, so a valid signature would then fail.
        """
        opened = libxmlsec.decrypt(_twin(sealed), self.sp_key or "", self.location)
        if _local(opened.tag) != "Assertion" or not opened.tag.startswith(f"{{{SAML}}}"):
            raise not_a_message(self.location, "the decrypted content is not an Assertion")
        return opened

    def _smuggled(self, opened: Any) -> int:
        """Assertions beyond the first that one EncryptedData decrypted to (an error finding)."""
        inside = [
            c for c in opened.getparent() if isinstance(c.tag, str) and _local(c.tag) == "Assertion"
        ]
        if len(inside) > 1:
            kinds = [("decrypted Assertion", a.get("ID")) for a in inside]
            self.findings.append(
                held_finding(kinds, kinds[0], "One EncryptedAssertion decrypts to")
            )
        return len(inside) - 1

    def _open_part(self, wrapper: Any) -> Any:
        """An EncryptedID / EncryptedAttribute decrypted in place (signatures already checked)."""
        return libxmlsec.decrypt(wrapper, self.sp_key or "", self.location)

    # -- facts ---------------------------------------------------------------------------------

    def _time_findings(self, body: AssertionBody) -> None:
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
                    agree(
                        f"{plural(len(missing), 'released attribute')} [is|are] not listed in the "
                        "metadata: ",
                        len(missing),
                    )
                    + ", ".join(missing),
                )
            )


def _issuer(assertion: Any) -> str | None:
    if assertion is None or _local(assertion.tag) != "Assertion":
        return None
    return _text(_child(assertion, SAML, "Issuer")) or None


def _status(response: Any) -> tuple[str | None, str]:
    """The StatusCode Value and the StatusMessage text of a Response."""
    if response is None:
        return None, ""
    code = response.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusCode")
    message = _text(response.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusMessage"))
    return (code.get("Value") if code is not None else None), message


def _twin(element: Any) -> Any:
    """The same element in a deep copy of its whole document."""
    path = [element, *element.iterancestors()][:-1]  # up to, not including, the root
    twin = copy.deepcopy(element.getroottree().getroot())
    for node in reversed(path):
        twin = twin[node.getparent().index(node)]
    return twin


def _shown(held: list[Any]) -> Any:
    """The assertion to show: the first plain Assertion, else the first EncryptedAssertion."""
    plain = [a for a in held if _local(a.tag) == "Assertion"]
    return (plain or held or [None])[0]


def _kind_and_id(element: Any) -> tuple[str, str | None]:
    kind = _local(element.tag)
    if kind == "EncryptedAssertion":
        data = element.find(f"{{{XENC}}}EncryptedData")
        return kind, data.get("Id") if data is not None else None
    return kind, element.get("ID")


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
