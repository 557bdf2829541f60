"""IdP facts from SAML metadata: one EntityDescriptor, or every IdP of a federation aggregate.

    metadata = read_metadata("FederationMetadata.xml", entity=None, cert=None)
    for idp in metadata.idps: idp.entity_id, idp.sso, idp.nameid_formats, idp.attributes, ...

The document is read streaming (`xmlsafe.iterparse`, one EntityDescriptor at a time, cleared once
read), so a 5,000-entity aggregate costs the memory of the IdP facts kept — with `entity=` only the
one selected. Verifying the metadata signature (`cert=`) needs the whole tree, so then the document
is parsed once more in full. A URL is fetched with a timeout and verified TLS.

Findings (expired or expiring certificates, MD5/SHA-1, opaque-only NameID formats, no browser SSO
binding, ...) are `model.Finding`s on each `IdpEntity`; unreadable input raises `InputError`
(exit 4), an unreachable URL `SourceUnreachable` (exit 3).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from authprobe import runtime, xmlsafe
from authprobe.errors import InputError, UsageError
from authprobe.model import Finding, Severity
from authprobe.sources import web
from authprobe.sources.saml_checks import (
    document_findings,
    idp_findings,
)
from authprobe.sources.saml_crypto import (
    Certificate,
    check_enveloped_signature,
    parse_certificate,
    read_certificates,
)
from authprobe.sources.web import FETCH_TIMEOUT, is_url, redact_url

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
AUTH = "http://docs.oasis-open.org/wsfed/authorization/200706"
SHIBMD = "urn:mace:shibboleth:metadata:1.0"
MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_FETCH = 512 * 1024 * 1024
SOURCE = "idp-metadata"


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


@dataclass(frozen=True, slots=True)
class MetadataSignature:
    """The enveloped signature of the metadata document (or its absence)."""

    present: bool
    algorithm: str | None = None
    digest_algorithm: str | None = None
    verified: bool | None = None  # None: not checked (no --cert)
    detail: str = "The metadata is not signed."


@dataclass(frozen=True, slots=True)
class IdpMetadata:
    """A metadata document: what it is, its signature, and the IdPs it describes."""

    location: str
    root: str  # "EntityDescriptor" or "EntitiesDescriptor"
    name: str | None  # the aggregate's Name attribute
    valid_until: datetime | None
    entities: int
    idp_count: int
    idps: tuple[IdpEntity, ...]
    signature: MetadataSignature
    findings: tuple[Finding, ...] = ()
    selected: str | None = None

    def find(self, entity_id: str) -> IdpEntity | None:
        """The IdP with this entityID (exact match), or None."""
        return next((i for i in self.idps if i.entity_id == entity_id), None)


# ---------------------------------------------------------------------------------------------
# reading


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _namespace(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text[1:].split("}", 1)[0] if text.startswith("{") else ""


def fetch(url: str, *, timeout: float = FETCH_TIMEOUT) -> bytes:
    """GET `url` with a timeout and verified TLS; `SourceUnreachable` when it cannot be had."""
    return web.fetch(
        url,
        what="metadata",
        reference="saml-metadata",
        max_bytes=MAX_FETCH,
        timeout=timeout,
        hint="Check the URL, the network and the server's TLS certificate, "
        "or download the file and pass its path.",
    )


def read_metadata(
    source: str | Path,
    *,
    entity: str | None = None,
    cert: Sequence[str] = (),
    now: datetime | None = None,
    timeout: float = FETCH_TIMEOUT,
) -> IdpMetadata:
    """Read metadata from a path or an http(s) URL (see the module docstring)."""
    text = str(source)
    if is_url(text):
        data = fetch(text, timeout=timeout)
        return parse_metadata(
            io.BytesIO(data), redact_url(text), entity=entity, cert=cert, now=now, whole=data
        )
    path = Path(text)
    runtime.refuse_special(path, "metadata file")  # a FIFO would block, /dev/zero never end
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(
            "saml-metadata-unreadable",
            f"The metadata file cannot be opened: {exc.strerror or exc}",
            location=text,
            hint="Check the path; pass a URL as http(s)://...",
        ) from exc
    with stream:
        if cert:  # facts and signature from the very same bytes
            whole = stream.read()
            return parse_metadata(
                io.BytesIO(whole), text, entity=entity, cert=cert, now=now, whole=whole
            )
        return parse_metadata(stream, text, entity=entity, now=now)


def _sniff(head: bytes, location: str) -> None:
    """Refuse, with a helpful message, things that are plainly not metadata."""
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise InputError(
            "saml-metadata-empty", "The metadata document is empty.", location=location
        )
    if body.startswith(b"-----BEGIN"):
        raise InputError(
            "saml-metadata-is-certificate",
            "This is a PEM certificate, not SAML metadata.",
            location=location,
            hint="Pass a certificate with --cert to check the metadata signature.",
        )
    lowered = body[:2048].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        raise InputError(
            "saml-metadata-html",
            "This is an HTML page, not SAML metadata (a login or error page?).",
            location=location,
            hint="Ask campus IT for the metadata URL itself (it returns XML), "
            "e.g. .../FederationMetadata/2007-06/FederationMetadata.xml or .../idp/shibboleth.",
        )
    if not body.startswith(b"<"):
        raise InputError(
            "saml-metadata-not-xml",
            "This is not XML, so it cannot be SAML metadata.",
            location=location,
            hint="Pass the IdP's metadata XML file or URL.",
        )


class _Reader:
    """Streams EntityDescriptors and keeps the IdP facts asked for."""

    def __init__(self, location: str, entity: str | None, now: datetime) -> None:
        self.location = location
        self.entity = entity
        self.now = now
        self.root: Any = None
        self.entities = 0
        self.idp_count = 0
        self.idps: list[IdpEntity] = []
        self.signature = MetadataSignature(present=False)
        self.roles: set[str] = set()

    def run(self, stream: IO[bytes]) -> None:
        depth = 0
        for event, element in xmlsafe.iterparse(stream, self.location, events=("start", "end")):
            if event == "start":
                depth += 1
                if self.root is None:
                    self.root = element
                    self._check_root(element)
                continue
            depth -= 1
            tag = _local(element.tag)
            namespace = _namespace(element.tag)
            if tag == "EntityDescriptor" and namespace == MD:
                self._entity(element)
                if element is not self.root:
                    _release(element)
            elif tag == "Signature" and namespace == DS and element.getparent() is self.root:
                self.signature = _signature_facts(element)

    def _check_root(self, element: Any) -> None:
        tag = _local(element.tag)
        if _namespace(element.tag) == MD and tag in ("EntityDescriptor", "EntitiesDescriptor"):
            return
        if tag.lower() == "html":
            raise InputError(
                "saml-metadata-html",
                "This is an HTML page, not SAML metadata.",
                location=self.location,
                hint="Ask campus IT for the metadata URL itself (it returns XML).",
            )
        raise InputError(
            "saml-metadata-not-metadata",
            f"This XML is not SAML metadata: its root element is <{tag}>, "
            "not <EntityDescriptor> or <EntitiesDescriptor> "
            f"in the {MD} namespace.",
            location=_at_element(self.location, element),
            hint="A captured login goes to `authprobe saml decode`; metadata is the IdP's "
            "description of itself, published at a metadata URL.",
        )

    def _entity(self, element: Any) -> None:
        self.entities += 1
        idpsso = element.find(f"{{{MD}}}IDPSSODescriptor")
        if idpsso is None:
            self.roles.update(
                _local(child.tag)
                for child in element
                if isinstance(child.tag, str) and _local(child.tag).endswith("Descriptor")
            )
            return
        self.idp_count += 1
        entity_id = element.get("entityID") or ""
        if self.entity is not None and entity_id != self.entity:
            return
        self.idps.append(_idp_entity(element, idpsso, self.now, self.location))


def _at_element(location: str, element: Any) -> str:
    """`location:line` for an element."""
    line = getattr(element, "sourceline", None)
    return f"{location}:{line}" if line else location


def _release(element: Any) -> None:
    """Free a processed EntityDescriptor and the siblings before it (streaming)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]


