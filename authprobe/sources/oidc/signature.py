"""Checking the signature of a JWS: which key, which algorithm, and the verdict.

    check = check_signature(obj, header, keys, secret)   # obj: joserfc's parsed compact JWS
    check.status in ("verified", "verified-hmac", "invalid", "no-matching-key", "not-checked",
                     "unsigned", "hmac-not-verified", "unsupported-alg", "encrypted")

joserfc does the cryptography. The rules are authprobe's: only the public signing keys of the
JWKS are tried, chosen by `kid` and key type, with the token's own algorithm allowed and no other;
`alg: none` is never verified; an HMAC (HS256/384/512) only with the shared secret of
`--secret-file`, and a secret that is in fact a public key is refused (that is the
algorithm-confusion attack).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key, OctKey

from authprobe.errors import InputError
from authprobe.sources.oidc.keys import KeyFact, KeySetFacts
from authprobe.wording import plural

HMAC_ALGS = ("HS256", "HS384", "HS512")
ASYMMETRIC = {
    "RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "PS256": "RSA", "PS384": "RSA",
    "PS512": "RSA", "ES256": "EC", "ES384": "EC", "ES512": "EC", "ES256K": "EC",
    "EdDSA": "OKP", "Ed25519": "OKP", "Ed448": "OKP",
}  # fmt: skip


def jws_registry(algorithms: Sequence[str]) -> jws.JWSRegistry:
    """A joserfc registry that allows exactly `algorithms`, with room for real-world tokens."""
    registry = jws.JWSRegistry(algorithms=list(algorithms), strict_check_header=False)
    registry.max_header_length = 16 * 1024  # headers may carry an x5c chain
    registry.max_payload_length = 512 * 1024
    registry.max_signature_length = 2048
    return registry


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """What checking the signature showed."""

    status: str
    """verified, verified-hmac, invalid, no-matching-key, not-checked, unsigned,
    hmac-not-verified, unsupported-alg, encrypted."""
    alg: str | None
    kid: str | None
    detail: str
    key: str | None = None  # the key that verified (kid, type, size)

    @property
    def verified(self) -> bool:
        """True when a trusted key (or the given shared secret) verifies the signature."""
        return self.status in ("verified", "verified-hmac")


def text_or_none(value: Any) -> str | None:
    """`value` when it is a string."""
    return value if isinstance(value, str) else None


def _key_name(fact: KeyFact) -> str:
    size = f" {fact.size}" if fact.size else ""
    curve = f" {fact.curve}" if fact.curve else ""
    return f"kid {fact.kid or '(none)'} ({fact.kty}{curve}{size})"


def check_signature(
    obj: Any, header: dict[str, Any], keys: KeySetFacts | None, secret: bytes | None
) -> SignatureCheck:
    """Verify the signature of a parsed JWS (module docstring for the rules)."""
    alg = str(header["alg"])
    kid = text_or_none(header.get("kid"))
    if alg.casefold() == "none":
        return SignatureCheck(
            "unsigned",
            alg,
            kid,
            "alg none: the token is not signed at all; anyone can write such a token, never "
            "trust it.",
        )
    if alg in HMAC_ALGS:
        return _check_hmac(obj, alg, kid, secret)
    family = ASYMMETRIC.get(alg)
    if family is None:
        return SignatureCheck(
            "unsupported-alg", alg, kid, f"The algorithm {alg} is not one authprobe verifies."
        )
    if keys is None:
        return SignatureCheck(
            "not-checked",
            alg,
            kid,
            "Not checked: pass --jwks or --discovery to verify the signature.",
        )
    candidates = [
        (fact, key)
        for fact, key in keys.verification_keys()
        if fact.kty == family and (kid is None or fact.kid == kid) and fact.alg in (None, alg)
    ]
    if not candidates:
        held = len(keys.verification_keys())
        which = f"kid {kid}" if kid else f"type {family}"
        return SignatureCheck(
            "no-matching-key",
            alg,
            kid,
            f"No signing key with {which} in {keys.location} ({plural(held, 'usable key')}): a "
            "token "
            "of another provider, or the provider has rolled its keys.",
        )
    allowed = jws_registry([alg])
    for fact, key in candidates:
        if _valid(obj, key, alg, allowed):
            return SignatureCheck(
                "verified",
                alg,
                kid,
                f"Verified with {_key_name(fact)} from {keys.location}.",
                _key_name(fact),
            )
    names = ", ".join(_key_name(f) for f, _ in candidates[:3])
    return SignatureCheck(
        "invalid",
        alg,
        kid,
        f"The signature does NOT verify with {names}: the token was altered after signing, or "
        "signed with another key. Do not trust its claims.",
    )


def _valid(obj: Any, key: Key, alg: str, registry: jws.JWSRegistry) -> bool:
    try:
        with warnings.catch_warnings():  # joserfc warns about EdDSA (RFC 9864) and short secrets
            warnings.simplefilter("ignore")
            return bool(jws.validate_compact(obj, key, algorithms=[alg], registry=registry))
    except (JoseError, ValueError, TypeError):
        return False


def _check_hmac(obj: Any, alg: str, kid: str | None, secret: bytes | None) -> SignatureCheck:
    if secret is None:
        return SignatureCheck(
            "hmac-not-verified",
            alg,
            kid,
            f"{alg} is an HMAC made with a shared secret: public keys (a JWKS) can never verify "
            "it. Pass --secret-file to check it with the client secret.",
        )
    with warnings.catch_warnings():  # a short client secret is the provider's choice
        warnings.simplefilter("ignore")
        key = OctKey.import_key(secret)
    if _valid(obj, key, alg, jws_registry([alg])):
        return SignatureCheck(
            "verified-hmac",
            alg,
            kid,
            f"VERIFIED WITH A SHARED SECRET ({alg}, --secret-file): whoever holds that secret, "
            "the client included, can make such a token; it proves less than a provider's "
            "public-key signature.",
            "the --secret-file secret",
        )
    return SignatureCheck(
        "invalid",
        alg,
        kid,
        f"The {alg} MAC does NOT verify with the --secret-file secret: the token was altered, "
        "or made with another secret.",
    )


def public_key_as_secret(secret: bytes) -> bool:
    """True when a 'secret' is in fact a public key (PEM, or a JWK that is not `oct`)."""
    stripped = secret.strip()
    if stripped.startswith(b"-----BEGIN") or stripped.startswith(b"ssh-"):
        return True
    if stripped.startswith(b"{"):
        try:
            data = json.loads(stripped.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return False
        return isinstance(data, dict) and data.get("kty") not in (None, "oct")
    return False


def secret_from_file(data: bytes, location: str) -> bytes:
    """The shared secret of a --secret-file: an `oct` JWK's `k`, else the bytes (one trailing
    newline dropped). A public key is refused: MACing with it is the algorithm-confusion attack."""
    if public_key_as_secret(data):
        raise InputError(
            "oidc-secret-is-public-key",
            "The --secret-file holds a public key, not a shared secret: checking an HMAC with "
            "a public key is exactly the algorithm-confusion attack, so authprobe refuses.",
            location=location,
            hint="Pass the client secret (or an oct JWK); verify RS/ES/PS tokens with --jwks.",
        )
    stripped = data.strip()
    if stripped.startswith(b"{"):
        try:
            jwk = json.loads(stripped.decode("utf-8"))
            key = OctKey.import_key(jwk)
        except (UnicodeDecodeError, json.JSONDecodeError, JoseError, ValueError) as exc:
            raise InputError(
                "oidc-secret-unreadable",
                "The --secret-file looks like JSON but is not an oct JWK.",
                location=location,
            ) from exc
        return bytes(key.raw_value)
    secret = data[:-1] if data.endswith(b"\n") else data
    secret = secret[:-1] if secret.endswith(b"\r") else secret
    if not secret:
        raise InputError("oidc-secret-empty", "The --secret-file is empty.", location=location)
    return secret
