"""The assertion itself: Issuer, Subject and NameID, conditions, attributes, as sent.

    body = read_body(assertion, findings, opener)
    body.nameid, body.attributes, body.audiences, ...

Text is read as the XPath string-value (every text node, comments excluded), so comment injection
cannot shorten a value; comments and child elements inside a value are reported. An EncryptedID
or EncryptedAttribute is decrypted in place by `opener` (given with --sp-key), else counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from authprobe import vocab
from authprobe.model import Finding, Severity
from authprobe.sources.saml.checks import nameid_opaque, nameid_short
from authprobe.sources.saml.entity import parse_datetime
from authprobe.wording import plural

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
SOURCE = "saml-assertion"

Opener = Callable[[Any], Any]
"""Decrypts an EncryptedID / EncryptedAttribute in place and returns the element it held."""


def local(tag: object) -> str:
    """The local name of an element tag (`Assertion` for `{urn:...}Assertion`)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def text_of(element: Any) -> str:
    """All text of an element (XPath string-value: every text node, comments excluded)."""
    return "" if element is None else str(element.xpath("string()")).strip()


def child(element: Any, namespace: str, tag: str) -> Any:
    """The first `{namespace}tag` child, or None."""
    return None if element is None else element.find(f"{{{namespace}}}{tag}")


def _finding(code: str, severity: Severity, message: str, field: str | None = None) -> Finding:
    return Finding(code, severity, SOURCE, field, 1, message)


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


MAX_DECRYPTED_PARTS = 1000
"""EncryptedIDs and EncryptedAttributes decrypted per message at most (each costs an RSA
decryption); the rest stay counted as encrypted, and a finding says so."""


class _Reader:
    """Findings of the reading, and the opener for encrypted parts (with its budget)."""

    def __init__(self, findings: list[Finding], opener: Opener | None) -> None:
        self.findings = findings
        self.opener = opener
        self.budget = MAX_DECRYPTED_PARTS
        self.skipped = 0

    def open(self, wrapper: Any, expected: str) -> Any:
        """The element `wrapper` holds (decrypted in place), or None when it stays encrypted."""
        if self.opener is None:
            return None
        if self.budget <= 0:
            self.skipped += 1
            return None
        self.budget -= 1
        inner = self.opener(wrapper)
        extra = [
            c
            for c in wrapper
            if isinstance(c.tag, str) and c is not inner and local(c.tag) != "EncryptedKey"
        ]
        if extra:
            self.findings.append(
                _finding(
                    "encrypted-part-odd",
                    Severity.WARNING,
                    f"An {local(wrapper.tag)} decrypts to {len(extra) + 1} elements; only the "
                    f"first, <{local(inner.tag)}>, is read (one is expected).",
                )
            )
        if local(inner.tag) != expected or not inner.tag.startswith(f"{{{SAML}}}"):
            self.findings.append(
                _finding(
                    "encrypted-part-odd",
                    Severity.WARNING,
                    f"An {local(wrapper.tag)} decrypts to <{local(inner.tag)}>, "
                    f"not <{expected}>: it is not shown.",
                )
            )
            return None
        return inner


@dataclass(frozen=True, slots=True)
class AssertionBody:
    """What the assertion says (all None / empty for no assertion)."""

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


def read_body(assertion: Any, findings: list[Finding], opener: Opener | None) -> AssertionBody:
    """Read an Assertion element (None: an empty body); findings are appended to `findings`.

    With `opener`, EncryptedID and EncryptedAttribute are decrypted in place (the assertion's
    tree changes: call this after its signatures were checked).
    """
    if assertion is None:
        return AssertionBody()
    reader = _Reader(findings, opener)
    subject = child(assertion, SAML, "Subject")
    confirmation = (
        None
        if subject is None
        else subject.find(f"{{{SAML}}}SubjectConfirmation/{{{SAML}}}SubjectConfirmationData")
    )
    conditions = child(assertion, SAML, "Conditions")
    authn = child(assertion, SAML, "AuthnStatement")
    context = (
        None
        if authn is None
        else authn.find(f"{{{SAML}}}AuthnContext/{{{SAML}}}AuthnContextClassRef")
    )
    nameid = _nameid(subject, reader)
    attributes, still_encrypted = _attributes(assertion, reader)
    if reader.skipped:
        findings.append(
            _finding(
                "encrypted-parts-skipped",
                Severity.WARNING,
                f"{plural(reader.skipped, 'encrypted part')} beyond the first "
                f"{MAX_DECRYPTED_PARTS} "
                "were not decrypted.",
            )
        )
    return AssertionBody(
        issuer=text_of(child(assertion, SAML, "Issuer")) or None,
        nameid=nameid,
        recipient=confirmation.get("Recipient") if confirmation is not None else None,
        not_before=parse_datetime(conditions.get("NotBefore")) if conditions is not None else None,
        not_on_or_after=parse_datetime(
            conditions.get("NotOnOrAfter")
            if conditions is not None and conditions.get("NotOnOrAfter")
            else (confirmation.get("NotOnOrAfter") if confirmation is not None else None)
        ),
        audiences=tuple(
            text_of(a) for a in assertion.iterfind(f".//{{{SAML}}}Audience") if text_of(a)
        ),
        authn_instant=parse_datetime(authn.get("AuthnInstant")) if authn is not None else None,
        authn_context=text_of(context) or None,
        session_index=authn.get("SessionIndex") if authn is not None else None,
        attributes=attributes,
        encrypted_attributes=still_encrypted,
    )


