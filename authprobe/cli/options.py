"""Options shared by several commands, declared once (Annotated Typer options)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    """What a command writes to stdout (or -o FILE)."""

    TABLE = "table"
    JSON = "json"
    MD = "md"
    HTML = "html"


class TextFormat(StrEnum):
    """What a command without an HTML report writes (saml, oidc, cas, sis, alma)."""

    TABLE = "table"
    JSON = "json"
    MD = "md"


class FailOn(StrEnum):
    """The lowest finding severity that makes the command exit 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format: table (terminal), json, md or html."),
]
TextFormatOpt = Annotated[
    TextFormat,
    typer.Option("--format", "-f", help="Output format: table (terminal), json or md."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the report to FILE instead of stdout.", dir_okay=False
    ),
]
DEFAULT_FAIL_ON = FailOn.ERROR
"""The one default of every diagnostic command (`recommend` alone defaults to never)."""
FailOnOpt = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a finding of this severity or worse is reported (never: always 0 "
        "once the report is written).",
    ),
]
ShowValuesOpt = Annotated[
    bool,
    typer.Option(
        "--show-values",
        help="Show identifier values and names unmasked (the report says so on its first line).",
    ),
]
