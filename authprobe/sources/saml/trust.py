"""How far a captured login can be trusted, from the signatures checked on it (pure; no I/O).

    verdict = trust(response_checks, assertion_checks, has_assertion=..., encrypted=...,
                    held=..., certificates=...)
    verdict.trusted (True / False / None: not checked), verdict.detail, verdict.findings

The peers' rules (python3-saml, pysaml2, ruby-saml, crewjam/saml, gosaml2): a value is trusted
only when every signature over it verifies. One valid and one invalid signature spoil the message;
so does a second Signature on the same element, and a Response holding several assertions (the
shape of signature wrapping, refused by every SP).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from authprobe.model import Finding, Severity
from authprobe.sources.saml.crypto import SignatureCheck

SOURCE = "saml-assertion"
LISTED = 5  # assertions named in the multiple-assertions finding


def finding(code: str, severity: Severity, message: str) -> Finding:
    """A finding about the captured login."""
    return Finding(code, severity, SOURCE, None, 1, message)


@dataclass(frozen=True, slots=True)
class TrustVerdict:
    """Whether the values shown are trusted, why, and what to report."""

    trusted: bool | None
    detail: str
    findings: tuple[Finding, ...] = ()


def held_finding(
    held: Sequence[tuple[str, str | None]],
    shown: tuple[str, str | None],
    holder: str = "The Response holds",
) -> Finding:
    """The error for a Response holding several assertions: what it holds, which one is shown."""
    kinds: dict[str, int] = {}
    for kind, _ in held:
        kinds[kind] = kinds.get(kind, 0) + 1
    holds = " and ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in kinds.items())
    ids = ", ".join(f"{kind} {ident!r}" for kind, ident in held[:LISTED])
    if len(held) > LISTED:
        ids += f" and {len(held) - LISTED} more"
    return finding(
        "multiple-assertions",
        Severity.ERROR,
        f"{holder} {len(held)} assertions ({holds}: {ids}). SAML service providers, "
        "Alma among them, refuse such a response, and it is the shape of a signature-wrapping "
        f"attack. Shown below: the {shown[0]} {shown[1]!r}; nothing in it is trusted.",
    )


def trust(
    response: Sequence[SignatureCheck],
    assertion: Sequence[SignatureCheck],
    *,
    has_assertion: bool,
    encrypted: bool,
    held: int,
    certificates: bool,
    totals: Mapping[str, int] | None = None,
) -> TrustVerdict:
    """The verdict on the values shown (see the module docstring).

    `totals`: how many Signature children the Response and the Assertion have, when more were
    found than checked (only the first two of an element are checked).
    """
    verdict = _by_signatures(
        response,
        assertion,
        has_assertion=has_assertion,
        encrypted=encrypted,
        checked=certificates,
        totals=totals or {},
    )
    if held > 1:
        detail = f"The Response holds {held} assertions: the values shown are not trusted."
        return TrustVerdict(False, f"{detail} (Signatures: {verdict.detail})", verdict.findings)
    return verdict


def _by_signatures(
    response: Sequence[SignatureCheck],
    assertion: Sequence[SignatureCheck],
    *,
    has_assertion: bool,
    encrypted: bool,
    checked: bool,
    totals: Mapping[str, int],
) -> TrustVerdict:
    checks = [*response, *assertion]
    repeated = [
        name for name, found in (("Response", response), ("Assertion", assertion)) if len(found) > 1
    ]
    if repeated:
        counts = "; ".join(f"the {name} has {totals.get(name, 2)}" for name in repeated)
        detail = (
            f"More than one Signature on one element ({counts}); SAML service providers "
            "reject a message signed twice on the same element, so the values shown are not "
            "trusted."
        )
        return TrustVerdict(False, detail, (finding("signature-repeated", Severity.ERROR, detail),))
    named = [("Response", c) for c in response] + [("Assertion", c) for c in assertion]
    broken = [(name, c) for name, c in named if c.verified is False]
    good = [name for name, c in named if c.verified]
    if broken:
        reasons = "; ".join(f"the one on the {name} {c.detail}" for name, c in broken)
        if good:
            detail = (
                f"The signature on the {' and '.join(good)} verifies, but {reasons}: SAML "
                "service providers reject such a message, so the values shown are not trusted."
            )
        else:
            detail = f"No signature verifies: {reasons}. Do not trust the values shown."
        return TrustVerdict(False, detail, (finding("signature-invalid", Severity.ERROR, detail),))
    if good:
        covered = "the whole Response" if any(c.verified for c in response) else "the assertion"
        return TrustVerdict(
            True, f"A verified signature covers {covered}: the values shown are trusted."
        )
    if not checks:
        return _unsigned(has_assertion=has_assertion, encrypted=encrypted, checked=checked)
    return TrustVerdict(
        None, "Signed, but not checked: pass --idp-metadata or --cert to verify the signature."
    )


def _unsigned(*, has_assertion: bool, encrypted: bool, checked: bool) -> TrustVerdict:
    if not has_assertion and not encrypted:
        return TrustVerdict(None, "There is no assertion to trust.")
    if encrypted:
        return TrustVerdict(
            None,
            "The Response is not signed and the assertion is encrypted: whether the assertion "
            "inside is signed shows only once decrypted (--sp-key).",
        )
    detail = "Nothing is signed: anyone could have written these values."
    return TrustVerdict(
        False if checked else None, detail, (finding("unsigned", Severity.WARNING, detail),)
    )
