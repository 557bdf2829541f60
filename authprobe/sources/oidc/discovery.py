"""An OpenID Provider's discovery document (`/.well-known/openid-configuration`) and its keys.

    discovery = read_discovery("https://login.college.ca", jwks=None)
    discovery.issuer, .authorization_endpoint, .token_endpoint, .userinfo_endpoint,
    .end_session_endpoint, .response_types, .scopes, .claims, .subject_types,
    .id_token_algs, .keys (KeySetFacts or None), .findings

A URL without `/.well-known/` gets `/.well-known/openid-configuration` appended (the issuer URL
is what people know). From a URL, the JWKS named by `jwks_uri` is fetched too; from a file it is
read only when `--jwks` is given (a file is read offline). A JWKS passed in place of the discovery
document is shown as keys only. Findings: the issuer differs from the URL the document came from,
`http:` endpoints, no asymmetric ID-token signing algorithm (or `none`), pairwise subjects (then
`sub` can never be the matching ID), missing required members, and the key findings of `keys`.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from authprobe.errors import InputError
from authprobe.model import Finding, Severity
from authprobe.sources import web
from authprobe.sources.documents import JsonDocument, read_json, strings, text
from authprobe.sources.oidc.keys import KeySetFacts, jwks_from_document, read_jwks
from authprobe.wording import agree, plural

SOURCE = "oidc-discovery"
WELL_KNOWN = "/.well-known/openid-configuration"
ASYMMETRIC_PREFIXES = ("RS", "PS", "ES", "EdDSA", "Ed25519", "Ed448")
HINT = (
    "Pass the provider's discovery document: https://<issuer>/.well-known/openid-configuration "
    "(it returns JSON), or a saved copy of it."
)
ENDPOINTS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "end_session_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
)
REQUIRED = (
    "issuer",
    "authorization_endpoint",
    "jwks_uri",
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
)


@dataclass(frozen=True, slots=True)
class Discovery:
    """What a discovery document (or a bare JWKS) says about the provider."""

    location: str
    url: str | None  # the URL fetched, without credentials (None for a file)
    kind: str  # "discovery" or "jwks"
    issuer: str | None = None
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    jwks_uri: str | None = None
    registration_endpoint: str | None = None
    response_types: tuple[str, ...] = ()
    response_modes: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    subject_types: tuple[str, ...] = ()
    id_token_algs: tuple[str, ...] = ()
    token_auth_methods: tuple[str, ...] = ()
    code_challenge_methods: tuple[str, ...] = ()
    other_members: int = 0
    keys: KeySetFacts | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        """The document's findings and its keys' findings."""
        return (*self.findings, *(self.keys.findings if self.keys else ()))

    @property
    def pairwise(self) -> bool:
        """True when `sub` is pairwise only (different for every relying party)."""
        return bool(self.subject_types) and "public" not in self.subject_types


def discovery_url(source: str) -> str:
    """The URL to fetch: `source` itself, or `source` + /.well-known/openid-configuration."""
    if "/.well-known/" in source:
        return source
    parts = urllib.parse.urlsplit(source)
    path = parts.path.rstrip("/") + WELL_KNOWN
    return urllib.parse.urlunsplit(parts._replace(path=path, query="", fragment=""))


def read_discovery(
    source: str,
    *,
    jwks: str | None = None,
    now: datetime | None = None,
    fetch_keys: bool = True,
    timeout: float = web.FETCH_TIMEOUT,
) -> Discovery:
    """Read a discovery document (or a JWKS) and its keys (see the module docstring)."""
    moment = now or datetime.now(UTC)
    target = discovery_url(source) if web.is_url(source) else source
    document = read_json(
        target, what="discovery document", reference="oidc-discovery", hint=HINT, timeout=timeout
    )
    if "keys" in document.data and "issuer" not in document.data:
        alone = jwks_from_document(document, now=moment)
        return Discovery(
            document.location, document.url and web.redact_url(document.url), "jwks", keys=alone
        )
    discovery = discovery_from_document(document, now=moment)
    keys: KeySetFacts | None = None
    extra: list[Finding] = []
    if jwks is not None:
        keys = read_jwks(jwks, now=moment)
    elif fetch_keys and document.url is not None and discovery.jwks_uri:
        if web.is_url(discovery.jwks_uri):
            keys = read_jwks(discovery.jwks_uri, now=moment)
    elif discovery.jwks_uri:
        extra.append(
            _finding(
                "oidc-keys-not-read",
                Severity.INFO,
                "jwks_uri",
                f"The keys were not read (a file is read offline): pass --jwks "
                f"{discovery.jwks_uri} (or a saved copy) to see them.",
            )
        )
    findings = (*discovery.findings, *extra, *_key_alg_findings(discovery, keys))
    return replace(discovery, keys=keys, findings=findings)


def discovery_from_document(document: JsonDocument, *, now: datetime | None = None) -> Discovery:
    """The facts and findings of a discovery document already read (keys not included)."""
    data = document.data
    if not any(name in data for name in ("issuer", "authorization_endpoint", "token_endpoint")):
        raise InputError(
            "oidc-discovery-not-a-discovery",
            "This JSON is not an OpenID Connect discovery document: it has no issuer and no "
            "authorization or token endpoint.",
            location=document.location,
            hint=HINT,
        )
    known = set(ENDPOINTS) | {
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "scopes_supported",
        "claims_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "token_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
    }
    discovery = Discovery(
        location=document.location,
        url=web.redact_url(document.url) if document.url else None,
        kind="discovery",
        issuer=text(data.get("issuer")),
        authorization_endpoint=text(data.get("authorization_endpoint")),
        token_endpoint=text(data.get("token_endpoint")),
        userinfo_endpoint=text(data.get("userinfo_endpoint")),
        end_session_endpoint=text(data.get("end_session_endpoint")),
        jwks_uri=text(data.get("jwks_uri")),
        registration_endpoint=text(data.get("registration_endpoint")),
        response_types=strings(data.get("response_types_supported")),
        response_modes=strings(data.get("response_modes_supported")),
        grant_types=strings(data.get("grant_types_supported")),
        scopes=strings(data.get("scopes_supported")),
        claims=strings(data.get("claims_supported")),
        subject_types=strings(data.get("subject_types_supported")),
        id_token_algs=strings(data.get("id_token_signing_alg_values_supported")),
        token_auth_methods=strings(data.get("token_endpoint_auth_methods_supported")),
        code_challenge_methods=strings(data.get("code_challenge_methods_supported")),
        other_members=sum(1 for key in data if key not in known),
    )
    return replace(discovery, findings=document_findings(discovery, data, document.url))


def _finding(
    code: str, severity: Severity, field: str | None, message: str, count: int = 1
) -> Finding:
    return Finding(code, severity, SOURCE, field, count, message)


def is_loopback(url: str) -> bool:
    """True for http(s)://127.0.0.1, localhost or [::1] URLs."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def document_findings(
    discovery: Discovery, data: dict[str, Any], url: str | None
) -> tuple[Finding, ...]:
    """What is wrong or noteworthy in a discovery document (module docstring)."""
    out: list[Finding] = []
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        out.append(
            _finding(
                "oidc-discovery-incomplete",
                Severity.WARNING,
                None,
                "The document lacks members OpenID Connect Discovery requires: "
                + ", ".join(missing)
                + ".",
                len(missing),
            )
        )
    out.extend(_issuer_findings(discovery, url))
    out.extend(_http_findings(data))
    out.extend(_algorithm_findings(discovery))
    out.extend(_subject_findings(discovery))
    return tuple(out)


