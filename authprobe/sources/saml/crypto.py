"""Certificates and XML signatures of SAML documents, checked the careful way.

`parse_certificate` reads an `X509Certificate` element however IdPs write it (base64 DER, PEM,
base64 of a PEM); `check_enveloped_signature` verifies one enveloped signature with xmlsec against
*trusted* certificates only, after checking that it covers the element it sits in (one Reference, by
an ID that occurs once, only canonicalisation transforms): signature wrapping cannot pass.
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

from authprobe import runtime
from authprobe.errors import InputError
from authprobe.sources.saml import libxmlsec

DS = "http://www.w3.org/2000/09/xmldsig#"
_PEM_HINT = "Pass the IdP's signing certificate as a PEM file (-----BEGIN CERTIFICATE-----)."


@dataclass(frozen=True, slots=True)
class Certificate:
    """One X.509 certificate of an IdP, as metadata publishes it."""

    use: str  # "signing", "encryption", or "signing+encryption" (KeyDescriptor without use)
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    key_type: str
    key_size: int | None
    signature_hash: str | None  # "sha256", "sha1", "md5", ... (None when unknown)
    fingerprint_sha256: str
    pem: str = field(repr=False, default="")
    note: str = ""

    @property
    def signs(self) -> bool:
        """True when this certificate may sign assertions."""
        return "signing" in self.use


def _name(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:  # pragma: no cover - malformed names are rare
        return str(name)


def parse_certificate(text: str, use: str = "signing", *, note: str = "") -> Certificate:
    """An `X509Certificate` element's text (base64 DER, or PEM, or base64-of-PEM) -> facts."""
    compact = re.sub(r"\s+", "", text)
    if "-----BEGIN" in text:
        der = _pem_to_der(text)
    else:
        try:
            der = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InputError("certificate-not-base64", "the certificate is not base64") from exc
        if der.lstrip().startswith(b"-----BEGIN"):
            der = _pem_to_der(der.decode("ascii", "replace"))
            note = "; ".join(
                filter(None, [note, "the certificate is base64 of a PEM file (encoded twice)"])
            )
    try:
        with warnings.catch_warnings():  # old IdP certificates have negative serial numbers
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise InputError("certificate-not-x509", f"not an X.509 certificate ({exc})") from exc
    try:  # cryptography parses lazily: a damaged name or key only fails here
        return certificate_facts(cert, use, note=note)
    except ValueError as exc:
        raise InputError("certificate-not-x509", f"a damaged X.509 certificate ({exc})") from exc


