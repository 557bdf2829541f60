"""How `saml metadata` looks, and how it streams a federation aggregate.

JSON (report-contract style: `schema_version`, `meta`, `idps`, then the document's `metadata`),
markdown and the terminal. `write_json`, `write_markdown` and `draw_table` take a `MetadataScan`
and write each IdP as soon as it is read, so memory does not grow with the number of entities;
the document's facts (counts, signature, findings) are known only at the end and come last. A
document of up to `SUMMARY_ABOVE` IdPs is shown in full (a panel per IdP); beyond that the
terminal shows one line per IdP.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import IO, Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe import vocab
from authprobe.cli.saml_render import (
    SCHEMA_VERSION,
    SUMMARY_ABOVE,
    _findings,
    _kv,
    _md_findings,
    _md_table,
    _plain,
    _when,
    finding_to_dict,
    meta,
    short_column,
    short_subject,
)
from authprobe.model import Finding
from authprobe.sources.saml.checks import nameid_short
from authprobe.sources.saml.crypto import Certificate
from authprobe.sources.saml.metadata import IdpEntity, IdpMetadata, MetadataScan
from authprobe.wording import plural

CHUNK = 500  # IdP lines per terminal table while streaming


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
        "findings": [finding_to_dict(f) for f in idp.findings],
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
        "findings": [finding_to_dict(f) for f in metadata.findings],
    }


def metadata_to_dict(metadata: IdpMetadata, now: datetime | None = None) -> dict[str, Any]:
    """`saml metadata --format json` in one piece (`write_json` streams the same text)."""
    moment = now or datetime.now(UTC)
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": meta("saml metadata"),
        "idps": [idp_to_dict(i, moment) for i in metadata.idps],
        "metadata": document_to_dict(metadata),
    }


def render_metadata(metadata: IdpMetadata, console: Console, now: datetime | None = None) -> None:
    """The terminal view of `saml metadata`."""
    moment = now or datetime.now(UTC)
    console.print(_document_panel(metadata))
    if len(metadata.idps) > SUMMARY_ABOVE:
        console.print(_idp_summary(metadata, moment))
        return
    for idp in metadata.idps:
        console.print(_idp_panel(idp, moment))


def _document_panel(metadata: IdpMetadata) -> Panel:
    """The document's facts: location, counts, signature, validity, findings."""
    head = [
        ("Document", f"{metadata.location} ({metadata.root})"),
        ("IdPs", f"{metadata.idp_count:,} of {plural(metadata.entities, 'entity', 'entities')}"),
        ("Signature", metadata.signature.detail),
    ]
    if metadata.name:
        head.insert(1, ("Name", metadata.name))
    if metadata.valid_until:
        head.append(("Valid until", f"{metadata.valid_until:%Y-%m-%d %H:%M} UTC"))
    parts: list[RenderableType] = [_kv(head), *_findings(metadata.findings)]
    return Panel(Group(*parts), title="SAML metadata", border_style="blue")


def _idp_summary(metadata: IdpMetadata, now: datetime) -> RenderableType:
    """One line per IdP of an aggregate (the details: --entity, or --format json)."""
    table = Table(
        title=f"{len(metadata.idps)} IdPs: pass --entity ENTITY_ID for one IdP's details",
        title_justify="left",
    )
    table.add_column("entityID", overflow="fold", no_wrap=True)
    table.add_column("name", overflow="fold")
    table.add_column("signing cert expires", no_wrap=True)
    table.add_column("err/warn", justify="right", no_wrap=True)
    for idp in metadata.idps:
        _summary_row(table, idp, now)
    return table


def _summary_row(table: Table, idp: IdpEntity, now: datetime) -> None:
    expiry = min((c.not_after for c in idp.signing_certificates), default=None)
    style = "" if expiry is None or (expiry - now).days > 90 else "red"
    errors = sum(f.severity.value == "error" for f in idp.findings)
    warnings = sum(f.severity.value == "warning" for f in idp.findings)
    table.add_row(
        _plain(idp.entity_id),
        _plain(idp.display_name),
        Text(f"{expiry:%Y-%m-%d}" if expiry else "(no signing cert)", style=style),
        f"{errors} / {warnings}",
    )


