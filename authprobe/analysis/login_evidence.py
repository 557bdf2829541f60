"""OpenID Connect and CAS logins as IdP evidence for `recommend` (pure; no I/O).

    evidence = oidc_evidence(token, discovery)        # an ID token and/or a discovery document
    evidence = cas_evidence(response)                 # a CAS validation response
    release = evidence_release("employeeID", evidence, person=record)   -> IdpRelease
    located = locate_evidence(evidence, directory_records)              -> [ReleasedValue]

Like `idp_release` for SAML: which claim (OIDC) or which part of the CAS answer carries a
candidate's directory attribute (`idp_source`: the claim name exactly as sent, `cas:user`, or a CAS
attribute name), decided by value when the logged-in person's directory entry is known, else by
name (`vocab`). Opaque values (`sub`, Entra's `oid`) are never usable. Alma reads the user of a
CAS login from `cas:user` only: a value released as a CAS attribute is "offered", and campus IT
must make it the principal. Which claim Alma's OpenID Connect profile matches is unpublished
(ALMA.md: unverified): every OIDC explanation says to confirm it with Ex Libris.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from authprobe import vocab
from authprobe.analysis.idp_release import IdpRelease, ReleasedValue, locate_values
from authprobe.model import Record
from authprobe.sources.cas.response import CasResponse
from authprobe.sources.oidc.discovery import Discovery
from authprobe.sources.oidc.token import IdToken

OIDC = "oidc"
CAS = "cas"
CAS_USER = "cas:user"
CONFIRM = (
    "confirm with Ex Libris which claim the OpenID Connect profile matches (it is not published)"
)


@dataclass(frozen=True, slots=True)
class LoginValue:
    """One released value source: an ID-token claim, cas:user, or a CAS attribute."""

    source: str
    values: tuple[str, ...]
    opaque: bool = False


@dataclass(frozen=True, slots=True)
class LoginEvidence:
    """What one OpenID Connect or CAS login (or a discovery document) says about release."""

    protocol: str  # "oidc" or "cas"
    location: str
    values: tuple[LoginValue, ...]
    offered: tuple[str, ...] = ()  # claims_supported of the discovery document
    has_login: bool = True  # False: a discovery document only (no token)

    def value(self, source: str) -> LoginValue | None:
        """The released source named `source` (exact), or None."""
        return next((v for v in self.values if v.source == source), None)


def _claim_values(value: object) -> tuple[str, ...]:
    if isinstance(value, bool) or value is None:
        return ()
    if isinstance(value, str | int | float):
        return (str(value),)
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool))
    return ()


def oidc_evidence(token: IdToken | None, discovery: Discovery | None) -> LoginEvidence | None:
    """The claims of an ID token (person claims only) and the claims a provider supports."""
    if token is None and discovery is None:
        return None
    values = tuple(
        LoginValue(claim.name, _claim_values(claim.value), claim.opaque)
        for claim in (token.claims if token is not None else ())
        if not claim.protocol and claim.time is None and _claim_values(claim.value)
    )
    location = token.location if token is not None else str(discovery.location if discovery else "")
    return LoginEvidence(
        OIDC,
        location,
        values,
        offered=discovery.claims if discovery is not None else (),
        has_login=token is not None,
    )


def cas_evidence(response: CasResponse) -> LoginEvidence:
    """cas:user first, then every attribute about the person."""
    values: list[LoginValue] = []
    if response.user:
        values.append(LoginValue(CAS_USER, (response.user,)))
    values.extend(
        LoginValue(attribute.name, attribute.values)
        for attribute in response.attributes
        if not attribute.protocol
    )
    return LoginEvidence(CAS, response.location, tuple(values))


def _person_values(person: Record | None, attribute: str) -> set[str]:
    if person is None:
        return set()
    return {
        value.strip().casefold()
        for name, values in person.attrs.items()
        if name.casefold() == attribute.casefold()
        for value in values
    }


def _sources(evidence: LoginEvidence, attribute: str, person: Record | None) -> tuple[str, ...]:
    """Released sources carrying `attribute`: by the person's value, else by name."""
    wanted = _person_values(person, attribute)
    by_value = tuple(
        v.source for v in evidence.values if any(x.strip().casefold() in wanted for x in v.values)
    )
    if by_value:
        return by_value
    return tuple(v.source for v in evidence.values if vocab.carries(v.source, attribute))


