"""What is worth warning about in IdP metadata: certificates, NameID formats, bindings, signature.

Alma loads IdP metadata once and never refreshes it, so certificate expiry and rollover are the
findings that break logins months later; opaque NameID formats and missing browser bindings make
an IdP unusable for Alma as it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from authprobe import vocab
from authprobe.model import Finding, Severity

if TYPE_CHECKING:
    from authprobe.sources.saml.crypto import Certificate
    from authprobe.sources.saml.entity import IdpEntity
    from authprobe.sources.saml.metadata_signature import MetadataSignature

SOURCE = "idp-metadata"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
NAMEID_PREFIXES = (
    "urn:oasis:names:tc:SAML:2.0:nameid-format:",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:",
    "urn:oasis:names:tc:saml2:2.0:nameid-format:",  # how eIDAS nodes spell it
)
# The standard NameID formats, keyed by their casefolded short name (prefixes and short names are
# compared case-insensitively: eIDAS nodes send `urn:oasis:names:tc:saml2:2.0:...:persistent`).
_NAMEID_SHORT = {
    short.casefold(): short
    for short in (
        "unspecified",
        "emailAddress",
        "X509SubjectName",
        "WindowsDomainQualifiedName",
        "kerberos",
        "entity",
        "persistent",
        "transient",
        "encrypted",
    )
}
OPAQUE_NAMEID = frozenset({"transient", "persistent"})
# Made per service (pairwise): no standard NameID format, but IdPs do send these as Format.
_PAIRWISE_SHORT = frozenset({"pairwise", "pairwise-id"})
EXPIRY_WARNING = timedelta(days=90)
_WEAK_SIGNATURE = {"rsa-sha1": "SHA-1", "dsa-sha1": "SHA-1", "rsa-md5": "MD5", "hmac-sha1": "SHA-1"}


def _finding(code: str, severity: Severity, entity_id: str, message: str) -> Finding:
    return Finding(code, severity, SOURCE, entity_id, 1, message)


def nameid_short(fmt: str) -> str:
    """`persistent` for `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent`.

    The known prefixes (SAML 2.0, SAML 1.1 and the eIDAS `saml2` spelling) and the standard
    short names are matched case-insensitively and given in their standard spelling; anything
    else is returned as sent.
    """
    text = fmt.strip()
    folded = text.casefold()
    for prefix in NAMEID_PREFIXES:
        if folded.startswith(prefix.casefold()):
            tail = text[len(prefix) :]
            return _NAMEID_SHORT.get(tail.casefold(), tail)
    return text


def nameid_opaque(fmt: str | None) -> bool:
    """True for a persistent, transient or pairwise NameID format: never the matching ID.

    Such values are made per service or per login, so the SIS can never hold them. Only the
    known short names count (`unspecified`, `emailAddress`, ... are not opaque); a Format that
    is the Name of an opaque attribute (eduPersonTargetedID, pairwise-id) is opaque too.
    """
    if not fmt:
        return False
    short = nameid_short(fmt)
    if short in OPAQUE_NAMEID or short.casefold() in _PAIRWISE_SHORT:
        return True
    info = vocab.lookup(fmt)
    return bool(info is not None and info.opaque)


def idp_findings(idp: IdpEntity, now: datetime) -> tuple[Finding, ...]:
    """Warnings about one IdP (certificates, NameID formats, bindings, protocol, validity)."""
    return (*_certificate_findings(idp, now), *_login_findings(idp, now))


def _certificate_findings(idp: IdpEntity, now: datetime) -> list[Finding]:
    """No signing certificate; each certificate expired, expiring, weakly signed or odd; a
    rollover in progress."""
    out: list[Finding] = []
    eid = idp.entity_id
    signing = idp.signing_certificates
    if not signing:
        out.append(
            _finding(
                "no-signing-certificate",
                Severity.ERROR,
                eid,
                "The IdP publishes no signing certificate: Alma cannot check its assertions.",
            )
        )
    for cert in idp.certificates:
        out.extend(_one_certificate(cert, len(signing), now, eid))
    if len(signing) > 1:
        out.append(
            _finding(
                "certificate-rollover",
                Severity.INFO,
                eid,
                f"{len(signing)} signing certificates are published: a certificate rollover is "
                "probably in progress. Alma keeps the metadata it loaded: re-upload after the "
                "rollover.",
            )
        )
    return out


def _one_certificate(cert: Certificate, signing: int, now: datetime, eid: str) -> list[Finding]:
    """One certificate expired, expiring, signed with MD5 or SHA-1, or odd (`signing`: how many
    signing certificates the IdP publishes)."""
    out: list[Finding] = []
    days = (cert.not_after - now).days
    what = f"The {cert.use} certificate {cert.subject}"
    if cert.not_after < now:
        severity = Severity.ERROR if cert.signs and signing == 1 else Severity.WARNING
        out.append(
            _finding(
                "certificate-expired",
                severity,
                eid,
                f"{what} expired on {cert.not_after:%Y-%m-%d}.",
            )
        )
    elif cert.not_after - now <= EXPIRY_WARNING:
        out.append(
            _finding(
                "certificate-expiring",
                Severity.WARNING,
                eid,
                f"{what} expires on {cert.not_after:%Y-%m-%d} (in {days} days). Alma loads "
                "metadata once and never refreshes it: plan the rollover and upload the new "
                "metadata to Alma.",
            )
        )
    if cert.signature_hash == "md5":
        out.append(
            _finding(
                "certificate-md5",
                Severity.ERROR,
                eid,
                f"{what} is signed with MD5, which Alma rejects.",
            )
        )
    elif cert.signature_hash == "sha1":
        out.append(
            _finding(
                "certificate-sha1",
                Severity.WARNING,
                eid,
                f"{what} is signed with SHA-1, which is deprecated.",
            )
        )
    if cert.note:
        out.append(_finding("certificate-odd", Severity.WARNING, eid, f"{what}: {cert.note}."))
    return out


def _login_findings(idp: IdpEntity, now: datetime) -> list[Finding]:
    """Opaque-only NameID formats, no browser binding, no SAML 2.0, metadata past validUntil."""
    out: list[Finding] = []
    eid = idp.entity_id
    short = {nameid_short(f) for f in idp.nameid_formats}
    if idp.nameid_formats and all(nameid_opaque(f) for f in idp.nameid_formats):
        out.append(
            _finding(
                "nameid-opaque-only",
                Severity.WARNING,
                eid,
                f"The IdP offers only {' and '.join(sorted(short))} NameIDs: these are opaque "
                "(per service or per login) and can never be the matching ID; Alma must read an "
                "attribute instead.",
            )
        )
    bindings = {e.binding for e in idp.sso}
    if not bindings & {BINDING_POST, BINDING_REDIRECT}:
        out.append(
            _finding(
                "no-browser-sso-binding",
                Severity.ERROR,
                eid,
                "No SingleSignOnService with the HTTP-Redirect or HTTP-POST binding: Alma cannot "
                "send users to this IdP.",
            )
        )
    if idp.protocols and SAML2_PROTOCOL not in idp.protocols:
        out.append(
            _finding(
                "no-saml2",
                Severity.ERROR,
                eid,
                "The IdP does not announce SAML 2.0 support (protocolSupportEnumeration).",
            )
        )
    if idp.valid_until is not None and idp.valid_until < now:
        out.append(
            _finding(
                "metadata-expired",
                Severity.WARNING,
                eid,
                f"The IdP's metadata was valid until {idp.valid_until:%Y-%m-%d}: "
                "ask for a current copy.",
            )
        )
    return out


def document_findings(
    signature: MetadataSignature,
    valid_until: datetime | None,
    now: datetime,
    cert: Sequence[str],
) -> tuple[Finding, ...]:
    out: list[Finding] = []
    if valid_until is not None and valid_until < now:
        out.append(
            _finding(
                "metadata-expired",
                Severity.WARNING,
                "",
                f"The metadata document was valid until {valid_until:%Y-%m-%d}.",
            )
        )
    weak = _WEAK_SIGNATURE.get((signature.algorithm or "").rsplit("#", 1)[-1])
    if signature.present and weak:
        out.append(
            _finding(
                "metadata-signature-weak",
                Severity.WARNING,
                "",
                f"The metadata is signed with {weak}, which is deprecated.",
            )
        )
    if signature.present and signature.verified is False:
        out.append(_finding("metadata-signature-invalid", Severity.ERROR, "", signature.detail))
    if cert and not signature.present:
        out.append(
            _finding(
                "metadata-unsigned",
                Severity.WARNING,
                "",
                "A certificate was given but the metadata is not signed: nothing to verify.",
            )
        )
    return tuple(out)
