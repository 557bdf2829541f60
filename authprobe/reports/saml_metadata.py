"""The JSON and Markdown of `saml metadata`, and how they stream a federation aggregate.

JSON (report-contract style: `schema_version`, `meta`, `idps`, then the document's `metadata`)
and Markdown. `write_json` and `write_markdown` take a `MetadataScan` and write each IdP as soon
as it is read, so memory does not grow with the number of entities; the document's facts
(counts, signature, findings) are known only at the end and come last. A document of up to
`SUMMARY_ABOVE` IdPs is shown in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import IO, Any

from authprobe import vocab
from authprobe.model import Finding
from authprobe.reports.envelope import document_meta, envelope, envelope_head
from authprobe.reports.envelope import iso_z as _when
from authprobe.reports.envelope import nested_json as _nested
from authprobe.reports.findings import finding_to_dict
from authprobe.reports.md import md_findings as _md_findings
from authprobe.reports.md import md_table as _md_table
from authprobe.sources.saml.checks import nameid_short
from authprobe.sources.saml.crypto import Certificate
from authprobe.sources.saml.metadata import IdpEntity, IdpMetadata, MetadataScan
from authprobe.wording import plural

SUMMARY_ABOVE = 3  # more IdPs than this: one line each instead of a panel each


def short_subject(subject: str | None) -> str:
    """`CN=idp.college.ca` out of a long distinguished name (the whole name when no CN)."""
    if not subject:
        return ""
    for part in subject.split(","):
        key, _, value = part.partition("=")
        if key.strip().upper() == "CN":
            return f"CN={value.strip()}"
    return subject


def certificate_to_dict(cert: Certificate, now: datetime) -> dict[str, Any]:
    """A certificate's facts."""
    return {
        "use": cert.use,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "not_before": _when(cert.not_before),
        "not_after": _when(cert.not_after),
        "days_left": (cert.not_after - now).days,
        "key_type": cert.key_type,
        "key_size": cert.key_size,
        "signature_hash": cert.signature_hash,
        "fingerprint_sha256": cert.fingerprint_sha256,
        "note": cert.note or None,
    }


def idp_to_dict(idp: IdpEntity, now: datetime) -> dict[str, Any]:
    """One IdP."""
    return {
        "entity_id": idp.entity_id,
        "display_name": idp.display_name,
        "organization": idp.organization,
        "organization_url": idp.organization_url,
        "protocols": list(idp.protocols),
        "sso": [{"binding": e.binding, "location": e.location} for e in idp.sso],
        "slo": [{"binding": e.binding, "location": e.location} for e in idp.slo],
        "artifact_resolution": [
            {"binding": e.binding, "location": e.location} for e in idp.artifact
        ],
        "nameid_formats": list(idp.nameid_formats),
        "attributes": [
            {
                "name": a.name,
                "name_format": a.name_format,
                "friendly_name": a.friendly_name,
                "readable_name": vocab.friendly_name(a.name, a.friendly_name),
                "directory_attributes": list(vocab.directory_attributes(a.name, a.friendly_name)),
                "source": a.source,
            }
            for a in idp.attributes
        ],
        "scopes": [{"value": s.value, "regexp": s.regexp} for s in idp.scopes],
        "certificates": [certificate_to_dict(c, now) for c in idp.certificates],
        "valid_until": _when(idp.valid_until),
        "findings": [finding_to_dict(f, show_values=True) for f in idp.findings],
    }


def document_to_dict(metadata: IdpMetadata) -> dict[str, Any]:
    """The `metadata` block: the document's own facts (counts known once it was read)."""
    return {
        "location": metadata.location,
        "root": metadata.root,
        "name": metadata.name,
        "valid_until": _when(metadata.valid_until),
        "entities": metadata.entities,
        "idps": metadata.idp_count,
        "selected": metadata.selected,
        "signature": {
            "present": metadata.signature.present,
            "algorithm": metadata.signature.algorithm,
            "digest_algorithm": metadata.signature.digest_algorithm,
            "verified": metadata.signature.verified,
            "detail": metadata.signature.detail,
        },
        "findings": [finding_to_dict(f, show_values=True) for f in metadata.findings],
    }


def metadata_to_dict(metadata: IdpMetadata, now: datetime | None = None) -> dict[str, Any]:
    """`saml metadata --format json` in one piece (`write_json` streams the same text)."""
    moment = now or datetime.now(UTC)
    return envelope(
        document_meta("saml metadata"),
        {
            "idps": [idp_to_dict(i, moment) for i in metadata.idps],
            "metadata": document_to_dict(metadata),
        },
    )


def metadata_to_markdown(data: dict[str, Any]) -> str:
    """`saml metadata --format md` from `metadata_to_dict` output."""
    lines = ["# SAML metadata", "", *_md_document(data["metadata"])]
    for idp in data["idps"]:
        lines += _md_idp(idp)
    return "\n".join(lines) + "\n"


