"""An ID token decoded: its header, every claim, and whether its signature verifies.

    token = read_token("token.txt", keys=read_jwks("jwks.json"), issuer=None, client_id=None)
    token.header, token.claims[i].name / .value / .time / .directory_attributes / .opaque,
    token.signature.status ("verified", "invalid", "unsigned", ...), token.expired

Decoding never depends on trust: an expired, unsigned or tampered token is still shown, and said
to be so. Verification (joserfc) uses only the public signing keys of the JWKS given, chosen by
`kid` and key type, with the token's own algorithm allowed and nothing else. `alg: none` is never
verified; an HMAC (`HS256/384/512`) is verified only with a shared secret from `--secret-file`,
and a token MACed while the provider publishes public keys is reported as the algorithm-confusion
attack. A JWE (five segments) is reported as encrypted: its header is shown, nothing else.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from authprobe import vocab
from authprobe.errors import InputError
from authprobe.model import Finding, Severity
from authprobe.sources.oidc.keys import KeySetFacts
from authprobe.sources.oidc.signature import (
    HMAC_ALGS,
    SignatureCheck,
    check_signature,
    jws_registry,
    text_or_none,
)
from authprobe.sources.oidc.token_input import HINT, TokenInput, read_input

SOURCE = "oidc-token"
TIME_CLAIMS = frozenset({"exp", "nbf", "iat", "auth_time", "updated_at", "pwd_exp_at"})
PROTOCOL_CLAIMS: dict[str, str] = {
    "iss": "issuer", "aud": "audience (client ID)", "azp": "authorized party (client ID)",
    "exp": "expires", "nbf": "not before", "iat": "issued at", "auth_time": "signed in at",
    "nonce": "nonce", "at_hash": "access-token hash", "c_hash": "code hash",
    "s_hash": "state hash", "acr": "authentication context", "amr": "authentication methods",
    "jti": "token ID", "typ": "token type", "ver": "token version", "tid": "Entra tenant ID",
    "idp": "identity provider", "aio": "Entra internal", "uti": "Entra token ID",
    "rh": "Entra internal", "sid": "session ID", "session_state": "session state",
    "hd": "Google Workspace hosted domain", "email_verified": "email verified",
    "phone_number_verified": "phone number verified", "appid": "application ID",
    "appidacr": "client authentication", "azpacr": "client authentication",
    "scp": "scopes", "ctry": "country", "tenant_ctry": "tenant country",
    "tenant_region_scope": "tenant region", "xms_pdl": "preferred data location",
    "xms_pl": "user preferred language", "xms_tpl": "tenant preferred language",
    "xms_tcdt": "tenant creation time", "updated_at": "profile updated at",
    "pwd_url": "password change URL", "pwd_exp": "password expires in (seconds)",
    "acct": "account status (0 member, 1 guest)", "auth_method": "authentication method",
}  # fmt: skip
"""Claims about the token, the client or the session, not about the person: shown unmasked."""
CLOCK_SKEW = 300  # seconds


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of the payload, and what it usually carries."""

    name: str
    value: Any  # the JSON value as sent
    readable_name: str
    directory_attributes: tuple[str, ...]
    opaque: bool  # made by the provider (sub, oid, ...): never the matching ID
    protocol: bool  # about the token or session, not the person (shown unmasked)
    changes_with_name: bool
    note: str = ""
    time: datetime | None = None  # for exp, iat, nbf, auth_time, ...


@dataclass(frozen=True, slots=True)
class IdToken:
    """A decoded ID token (or any JWS / JWE)."""

    location: str
    input_format: str
    form: str  # "JWS" or "JWE"
    header: dict[str, Any]
    claims: tuple[Claim, ...]
    payload_is_json: bool
    payload_text: str | None  # a payload that is not a JSON object (shown as text)
    signature: SignatureCheck
    expired: bool
    other_tokens: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    compact: str = ""  # the token itself (for test-rp --save), never printed

    def claim(self, name: str) -> Claim | None:
        """The claim named `name` (exact), or None."""
        return next((c for c in self.claims if c.name == name), None)

    @property
    def trusted(self) -> bool:
        """True when the signature verifies: the claims shown are what the provider signed."""
        return self.signature.verified


def read_token(
    source: str,
    *,
    keys: KeySetFacts | None = None,
    secret: bytes | None = None,
    issuer: str | None = None,
    client_id: str | None = None,
    now: datetime | None = None,
) -> IdToken:
    """Read and decode the token in a file, stdin (`-`) or the argument itself."""
    found = read_input(source)
    return decode_token(
        found, keys=keys, secret=secret, issuer=issuer, client_id=client_id, now=now
    )


