"""How `saml metadata` and `saml decode` results look: JSON (report-contract style) and terminal.

Identifier values (NameID, attribute values) are masked unless `show_values`; entityIDs,
attribute Names, endpoints and certificates describe the IdP, not a person, and are shown as is.

In the terminal view every string that comes from the document (entityIDs, Issuer, Destination,
attribute Names and values, certificate subjects, ...) is a rich `Text`, never markup: `[bold]`
or `[/x]` in a SAML message is shown literally and cannot restyle the output or crash it.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe import __version__, vocab
from authprobe.model import Finding
from authprobe.reports.mask import reveal
from authprobe.sources.saml_checks import nameid_short
from authprobe.sources.saml_crypto import Certificate
from authprobe.sources.saml_message import Assertion, Attribute
from authprobe.sources.saml_metadata import IdpEntity, IdpMetadata

SCHEMA_VERSION = 1
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
SUMMARY_ABOVE = 3  # more IdPs than this: one line each instead of a panel each


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def meta(command: str, *, show_values: bool = False) -> dict[str, Any]:
    """The `meta` block: versions, command and time."""
    return {
        "authprobe_version": __version__,
        "python_version": platform.python_version(),
        "command": command,
        "generated_at": _when(datetime.now(UTC)),
        "values_shown": show_values,
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding (same keys as the recommend report)."""
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "source": finding.source,
        "field": finding.field,
        "count": finding.count,
        "message": finding.message,
        "examples": list(finding.examples),
    }


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


def metadata_to_dict(metadata: IdpMetadata, now: datetime | None = None) -> dict[str, Any]:
    """`saml metadata --format json`."""
    moment = now or datetime.now(UTC)
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": meta("saml metadata"),
        "metadata": {
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
        },
        "idps": [idp_to_dict(i, moment) for i in metadata.idps],
    }


def attribute_to_dict(attribute: Attribute, show_values: bool) -> dict[str, Any]:
    """One released attribute (values masked unless show_values)."""
    return {
        "name": attribute.name,
        "name_format": attribute.name_format,
        "friendly_name": attribute.friendly_name,
        "readable_name": attribute.readable_name,
        "directory_attributes": list(
            vocab.directory_attributes(attribute.name, attribute.friendly_name)
        ),
        "values": [reveal(v, show_values) for v in attribute.values],
        "nil_values": attribute.nil_values,
    }


def assertion_to_dict(login: Assertion, *, show_values: bool = False) -> dict[str, Any]:
    """The body of `saml decode --format json` (also used by `saml test-sp --save`)."""
    nameid = login.nameid
    return {
        "location": login.location,
        "input_format": login.input_format,
        "message": login.message,
        "response": {
            "id": login.response_id,
            "issuer": login.response_issuer,
            "destination": login.destination,
            "in_response_to": login.in_response_to,
            "issue_instant": _when(login.issue_instant),
            "status": login.status,
            "status_message": login.status_message,
        },
        "assertion": {
            "id": login.assertion_id,
            "issuer": login.issuer,
            "encrypted": login.encrypted,
            "decrypted": login.decrypted,
            "not_before": _when(login.not_before),
            "not_on_or_after": _when(login.not_on_or_after),
            "audiences": list(login.audiences),
            "recipient": login.recipient,
            "authn_instant": _when(login.authn_instant),
            "authn_context": login.authn_context,
            "session_index": login.session_index,
        },
        "nameid": None
        if nameid is None
        else {
            "value": reveal(nameid.value, show_values) if nameid.value else None,
            "format": nameid.format,
            "format_short": nameid.format_short,
            "name_qualifier": nameid.name_qualifier,
            "sp_name_qualifier": nameid.sp_name_qualifier,
            "encrypted": nameid.encrypted,
            "opaque": nameid.opaque,
        },
        "attributes": [attribute_to_dict(a, show_values) for a in login.attributes],
        "encrypted_attributes": login.encrypted_attributes,
        "signatures": [
            {
                "element": s.element,
                "element_id": s.element_id,
                "algorithm": s.algorithm,
                "digest_algorithm": s.digest_algorithm,
                "verified": s.verified,
                "certificate": s.certificate,
                "detail": s.detail,
            }
            for s in login.signatures
        ],
        "trusted": login.trusted,
        "trust_detail": login.trust_detail,
        "findings": [finding_to_dict(f) for f in login.findings],
    }


def decode_to_dict(
    login: Assertion, *, show_values: bool = False, command: str = "saml decode"
) -> dict[str, Any]:
    """`saml decode --format json`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": meta(command, show_values=show_values),
        "login": assertion_to_dict(login, show_values=show_values),
    }


def to_json(data: dict[str, Any]) -> str:
    """UTF-8 JSON, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# terminal


def _plain(value: object) -> Text:
    """Data as literal text: square brackets are never read as rich markup, nor `:x:` as emoji."""
    return Text("" if value is None else str(value))


