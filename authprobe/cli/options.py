"""Options shared by several commands, declared once (Annotated Typer options)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from authprobe import runtime
from authprobe.errors import InputError


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


class DataFormat(StrEnum):
    """What the ldap commands write: a terminal table or JSON."""

    TABLE = "table"
    JSON = "json"


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
DataFormatOpt = Annotated[
    DataFormat,
    typer.Option("--format", "-f", help="Output format: table (terminal) or json."),
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


def read_password_file(path: Path) -> str:
    """The bind password: the first line of a small regular file (a device, a FIFO or a file
    over 4 KiB is refused, exit 4)."""
    data = runtime.read_small(path, "password file", runtime.PASSWORD_FILE_MAX_BYTES)
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(
            "password-file-not-text",
            "The password file is not UTF-8 text.",
            location=str(path),
            hint="Give a file whose first line is the password (chmod 600).",
        ) from exc
    return lines[0] if lines else ""
