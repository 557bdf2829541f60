"""The enveloped signature of a metadata document: its algorithms, and its check (`--cert`).

Verifying needs the whole tree, so `verify_metadata_signature` parses the document once more in
full; the streaming read only notes that a signature is there (`signature_facts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from authprobe import xmlsafe
from authprobe.sources.saml.crypto import (
    DS,
    Certificate,
    check_enveloped_signature,
    read_certificates,
)


@dataclass(frozen=True, slots=True)
class MetadataSignature:
    """The enveloped signature of the metadata document (or its absence)."""

    present: bool
    algorithm: str | None = None
    digest_algorithm: str | None = None
    verified: bool | None = None  # None: not checked (no --cert)
    detail: str = "The metadata is not signed."


def signature_facts(signature: Any) -> MetadataSignature:
    """What the metadata's own signature says before it is checked (algorithms)."""
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    digest = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestMethod")
    return MetadataSignature(
        present=True,
        algorithm=method.get("Algorithm") if method is not None else None,
        digest_algorithm=digest.get("Algorithm") if digest is not None else None,
        verified=None,
        detail="The metadata is signed; the signature was not checked (pass --cert).",
    )


def verify_metadata_signature(
    data: bytes, location: str, cert_paths: Sequence[str]
) -> MetadataSignature:
    """Parse the whole document and verify its enveloped signature with the --cert files."""
    certificates: list[Certificate] = []
    for path in cert_paths:
        certificates.extend(read_certificates(path))
    root = xmlsafe.parse_bytes(data, location, huge_tree=True)
    signature = root.find(f"{{{DS}}}Signature")
    if signature is None:  # pragma: no cover - the streaming pass found one
        return MetadataSignature(present=False)
    check = check_enveloped_signature(root, signature, certificates)
    if check.verified:
        detail = (
            f"The metadata signature verifies with {check.certificate}: "
            "it covers the whole document."
        )
    else:
        detail = f"The metadata signature {check.detail}."
    return MetadataSignature(
        present=True,
        algorithm=check.algorithm,
        digest_algorithm=check.digest_algorithm,
        verified=bool(check.verified),
        detail=detail,
    )