def _md_document(document: dict[str, Any]) -> list[str]:
    return [
        f"- Document: `{document['location']}` ({document['root']})",
        f"- IdPs: {document['idps']:,} of {plural(document['entities'], 'entity', 'entities')}",
        f"- Signature: {document['signature']['detail']}",
        *_md_findings(document["findings"]),
    ]


def _md_idp(idp: dict[str, Any]) -> list[str]:
    """One IdP's markdown section (starting with a blank line)."""
    lines = ["", f"## {idp['entity_id']}", ""]
    if idp["display_name"]:
        lines.append(f"- Name: {idp['display_name']}")
    lines += [f"- SSO: {e['binding'].rsplit(':', 1)[-1]} {e['location']}" for e in idp["sso"]]
    formats = ", ".join(nameid_short(f) for f in idp["nameid_formats"]) or "(none listed)"
    lines.append(f"- NameID formats: {formats}")
    if idp["scopes"]:
        lines.append("- Scopes: " + ", ".join(s["value"] for s in idp["scopes"]))
    if idp["certificates"]:
        lines += ["", "### Certificates", ""]
        lines += _md_table(
            ["use", "subject", "not after", "days left", "key", "signed with"],
            [
                [
                    c["use"],
                    short_subject(c["subject"]),
                    (c["not_after"] or "")[:10],
                    c["days_left"],
                    f"{c['key_type']} {c['key_size'] or ''}".strip(),
                    c["signature_hash"],
                ]
                for c in idp["certificates"]
            ],
        )
    if idp["attributes"]:
        lines += ["", f"### Attributes offered ({len(idp['attributes'])})", ""]
        lines += _md_table(
            ["Name (as Alma must be told)", "readable name", "directory attribute"],
            [
                [f"`{a['name']}`", a["readable_name"], ", ".join(a["directory_attributes"])]
                for a in idp["attributes"]
            ],
        )
    if idp["findings"]:
        lines += ["", "### Findings", "", *_md_findings(idp["findings"])]
    return lines


class Worst:
    """The most severe finding seen so far (for --fail-on), without keeping the others."""

    def __init__(self) -> None:
        self.worst: Finding | None = None

    def see(self, findings: Iterable[Finding]) -> None:
        """Take these findings into account."""
        for finding in findings:
            if self.worst is None or finding.severity.rank > self.worst.severity.rank:
                self.worst = finding

    def findings(self) -> tuple[Finding, ...]:
        """The most severe finding (none when none was seen)."""
        return () if self.worst is None else (self.worst,)


def write_json(scan: MetadataScan, out: IO[str], now: datetime | None = None) -> Worst:
    """Stream `saml metadata --format json`: the same text `to_json(metadata_to_dict(...))` is.

    Nothing is written until the first IdP is read, so an error found on the way (no IdP at all,
    --entity not found) leaves the output empty.
    """
    moment = now or datetime.now(UTC)
    worst = Worst()
    count = 0
    for idp in scan:
        worst.see(idp.findings)
        if count == 0:
            out.write(envelope_head(document_meta("saml metadata")) + '  "idps": [\n')
        else:
            out.write(",\n")
        out.write("    " + _nested(idp_to_dict(idp, moment), 2))
        count += 1
    document = scan.document
    worst.see(document.findings)
    if count == 0:  # not reached: a document without an IdP is an error
        out.write(_nested(metadata_to_dict(document, moment), 0) + "\n")
        return worst
    out.write('\n  ],\n  "metadata": ' + _nested(document_to_dict(document), 1) + "\n}\n")
    return worst


def first(scan: MetadataScan, count: int) -> tuple[list[IdpEntity], Iterator[IdpEntity]]:
    """The first `count` IdPs read (or fewer, when the document ends) and the rest to come."""
    rest = iter(scan)
    head: list[IdpEntity] = []
    for idp in rest:
        head.append(idp)
        if len(head) == count:
            break
    return head, rest


def write_markdown(scan: MetadataScan, out: IO[str], now: datetime | None = None) -> Worst:
    """Stream `saml metadata --format md`; an aggregate's document facts come last."""
    moment = now or datetime.now(UTC)
    worst = Worst()
    head, rest = first(scan, SUMMARY_ABOVE + 1)
    if len(head) <= SUMMARY_ABOVE:
        document = replace(scan.document, idps=tuple(head))
        for idp in head:
            worst.see(idp.findings)
        worst.see(document.findings)
        out.write(metadata_to_markdown(metadata_to_dict(document, moment)))
        return worst
    out.write("# SAML metadata\n")
    for idp in chain(head, rest):
        worst.see(idp.findings)
        out.write("\n".join(_md_idp(idp_to_dict(idp, moment))) + "\n")
    document = scan.document
    worst.see(document.findings)
    out.write("\n## The document\n\n" + "\n".join(_md_document(document_to_dict(document))))
    out.write("\n")
    return worst


def chain(head: list[IdpEntity], rest: Iterator[IdpEntity]) -> Iterator[IdpEntity]:
    yield from head
    head.clear()  # do not keep the first ones alive for the whole stream
    yield from rest