def _findings(findings: tuple[Finding, ...]) -> list[RenderableType]:
    return [
        Text(f"{f.severity.value:<7} {f.message}", style=SEVERITY_STYLE[f.severity.value])
        for f in findings
    ]


def short_subject(subject: str | None) -> str:
    """`CN=idp.college.ca` out of a long distinguished name (the whole name when no CN)."""
    if not subject:
        return ""
    for part in subject.split(","):
        key, _, value = part.partition("=")
        if key.strip().upper() == "CN":
            return f"CN={value.strip()}"
    return subject


def _kv(rows: list[tuple[str, str]]) -> Table:
    """Key / value rows; both are shown literally (values come from the document)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(_plain(key), _plain(value))
    return table


def render_metadata(metadata: IdpMetadata, console: Console, now: datetime | None = None) -> None:
    """The terminal view of `saml metadata`."""
    moment = now or datetime.now(UTC)
    head = [
        ("Document", f"{metadata.location} ({metadata.root})"),
        ("IdPs", f"{metadata.idp_count} of {metadata.entities} entities"),
        ("Signature", metadata.signature.detail),
    ]
    if metadata.name:
        head.insert(1, ("Name", metadata.name))
    if metadata.valid_until:
        head.append(("Valid until", f"{metadata.valid_until:%Y-%m-%d %H:%M} UTC"))
    parts: list[RenderableType] = [_kv(head), *_findings(metadata.findings)]
    console.print(Panel(Group(*parts), title="SAML metadata", border_style="blue"))
    if len(metadata.idps) > SUMMARY_ABOVE:
        console.print(_idp_summary(metadata, moment))
        return
    for idp in metadata.idps:
        console.print(_idp_panel(idp, moment))


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
    return table


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
        offered.add_column("Name (as Alma must be told)", overflow="fold", no_wrap=True)
        offered.add_column("readable name", overflow="fold")
        offered.add_column("directory attribute", overflow="fold")
        for attribute in idp.attributes:
            offered.add_row(
                _plain(attribute.name),
                _plain(vocab.friendly_name(attribute.name, attribute.friendly_name)),
                _plain(
                    ", ".join(vocab.directory_attributes(attribute.name, attribute.friendly_name))
                ),
            )
        parts.append(offered)
    parts.extend(_findings(idp.findings))
    return Panel(Group(*parts), title=_plain(idp.entity_id), border_style="cyan")


def render_decode(login: Assertion, console: Console, *, show_values: bool = False) -> None:
    """The terminal view of `saml decode` (and of `saml test-sp`)."""
    parts: list[RenderableType] = []
    if show_values:
        parts.append(
            Text(
                "VALUES SHOWN UNMASKED (--show-values): handle as personal data.", style="bold red"
            )
        )
    rows = [("Message", f"{login.message} ({login.input_format})")]
    for key, value in (
        ("Issuer", login.issuer or login.response_issuer),
        ("Destination", login.destination),
        ("Status", (login.status or "").rsplit(":", 1)[-1] or None),
        ("Issued", _when(login.issue_instant)),
        ("Valid", _validity(login)),
        ("Audience", ", ".join(login.audiences) or None),
        ("AuthnContext", login.authn_context),
    ):
        if value:
            rows.append((key, value))
    nameid = login.nameid
    if login.encrypted:
        rows.append(("Assertion", "ENCRYPTED (pass --sp-key to decrypt)"))
    elif nameid is None:
        rows.append(("NameID", "(none)"))
    elif nameid.encrypted:
        rows.append(("NameID", "ENCRYPTED (EncryptedID)"))
    else:
        rows.append(("NameID", f"{reveal(nameid.value, show_values)}  ({nameid.format_short})"))
        rows.append(
            (
                "  Format",
                f"{nameid.format} ({nameid.format_short})"
                if nameid.format
                else "(none sent: unspecified)",
            )
        )
        if nameid.name_qualifier:
            rows.append(("  NameQualifier", nameid.name_qualifier))
        if nameid.sp_name_qualifier:
            rows.append(("  SPNameQualifier", nameid.sp_name_qualifier))
        if nameid.opaque:
            rows.append(
                (
                    "",
                    f"A {nameid.format_short} NameID is opaque: it can never be the matching ID.",
                )
            )
    trust_style = {True: "green", False: "bold red", None: "yellow"}[login.trusted]
    parts.append(_kv(rows))
    parts.append(Text(f"Trust: {login.trust_detail}", style=trust_style))
    for signature in login.signatures:
        verdict = {
            True: f"verified with {short_subject(signature.certificate)}",
            False: f"NOT valid: {signature.detail}",
            None: signature.detail,
        }[signature.verified]
        parts.append(Text(f"  signature on the {signature.element}: {verdict}"))
    if login.attributes:
        table = Table(title=f"Attributes released ({len(login.attributes)})", title_justify="left")
        table.add_column("Name (exactly as sent)", overflow="fold", no_wrap=True)
        table.add_column("readable name", overflow="fold")
        table.add_column("values", overflow="fold")
        formats: dict[str, str] = {}
        for attribute in login.attributes:
            name = _plain(attribute.name)
            if attribute.name_format:
                short = attribute_format_short(attribute.name_format)
                formats[attribute.name_format] = short
                name.append(f"\n  NameFormat: {short}", style="dim")
            if attribute.friendly_name is not None:
                name.append(f"\n  FriendlyName: {attribute.friendly_name}", style="dim")
            table.add_row(
                name,
                _plain(attribute.readable_name),
                _plain(
                    "\n".join(reveal(v, show_values) for v in attribute.values)
                    + (f"\n({attribute.nil_values} nil)" if attribute.nil_values else "")
                ),
            )
        parts.append(table)
        parts.extend(
            _plain(f"NameFormat {short} = {full}")
            for full, short in formats.items()
            if short != full
        )
    if login.encrypted_attributes:
        parts.append(Text(f"{login.encrypted_attributes} encrypted attribute(s) not shown."))
    parts.extend(_findings(login.findings))
    console.print(Panel(Group(*parts), title="SAML login", border_style="blue"))


ATTRNAME_FORMAT_PREFIXES = (
    "urn:oasis:names:tc:SAML:2.0:attrname-format:",
    "urn:oasis:names:tc:saml2:2.0:attrname-format:",  # how eIDAS nodes spell it
)


def attribute_format_short(name_format: str) -> str:
    """`uri` for `urn:oasis:names:tc:SAML:2.0:attrname-format:uri` (others as sent)."""
    folded = name_format.casefold()
    for prefix in ATTRNAME_FORMAT_PREFIXES:
        if folded.startswith(prefix.casefold()):
            return name_format[len(prefix) :]
    return name_format


def _validity(login: Assertion) -> str | None:
    if login.not_before is None and login.not_on_or_after is None:
        return None
    return f"{_when(login.not_before) or '…'} to {_when(login.not_on_or_after) or '…'}"


# ---------------------------------------------------------------------------------------------
# markdown (built from the JSON data, so the two never disagree)


def _md_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", "<br>")


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)
    return lines


def _md_findings(findings: list[dict[str, Any]]) -> list[str]:
    return [f"- **{f['severity']}** {f['message']}" for f in findings]


def metadata_to_markdown(data: dict[str, Any]) -> str:
    """`saml metadata --format md` from `metadata_to_dict` output."""
    document = data["metadata"]
    lines = [
        "# SAML metadata",
        "",
        f"- Document: `{document['location']}` ({document['root']})",
        f"- IdPs: {document['idps']} of {document['entities']} entities",
        f"- Signature: {document['signature']['detail']}",
        *_md_findings(document["findings"]),
    ]
    for idp in data["idps"]:
        lines += ["", f"## {idp['entity_id']}", ""]
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
    return "\n".join(lines) + "\n"


def decode_to_markdown(data: dict[str, Any]) -> str:
    """`saml decode --format md` from `decode_to_dict` output (values already masked or not)."""
    login = data["login"]
    response, assertion, nameid = login["response"], login["assertion"], login["nameid"]
    lines = ["# SAML login", ""]
    if data["meta"]["values_shown"]:
        lines += ["**Values shown unmasked (--show-values): handle as personal data.**", ""]
    lines += [
        f"- Message: {login['message']} ({login['input_format']})",
        f"- Issuer: {assertion['issuer'] or response['issuer']}",
        f"- Audience: {', '.join(assertion['audiences']) or '(none)'}",
        f"- Valid: {assertion['not_before']} to {assertion['not_on_or_after']}",
    ]
    if assertion["encrypted"]:
        lines.append("- Assertion: encrypted (pass --sp-key to decrypt)")
    elif nameid is not None:
        lines.append(f"- NameID: `{nameid['value']}` ({nameid['format_short']})")
        lines.append(f"  - Format: `{nameid['format'] or '(none sent: unspecified)'}`")
        for key, label in (
            ("name_qualifier", "NameQualifier"),
            ("sp_name_qualifier", "SPNameQualifier"),
        ):
            if nameid[key]:
                lines.append(f"  - {label}: `{nameid[key]}`")
    lines += [f"- Trust: {login['trust_detail']}", ""]
    if login["attributes"]:
        lines += [f"## Attributes released ({len(login['attributes'])})", ""]
        lines += _md_table(
            ["Name (exactly as sent)", "NameFormat", "FriendlyName", "readable name", "values"],
            [
                [
                    f"`{a['name']}`",
                    f"`{a['name_format']}`" if a["name_format"] else "",
                    a["friendly_name"] or "",
                    a["readable_name"],
                    "\n".join(a["values"]),
                ]
                for a in login["attributes"]
            ],
        )
    if login["findings"]:
        lines += ["", "## Findings", "", *_md_findings(login["findings"])]
    return "\n".join(lines) + "\n"