def evidence_release(
    attribute: str, evidence: LoginEvidence, *, person: Record | None = None
) -> IdpRelease:
    """Offered / released / usable for one directory attribute (module docstring)."""
    released_as = _sources(evidence, attribute, person)
    by_value = bool(released_as) and bool(_person_values(person, attribute))
    if evidence.protocol == CAS:
        return _cas_release(attribute, evidence, released_as, by_value)
    offered_as = tuple(name for name in evidence.offered if vocab.carries(name, attribute))
    ordered = sorted(released_as, key=lambda s: _opaque(evidence, s))
    source = ordered[0] if ordered else (offered_as[0] if offered_as else None)
    released = bool(released_as)
    opaque = source is not None and _opaque(evidence, source)
    usable = not opaque and (released or bool(offered_as))
    text = _oidc_text(attribute, source, opaque, released, bool(offered_as), evidence.has_login)
    return IdpRelease(
        directory_attribute=attribute,
        idp_source=source,
        offered=bool(offered_as),
        released=released,
        nameid_format=None,
        usable=usable,
        explanation=text,
        offered_as=offered_as,
        released_as=released_as,
        value_confirmed=by_value,
    )


def _oidc_text(
    attribute: str,
    source: str | None,
    opaque: bool,
    released: bool,
    offered: bool,
    has_login: bool,
) -> str:
    if opaque:
        return (
            f"{attribute} arrives only as the claim {source!r}, which the provider makes "
            "(pairwise per application in Entra ID): opaque to the SIS, never the matching ID."
        )
    if released:
        return (
            f"The ID token carries {attribute} as the claim {source!r}; {CONFIRM}, and that it "
            "is this one."
        )
    if offered:
        tail = " but the captured ID token does not carry it" if has_login else ""
        return (
            f"The provider lists the claim {source!r} (claims_supported){tail}: campus IT must "
            f"put it in the ID token for Alma; then {CONFIRM}."
        )
    return (
        f"The ID token does not carry {attribute}: campus IT must add it to the claims released "
        "to Alma (Entra ID: an optional claim or claims-mapping policy, such as employeeid or "
        f"extn.{attribute}; Keycloak: a user-attribute mapper); then {CONFIRM}."
    )


def _opaque(evidence: LoginEvidence, source: str) -> bool:
    found = evidence.value(source)
    if found is not None and found.opaque:
        return True
    info = vocab.lookup(source)
    return bool(info and info.opaque)


def _cas_release(
    attribute: str, evidence: LoginEvidence, released_as: tuple[str, ...], by_value: bool
) -> IdpRelease:
    """Alma reads cas:user: anything else is only offered (campus IT must make it the user)."""
    if CAS_USER in released_as:
        return IdpRelease(
            attribute, CAS_USER, True, True, None, True,
            f"cas:user carries {attribute}: Alma takes the user identifier from cas:user.",
            released_as=released_as, value_confirmed=by_value,
        )  # fmt: skip
    if released_as:
        source = released_as[0]
        return IdpRelease(
            attribute, source, True, False, None, True,
            f"The CAS server releases {attribute} as the attribute {source!r}, but Alma takes "
            "the user from cas:user: campus IT must make the CAS server return "
            f"{attribute} as the user (principal) for Alma's service.",
            offered_as=released_as, value_confirmed=by_value,
        )  # fmt: skip
    return IdpRelease(
        attribute, None, False, False, None, False,
        f"The CAS response does not carry {attribute}: campus IT must make the CAS server "
        f"return {attribute} as cas:user for Alma's service before it can be the matching ID.",
    )  # fmt: skip


def evidence_pairs(evidence: LoginEvidence) -> list[tuple[str, str]]:
    """(source, value) for every released value (to locate in the directory)."""
    return [(v.source, value) for v in evidence.values for value in v.values if value.strip()]


def locate_evidence(
    evidence: LoginEvidence, directory_records: Iterable[Record]
) -> list[ReleasedValue]:
    """Which directory attribute of which entry holds each value the login released."""
    return locate_values(evidence_pairs(evidence), directory_records)
