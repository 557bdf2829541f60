"""`authprobe saml metadata|decode|test-sp`: what the IdP offers, and what a login releases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import (
    FailOn,
    FailOnOpt,
    FormatOpt,
    OutputFormat,
    OutputOpt,
    ShowValuesOpt,
)
from authprobe.cli.saml_render import (
    decode_to_dict,
    metadata_to_dict,
    render_decode,
    render_metadata,
    to_json,
)
from authprobe.errors import ExitCode, UsageError
from authprobe.model import Finding, Severity
from authprobe.sources.saml_crypto import Certificate, read_certificates
from authprobe.sources.saml_message import Assertion, load_sp_key, read_message
from authprobe.sources.saml_metadata import IdpMetadata, read_metadata

saml_app = typer.Typer(
    name="saml",
    help="The IdP side: its metadata, a captured login, a local test service provider.",
    no_args_is_help=True,
)

CertOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--cert",
        help="Trusted signing certificate (PEM) to verify signatures with (repeatable).",
        dir_okay=False,
    ),
]
IdpMetadataOpt = Annotated[
    str | None,
    typer.Option(
        "--idp-metadata",
        help="IdP metadata file or URL: its signing certificates verify the login, and the "
        "Issuer and attributes are checked against it.",
    ),
]
EntityOpt = Annotated[
    str | None,
    typer.Option("--entity", help="entityID of the one IdP to show (federation aggregates)."),
]


def _certificates(paths: list[Path] | None) -> list[Certificate]:
    found: list[Certificate] = []
    for path in paths or []:
        found.extend(read_certificates(path))
    return found


def _write(env: Environment, text: str, output: Path | None) -> None:
    if output is None:
        env.stdout.file.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        env.stderr.print(f"Written to {output}")


def _exit(findings: list[Finding], fail_on: FailOn) -> int:
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    threshold = Severity(fail_on.value).rank
    worst = max((f.severity.rank for f in findings), default=-1)
    return int(ExitCode.FINDINGS if worst >= threshold else ExitCode.OK)


def _check_format(output_format: OutputFormat) -> None:
    if output_format not in (OutputFormat.TABLE, OutputFormat.JSON):
        raise UsageError(
            "format-unavailable",
            f"--format {output_format.value} is not available for the saml commands.",
            hint="Use --format table or --format json.",
        )


def _table(env: Environment, output: Path | None, draw: object) -> None:
    from rich.console import Console

    if output is None:
        draw(env.stdout)  # type: ignore[operator]
        return
    with output.open("w", encoding="utf-8") as handle:
        draw(Console(file=handle, width=120))  # type: ignore[operator]


def metadata(
    source: Annotated[str, typer.Argument(help="IdP metadata file or http(s) URL.")],
    entity: EntityOpt = None,
    cert: CertOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.NEVER,
) -> int:
    """IdP facts: entityID, endpoints, NameID formats, attributes offered, certificates."""
    _check_format(output_format)
    env = default_environment()
    result = read_metadata(source, entity=entity, cert=[str(p) for p in cert or []])
    if output_format is OutputFormat.JSON:
        _write(env, to_json(metadata_to_dict(result)), output)
    else:
        _table(env, output, lambda console: render_metadata(result, console))
    return _exit(_all_findings(result), fail_on)


def _all_findings(result: IdpMetadata) -> list[Finding]:
    return [*result.findings, *(f for idp in result.idps for f in idp.findings)]


def decode(
    source: Annotated[
        str,
        typer.Argument(help="Captured login: XML, base64, SAMLResponse=..., HTML; - for stdin."),
    ],
    idp_metadata: IdpMetadataOpt = None,
    cert: CertOpt = None,
    sp_key: Annotated[
        Path | None,
        typer.Option(
            "--sp-key",
            help="The service provider's private key (PEM), to decrypt an EncryptedAssertion.",
            dir_okay=False,
        ),
    ] = None,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    fail_on: FailOnOpt = FailOn.NEVER,
) -> int:
    """A captured login: NameID, every attribute (Name as sent), signature and encryption facts."""
    _check_format(output_format)
    env = default_environment()
    metadata_result = read_metadata(idp_metadata) if idp_metadata else None
    login = read_message(
        source,
        certificates=_certificates(cert),
        metadata=metadata_result,
        sp_key=load_sp_key(sp_key) if sp_key else None,
    )
    show(env, login, output_format, output, show_values)
    return _exit(list(login.findings), fail_on)


def show(
    env: Environment,
    login: Assertion,
    output_format: OutputFormat,
    output: Path | None,
    show_values: bool,
    command: str = "saml decode",
) -> None:
    """Write a decoded login in the asked format."""
    if output_format is OutputFormat.JSON:
        data = decode_to_dict(login, show_values=show_values, command=command)
        _write(env, to_json(data), output)
    else:
        _table(env, output, lambda console: render_decode(login, console, show_values=show_values))


def register(app: typer.Typer) -> None:
    """Attach the `saml` command group to the app."""
    saml_app.command("metadata")(metadata)
    saml_app.command("decode")(decode)
    app.add_typer(saml_app, name="saml")
