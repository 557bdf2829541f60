"""The terminal views of `oidc discover` and `oidc decode` / `oidc test-rp`.

Every string from the document or the token is a rich `Text`, never markup: a claim value such
as `[/x]` is shown as it is and cannot restyle or crash the output.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe.cli.render import plain
from authprobe.model import Finding
from authprobe.reports.oidc import (
    ALMA_CLAIM_NOTE,
    claim_value,
    matching_candidates,
    value_text,
    when,
)
from authprobe.reports.saml_metadata import short_subject
from authprobe.sources.oidc.discovery import Discovery
from authprobe.sources.oidc.keys import KeySetFacts
from authprobe.sources.oidc.token import IdToken, claim_facts

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
STATUS_STYLE = {"verified": "green", "verified-hmac": "bold yellow", "not-checked": "yellow"}


def key_values(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(plain(key), plain(value))
    return table


def finding_lines(findings: tuple[Finding, ...] | list[Finding]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for finding in findings:
        line = Text(f"{finding.severity.value:<7} {finding.message}")
        line.stylize(SEVERITY_STYLE[finding.severity.value], 0, 7)
        out.append(line)
        for example in finding.examples[:5]:
            out.append(plain(f"          {example}", "dim"))
    return out


def render_discovery(discovery: Discovery, console: Console, now: datetime | None = None) -> None:
    """`oidc discover` in the terminal."""
    moment = now or datetime.now(UTC)
    rows = [("Document", discovery.location)]
    for label, value in (
        ("Issuer", discovery.issuer),
        ("Authorization", discovery.authorization_endpoint),
        ("Token", discovery.token_endpoint),
        ("UserInfo", discovery.userinfo_endpoint),
        ("End session", discovery.end_session_endpoint),
        ("JWKS", discovery.jwks_uri),
    ):
        if value:
            rows.append((label, value))
    for label, values in (
        ("Response types", discovery.response_types),
        ("Response modes", discovery.response_modes),
        ("Scopes", discovery.scopes),
        ("Subject types", discovery.subject_types),
        ("ID-token algs", discovery.id_token_algs),
        ("PKCE methods", discovery.code_challenge_methods),
    ):
        if values:
            rows.append((label, ", ".join(values)))
    parts: list[RenderableType] = [key_values(rows)]
    if discovery.claims:
        parts.append(_claims_offered(discovery.claims))
    if discovery.keys is not None:
        parts.append(keys_table(discovery.keys, moment))
    parts.extend(finding_lines(discovery.all_findings))
    title = "OpenID Provider" if discovery.kind == "discovery" else "JWKS"
    console.print(Panel(Group(*parts), title=title, border_style="blue"))


def _claims_offered(claims: tuple[str, ...]) -> Table:
    table = Table(title=f"Claims supported ({len(claims)})", title_justify="left")
    table.add_column("claim", overflow="fold", no_wrap=True)
    table.add_column("readable name", overflow="fold")
    table.add_column("directory attribute", overflow="fold")
    for name in claims:
        facts = claim_facts(name, None)
        directory = ", ".join(facts.directory_attributes)
        if facts.opaque:
            directory = "(opaque: never the matching ID)"
        table.add_row(plain(name), plain(facts.readable_name), plain(directory))
    return table


def keys_table(keys: KeySetFacts, now: datetime) -> Table:
    """One row per JWK: kid, type, alg, use, certificate subject and not-after."""
    table = Table(title=f"Keys ({len(keys.keys)}) from {keys.location}", title_justify="left")
    for column in ("kid", "type", "alg", "use", "certificate", "not after", "days"):
        table.add_column(column, overflow="fold")
    for key in keys.keys:
        cert = key.certificate
        kind = " ".join(str(p) for p in (key.kty, key.curve, key.size) if p)
        days = (cert.not_after - now).days if cert else None
        style = "" if days is None else ("red" if days < 0 else ("yellow" if days <= 90 else ""))
        use = key.use or ""
        if not key.usable:
            use = f"{use} (not used: {key.problem})".strip()
        table.add_row(
            plain(key.kid or "(none)"),
            plain(kind),
            plain(key.alg or ""),
            plain(use, "" if key.usable else "dim"),
            plain(short_subject(cert.subject) if cert else ""),
            plain(f"{cert.not_after:%Y-%m-%d}" if cert else ""),
            plain("" if days is None else str(days), style),
        )
    return table


def render_token(token: IdToken, console: Console, *, show_values: bool = False) -> None:
    """`oidc decode` (and `oidc test-rp`) in the terminal."""
    parts: list[RenderableType] = []
    if show_values:
        parts.append(
            Text(
                "VALUES SHOWN UNMASKED (--show-values): handle as personal data.", style="bold red"
            )
        )
    rows = [("Input", f"{token.location} ({token.input_format}, {token.form})")]
    rows.append(("Header", ", ".join(f"{k}={value_text(v)}" for k, v in token.header.items())))
    if token.other_tokens:
        rows.append(("Not shown", ", ".join(token.other_tokens) + " (also in the input)"))
    parts.append(key_values(rows))
    check = token.signature
    style = STATUS_STYLE.get(check.status, "bold red")
    parts.append(Text(f"Signature: {check.status} — {check.detail}", style=style))
    if token.claims:
        parts.append(_claims_table(token, show_values))
        names = ", ".join(c.name for c in matching_candidates(token)) or "none"
        parts.append(plain(f"Claims that could carry the matching ID: {names}."))
        parts.append(plain(ALMA_CLAIM_NOTE, "dim"))
    elif token.payload_text is not None:
        parts.append(plain("The payload is not a JSON claims set."))
    parts.extend(finding_lines(token.findings))
    title = "ID token" if token.payload_is_json or token.form == "JWE" else "JWS"
    console.print(Panel(Group(*parts), title=title, border_style="blue"))


def _claims_table(token: IdToken, show_values: bool) -> Table:
    table = Table(title=f"Claims ({len(token.claims)})", title_justify="left")
    table.add_column("claim", overflow="fold", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("directory attribute / note", overflow="fold")
    for claim in token.claims:
        value = value_text(claim_value(claim, show_values))
        if claim.time is not None:
            value = f"{when(claim.time)}  ({value})"
        if claim.opaque:
            note = Text("opaque: never the matching ID", style="yellow")
        elif claim.directory_attributes:
            note = plain(", ".join(claim.directory_attributes))
        else:
            note = plain(claim.readable_name if claim.readable_name != claim.name else "", "dim")
        table.add_row(plain(claim.name), plain(value), note)
    return table