def _http_findings(data: dict[str, Any]) -> list[Finding]:
    """One finding naming every member that is a plain http: URL (endpoints, the issuer, the
    session iframe, ...)."""
    plain = [
        (name, value)
        for name, value in data.items()
        if isinstance(value, str) and value.lower().startswith("http:")
    ]
    if not plain:
        return []
    local = all(is_loopback(value) for _, value in plain)
    where = " (all on this machine: a test set-up?)" if local else ""
    return [
        Finding(
            "oidc-http-endpoint",
            Severity.WARNING,
            SOURCE,
            plain[0][0],
            len(plain),
            agree(
                f"{plural(len(plain), 'endpoint or identifier', 'endpoints or identifiers')} "
                f"[is|are] plain http: URL[|s]{where}: codes and ",
                len(plain),
            )
            + "tokens sent there cross the network unencrypted ("
            + ", ".join(name for name, _ in plain)
            + ").",
            tuple(f"{name}: {value}" for name, value in plain[:10]),
        )
    ]


def _issuer_findings(discovery: Discovery, url: str | None) -> list[Finding]:
    issuer = discovery.issuer
    if not issuer:
        return []
    if "{tenantid}" in issuer.lower():
        return [
            _finding(
                "oidc-issuer-multi-tenant",
                Severity.INFO,
                "issuer",
                f"The issuer {issuer} holds a {{tenantid}} placeholder: this is Entra ID's "
                "multi-tenant document; each token names its own tenant's issuer (and its tid). "
                "Use the tenant's own discovery URL for a fixed issuer.",
            )
        ]
    if url is None or "/.well-known/openid-configuration" not in url:
        return []
    expected = url.split("/.well-known/openid-configuration", 1)[0]
    if issuer.rstrip("/") == expected.rstrip("/"):
        return []
    v1 = (
        " Entra ID v1 documents name sts.windows.net: expected for v1, but a relying party "
        "must then accept that issuer."
        if "sts.windows.net" in issuer
        else ""
    )
    return [
        _finding(
            "oidc-issuer-mismatch",
            Severity.WARNING,
            "issuer",
            f"The issuer {issuer} differs from the URL the document came from "
            f"({web.redact_url(expected)}); OpenID Connect Discovery requires them to be the "
            f"same, and tokens will carry this issuer.{v1}",
        )
    ]