def _idp_panel(idp: IdpEntity, now: datetime) -> Panel:
    rows = [("entityID", idp.entity_id)]
    if idp.display_name:
        rows.append(("Name", idp.display_name))
    if idp.organization and idp.organization != idp.display_name:
        rows.append(("Organization", idp.organization))
    for endpoint in idp.sso:
        rows.append(("SSO", f"{endpoint.binding_short}  {endpoint.location}"))
    for endpoint in idp.slo:
        rows.append(("SLO", f"{endpoint.binding_short}  {endpoint.location}"))
    formats = ", ".join(nameid_short(f) for f in idp.nameid_formats) or "(none listed)"
    rows.append(("NameID formats", formats))
    if idp.scopes:
        rows.append(("Scopes", ", ".join(s.value for s in idp.scopes)))
    if idp.valid_until:
        rows.append(("Valid until", f"{idp.valid_until:%Y-%m-%d}"))
    parts: list[RenderableType] = [_kv(rows)]
    if idp.certificates:
        certs = Table(title="Certificates", title_justify="left", expand=False)
        for column in ("use", "subject", "not after", "days", "key", "signed with"):
            certs.add_column(column, overflow="fold")
        for cert in idp.certificates:
            days = (cert.not_after - now).days
            style = "red" if days < 0 else ("yellow" if days <= 90 else "")
            certs.add_row(
                _plain(cert.use),
                _plain(short_subject(cert.subject)),
                f"{cert.not_after:%Y-%m-%d}",
                Text(str(days), style=style),
                _plain(f"{cert.key_type} {cert.key_size or ''}".strip()),
                _plain(cert.signature_hash or "?"),
            )
        parts.append(certs)
    if idp.attributes:
        offered = Table(title=f"Attributes offered ({len(idp.attributes)})", title_justify="left")
        offered_rows = [
            (
                attribute.name,
                vocab.friendly_name(attribute.name, attribute.friendly_name),
                ", ".join(vocab.directory_attributes(attribute.name, attribute.friendly_name)),
            )
            for attribute in idp.attributes
        ]
        # The Name folds first; the short columns keep whole words (see short_column).
        offered.add_column("Name (as Alma must be told)", overflow="fold")
        offered.add_column(
            "readable name",
            overflow="fold",
            min_width=short_column([r[1] for r in offered_rows]),
            max_width=24,
        )
        offered.add_column(
            "directory attribute",
            overflow="fold",
            min_width=short_column([r[2].replace(",", " ") for r in offered_rows]),
            max_width=24,
        )
        for row in offered_rows:
            offered.add_row(*(_plain(cell) for cell in row))
        parts.append(offered)
    parts.extend(_findings(idp.findings))
    return Panel(Group(*parts), title=_plain(idp.entity_id), border_style="cyan")


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


# ---------------------------------------------------------------------------------------------
# streaming


class Worst:
    """The most severe finding seen so far (for --fail-on), without keeping the findings."""

    def __init__(self) -> None:
        self.rank = -1

    def see(self, findings: Iterable[Finding]) -> None:
        """Take these findings into account."""
        for finding in findings:
            self.rank = max(self.rank, finding.severity.rank)


def _nested(value: Any, level: int) -> str:
    """`value` as `json.dumps(indent=2)` writes it `level` levels deep in a document."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)


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
            out.write('{\n  "schema_version": ' + str(SCHEMA_VERSION) + ',\n  "meta": ')
            out.write(_nested(meta("saml metadata"), 1) + ',\n  "idps": [\n')
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


def _first(scan: MetadataScan, count: int) -> tuple[list[IdpEntity], Iterator[IdpEntity]]:
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
    head, rest = _first(scan, SUMMARY_ABOVE + 1)
    if len(head) <= SUMMARY_ABOVE:
        document = replace(scan.document, idps=tuple(head))
        for idp in head:
            worst.see(idp.findings)
        worst.see(document.findings)
        out.write(metadata_to_markdown(metadata_to_dict(document, moment)))
        return worst
    out.write("# SAML metadata\n")
    for idp in _chain(head, rest):
        worst.see(idp.findings)
        out.write("\n".join(_md_idp(idp_to_dict(idp, moment))) + "\n")
    document = scan.document
    worst.see(document.findings)
    out.write("\n## The document\n\n" + "\n".join(_md_document(document_to_dict(document))))
    out.write("\n")
    return worst


def _chain(head: list[IdpEntity], rest: Iterator[IdpEntity]) -> Iterator[IdpEntity]:
    yield from head
    head.clear()  # do not keep the first ones alive for the whole stream
    yield from rest


def draw_table(scan: MetadataScan, console: Console, now: datetime | None = None) -> Worst:
    """The terminal view, streaming: a panel per IdP for a few, one line each for an aggregate."""
    moment = now or datetime.now(UTC)
    worst = Worst()
    head, rest = _first(scan, SUMMARY_ABOVE + 1)
    if len(head) <= SUMMARY_ABOVE:
        document = replace(scan.document, idps=tuple(head))
        for idp in head:
            worst.see(idp.findings)
        worst.see(document.findings)
        render_metadata(document, console, moment)
        return worst
    widths = _summary_widths(console.width)
    chunk: list[IdpEntity] = []
    shown = 0
    for idp in _chain(head, rest):
        worst.see(idp.findings)
        chunk.append(idp)
        if len(chunk) == CHUNK:
            console.print(_summary_rows(chunk, moment, widths, header=shown == 0))
            shown += len(chunk)
            chunk = []
    if chunk:
        console.print(_summary_rows(chunk, moment, widths, header=shown == 0))
        shown += len(chunk)
    document = scan.document
    worst.see(document.findings)
    console.print(
        _plain(f"{shown} IdPs: pass --entity ENTITY_ID for one IdP's details"), style="bold"
    )
    console.print(_document_panel(document))
    return worst


def _summary_widths(width: int) -> tuple[int, int]:
    """Fixed widths of the entityID and name columns, so that every chunk lines up."""
    room = max(40, width - 10 - 8 - 4 * 2)
    name = max(12, room // 3)
    return room - name, name


def _summary_rows(
    idps: list[IdpEntity], now: datetime, widths: tuple[int, int], *, header: bool
) -> Table:
    """One line per IdP, as a borderless table of fixed column widths."""
    table = Table(box=None, show_header=header, padding=(0, 2, 0, 0), pad_edge=False)
    table.add_column("entityID", overflow="fold", width=widths[0])
    table.add_column("name", overflow="fold", width=widths[1])
    table.add_column("expires", no_wrap=True, width=10)
    table.add_column("err/warn", justify="right", no_wrap=True, width=8)
    for idp in idps:
        _summary_row(table, idp, now)
    return table
