"""The keys of a JWKS: what each one is, and the set used to verify ID tokens.

    keys = read_jwks("jwks.json")           # or an https URL (timeout, verified TLS)
    keys.keys[i].kid / .kty / .alg / .use / .size / .certificate (x5c: subject, not-after)
    keys.verification_keys()                # joserfc keys for the usable public signing keys

Each JWK is imported by joserfc on its own: a key joserfc cannot read, a symmetric (`oct`) key
(a shared secret must never be published) or a key for encryption only is listed with the reason
and is never used to verify; how many were set aside is a counted finding. Private members
(`d`, `p`, ...) are dropped and reported. The first `x5c` certificate is read with the SAML
certificate reader (subject, not-after, key), and checked to hold the same public key as the JWK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, Key, OKPKey, RSAKey

from authprobe.errors import AuthprobeError, InputError
from authprobe.model import Finding, Severity
from authprobe.sources.documents import JsonDocument, read_json, strings, text
from authprobe.sources.saml.crypto import Certificate, parse_certificate
from authprobe.wording import agree, plural

SOURCE = "oidc-jwks"
EXPIRY_WARNING = timedelta(days=90)
MAX_KEYS = 1000
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
JWKS_HINT = "Pass the provider's JWKS: the document its discovery document names as jwks_uri."


@dataclass(frozen=True, slots=True)
class KeyFact:
    """One JWK as published."""

    kid: str | None
    kty: str | None
    alg: str | None
    use: str | None
    curve: str | None
    size: int | None  # bits (RSA modulus, EC curve)
    certificate: Certificate | None
    problem: str | None = None  # why it is not used to verify (None: usable)
    certificate_matches: bool | None = None  # x5c holds the JWK's public key (None: no x5c)
    note: str = ""

    @property
    def usable(self) -> bool:
        """True when the key may verify ID-token signatures."""
        return self.problem is None


@dataclass(frozen=True, slots=True)
class KeySetFacts:
    """A JWKS: the facts of every key, and the keys that verify."""

    location: str
    keys: tuple[KeyFact, ...]
    findings: tuple[Finding, ...] = ()
    _verifiers: tuple[tuple[KeyFact, Key], ...] = field(default=(), repr=False, compare=False)

    @property
    def unsupported(self) -> int:
        """Keys set aside (unreadable, symmetric, encryption-only)."""
        return sum(not k.usable for k in self.keys)

    def verification_keys(self) -> tuple[tuple[KeyFact, Key], ...]:
        """(facts, joserfc public key) of every usable signing key, in document order."""
        return self._verifiers


def read_jwks(source: str, *, now: datetime | None = None) -> KeySetFacts:
    """A JWKS from a path, `-` or an http(s) URL."""
    document = read_json(source, what="JWKS", reference="oidc-jwks", hint=JWKS_HINT)
    return jwks_from_document(document, now=now)


def jwks_from_document(document: JsonDocument, *, now: datetime | None = None) -> KeySetFacts:
    """The facts of a JWKS already read; a lone JWK (an object with `kty`) is a set of one."""
    data = document.data
    if "keys" in data:
        raw = data["keys"]
    elif "kty" in data:
        raw = [data]
    else:
        raise _not_jwks(document.location, 'it has no "keys" member')
    if not isinstance(raw, list):
        raise _not_jwks(document.location, '"keys" is not a list')
    if len(raw) > MAX_KEYS:
        raise _not_jwks(document.location, f"it lists {len(raw):,} keys (at most {MAX_KEYS})")
    return key_set(raw, document.location, now=now or datetime.now(UTC))


def _not_jwks(location: str, why: str) -> InputError:
    return InputError(
        "oidc-jwks-not-a-jwks", f"This is not a JWKS: {why}.", location=location, hint=JWKS_HINT
    )


def key_set(raw: list[Any], location: str, *, now: datetime) -> KeySetFacts:
    """Facts and verification keys of the JWK objects in `raw`."""
    facts: list[KeyFact] = []
    verifiers: list[tuple[KeyFact, Key]] = []
    private = 0
    for item in raw:
        if not isinstance(item, Mapping):
            facts.append(_broken(None, "not a JSON object"))
            continue
        public = {k: v for k, v in item.items() if k not in PRIVATE_MEMBERS or _oct(item, k)}
        if len(public) != len(item) and item.get("kty") != "oct":
            private += 1
        fact, key = _one_key(public)
        facts.append(fact)
        if key is not None and fact.usable:
            verifiers.append((fact, key))
    result = KeySetFacts(location, tuple(facts), (), tuple(verifiers))
    return KeySetFacts(location, result.keys, _findings(result, private, now), result._verifiers)


def _oct(item: Mapping[str, Any], member: str) -> bool:
    return member == "k" and item.get("kty") == "oct"


def _broken(kid: str | None, problem: str, kty: str | None = None) -> KeyFact:
    return KeyFact(kid, kty, None, None, None, None, None, problem=problem)


def _one_key(item: Mapping[str, Any]) -> tuple[KeyFact, Key | None]:
    kid, kty = text(item.get("kid")), text(item.get("kty"))
    alg, use = text(item.get("alg")), text(item.get("use"))
    certificate, note = _certificate(item)
    if kty == "oct":
        return _broken(
            kid, "a symmetric (oct) key: a shared secret must never be published", kty
        ), None
    data = dict(item)
    if kty == "RSA" and "n" not in data and certificate is not None:
        data.update(_rsa_from_certificate(certificate))
    try:
        key = JWKRegistry.import_key(data)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        return _broken(kid, f"joserfc cannot read it ({_reason(exc)})", kty), None
    if not isinstance(key, RSAKey | ECKey | OKPKey):
        return _broken(kid, f"key type {kty} cannot verify signatures", kty), None
    curve = key.curve_name if isinstance(key, ECKey | OKPKey) else None
    size = getattr(key.raw_value, "key_size", None)
    ops = strings(item.get("key_ops"))
    problem = None
    if use not in (None, "sig") or (ops and "verify" not in ops):
        problem = f"for {use or ', '.join(ops)} only, not for signatures"
    matches = _same_public_key(key, certificate) if certificate is not None else None
    fact = KeyFact(kid, kty, alg, use, curve, size, certificate, problem, matches, note)
    return fact, key


def _reason(exc: Exception) -> str:
    text_ = str(exc) or type(exc).__name__
    return text_[:200]


def _certificate(item: Mapping[str, Any]) -> tuple[Certificate | None, str]:
    chain = strings(item.get("x5c"))
    if not chain:
        return None, ""
    try:
        return parse_certificate(chain[0], "signing"), ""
    except AuthprobeError as exc:
        return None, f"its x5c certificate cannot be read: {exc.message}"


def _rsa_from_certificate(certificate: Certificate) -> dict[str, Any]:
    key = RSAKey.import_key(certificate.pem.encode("ascii"))
    return {k: v for k, v in key.as_dict().items() if k in ("n", "e")}


def _same_public_key(key: Key, certificate: Certificate) -> bool | None:
    from cryptography import x509

    try:
        cert_key = x509.load_pem_x509_certificate(certificate.pem.encode("ascii")).public_key()
        raw_key: Any = key.raw_value
        ours = raw_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        theirs = cert_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return bool(ours == theirs)


def _finding(
    code: str,
    severity: Severity,
    field_: str | None,
    message: str,
    count: int = 1,
    examples: tuple[str, ...] = (),
) -> Finding:
    return Finding(code, severity, SOURCE, field_, count, message, examples)


def _findings(keys: KeySetFacts, private: int, now: datetime) -> tuple[Finding, ...]:
    out: list[Finding] = []
    if private:
        out.append(
            _finding(
                "oidc-jwks-private-key",
                Severity.ERROR,
                None,
                agree(
                    f"{plural(private, 'key')} of the JWKS include[s|] private members (d, p, q, "
                    "...): the ",
                    private,
                )
                + "provider publishes its private signing key. Tell campus IT at once; authprobe "
                "dropped those members.",
                private,
            )
        )
    skipped = [k for k in keys.keys if not k.usable]
    if skipped:
        out.append(
            _finding(
                "oidc-jwks-key-unusable",
                Severity.WARNING if len(skipped) == len(keys.keys) else Severity.INFO,
                None,
                agree(
                    f"{len(skipped)} of {plural(len(keys.keys), 'key')} [is|are] not used to "
                    "verify "
                    "signatures.",
                    len(skipped),
                ),
                len(skipped),
                tuple(f"{k.kid or '(no kid)'}: {k.problem}" for k in skipped[:5]),
            )
        )
    if not keys.verification_keys():
        out.append(
            _finding(
                "oidc-jwks-no-signing-key",
                Severity.ERROR,
                None,
                "The JWKS holds no public key that can verify ID-token signatures.",
            )
        )
    out.extend(_key_findings(keys, now))
    return tuple(out)


def _key_findings(keys: KeySetFacts, now: datetime) -> list[Finding]:
    out: list[Finding] = []
    for key in keys.keys:
        name = f"key {key.kid or '(no kid)'}"
        cert = key.certificate
        if key.note:
            out.append(
                _finding("oidc-key-odd", Severity.WARNING, key.kid, f"The {name}: {key.note}.")
            )
        if cert is None or not key.usable:
            continue
        if cert.not_after < now:
            out.append(
                _finding(
                    "oidc-key-expired",
                    Severity.WARNING,
                    key.kid,
                    f"The certificate of signing {name} ({cert.subject}) expired on "
                    f"{cert.not_after:%Y-%m-%d}.",
                )
            )
        elif cert.not_after - now <= EXPIRY_WARNING:
            out.append(
                _finding(
                    "oidc-key-expiring",
                    Severity.WARNING,
                    key.kid,
                    f"The certificate of signing {name} ({cert.subject}) expires on "
                    f"{cert.not_after:%Y-%m-%d} (in {(cert.not_after - now).days} days): the "
                    "provider will roll its keys; a relying party that pinned this key breaks.",
                )
            )
        if key.certificate_matches is False:
            out.append(
                _finding(
                    "oidc-key-certificate-mismatch",
                    Severity.WARNING,
                    key.kid,
                    f"The x5c certificate of {name} holds another public key than the JWK itself.",
                )
            )
    kids = [k.kid for k in keys.keys if k.usable]
    if len(kids) > 1 and None in kids:
        out.append(
            _finding(
                "oidc-key-no-kid",
                Severity.INFO,
                None,
                "Several signing keys, some without kid: a token's key is then found by trying "
                "each one.",
            )
        )
    return out