def _algorithm_findings(discovery: Discovery) -> list[Finding]:
    algs = discovery.id_token_algs
    out: list[Finding] = []
    if algs and not any(alg.startswith(ASYMMETRIC_PREFIXES) for alg in algs):
        out.append(
            _finding(
                "oidc-no-asymmetric-alg",
                Severity.WARNING,
                "id_token_signing_alg_values_supported",
                f"The provider signs ID tokens only with {', '.join(algs)}: no public-key "
                "algorithm, so nobody but the provider and the client (holding the shared "
                "secret) can check a token.",
            )
        )
    if "none" in algs:
        out.append(
            _finding(
                "oidc-alg-none-offered",
                Severity.WARNING,
                "id_token_signing_alg_values_supported",
                "The provider offers unsigned ID tokens (alg none); a relying party must never "
                "accept them.",
            )
        )
    return out


def _subject_findings(discovery: Discovery) -> list[Finding]:
    types = discovery.subject_types
    if "pairwise" not in types:
        return []
    only = "public" not in types
    return [
        _finding(
            "oidc-pairwise-subjects",
            Severity.WARNING if only else Severity.INFO,
            "subject_types_supported",
            (
                "Subjects are pairwise: sub is different for every application"
                if only
                else "Subjects may be pairwise (per application)"
            )
            + ", so sub can never be the matching ID; Alma must match another claim "
            "(preferred_username, email, employeeid, ...).",
        )
    ]


def _key_alg_findings(discovery: Discovery, keys: KeySetFacts | None) -> list[Finding]:
    if keys is None or not discovery.id_token_algs:
        return []
    kinds = {fact.kty for fact, _ in keys.verification_keys()}
    wanted = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
    needed = {wanted[alg[:2]] for alg in discovery.id_token_algs if alg[:2] in wanted}
    if needed and kinds and not needed & kinds:
        return [
            _finding(
                "oidc-keys-do-not-fit",
                Severity.WARNING,
                "jwks_uri",
                f"The ID-token algorithms ({', '.join(discovery.id_token_algs)}) need "
                f"{'/'.join(sorted(needed))} keys, but the JWKS holds "
                f"{'/'.join(sorted(k for k in kinds if k))} keys.",
            )
        ]
    return []
