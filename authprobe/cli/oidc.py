"""`authprobe oidc discover|decode|test-rp`: what an OpenID Provider offers, and what a login
releases."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from authprobe.cli.console import Environment, default_environment
from authprobe.cli.oidc_render import (
    discovery_to_dict,
    discovery_to_markdown,
    token_to_dict,
    token_to_markdown,
)
from authprobe.cli.oidc_terminal import render_discovery, render_token
from authprobe.cli.options import (
    DEFAULT_FAIL_ON,
    FailOnOpt,
    OutputOpt,
    ShowValuesOpt,
    TextFormat,
    TextFormatOpt,
)
from authprobe.cli.output import emit_private, emit_table, emit_text, exit_for
from authprobe.cli.saml_render import to_json
from authprobe.errors import ExitCode, InputError, SourceUnreachable, UsageError
from authprobe.sources.documents import read_bytes
from authprobe.sources.oidc.discovery import Discovery, read_discovery
from authprobe.sources.oidc.keys import KeySetFacts, read_jwks
from authprobe.sources.oidc.relying_party import DEFAULT_PORT, SECRET_ENV, RpSettings, TestRp
from authprobe.sources.oidc.signature import secret_from_file
from authprobe.sources.oidc.token import IdToken, read_token

oidc_app = typer.Typer(
    name="oidc",
    help="OpenID Connect: the provider's discovery document and keys, an ID token, a local "
    "test relying party.",
    no_args_is_help=True,
)

JwksOpt = Annotated[
    str | None,
    typer.Option("--jwks", help="The provider's JWKS (file or https URL): its public keys."),
]
DiscoveryOpt = Annotated[
    str | None,
    typer.Option(
        "--discovery",
        help="The provider's discovery document (file, https URL, or the issuer URL): its "
        "issuer and keys (fetched from jwks_uri when it is a URL).",
    ),
]


def discover(
    source: Annotated[
        str,
        typer.Argument(
            help="Discovery document: https URL (the issuer URL is enough), file, or - for stdin."
        ),
    ],
    jwks: JwksOpt = None,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    fail_on: FailOnOpt = DEFAULT_FAIL_ON,
) -> int:
    """Provider facts: issuer, endpoints, response types, scopes, claims, subject types, keys."""
    env = default_environment()
    result = read_discovery(source, jwks=jwks)
    if output_format is TextFormat.JSON:
        emit_text(env, to_json(discovery_to_dict(result)), output)
    elif output_format is TextFormat.MD:
        emit_text(env, discovery_to_markdown(discovery_to_dict(result)), output)
    else:
        emit_table(env, output, lambda console: render_discovery(result, console))
    return exit_for(result.all_findings, fail_on)


def provider(
    discovery: str | None, jwks: str | None
) -> tuple[Discovery | None, KeySetFacts | None]:
    """The discovery document and the keys to verify with (either may be None)."""
    found = read_discovery(discovery, jwks=jwks) if discovery else None
    if found is not None:
        return found, found.keys
    return None, read_jwks(jwks) if jwks else None


def read_secret(path: Path | None) -> bytes | None:
    """The shared secret of --secret-file (never from argv)."""
    if path is None:
        return None
    data = read_bytes(str(path), what="secret file", reference="oidc-secret", limit=64 * 1024)
    return secret_from_file(data, str(path))


def decode(
    source: Annotated[
        str,
        typer.Argument(
            help="ID token (eyJ...), a file holding it, a token response (JSON), a log line "
            "with id_token=..., or - for stdin."
        ),
    ],
    jwks: JwksOpt = None,
    discovery: DiscoveryOpt = None,
    secret_file: Annotated[
        Path | None,
        typer.Option(
            "--secret-file",
            help="For an HMAC (HS256/384/512) token only: a file holding the client secret "
            "(or an oct JWK). Never pass a secret on the command line.",
            readable=False,  # checked when read (exit 4), not by Click (exit 2)
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option("--client-id", help="Check that the token is for this client (aud)."),
    ] = None,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    fail_on: FailOnOpt = DEFAULT_FAIL_ON,
) -> int:
    """An ID token: header, every claim (times readable), the directory attribute each usually
    carries, and whether the signature verifies."""
    env = default_environment()
    found, keys = provider(discovery, jwks)
    token = read_token(
        source,
        keys=keys,
        secret=read_secret(secret_file),
        issuer=found.issuer if found else None,
        client_id=client_id,
    )
    show_token(env, token, output_format, output, show_values)
    return exit_for(token.findings, fail_on)


def show_token(
    env: Environment,
    token: IdToken,
    output_format: TextFormat,
    output: Path | None,
    show_values: bool,
    command: str = "oidc decode",
) -> None:
    """Write a decoded token in the asked format."""
    if output_format is TextFormat.JSON:
        data = token_to_dict(token, show_values=show_values, command=command)
        emit_text(env, to_json(data), output)
    elif output_format is TextFormat.MD:
        data = token_to_dict(token, show_values=show_values, command=command)
        emit_text(env, token_to_markdown(data), output)
    else:
        emit_table(
            env, output, lambda console: render_token(token, console, show_values=show_values)
        )


def _client_secret(path: Path | None) -> str | None:
    """The client secret: --client-secret-file (first line), else the environment; never argv."""
    if path is not None:
        data = read_bytes(
            str(path), what="client secret file", reference="test-rp-secret", limit=64 * 1024
        )
        lines = data.decode("utf-8", "replace").splitlines()
        if not lines or not lines[0]:
            raise InputError(
                "test-rp-secret-empty", "The client secret file is empty.", location=str(path)
            )
        return lines[0]
    return os.environ.get(SECRET_ENV) or None


def run_test_rp(
    discovery: Annotated[
        str | None,
        typer.Option(
            "--discovery",
            help="The provider's discovery document (https URL or the issuer URL; a file needs "
            "--jwks too).",
        ),
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="The client ID campus IT registered.")
    ] = None,
    client_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--client-secret-file",
            help=f"A file whose first line is the client secret (else {SECRET_ENV}; none: a "
            "public client with PKCE).",
            readable=False,
        ),
    ] = None,
    jwks: JwksOpt = None,
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (part of the redirect URI).")
    ] = DEFAULT_PORT,
    scope: Annotated[
        str, typer.Option("--scope", help="Scopes to ask for (space-separated).")
    ] = "openid profile email",
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            help="Save the ID token received (for `oidc decode` or `recommend --oidc-token`).",
            dir_okay=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the login.")
    ] = 600.0,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    fail_on: FailOnOpt = DEFAULT_FAIL_ON,
) -> int:
    """A local relying party on 127.0.0.1: register its redirect URI, log in, see the claims."""
    env = default_environment()
    if not discovery or not client_id:
        raise UsageError(
            "test-rp-needs-provider",
            "oidc test-rp needs the provider (--discovery) and the client ID campus IT "
            "registered (--client-id).",
            hint=f"Register the redirect URI http://127.0.0.1:{port}/callback first.",
        )
    scopes = tuple(scope.split())
    if "openid" not in scopes:
        scopes = ("openid", *scopes)
    settings = RpSettings(client_id, _client_secret(client_secret_file), port, scopes)
    found = read_discovery(discovery, jwks=jwks)
    rp = TestRp(found, settings)
    rp.start()
    try:
        env.stderr.print(
            f"Test RP listening. Register it at the provider ({found.issuer}):\n"
            f"  redirect URI  {settings.redirect_uri}\n"
            f"  client ID     {client_id}"
            f"  ({'confidential: secret given' if settings.client_secret else 'public, PKCE'})\n"
            f"  scopes        {' '.join(scopes)}\n"
            f"Then open {settings.base_url}/login in a browser and log in "
            f"(waiting {timeout:.0f} s).",
            markup=False,
            highlight=False,
            soft_wrap=True,  # URLs stay whole: the terminal wraps them
        )
        result = rp.wait(timeout)
    finally:
        rp.stop()
    if result is None:
        raise SourceUnreachable(
            "test-rp-timeout",
            f"No login arrived at {settings.redirect_uri} within {timeout:.0f} seconds.",
            hint="Check that the provider knows this redirect URI and that the browser runs on "
            "this machine.",
        )
    if save is not None:
        emit_private(save, result.token.compact + "\n")
        env.stderr.print(f"ID token saved to {save}", markup=False, highlight=False)
    if result.valid:
        env.stderr.print(
            "The ID token is valid for this client (signature, issuer, audience, nonce, expiry).",
            markup=False,
            highlight=False,
        )
    else:
        env.stderr.print(
            "The ID token is NOT valid: " + "; ".join(result.errors), markup=False, highlight=False
        )
    show_token(env, result.token, output_format, output, show_values, command="oidc test-rp")
    code = exit_for(result.token.findings, fail_on)
    return code if result.valid else int(ExitCode.FINDINGS)


def register(app: typer.Typer) -> None:
    """Attach the `oidc` command group to the app."""
    oidc_app.command("discover")(discover)
    oidc_app.command("decode")(decode)
    oidc_app.command("test-rp")(run_test_rp)
    app.add_typer(oidc_app, name="oidc")
