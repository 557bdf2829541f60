"""Tokens and keys made at test time by jwcrypto, a JOSE implementation independent of the
joserfc that authprobe uses: whatever authprobe says about them can be wrong, and the tests see it.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

from jwcrypto import jwe, jwk, jws

NOW = int(time.time())
ISSUER = "https://login.college.test/tenant/v2.0"
CLIENT_ID = "alma-primo-ve"
CLAIMS: dict[str, Any] = {
    "iss": ISSUER,
    "aud": CLIENT_ID,
    "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
    "oid": "00000000-0000-0000-66f3-3332eca7ea81",
    "tid": "9122040d-6c67-4c5b-b112-36a304b66dad",
    "iat": NOW - 60,
    "nbf": NOW - 60,
    "exp": NOW + 3600,
    "nonce": "n-0S6_WzA2Mj",
    "upn": "Jane.Doe@college.test",
    "preferred_username": "Jane.Doe@college.test",
    "email": "jane.doe@college.test",
    "unique_name": "Jane.Doe@college.test",
    "onprem_sid": "S-1-5-21-1004336348-1177238915-682003330-512",
    "employeeid": "000123456",
    "samaccountname": "jdoe",
    "extn.employeeNumber": "E-778899",
    "name": "Jane Doe",
}
"""An Entra-ID-like set of claims; each test plants what it checks."""


def key(kind: str, kid: str) -> jwk.JWK:
    """A fresh private key: RSA, EC P-256/384/521 or Ed25519."""
    if kind == "RSA":
        made = jwk.JWK.generate(kty="RSA", size=2048, kid=kid)
    elif kind.startswith("P-"):
        made = jwk.JWK.generate(kty="EC", crv=kind, kid=kid)
    elif kind == "Ed25519":
        made = jwk.JWK.generate(kty="OKP", crv="Ed25519", kid=kid)
    else:
        raise ValueError(kind)
    return made


def sign(claims: dict[str, Any], private: jwk.JWK, alg: str, **header: Any) -> str:
    """A compact JWS of `claims` (JSON) signed by jwcrypto."""
    protected = {"alg": alg, "typ": "JWT", **header}
    if private.get("kid") and "kid" not in header:
        protected["kid"] = private["kid"]
    token = jws.JWS(json.dumps(claims).encode("utf-8"))
    token.add_signature(private, alg=alg, protected=json.dumps(protected))
    return str(token.serialize(compact=True))


def hmac(claims: dict[str, Any], secret: bytes, alg: str = "HS256") -> str:
    """A compact JWS MACed with `secret` (whatever the bytes are: a public key PEM too)."""
    octet = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(secret).rstrip(b"=").decode())
    return sign(claims, octet, alg)


def unsigned(claims: dict[str, Any], alg: str = "none") -> str:
    """An `alg: none` token (built by hand: no library signs those)."""
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return f"{header.decode()}.{payload.decode()}."


def encrypted(claims: dict[str, Any], public: jwk.JWK) -> str:
    """A compact JWE of `claims` for `public` (RSA-OAEP-256, A256GCM)."""
    token = jwe.JWE(
        json.dumps(claims).encode(),
        protected=json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": public["kid"]}),
    )
    token.add_recipient(public)
    return str(token.serialize(compact=True))


def tamper(token: str, **changes: Any) -> str:
    """The same token with claims changed and the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    fresh = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{fresh}.{signature}"


def write_jwks(path: Path, *keys: jwk.JWK) -> Path:
    """The public JWKS of `keys`, as a provider publishes it."""
    public = [json.loads(k.export_public()) for k in keys]
    for item in public:
        item.setdefault("use", "sig")
    path.write_text(json.dumps({"keys": public}), encoding="utf-8")
    return path


def public_pem(private: jwk.JWK) -> bytes:
    """The public key as PEM (what an attacker uses as the HMAC secret)."""
    return bytes(private.export_to_pem(private_key=False, password=None))
