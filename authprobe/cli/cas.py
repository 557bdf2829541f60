"""`authprobe cas decode`: what a CAS ticket validation tells Alma (cas:user and attributes)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe.cli.console import default_environment
from authprobe.cli.oidc_terminal import finding_lines, key_values
from authprobe.cli.options import (
    DEFAULT_FAIL_ON,
    FailOnOpt,
    OutputOpt,
    ShowValuesOpt,
    TextFormat,
    TextFormatOpt,
)
from authprobe.cli.output import exit_code, write_output, write_view
from authprobe.cli.render import plain
from authprobe.reports.cas import (
    USER_NOTE,
    attribute_values,
    response_to_dict,
    response_to_markdown,
)
from authprobe.reports.envelope import to_json
from authprobe.reports.mask import reveal
from authprobe.sources.cas.response import CasResponse, read_response

cas_app = typer.Typer(
    name="cas",
    help="CAS: a ticket-validation response as Alma receives it.",
    no_args_is_help=True,
)


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
                plain("\n".join(attribute_values(attribute, show_values))),
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
        write_view(
            env, output, lambda console: render_response(response, console, show_values=show_values)
        )
    else:
        data = response_to_dict(response, show_values=show_values)
        text = to_json(data) if output_format is TextFormat.JSON else response_to_markdown(data)
        write_output(env, output, text)
    return exit_code(response.findings, fail_on)


def register(app: typer.Typer) -> None:
    """Attach the `cas` command group to the app."""
    cas_app.command("decode")(decode)
    app.add_typer(cas_app, name="cas")
