"""How `saml decode` (and `saml test-sp`) results look in the terminal (the JSON and Markdown
are in `reports/saml.py`).

Identifier values (NameID, attribute values) are masked unless `show_values`; entityIDs,
attribute Names, endpoints and certificates describe the IdP, not a person, and are shown as is.

In the terminal view every string that comes from the document (entityIDs, Issuer, Destination,
attribute Names and values, certificate subjects, ...) is a rich `Text`, never markup: `[bold]`
or `[/x]` in a SAML message is shown literally and cannot restyle the output or crash it.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe.model import Finding
from authprobe.reports.envelope import iso_z as _when
from authprobe.reports.mask import reveal
from authprobe.reports.saml_metadata import short_subject
from authprobe.sources.saml.message import Assertion
from authprobe.wording import plural

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def short_column(cells: list[str], cap: int = 24) -> int:
    """The width a column of short words needs not to break one: its longest word, at most
    `cap` (then it folds)."""
    longest = max((len(word) for cell in cells for word in cell.split()), default=4)
    return max(4, min(longest, cap))


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
    parts.append(_kv(_decode_rows(login, show_values)))
    trust_style = {True: "green", False: "bold red", None: "yellow"}[login.trusted]
    parts.append(Text(f"Trust: {login.trust_detail}", style=trust_style))
    for signature in login.signatures:
        verdict = {
            True: f"verified with {short_subject(signature.certificate)}",
            False: f"NOT valid: {signature.detail}",
            None: signature.detail,
        }[signature.verified]
        parts.append(Text(f"  signature on the {signature.element}: {verdict}"))
    parts.extend(_attribute_parts(login, show_values))
    if login.encrypted_attributes:
        parts.append(
            Text(f"{plural(login.encrypted_attributes, 'encrypted attribute')} not shown.")
        )
    parts.extend(_findings(login.findings))
    console.print(Panel(Group(*parts), title="SAML login", border_style="blue"))


def _decode_rows(login: Assertion, show_values: bool) -> list[tuple[str, str]]:
    """The key facts of a login: message, issuer, validity, NameID and its format."""
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
    return rows


def _attribute_parts(login: Assertion, show_values: bool) -> list[RenderableType]:
    """The released attributes as a table, and the NameFormats it abbreviates."""
    parts: list[RenderableType] = []
    if not login.attributes:
        return parts
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
        _plain(f"NameFormat {short} = {full}") for full, short in formats.items() if short != full
    )
    return parts


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