def parse_metadata(
    stream: IO[bytes],
    location: str,
    *,
    entity: str | None = None,
    cert: Sequence[str] = (),
    now: datetime | None = None,
    whole: bytes | None = None,
) -> IdpMetadata:
    """Parse a metadata stream; `whole` (the same bytes) is needed only to verify with `cert`."""
    moment = now or datetime.now(UTC)
    head = stream.read(4096)
    _sniff(head, location)
    reader = _Reader(location, entity, moment)
    reader.run(io.BufferedReader(_Prefixed(head, stream)))
    root = reader.root
    root_tag = _local(root.tag)
    if reader.idp_count == 0:
        roles = ", ".join(sorted(reader.roles)) or "none"
        raise InputError(
            "saml-metadata-no-idp",
            f"This metadata describes {reader.entities} entit"
            f"{'y' if reader.entities == 1 else 'ies'} but no identity provider "
            f"(no IDPSSODescriptor; roles found: {roles}).",
            location=location,
            hint="Ask campus IT for the IdP's metadata (the one with an IDPSSODescriptor).",
        )
    if entity is not None and not reader.idps:
        raise UsageError(
            "saml-metadata-entity-not-found",
            f"No IdP with entityID {entity!r} in this metadata ({reader.idp_count} IdPs).",
            location=location,
            hint="Run without --entity to list the IdPs and copy the entityID exactly.",
        )
    valid_until = _datetime(root.get("validUntil"))
    signature = reader.signature
    if signature.present and cert:
        if whole is None:
            raise UsageError("saml-metadata-verify", "Cannot verify a stream.", location=location)
        signature = verify_metadata_signature(whole, location, cert)
    findings = document_findings(signature, valid_until, moment, cert)
    return IdpMetadata(
        location=location,
        root=root_tag,
        name=root.get("Name"),
        valid_until=valid_until,
        entities=reader.entities,
        idp_count=reader.idp_count,
        idps=tuple(reader.idps),
        signature=signature,
        findings=findings,
        selected=entity,
    )