def _pem_to_der(text: str) -> bytes:
    match = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    if match is None:
        raise InputError("certificate-not-pem", "the PEM block is incomplete")
    try:
        return base64.b64decode(re.sub(r"\s+", "", match.group(1)), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("certificate-not-base64", "the PEM block is not base64") from exc


def certificate_facts(
    cert: x509.Certificate, use: str = "signing", *, note: str = ""
) -> Certificate:
    """Facts about a parsed certificate."""
    try:
        key: object = cert.public_key()
    except UnsupportedAlgorithm:
        key = None
    key_type, key_size = "unknown", None
    if isinstance(key, rsa.RSAPublicKey):
        key_type, key_size = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_type, key_size = f"EC {key.curve.name}", key.key_size
    elif isinstance(key, dsa.DSAPublicKey):
        key_type, key_size = "DSA", key.key_size
    try:
        algorithm = cert.signature_hash_algorithm
        signature_hash = algorithm.name if algorithm is not None else None
    except UnsupportedAlgorithm:
        signature_hash = None
    return Certificate(
        use=use,
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=key_size,
        signature_hash=signature_hash,
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        note=note,
    )


def load_certificates(data: bytes, location: str) -> tuple[Certificate, ...]:
    """Every certificate of a PEM (or DER) file, for --cert."""
    if b"-----BEGIN" in data:
        try:
            with warnings.catch_warnings():  # old certificates have negative serial numbers
                warnings.simplefilter("ignore")
                certs = x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise InputError(
                "certificate-unreadable",
                f"The certificate file cannot be read: {exc}",
                location=location,
                hint=_PEM_HINT,
            ) from exc
        try:
            return tuple(certificate_facts(c) for c in certs)
        except ValueError as exc:
            raise InputError(
                "certificate-unreadable",
                f"The certificate file holds a damaged certificate: {exc}",
                location=location,
                hint=_PEM_HINT,
            ) from exc
    try:
        return (certificate_facts(x509.load_der_x509_certificate(data)),)
    except ValueError:
        pass
    try:
        return (parse_certificate(data.decode("ascii")),)
    except (UnicodeDecodeError, InputError) as exc:
        raise InputError(
            "certificate-unreadable",
            "The certificate file is neither PEM, DER nor base64.",
            location=location,
            hint=_PEM_HINT,
        ) from exc


def read_certificates(path: str | Path) -> tuple[Certificate, ...]:
    """Read a --cert file."""
    runtime.refuse_special(path, "certificate file")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(
            "certificate-unreadable",
            f"The certificate file cannot be opened: {exc.strerror or exc}",
            location=str(path),
        ) from exc
    return load_certificates(data, str(path))


ALLOWED_TRANSFORMS = frozenset(
    {
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
        "http://www.w3.org/2006/12/xml-c14n11",
    }
)


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The outcome of checking one enveloped signature against trusted certificates."""

    algorithm: str | None
    digest_algorithm: str | None
    reference: str | None
    structure_ok: bool
    verified: bool | None  # None: no trusted certificate to check with
    detail: str
    certificate: str | None = None  # subject of the certificate that verified it


def check_enveloped_signature(
    signed: Any, signature: Any, certificates: Sequence[Certificate | str]
) -> SignatureCheck:
    """Check that `signature` (a ds:Signature child of `signed`) covers `signed`, then verify it.

    The structure checks come first: exactly one Reference, pointing at `signed` itself by an ID
    that occurs once in the document (or URI="": the whole document, which holds `signed`),
    and only enveloped / canonicalisation transforms. Only then is xmlsec asked to verify, with
    each trusted certificate in turn; a certificate embedded in the signature's KeyInfo is never
    trusted.
    """
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    algorithm = method.get("Algorithm") if method is not None else None
    digest = None
    uri = None
    if len(references) == 1:
        uri = references[0].get("URI")
        digest_node = references[0].find(f"{{{DS}}}DigestMethod")
        digest = digest_node.get("Algorithm") if digest_node is not None else None

    def result(
        ok: bool, verified: bool | None, detail: str, subject: str | None = None
    ) -> SignatureCheck:
        return SignatureCheck(algorithm, digest, uri, ok, verified, detail, subject)

    problem = _structure_problem(signed, signature, references, uri)
    if problem:
        return result(False, False, problem)
    if not certificates:
        return result(True, None, "not checked: no trusted certificate given")
    libxmlsec.add_ids(signed.getroottree().getroot())
    outcomes: list[libxmlsec.Verification] = []
    for certificate in certificates:
        pem = certificate.pem if isinstance(certificate, Certificate) else certificate
        outcome = libxmlsec.verify(signature, pem)
        if outcome.ok:
            subject = certificate.subject if isinstance(certificate, Certificate) else None
            return result(True, True, "verified", subject)
        outcomes.append(outcome)
    return result(True, False, _why_not(signature, outcomes))


def _why_not(signature: Any, outcomes: Sequence[libxmlsec.Verification]) -> str:
    """Why no trusted certificate verifies `signature`, as precisely as xmlsec told."""
    reasons = {o.why: o.detail for o in outcomes}
    if "algorithm" in reasons:
        href = reasons["algorithm"]
        where = next(
            (
                _local(node.tag)
                for node in signature.iter()
                if isinstance(node.tag, str) and node.get("Algorithm") == href
            ),
            "an algorithm",
        )
        return (
            f"cannot be checked: its {where} is {href}, an algorithm identifier xmlsec does not "
            "know (not a standard XML-Signature one)"
        )
    if "digest" in reasons:
        return "does NOT verify: the signed content was changed after signing (digest mismatch)"
    if set(reasons) == {"signature"}:
        return (
            "does NOT verify with the trusted certificates: it was signed with another key "
            "(or its SignedInfo was altered)"
        )
    other = reasons.get("other", "")
    return f"does NOT verify with the trusted certificates: xmlsec cannot check it ({other})"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _structure_problem(signed: Any, signature: Any, references: list[Any], uri: str | None) -> str:
    if signature.getparent() is not signed:
        return "the signature is not inside the element it claims to sign"
    if len(references) != 1:
        return f"the signature has {len(references)} references (exactly 1 expected)"
    root = signed.getroottree().getroot()
    if uri == "":
        pass  # the whole document (the enveloped transform removes only this signature)
    elif uri is None or not uri.startswith("#"):
        return f"the signature references {uri!r}, not an element by ID"
    else:
        wanted = uri[1:]
        if signed.get("ID") != wanted:
            return (
                f"the signature references ID {wanted!r}, not the element it sits in "
                f"(ID {signed.get('ID')!r}): signature wrapping"
            )
        same = root.xpath("count(//*[@ID=$id])", id=wanted)
        if same != 1:
            return f"the ID {wanted!r} occurs {int(same)} times in the message: signature wrapping"
    transforms = signature.findall(
        f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}Transforms/{{{DS}}}Transform"
    )
    for transform in transforms:
        if transform.get("Algorithm") not in ALLOWED_TRANSFORMS:
            return f"the signature uses the transform {transform.get('Algorithm')!r}, refused"
    return ""
