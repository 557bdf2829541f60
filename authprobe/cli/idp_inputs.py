"""The OpenID Connect and CAS inputs of `recommend`: options and reading (their rows in the
report's "Inputs used" are in reports/options.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from authprobe.errors import InputError
from authprobe.plan import RunPlan
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


def read_logins(plan: RunPlan) -> LoginInputs:
    """Read the OIDC and CAS inputs the plan names."""
    discovery = read_discovery(plan.oidc_discovery) if plan.oidc_discovery else None
    token = (
        read_token(
            plan.oidc_token,
            keys=discovery.keys if discovery else None,
            issuer=discovery.issuer if discovery else None,
        )
        if plan.oidc_token
        else None
    )
    cas = read_response(plan.cas_response) if plan.cas_response else None
    if cas is not None and not cas.success:
        raise InputError(
            "cas-response-failure",
            f"The CAS response is a failure ({cas.failure_code or 'no code'}): it names no user, "
            "so it says nothing about what the CAS server releases.",
            location=cas.location,
            hint="Validate a fresh service ticket (valid once, for seconds) and pass that answer.",
        )
    return LoginInputs(token, discovery, cas)
