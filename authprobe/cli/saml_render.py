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
from authprobe.sources.saml.message import Assertion, Attribute
from authprobe.wording import plural

SCHEMA_VERSION = 1
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
SUMMARY_ABOVE = 3  # more IdPs than this: one line each instead of a panel each


def short_column(cells: list[str], cap: int = 24) -> int:
    """The width a column of short words needs not to break one: its longest word, at most
    `cap` (then it folds)."""
    longest = max((len(word) for cell in cells for word in cell.split()), default=4)
    return max(4, min(longest, cap))


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
        # The Name folds before the short columns do (at 80 columns a long URI Name would
        # otherwise squeeze "readable name" to one letter per line).
        table.add_column("Name (exactly as sent)", overflow="fold")
        table.add_column(
            "readable name",
            overflow="fold",
            min_width=short_column([a.readable_name for a in login.attributes]),
            max_width=24,
        )
        table.add_column("values", overflow="fold", min_width=14)
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
        parts.append(
            Text(f"{plural(login.encrypted_attributes, 'encrypted attribute')} not shown.")
        )
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
