"""What one captured login holds: the Response envelope, the assertion inside, its signatures
and how far to trust it (`message.decode` reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from authprobe.model import Finding
from authprobe.sources.saml.body import Attribute, NameId


@dataclass(frozen=True, slots=True)
class SignatureFact:
    """One signature found on the Response or the Assertion, and what checking it showed."""

    element: str  # "Response" or "Assertion"
    element_id: str | None
    algorithm: str | None
    digest_algorithm: str | None
    verified: bool | None  # None: no trusted certificate given
    detail: str
    certificate: str | None = None


@dataclass(frozen=True, slots=True)
class Assertion:
    """A captured login: the Response envelope, the assertion inside, and how far to trust it."""

    location: str
    input_format: str  # "xml", "base64", "base64+deflate", "form", "html", "soap"
    message: str  # "Response" or "Assertion"
    response_id: str | None
    response_issuer: str | None
    destination: str | None
    in_response_to: str | None
    issue_instant: datetime | None
    status: str | None
    status_message: str | None
    assertion_id: str | None
    issuer: str | None
    nameid: NameId | None
    recipient: str | None
    not_before: datetime | None
    not_on_or_after: datetime | None
    audiences: tuple[str, ...]
    authn_instant: datetime | None
    authn_context: str | None
    session_index: str | None
    attributes: tuple[Attribute, ...]
    encrypted: bool  # an EncryptedAssertion that was not decrypted
    decrypted: bool
    encrypted_attributes: int
    signatures: tuple[SignatureFact, ...]
    trusted: bool | None  # a verified signature covers the assertion shown; None: not checked
    trust_detail: str
    findings: tuple[Finding, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        """The attribute sent with this Name (case-insensitive), or None."""
        wanted = name.casefold()
        return next((a for a in self.attributes if a.name.casefold() == wanted), None)
