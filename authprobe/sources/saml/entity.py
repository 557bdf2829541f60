"""One IdP as SAML metadata describes it: the facts kept for each IDPSSODescriptor.

    idp = idp_entity(entity_descriptor, idpsso_descriptor, now, location)
    idp.entity_id, idp.sso, idp.nameid_formats, idp.attributes, idp.certificates, idp.findings

Pure reading of one (already parsed) EntityDescriptor element; `metadata` streams the
document and calls this once per IdP.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from authprobe.errors import InputError
from authprobe.model import Finding, Severity
from authprobe.sources.saml.checks import idp_findings
from authprobe.sources.saml.crypto import Certificate, parse_certificate

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
AUTH = "http://docs.oasis-open.org/wsfed/authorization/200706"
SHIBMD = "urn:mace:shibboleth:metadata:1.0"
MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SOURCE = "idp-metadata"


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _namespace(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text[1:].split("}", 1)[0] if text.startswith("{") else ""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An SSO, SLO or artifact-resolution endpoint."""

    kind: str  # "SSO", "SLO", "ArtifactResolution"
    binding: str
    location: str

    @property
    def binding_short(self) -> str:
        """`HTTP-POST` for the SAML 2.0 binding URN."""
        return self.binding.rsplit(":", 1)[-1] if self.binding.startswith("urn:") else self.binding


@dataclass(frozen=True, slots=True)
class OfferedAttribute:
    """An attribute or claim the IdP says it can release."""

    name: str
    name_format: str | None
    friendly_name: str | None
    source: str  # "saml:Attribute" or "fed:ClaimTypesOffered"


@dataclass(frozen=True, slots=True)
class Scope:
    """A `shibmd:Scope` (the part after @ in scoped attributes such as eppn)."""

    value: str
    regexp: bool


@dataclass(frozen=True, slots=True)
class IdpEntity:
    """Everything metadata says about one identity provider."""

    entity_id: str
    line: int | None
    display_name: str | None
    organization: str | None
    organization_url: str | None
    protocols: tuple[str, ...]
    sso: tuple[Endpoint, ...]
    slo: tuple[Endpoint, ...]
    artifact: tuple[Endpoint, ...]
    nameid_formats: tuple[str, ...]
    attributes: tuple[OfferedAttribute, ...]
    scopes: tuple[Scope, ...]
    certificates: tuple[Certificate, ...]
    valid_until: datetime | None
    findings: tuple[Finding, ...] = ()

    @property
    def signing_certificates(self) -> tuple[Certificate, ...]:
        """Certificates that may sign (use="signing" or no use)."""
        return tuple(c for c in self.certificates if c.signs)

    def offers(self, name: str) -> bool:
        """True when `name` (case-insensitive) is among the attributes or claims offered."""
        wanted = name.casefold()
        return any(a.name.casefold() == wanted for a in self.attributes)


def _text(element: Any) -> str:
    """The text content of an element (all text nodes, comments excluded), stripped."""
    if element is None:
        return ""
    return str(element.xpath("string()")).strip()


def _lang_pick(elements: Sequence[Any]) -> str | None:
    """The English text among localised elements, else the first."""
    if not elements:
        return None
    for element in elements:
        if (element.get(XML_LANG) or "").lower().startswith("en"):
            return _text(element) or None
    return _text(elements[0]) or None