class _Prefixed(io.RawIOBase):
    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        chunk = self._rest.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


# ---------------------------------------------------------------------------------------------
# one IdP


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


def _idp_entity(element: Any, idpsso: Any, now: datetime, location: str) -> IdpEntity:
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
    scopes = tuple(
        Scope(_text(s), (s.get("regexp") or "false").lower() in ("true", "1"))
        for s in element.iter(f"{{{SHIBMD}}}Scope")
        if _text(s)
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
    valid_until = _datetime(idpsso.get("validUntil") or element.get("validUntil"))
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


def _datetime(value: str | None) -> datetime | None:
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


parse_datetime = _datetime


# ---------------------------------------------------------------------------------------------
# signatures (shared with saml_message)


def _signature_facts(signature: Any) -> MetadataSignature:
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    digest = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestMethod")
    return MetadataSignature(
        present=True,
        algorithm=method.get("Algorithm") if method is not None else None,
        digest_algorithm=digest.get("Algorithm") if digest is not None else None,
        verified=None,
        detail="The metadata is signed; the signature was not checked (pass --cert).",
    )


def verify_metadata_signature(
    data: bytes, location: str, cert_paths: Sequence[str]
) -> MetadataSignature:
    """Parse the whole document and verify its enveloped signature with the --cert files."""
    certificates: list[Certificate] = []
    for path in cert_paths:
        certificates.extend(read_certificates(path))
    root = xmlsafe.parse_bytes(data, location, huge_tree=True)
    signature = root.find(f"{{{DS}}}Signature")
    if signature is None:  # pragma: no cover - the streaming pass found one
        return MetadataSignature(present=False)
    check = check_enveloped_signature(root, signature, certificates)
    if check.verified:
        detail = (
            f"The metadata signature verifies with {check.certificate}: "
            "it covers the whole document."
        )
    else:
        detail = f"The metadata signature {check.detail}."
    return MetadataSignature(
        present=True,
        algorithm=check.algorithm,
        digest_algorithm=check.digest_algorithm,
        verified=bool(check.verified),
        detail=detail,
    )
