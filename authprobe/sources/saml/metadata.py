"""IdP facts from SAML metadata: one EntityDescriptor, or every IdP of a federation aggregate.

    metadata = read_metadata("FederationMetadata.xml", entity=None, cert=None)
    for idp in metadata.idps: idp.entity_id, idp.sso, idp.nameid_formats, idp.attributes, ...

    scan = MetadataScan("aggregate.xml")        # the same, streamed: nothing is kept
    for idp in scan: ...
    scan.document                               # counts, signature, findings (idps=())

The document is read streaming (`xmlsafe.iterparse`, one EntityDescriptor at a time, cleared once
read); `MetadataScan` hands each IdP over as it is read, so memory does not grow with the number
of entities; `read_metadata` keeps every IdP (or, with `entity=`, the one selected). Verifying the
metadata signature (`cert=`) needs the whole tree, so then the document is held and parsed once
more in full. A URL is fetched with verified TLS, a timeout, a size cap and a deadline, its body
streamed into the parser (`web.open_url`). `select_idp` narrows an aggregate to its login's IdP.

Findings (expired or expiring certificates, MD5/SHA-1, opaque-only NameID formats, no browser SSO
binding, ...) are `model.Finding`s on each `IdpEntity`; unreadable input raises `InputError`
(exit 4), an unreachable URL `SourceUnreachable` (exit 3).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from authprobe import runtime, xmlsafe
from authprobe.errors import InputError, UsageError
from authprobe.model import Finding
from authprobe.sources import web
from authprobe.sources.saml.checks import document_findings
from authprobe.sources.saml.entity import (
    Endpoint,
    IdpEntity,
    OfferedAttribute,
    Scope,
    idp_entity,
    parse_datetime,
)
from authprobe.sources.saml.metadata_signature import (
    MetadataSignature,
    signature_facts,
    verify_metadata_signature,
)
from authprobe.sources.web import FETCH_TIMEOUT, is_url, redact_url

__all__ = [
    "FETCH_TIMEOUT",
    "MAX_FETCH",
    "Endpoint",
    "IdpEntity",
    "IdpMetadata",
    "MetadataScan",
    "MetadataSignature",
    "OfferedAttribute",
    "Scope",
    "fetch",
    "is_url",
    "parse_datetime",
    "parse_metadata",
    "read_metadata",
    "redact_url",
    "select_idp",
]

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
        url, what="metadata", reference="saml-metadata", max_bytes=MAX_FETCH, timeout=timeout
    )


def read_metadata(
    source: str | Path,
    *,
    entity: str | None = None,
    cert: Sequence[str] = (),
    now: datetime | None = None,
    timeout: float = FETCH_TIMEOUT,
    keep: Collection[str] | None = None,
) -> IdpMetadata:
    """Read metadata from a path or an http(s) URL, every IdP kept (see `MetadataScan`).

    `keep` (entityIDs, e.g. a login's Issuers) keeps only those IdPs, the others are counted
    but never read, so a large aggregate costs no memory; unlike `entity` it is no choice of
    the user's (`selected` stays None) and finding none of them is not an error.
    """
    scan = MetadataScan(source, entity=entity, cert=cert, now=now, timeout=timeout, keep=keep)
    idps = tuple(scan)
    return replace(scan.document, idps=idps)


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
    """Streams EntityDescriptors, yielding the facts of each IdP asked for (kept nowhere)."""

    def __init__(
        self, location: str, entity: str | None, now: datetime, keep: Collection[str] | None
    ) -> None:
        self.location = location
        self.entity = entity
        self.keep = keep
        self.now = now
        self.root: Any = None
        self.entities = 0
        self.idp_count = 0
        self.yielded = 0
        self.signature = MetadataSignature(present=False)
        self.roles: set[str] = set()

    def run(self, stream: IO[bytes]) -> Iterator[IdpEntity]:
        for event, element in xmlsafe.iterparse(stream, self.location, events=("start", "end")):
            if event == "start":
                if self.root is None:
                    self.root = element
                    self._check_root(element)
                continue
            tag = _local(element.tag)
            namespace = _namespace(element.tag)
            if tag == "EntityDescriptor" and namespace == MD:
                idp = self._entity(element)
                if element is not self.root:
                    _release(element)
                if idp is not None:
                    self.yielded += 1
                    yield idp
            elif tag == "Signature" and namespace == DS and element.getparent() is self.root:
                self.signature = signature_facts(element)

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

    def _entity(self, element: Any) -> IdpEntity | None:
        self.entities += 1
        idpsso = element.find(f"{{{MD}}}IDPSSODescriptor")
        if idpsso is None:
            self.roles.update(
                _local(child.tag)
                for child in element
                if isinstance(child.tag, str) and _local(child.tag).endswith("Descriptor")
            )
            return None
        self.idp_count += 1
        entity_id = element.get("entityID") or ""
        if self.entity is not None and entity_id != self.entity:
            return None
        if self.keep is not None and entity_id not in self.keep:
            return None  # counted, not read: the caller needs only the IdPs it named
        return idp_entity(element, idpsso, self.now, self.location)


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
    scan = _Scan(location, entity=entity, cert=cert, now=now)
    idps = tuple(scan.run(stream, whole))
    return replace(scan.result(), idps=idps)


class _Scan:
    """One pass: `run()` yields the IdPs; `result()` then holds the document's facts."""

    def __init__(
        self,
        location: str,
        *,
        entity: str | None,
        cert: Sequence[str],
        now: datetime | None,
        keep: Collection[str] | None = None,
    ) -> None:
        self.location = location
        self.entity = entity
        self.keep = keep
        self.cert = cert
        self.now = now or datetime.now(UTC)
        self.document: IdpMetadata | None = None

    def run(self, stream: IO[bytes], whole: bytes | None) -> Iterator[IdpEntity]:
        head = stream.read(4096)
        _sniff(head, self.location)
        reader = _Reader(self.location, self.entity, self.now, self.keep)
        yield from reader.run(io.BufferedReader(_Prefixed(head, stream)))
        self.document = self._document(reader, whole)

    def result(self) -> IdpMetadata:
        if self.document is None:
            raise RuntimeError("the metadata scan has not run to its end")
        return self.document

    def _document(self, reader: _Reader, whole: bytes | None) -> IdpMetadata:
        location, entity, cert = self.location, self.entity, self.cert
        root = reader.root
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
        if entity is not None and not reader.yielded:
            raise UsageError(
                "saml-metadata-entity-not-found",
                f"No IdP with entityID {entity!r} in this metadata ({reader.idp_count} IdPs).",
                location=location,
                hint="Run without --entity to list the IdPs and copy the entityID exactly.",
            )
        valid_until = parse_datetime(root.get("validUntil"))
        signature = reader.signature
        if signature.present and cert:
            if whole is None:
                raise UsageError(
                    "saml-metadata-verify", "Cannot verify a stream.", location=location
                )
            signature = verify_metadata_signature(whole, location, cert)
        return IdpMetadata(
            location=location,
            root=_local(root.tag),
            name=root.get("Name"),
            valid_until=valid_until,
            entities=reader.entities,
            idp_count=reader.idp_count,
            idps=(),
            signature=signature,
            findings=document_findings(signature, valid_until, self.now, cert),
            selected=entity,
        )


class MetadataScan:
    """The IdPs of a metadata file or URL, streamed: each one as it is read, kept nowhere.

        scan = MetadataScan("aggregate.xml")
        for idp in scan: ...        # memory does not grow with the number of entities
        scan.document               # the document's facts (counts, signature; idps=())

    Errors that need the whole document (no IdP at all, `entity` not found) are raised at the
    end of the iteration, before any IdP was yielded. With `cert` the whole document is held
    in memory (the signature covers all of it).
    """

    def __init__(
        self,
        source: str | Path,
        *,
        entity: str | None = None,
        cert: Sequence[str] = (),
        now: datetime | None = None,
        timeout: float = FETCH_TIMEOUT,
        keep: Collection[str] | None = None,
    ) -> None:
        self.source = str(source)
        self.entity = entity
        self.keep = keep
        self.cert = cert
        self.now = now
        self.timeout = timeout
        self._scan: _Scan | None = None

    @property
    def document(self) -> IdpMetadata:
        """The document's facts, once the iteration is over."""
        if self._scan is None:
            raise RuntimeError("iterate over the scan first")
        return self._scan.result()

    def __iter__(self) -> Iterator[IdpEntity]:
        text = self.source
        if is_url(text):
            with web.open_url(  # streamed into the parser, at most MAX_FETCH bytes
                text,
                what="metadata",
                reference="saml-metadata",
                max_bytes=MAX_FETCH,
                timeout=self.timeout,
            ) as body:
                if self.cert:
                    whole = body.read()
                    yield from self._run(io.BytesIO(whole), redact_url(text), whole)
                else:
                    yield from self._run(body, redact_url(text), None)
            return
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
            if self.cert:  # facts and signature from the very same bytes
                whole = stream.read()
                yield from self._run(io.BytesIO(whole), text, whole)
            else:
                yield from self._run(stream, text, None)

    def _run(self, stream: IO[bytes], location: str, whole: bytes | None) -> Iterator[IdpEntity]:
        self._scan = _Scan(
            location, entity=self.entity, cert=self.cert, now=self.now, keep=self.keep
        )
        yield from self._scan.run(stream, whole)


LISTED_IDPS = 5


def select_idp(metadata: IdpMetadata, issuers: Sequence[str | None]) -> IdpMetadata:
    """The metadata narrowed to the one IdP a command works with.

    A single IdP, or one already chosen (`--entity`), is kept. In an aggregate the first of
    `issuers` (a captured login's Issuer) that is an IdP of it is chosen; if none is, guessing
    would give a confident wrong answer ("the IdP neither offers nor releases ..."), so it is a
    `UsageError` (exit 2) that says how to choose and names a few of the IdPs.
    """
    if metadata.idp_count <= 1 or metadata.selected is not None:
        return metadata
    for issuer in issuers:
        idp = metadata.find(issuer) if issuer else None
        if idp is not None:
            return replace(metadata, idps=(idp,), selected=idp.entity_id)
    sent = next((i for i in issuers if i), None)
    why = (
        f"; the captured login's Issuer {sent!r} is not one of them"
        if sent
        else " and nothing says which one is the campus's"
    )
    shown = ", ".join(i.entity_id for i in metadata.idps[:LISTED_IDPS])
    rest = metadata.idp_count - LISTED_IDPS
    listed = f" ({shown}{f' and {rest} more' if rest > 0 else ''})" if shown else ""
    raise UsageError(
        "idp-metadata-which-idp",
        f"The IdP metadata is a federation aggregate of {metadata.idp_count} IdPs{why}{listed}.",
        location=metadata.location,
        hint="Pass --entity ENTITY_ID (`authprobe saml metadata FILE` lists every IdP), or "
        "--assertion with a login captured from the campus IdP: its Issuer picks the entity.",
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