def _b64(segment: str, what: str, location: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _broken(location, f"its {what} is not base64url") from exc


def _broken(location: str, why: str) -> InputError:
    return InputError(
        "oidc-token-broken", f"The token is damaged: {why}.", location=location, hint=HINT
    )


def _header(segment: str, location: str) -> dict[str, Any]:
    raw = _b64(segment, "header (first segment)", location)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _broken(location, "its header (first segment) is not JSON") from exc
    if not isinstance(header, dict):
        raise _broken(location, "its header (first segment) is not a JSON object")
    if not isinstance(header.get("alg"), str):
        raise _broken(location, "its header names no algorithm (alg)")
    return header


def decode_token(
    found: TokenInput,
    *,
    keys: KeySetFacts | None = None,
    secret: bytes | None = None,
    issuer: str | None = None,
    client_id: str | None = None,
    now: datetime | None = None,
) -> IdToken:
    """Decode (and verify, when keys or a secret are given) the token found in the input."""
    moment = now or datetime.now(UTC)
    segments = found.token.split(".")
    header = _header(segments[0], found.location)
    if len(segments) == 5:
        return _encrypted(found, header)
    for index, what in ((1, "payload (second segment)"), (2, "signature (third segment)")):
        _b64(segments[index], what, found.location)
    try:
        obj = jws.extract_compact(found.token.encode("ascii"), registry=jws_registry([]))
    except JoseError as exc:
        raise _broken(found.location, f"joserfc cannot read it ({exc})") from exc
    payload = obj.payload
    data = _payload(payload)
    claims = tuple(claim_facts(name, value) for name, value in data.items()) if data else ()
    signature = check_signature(obj, header, keys, secret)
    expired = _expired(data, moment)
    token = IdToken(
        location=found.location,
        input_format=found.input_format,
        form="JWS",
        header=header,
        claims=claims,
        payload_is_json=data is not None,
        payload_text=None if data is not None else payload.decode("utf-8", "replace")[:2000],
        signature=signature,
        expired=expired,
        other_tokens=found.other_tokens,
        compact=found.token,
    )
    findings = token_findings(token, keys, issuer=issuer, client_id=client_id, now=moment)
    return _with(token, findings)


def _with(token: IdToken, findings: Sequence[Finding]) -> IdToken:
    return replace(token, findings=tuple(findings))


def _payload(payload: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _encrypted(found: TokenInput, header: dict[str, Any]) -> IdToken:
    detail = (
        f"The token is encrypted (JWE, {header.get('alg')} / {header.get('enc')}): only the "
        "relying party's private key can open it; authprobe shows its header only."
    )
    return IdToken(
        location=found.location,
        input_format=found.input_format,
        form="JWE",
        header=header,
        claims=(),
        payload_is_json=False,
        payload_text=None,
        signature=SignatureCheck("encrypted", text_or_none(header.get("alg")), None, detail),
        expired=False,
        other_tokens=found.other_tokens,
        findings=(Finding("oidc-token-encrypted", Severity.WARNING, SOURCE, None, 1, detail),),
        compact=found.token,
    )


def claim_time(value: Any) -> datetime | None:
    """A NumericDate (seconds since 1970, UTC) as a datetime; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def claim_facts(name: str, value: Any) -> Claim:
    info = vocab.lookup(name)
    protocol = name in PROTOCOL_CLAIMS
    readable = info.friendly_name if info else PROTOCOL_CLAIMS.get(name, vocab.friendly_name(name))
    return Claim(
        name=name,
        value=value,
        readable_name=readable,
        directory_attributes=info.directory_attributes if info else (),
        opaque=bool(info and info.opaque),
        protocol=protocol,
        changes_with_name=bool(info and info.changes_with_name),
        note=info.note if info else "",
        time=claim_time(value) if name in TIME_CLAIMS else None,
    )


def _expired(data: dict[str, Any] | None, now: datetime) -> bool:
    expires = claim_time((data or {}).get("exp"))
    return expires is not None and expires.timestamp() < now.timestamp()


# ---------------------------------------------------------------------------------------------
# findings


def _finding(code: str, severity: Severity, field: str | None, message: str) -> Finding:
    return Finding(code, severity, SOURCE, field, 1, message)


def token_findings(
    token: IdToken,
    keys: KeySetFacts | None,
    *,
    issuer: str | None,
    client_id: str | None,
    now: datetime,
) -> list[Finding]:
    """Signature, time, issuer and audience findings of a decoded JWS."""
    out = _signature_findings(token, keys)
    if not token.payload_is_json:
        out.append(
            _finding(
                "oidc-token-not-a-jwt",
                Severity.WARNING,
                None,
                "The payload is not a JSON claims set: this is a signed document, not an ID "
                "token (no claims to show).",
            )
        )
        return out
    out.extend(_time_findings(token, now))
    out.extend(_issuer_findings(token, issuer))
    if client_id is not None:
        audience = token.claim("aud")
        values = _strings(audience.value) if audience else ()
        if client_id not in values:
            out.append(
                _finding(
                    "oidc-token-audience",
                    Severity.ERROR,
                    "aud",
                    f"The token is not for client {client_id} "
                    f"(aud: {', '.join(values) or 'none'}).",
                )
            )
    missing = [name for name in ("iss", "sub", "aud", "exp", "iat") if token.claim(name) is None]
    if missing:
        out.append(
            _finding(
                "oidc-token-claims-missing",
                Severity.WARNING,
                None,
                "Claims every ID token carries are missing: " + ", ".join(missing) + ".",
            )
        )
    return out


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _signature_findings(token: IdToken, keys: KeySetFacts | None) -> list[Finding]:
    check = token.signature
    out: list[Finding] = []
    if check.status == "unsigned":
        out.append(_finding("oidc-token-unsigned", Severity.ERROR, "alg", check.detail))
    elif check.status == "invalid":
        out.append(_finding("oidc-token-signature-invalid", Severity.ERROR, "alg", check.detail))
    elif check.status == "no-matching-key":
        out.append(_finding("oidc-token-key-unknown", Severity.ERROR, "kid", check.detail))
    elif check.status == "unsupported-alg":
        out.append(_finding("oidc-token-alg-unsupported", Severity.WARNING, "alg", check.detail))
    elif check.status == "verified-hmac":
        out.append(_finding("oidc-token-hmac-secret", Severity.WARNING, "alg", check.detail))
    elif check.status == "not-checked":
        out.append(_finding("oidc-token-not-verified", Severity.INFO, "alg", check.detail))
    if check.alg in HMAC_ALGS and keys is not None and keys.verification_keys():
        out.append(
            _finding(
                "oidc-token-alg-confusion",
                Severity.ERROR,
                "alg",
                f"The token is MACed with {check.alg} although the provider publishes public "
                "keys: this is how the algorithm-confusion attack looks (a token MACed with the "
                "public key as the secret). Do not trust it.",
            )
        )
    elif check.status == "hmac-not-verified":
        out.append(_finding("oidc-token-hmac-unverified", Severity.WARNING, "alg", check.detail))
    return out


def _time_findings(token: IdToken, now: datetime) -> list[Finding]:
    out: list[Finding] = []
    expires = token.claim("exp")
    if token.expired and expires is not None and expires.time is not None:
        out.append(
            _finding(
                "oidc-token-expired",
                Severity.INFO,
                "exp",
                f"The token expired at {expires.time:%Y-%m-%d %H:%M} UTC; it is still decoded "
                "(an ID token lives minutes to an hour, so an old capture is expected to be "
                "expired).",
            )
        )
    for name, what in (("nbf", "is not valid before"), ("iat", "says it was issued at")):
        claim = token.claim(name)
        moment = claim.time if claim is not None else None
        if moment is not None and moment.timestamp() > now.timestamp() + CLOCK_SKEW:
            out.append(
                _finding(
                    f"oidc-token-{name}-future",
                    Severity.WARNING,
                    name,
                    f"The token {what} {moment:%Y-%m-%d %H:%M} UTC, in the future: "
                    "a clock is wrong, or the token was made by hand.",
                )
            )
    return out


def _issuer_findings(token: IdToken, issuer: str | None) -> list[Finding]:
    claim = token.claim("iss")
    if issuer is None or claim is None:
        return []
    expected = issuer
    tenant = token.claim("tid")
    if "{tenantid}" in issuer.lower() and tenant is not None and isinstance(tenant.value, str):
        start = issuer.lower().index("{tenantid}")
        expected = issuer[:start] + tenant.value + issuer[start + len("{tenantid}") :]
    if claim.value == expected:
        return []
    return [
        _finding(
            "oidc-token-issuer-mismatch",
            Severity.ERROR,
            "iss",
            f"The token's issuer {claim.value!r} is not the provider's ({expected}): a token "
            "of another provider or tenant.",
        )
    ]
