"""`authprobe saml metadata|decode|test-sp`: what the IdP offers, and what a login releases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer

from authprobe.cli.console import Environment, default_environment
from authprobe.cli.options import (
    DEFAULT_FAIL_ON,
    FailOn,
    FailOnOpt,
    OutputOpt,
    ShowValuesOpt,
    TextFormat,
    TextFormatOpt,
)
from authprobe.cli.saml_metadata_view import draw_table, write_json, write_markdown
from authprobe.cli.saml_render import (
    decode_to_dict,
    decode_to_markdown,
    render_decode,
    to_json,
)
from authprobe.errors import ExitCode, SourceUnreachable, UsageError
from authprobe.model import Finding, Severity
from authprobe.sources.saml import testsp
from authprobe.sources.saml.crypto import Certificate, read_certificates
from authprobe.sources.saml.message import Assertion, issuers, load_sp_key, read_input
from authprobe.sources.saml.message import decode as decode_message
from authprobe.sources.saml.metadata import IdpEntity, IdpMetadata, MetadataScan, read_metadata

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
        readable=False,  # checked when read (exit 4), not by Click (exit 2)
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
        env.stderr.print(f"Written to {output}", markup=False)


def _exit(findings: list[Finding], fail_on: FailOn) -> int:
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    threshold = Severity(fail_on.value).rank
    worst = max((f.severity.rank for f in findings), default=-1)
    return int(ExitCode.FINDINGS if worst >= threshold else ExitCode.OK)


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
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    fail_on: FailOnOpt = DEFAULT_FAIL_ON,
) -> int:
    """IdP facts: entityID, endpoints, NameID formats, attributes offered, certificates."""
    env = default_environment()
    scan = MetadataScan(source, entity=entity, cert=[str(p) for p in cert or []])
    with _stream_to(env, output) as handle:  # each IdP written as it is read (aggregates)
        if output_format is TextFormat.JSON:
            worst = write_json(scan, handle)
        elif output_format is TextFormat.MD:
            worst = write_markdown(scan, handle)
        else:
            from rich.console import Console

            console = env.stdout if output is None else Console(file=handle, width=120)
            worst = draw_table(scan, console)
    if output is not None:
        env.stderr.print(f"Written to {output}", markup=False)
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    return int(ExitCode.FINDINGS if worst.rank >= Severity(fail_on.value).rank else ExitCode.OK)


@contextmanager
def _stream_to(env: Environment, output: Path | None) -> Iterator[IO[str]]:
    """stdout, or the -o file (removed again if the run fails half-way)."""
    if output is None:
        yield env.stdout.file
        return
    with output.open("w", encoding="utf-8") as handle:
        try:
            yield handle
        except BaseException:
            handle.close()
            output.unlink(missing_ok=True)
            raise


def decode(
    source: Annotated[
        str,
        typer.Argument(
            help="Captured login: XML, base64, SAMLResponse=..., HTML, a SAML-tracer export "
            "(JSON); - for stdin.",
            metavar="FILE",
        ),
    ],
    idp_metadata: IdpMetadataOpt = None,
    cert: CertOpt = None,
    sp_key: Annotated[
        Path | None,
        typer.Option(
            "--sp-key",
            help="The service provider's private key (PEM), to decrypt an EncryptedAssertion.",
            readable=False,
        ),
    ] = None,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    fail_on: FailOnOpt = DEFAULT_FAIL_ON,
    index: Annotated[
        int | None,
        typer.Option(
            "--index",
            help="In a SAML-tracer export: which SAML message to show (1 = the first; default: "
            "the last SAML Response, the login's answer).",
            metavar="N",
        ),
    ] = None,
) -> int:
    """A captured login: NameID, every attribute (Name as sent), signature and encryption facts."""
    env = default_environment()
    data, location = read_input(source)
    # only the IdP the login names is read from the metadata (an aggregate costs no memory)
    metadata_result = (
        read_metadata(idp_metadata, keep=issuers(data, location, index=index))
        if idp_metadata
        else None
    )
    login = decode_message(
        data,
        location,
        certificates=_certificates(cert),
        metadata=metadata_result,
        sp_key=load_sp_key(sp_key) if sp_key else None,
        index=index,
    )
    show(env, login, output_format, output, show_values)
    return _exit(list(login.findings), fail_on)


def show(
    env: Environment,
    login: Assertion,
    output_format: TextFormat,
    output: Path | None,
    show_values: bool,
    command: str = "saml decode",
) -> None:
    """Write a decoded login in the asked format."""
    if output_format in (TextFormat.JSON, TextFormat.MD):
        data = decode_to_dict(login, show_values=show_values, command=command)
        text = to_json(data) if output_format is TextFormat.JSON else decode_to_markdown(data)
        _write(env, text, output)
    else:
        _table(env, output, lambda console: render_decode(login, console, show_values=show_values))


def run_test_sp(
    idp_metadata: Annotated[
        str | None,
        typer.Option("--idp-metadata", help="The IdP's metadata file or URL (required to log in)."),
    ] = None,
    entity: EntityOpt = None,
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (part of the ACS URL to register).")
    ] = testsp.DEFAULT_PORT,
    entity_id: Annotated[
        str, typer.Option("--entity-id", help="The SP's entityID (register it at the IdP).")
    ] = testsp.DEFAULT_ENTITY_ID,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            "--config-dir",
            help="Where the SP key pair is kept (default ~/.config/authprobe/test-sp).",
            file_okay=False,
        ),
    ] = None,
    print_metadata: Annotated[
        bool,
        typer.Option("--print-metadata", help="Print the SP metadata XML to stdout and exit."),
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            help="Save the received SAML Response XML (for decode / recommend).",
            dir_okay=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the login.")
    ] = 600.0,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
) -> int:
    """A local service provider on 127.0.0.1: register it, log in, see what is released."""
    env = default_environment()
    identity = testsp.sp_identity(config_dir, port=port, entity_id=entity_id)
    if print_metadata:
        _write(env, testsp.sp_metadata(identity), output)
        return int(ExitCode.OK)
    if not idp_metadata:
        raise UsageError(
            "test-sp-needs-idp",
            "saml test-sp needs the IdP's metadata to send the login to.",
            hint="Pass --idp-metadata FILE|URL (or --print-metadata to get the SP metadata).",
        )
    idp = _one_idp(read_metadata(idp_metadata, entity=entity))
    server = testsp.TestSp(idp, identity)
    server.start()
    try:
        env.stderr.print(
            f"Test SP listening. Register it at the IdP ({idp.entity_id}):\n"
            f"  entityID      {identity.entity_id}\n"
            f"  ACS URL       {identity.acs_url}  (HTTP-POST)\n"
            f"  SP metadata   {identity.metadata_url}\n"
            f"  certificate   {identity.cert_path}\n"
            f"Then open {identity.base_url}/login in a browser and log in "
            f"(waiting {timeout:.0f} s).",
            markup=False,
            soft_wrap=True,  # URLs and commands stay whole: the terminal wraps them
        )
        result = server.wait(timeout)
    finally:
        server.stop()
    if result is None:
        raise SourceUnreachable(
            "test-sp-timeout",
            f"No login arrived at {identity.acs_url} within {timeout:.0f} seconds.",
            hint="Check that the IdP knows this SP (entityID and ACS URL) and that the browser "
            "runs on this machine.",
        )
    if save is not None:
        save.write_bytes(result.saml_response)
        env.stderr.print(f"SAML Response saved to {save}", markup=False, soft_wrap=True)
    if result.valid:
        env.stderr.print("The response is valid for this SP (python3-saml).")
    else:
        env.stderr.print(
            "python3-saml rejects the response: " + "; ".join(result.errors), markup=False
        )
    show(env, result.assertion, output_format, output, show_values, command="saml test-sp")
    return int(ExitCode.OK if result.valid else ExitCode.FINDINGS)


def _one_idp(result: IdpMetadata) -> IdpEntity:
    if len(result.idps) == 1:
        return result.idps[0]
    raise UsageError(
        "test-sp-which-idp",
        f"The metadata describes {len(result.idps)} IdPs; pick one.",
        location=result.location,
        hint="Pass --entity ENTITY_ID (see `authprobe saml metadata` for the list).",
    )


def register(app: typer.Typer) -> None:
    """Attach the `saml` command group to the app."""
    saml_app.command("metadata")(metadata)
    saml_app.command("decode")(decode)
    saml_app.command("test-sp")(run_test_sp)
    app.add_typer(saml_app, name="saml")
