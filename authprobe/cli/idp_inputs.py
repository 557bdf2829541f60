"""The OpenID Connect and CAS inputs of `recommend`: options, reading, and the report's rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import typer

from authprobe.config import RunConfig
from authprobe.errors import InputError
from authprobe.sources.cas.response import CasResponse, read_response
from authprobe.sources.oidc.discovery import Discovery, read_discovery
from authprobe.sources.oidc.token import IdToken, read_token

OidcTokenOpt = Annotated[
    str | None,
    typer.Option(
        "--oidc-token",
        help="An OpenID Connect ID token (file: the token, a token response, or a log line with "
        "id_token=...; `oidc test-rp --save` writes one).",
    ),
]
OidcDiscoveryOpt = Annotated[
    str | None,
    typer.Option(
        "--oidc-discovery",
        help="The OpenID Provider's discovery document (file or https URL): the claims it "
        "supports, and the keys that verify --oidc-token.",
    ),
]
CasResponseOpt = Annotated[
    str | None,
    typer.Option(
        "--cas-response",
        help="A CAS validation response (/serviceValidate or /p3/serviceValidate, XML or JSON).",
    ),
]


@dataclass(frozen=True, slots=True)
class LoginInputs:
    """The OpenID Connect and CAS evidence read for one run (each optional)."""

    oidc_token: IdToken | None = None
    oidc_discovery: Discovery | None = None
    cas_response: CasResponse | None = None
    from_command_line: frozenset[str] = frozenset()


def read_logins(
    config: RunConfig,
    oidc_token: str | None,
    oidc_discovery: str | None,
    cas_response: str | None,
) -> LoginInputs:
    """Read the OIDC and CAS inputs (command line first, then authprobe.toml)."""
    discovery_source = oidc_discovery or config.oidc_discovery
    token_source = oidc_token or config.oidc_token
    cas_source = cas_response or config.cas_response
    discovery = read_discovery(discovery_source) if discovery_source else None
    token = (
        read_token(
            token_source,
            keys=discovery.keys if discovery else None,
            issuer=discovery.issuer if discovery else None,
        )
        if token_source
        else None
    )
    cas = read_response(cas_source) if cas_source else None
    if cas is not None and not cas.success:
        raise InputError(
            "cas-response-failure",
            f"The CAS response is a failure ({cas.failure_code or 'no code'}): it names no user, "
            "so it says nothing about what the CAS server releases.",
            location=cas.location,
            hint="Validate a fresh service ticket (valid once, for seconds) and pass that answer.",
        )
    given = frozenset(
        name
        for name, value in (
            ("oidc_token", oidc_token),
            ("oidc_discovery", oidc_discovery),
            ("cas_response", cas_response),
        )
        if value
    )
    return LoginInputs(token, discovery, cas, given)


def login_rows(logins: LoginInputs, where: Callable[[bool, str], str]) -> list[tuple[str, str]]:
    """The report's "options" rows for the OIDC and CAS inputs; `where(on_command_line, flag)`
    says where an option came from."""
    rows: list[tuple[str, str]] = []
    given = logins.from_command_line
    if logins.oidc_token is not None:
        token = logins.oidc_token
        rows.append(
            (
                "OpenID Connect ID token",
                f"{token.location} (signature {token.signature.status})"
                + where("oidc_token" in given, "--oidc-token"),
            )
        )
    if logins.oidc_discovery is not None:
        rows.append(
            (
                "OpenID Connect discovery",
                logins.oidc_discovery.location
                + where("oidc_discovery" in given, "--oidc-discovery"),
            )
        )
    if logins.cas_response is not None:
        response = logins.cas_response
        rows.append(
            (
                "CAS validation response",
                f"{response.location} ({response.protocol})"
                + where("cas_response" in given, "--cas-response"),
            )
        )
    return rows
