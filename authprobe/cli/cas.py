"""`authprobe cas decode`: what a CAS ticket validation tells Alma (cas:user and attributes)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe.cli.console import default_environment
from authprobe.cli.oidc_render import md_findings, md_table
from authprobe.cli.oidc_terminal import finding_lines, key_values
from authprobe.cli.options import (
    DEFAULT_FAIL_ON,
    FailOnOpt,
    OutputOpt,
    ShowValuesOpt,
    TextFormat,
    TextFormatOpt,
)
from authprobe.cli.output import emit_table, emit_text, exit_for
from authprobe.cli.render import plain
from authprobe.cli.saml_render import SCHEMA_VERSION, finding_to_dict, meta, to_json
from authprobe.reports.mask import reveal
from authprobe.sources.cas.response import CasAttribute, CasResponse, read_response

cas_app = typer.Typer(
    name="cas",
    help="CAS: a ticket-validation response as Alma receives it.",
    no_args_is_help=True,
)
USER_NOTE = "Alma takes the user identifier from cas:user."


def _values(attribute: CasAttribute, show_values: bool) -> list[str]:
    if attribute.protocol:
        return list(attribute.values)
    return [reveal(v, show_values) for v in attribute.values]


def response_to_dict(response: CasResponse, *, show_values: bool = False) -> dict[str, Any]:
    """`cas decode --format json`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "meta": meta("cas decode", show_values=show_values),
        "cas": {
            "location": response.location,
            "input_format": response.input_format,
            "protocol": response.protocol,
            "success": response.success,
            "user": reveal(response.user, show_values) if response.user else None,
            "user_note": USER_NOTE,
            "attributes": [
                {
                    "name": a.name,
                    "values": _values(a, show_values),
                    "readable_name": a.readable_name,
                    "directory_attributes": list(a.directory_attributes),
                    "protocol": a.protocol,
                }
                for a in response.attributes
            ],
            "attribute_style": response.attribute_style,
            "failure_code": response.failure_code,
            "failure_description": response.failure_description,
            "proxy_granting_ticket": response.proxy_granting_ticket,
            "proxies": list(response.proxies),
            "findings": [finding_to_dict(f) for f in response.findings],
        },
    }


def response_to_markdown(data: dict[str, Any]) -> str:
    """`cas decode --format md` (from the JSON data)."""
    cas = data["cas"]
    lines = ["# CAS validation response", ""]
    if data["meta"]["values_shown"]:
        lines += ["**Values shown unmasked (--show-values): handle as personal data.**", ""]
    lines.append(f"- Input: `{cas['location']}` ({cas['input_format']}, {cas['protocol']})")
    if cas["success"]:
        lines.append(f"- cas:user: `{cas['user'] or ''}` — {cas['user_note']}")
    else:
        lines.append(
            f"- Failure: `{cas['failure_code'] or '(no code)'}` {cas['failure_description'] or ''}"
        )
    if cas["attributes"]:
        lines += ["", f"## Attributes ({len(cas['attributes'])})", ""]
        lines += md_table(
            ["name (as sent)", "readable name", "directory attribute", "values"],
            [
                [
                    f"`{a['name']}`",
                    a["readable_name"],
                    ", ".join(a["directory_attributes"]),
                    "\n".join(a["values"]),
                ]
                for a in cas["attributes"]
            ],
        )
    if cas["findings"]:
        lines += ["", "## Findings", "", *md_findings(cas["findings"])]
    return "\n".join(lines) + "\n"


def render_response(response: CasResponse, console: Console, *, show_values: bool) -> None:
    """`cas decode` in the terminal."""
    parts: list[RenderableType] = []
    if show_values:
        parts.append(
            Text(
                "VALUES SHOWN UNMASKED (--show-values): handle as personal data.", style="bold red"
            )
        )
    rows = [("Input", f"{response.location} ({response.input_format}, {response.protocol})")]
    if response.success:
        rows.append(("cas:user", reveal(response.user, show_values) if response.user else ""))
    else:
        rows.append(("Failure", f"{response.failure_code or '(no code)'}"))
        rows.append(("", response.failure_description or ""))
    if response.proxies:
        rows.append(("Proxies", ", ".join(response.proxies)))
    parts.append(key_values(rows))
    if response.success:
        parts.append(plain(USER_NOTE, "dim"))
    if response.attributes:
        table = Table(
            title=f"Attributes released ({len(response.attributes)}, {response.attribute_style})",
            title_justify="left",
        )
        table.add_column("name (as sent)", overflow="fold", no_wrap=True)
        table.add_column("directory attribute", overflow="fold")
        table.add_column("values", overflow="fold")
        for attribute in response.attributes:
            table.add_row(
                plain(attribute.name),
                plain(", ".join(attribute.directory_attributes)),
                plain("\n".join(_values(attribute, show_values))),
            )
        parts.append(table)
    parts.extend(finding_lines(response.findings))
    style = "blue" if response.success else "red"
    console.print(Panel(Group(*parts), title="CAS validation", border_style=style))


def decode(
    source: Annotated[
        str,
        typer.Argument(
            help="The CAS server's answer to serviceValidate (XML or JSON); - for stdin."
        ),
    ],
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    fail_on: FailOnOpt = DEFAULT_FAIL_ON,
) -> int:
    """A CAS validation response: cas:user, every attribute, or the failure and its code."""
    env = default_environment()
    response = read_response(source)
    if output_format is TextFormat.TABLE:
        emit_table(
            env, output, lambda console: render_response(response, console, show_values=show_values)
        )
    else:
        data = response_to_dict(response, show_values=show_values)
        text = to_json(data) if output_format is TextFormat.JSON else response_to_markdown(data)
        emit_text(env, text, output)
    return exit_for(response.findings, fail_on)


def register(app: typer.Typer) -> None:
    """Attach the `cas` command group to the app."""
    cas_app.command("decode")(decode)
    app.add_typer(cas_app, name="cas")