def idp_entity(element: Any, idpsso: Any, now: datetime, location: str) -> IdpEntity:
    entity_id = element.get("entityID") or ""
    endpoints = {
        kind: tuple(
            Endpoint(kind, e.get("Binding") or "", e.get("Location") or "")
            for e in idpsso.iterfind(f"{{{MD}}}{tag}")
        )
        for kind, tag in (
            ("SSO", "SingleSignOnService"),
            ("SLO", "SingleLogoutService"),
            ("ArtifactResolution", "ArtifactResolutionService"),
        )
    }
    formats = tuple(_text(f) for f in idpsso.iterfind(f"{{{MD}}}NameIDFormat") if _text(f))
    attributes = _offered_attributes(element, idpsso)
    # The same scope is often listed by the IDPSSODescriptor and the AttributeAuthority: once.
    scopes = tuple(
        dict.fromkeys(
            Scope(_text(s), (s.get("regexp") or "false").lower() in ("true", "1"))
            for s in element.iter(f"{{{SHIBMD}}}Scope")
            if _text(s)
        )
    )
    certificates, cert_findings = _certificates(idpsso, entity_id)
    organization = element.find(f"{{{MD}}}Organization")
    org_name = org_url = None
    if organization is not None:
        org_name = _lang_pick(organization.findall(f"{{{MD}}}OrganizationDisplayName"))
        org_name = org_name or _lang_pick(organization.findall(f"{{{MD}}}OrganizationName"))
        org_url = _lang_pick(organization.findall(f"{{{MD}}}OrganizationURL"))
    display = _lang_pick(
        idpsso.findall(f"{{{MD}}}Extensions/{{{MDUI}}}UIInfo/{{{MDUI}}}DisplayName")
    )
    valid_until = parse_datetime(idpsso.get("validUntil") or element.get("validUntil"))
    protocols = tuple((idpsso.get("protocolSupportEnumeration") or "").split())
    idp = IdpEntity(
        entity_id=entity_id,
        line=getattr(element, "sourceline", None),
        display_name=display or org_name,
        organization=org_name,
        organization_url=org_url,
        protocols=protocols,
        sso=endpoints["SSO"],
        slo=endpoints["SLO"],
        artifact=endpoints["ArtifactResolution"],
        nameid_formats=formats,
        attributes=attributes,
        scopes=scopes,
        certificates=certificates,
        valid_until=valid_until,
    )
    return replace(idp, findings=cert_findings + idp_findings(idp, now))


def _offered_attributes(element: Any, idpsso: Any) -> tuple[OfferedAttribute, ...]:
    seen: dict[str, OfferedAttribute] = {}
    for attribute in idpsso.iterfind(f"{{{SAML}}}Attribute"):
        name = attribute.get("Name") or ""
        if name and name.casefold() not in seen:
            seen[name.casefold()] = OfferedAttribute(
                name, attribute.get("NameFormat"), attribute.get("FriendlyName"), "saml:Attribute"
            )
    for claim in element.iter(f"{{{AUTH}}}ClaimType"):
        parent = claim.getparent()
        if parent is None or _local(parent.tag) != "ClaimTypesOffered":
            continue
        uri = claim.get("Uri") or ""
        if uri and uri.casefold() not in seen:
            display = _text(claim.find(f"{{{AUTH}}}DisplayName")) or None
            seen[uri.casefold()] = OfferedAttribute(uri, None, display, "fed:ClaimTypesOffered")
    return tuple(seen.values())


def _certificates(
    idpsso: Any, entity_id: str
) -> tuple[tuple[Certificate, ...], tuple[Finding, ...]]:
    certificates: list[Certificate] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for descriptor in idpsso.iterfind(f"{{{MD}}}KeyDescriptor"):
        use = descriptor.get("use") or "signing+encryption"
        for node in descriptor.iter():
            if _local(node.tag) != "X509Certificate":
                continue
            note = ""
            if _namespace(node.tag) != DS:
                note = (
                    "X509Certificate is not in the XML-DSig namespace; strict SAML software "
                    "may not see this certificate"
                )
            try:
                certificate = parse_certificate(_text(node), use, note=note)
            except InputError as exc:
                findings.append(
                    Finding(
                        "certificate-unreadable",
                        Severity.ERROR,
                        SOURCE,
                        entity_id,
                        1,
                        f"A {use} certificate cannot be read: {exc.message}",
                    )
                )
                continue
            key = f"{certificate.fingerprint_sha256}/{use}"
            if key not in seen:
                seen.add(key)
                certificates.append(certificate)
    return tuple(certificates), tuple(findings)


def parse_datetime(value: str | None) -> datetime | None:
    """An xs:dateTime (with Z, offset, fractions or none) as an aware UTC datetime."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", text)
    if match:  # Python 3.11 accepts at most 6 fraction digits
        fraction = (match.group(2) or "")[:7]
        text = match.group(1) + fraction + match.group(3)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