def _attributes(assertion: Any, reader: _Reader) -> tuple[tuple[Attribute, ...], int]:
    """Every Attribute of every AttributeStatement, in order; and how many stay encrypted."""
    attributes: list[Attribute] = []
    encrypted = 0
    for statement in assertion.iterfind(f"{{{SAML}}}AttributeStatement"):
        for node in list(statement):
            tag = node.tag if isinstance(node.tag, str) else ""
            if tag == f"{{{SAML}}}EncryptedAttribute":
                node = reader.open(node, "Attribute")
                if node is None:
                    encrypted += 1
                    continue
            elif tag != f"{{{SAML}}}Attribute":
                continue
            attributes.append(_attribute(node, reader))
    counts = Counter(a.name for a in attributes)
    duplicated = sorted(name for name, n in counts.items() if n > 1)
    if duplicated:
        reader.findings.append(
            _finding(
                "attribute-duplicated",
                Severity.WARNING,
                "These attributes are sent more than once (python3-saml and other SPs refuse "
                "that): " + ", ".join(duplicated),
            )
        )
    return tuple(attributes), encrypted


def _odd_text(element: Any, what: str, reader: _Reader) -> None:
    """Report comments or child elements inside a value (comment injection, nesting)."""
    if any(isinstance(node, etree._Comment) for node in element.iter()):
        first = element.text or ""
        reader.findings.append(
            _finding(
                "comment-in-value",
                Severity.WARNING,
                f"The {what} contains an XML comment. authprobe reads the whole text "
                f"({len(text_of(element))} characters); software that reads only the first text "
                f"node would see just the first {len(first.strip())} — the comment-injection "
                "attack.",
                field=what,
            )
        )
    if any(isinstance(node.tag, str) for node in element):
        reader.findings.append(
            _finding(
                "nested-value",
                Severity.WARNING,
                f"The {what} contains child elements; its value is read as all of its text.",
                field=what,
            )
        )


def _nameid(subject: Any, reader: _Reader) -> NameId | None:
    if subject is None:
        return None
    node = subject.find(f"{{{SAML}}}NameID")
    sealed = subject.find(f"{{{SAML}}}EncryptedID")
    if node is None and sealed is not None:
        node = reader.open(sealed, "NameID")
        if node is None:
            return NameId("", None, encrypted=True)
    if node is None:
        return None
    _odd_text(node, "NameID", reader)
    return NameId(
        value=text_of(node),
        format=node.get("Format"),
        name_qualifier=node.get("NameQualifier"),
        sp_name_qualifier=node.get("SPNameQualifier"),
        sp_provided_id=node.get("SPProvidedID"),
    )


def _attribute(node: Any, reader: _Reader) -> Attribute:
    name = node.get("Name") or ""
    values: list[str] = []
    nil = 0
    for value in node.iterfind(f"{{{SAML}}}AttributeValue"):
        if (value.get(XSI_NIL) or "").lower() in ("true", "1"):
            nil += 1
            continue
        inner = value.find(f"{{{SAML}}}NameID")
        if inner is None:
            _odd_text(value, f"value of {name}", reader)
        values.append(text_of(inner if inner is not None else value))
    return Attribute(name, node.get("NameFormat"), node.get("FriendlyName"), tuple(values), nil)
