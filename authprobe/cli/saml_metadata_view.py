"""How `saml metadata` looks in the terminal, streaming a federation aggregate.

A document of up to `SUMMARY_ABOVE` IdPs is shown in full (a panel per IdP); beyond that the
terminal shows one line per IdP, in chunks, as they are read. The JSON and Markdown are in
`reports/saml_metadata.py`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe import vocab
from authprobe.cli.saml_render import _findings, _kv, _plain, short_column
from authprobe.reports.saml_metadata import (
    SUMMARY_ABOVE,
    Worst,
    chain,
    first,
    short_subject,
)
from authprobe.sources.saml.checks import nameid_short
from authprobe.sources.saml.metadata import IdpEntity, IdpMetadata, MetadataScan
from authprobe.wording import plural

CHUNK = 500  # IdP lines per terminal table while streaming


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


# ---------------------------------------------------------------------------------------------
# streaming


def draw_table(scan: MetadataScan, console: Console, now: datetime | None = None) -> Worst:
    """The terminal view, streaming: a panel per IdP for a few, one line each for an aggregate."""
    moment = now or datetime.now(UTC)
    worst = Worst()
    head, rest = first(scan, SUMMARY_ABOVE + 1)
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
    for idp in chain(head, rest):
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
