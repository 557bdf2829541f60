"""All the IdP evidence of a `recommend` run, joined: SAML metadata and a captured SAML login,
an OpenID Connect ID token and/or discovery document, a CAS validation response (pure).

    evidence = IdpEvidence(metadata, assertion, entity_id, oidc_token, oidc_discovery, cas)
    found = locators(evidence)                   # per login: fed every directory entry (`add`)
    people, located, persons = identify(found)   # the logged-in person of each login
    lookup = idp_lookup(evidence, people)        # pair -> IdpCheck (the best protocol's verdict)
    per_protocol = releases("employeeID", evidence, people)   # {"saml": ..., "oidc": ...}

A candidate's verdict is the best any login method gives: released and usable, then offered,
then not released; a value that arrives only opaque (persistent/pairwise NameID, `sub`, `oid`)
makes the candidate unusable, so it can never be the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from authprobe.analysis.idp_release import (
    IdpRelease,
    LoginLocator,
    idp_release,
    released_pairs,
)
from authprobe.analysis.login_evidence import (
    LoginEvidence,
    cas_evidence,
    evidence_pairs,
    evidence_release,
    oidc_evidence,
)
from authprobe.model import Correspondence, IdpCheck, LoginPerson, Record, ReleasedValueMatch
from authprobe.sources.cas.response import CasResponse
from authprobe.sources.oidc.discovery import Discovery
from authprobe.sources.oidc.token import IdToken
from authprobe.sources.saml.message import Assertion
from authprobe.sources.saml.metadata import IdpMetadata

SAML = "saml"
IdpLookup = Callable[[Correspondence], IdpCheck | None]


@dataclass(frozen=True, slots=True)
class IdpEvidence:
    """Everything known about the IdP side (each part optional)."""

    metadata: IdpMetadata | None = None
    assertion: Assertion | None = None
    entity_id: str | None = None
    oidc_token: IdToken | None = None
    oidc_discovery: Discovery | None = None
    cas_response: CasResponse | None = None

    @property
    def given(self) -> bool:
        """True when any IdP evidence was given."""
        return any(
            part is not None
            for part in (
                self.metadata,
                self.assertion,
                self.oidc_token,
                self.oidc_discovery,
                self.cas_response,
            )
        )

    @property
    def logins(self) -> tuple[LoginEvidence, ...]:
        """The OpenID Connect and CAS evidence, as login evidence."""
        found: list[LoginEvidence] = []
        oidc = oidc_evidence(self.oidc_token, self.oidc_discovery)
        if oidc is not None:
            found.append(oidc)
        if self.cas_response is not None:
            found.append(cas_evidence(self.cas_response))
        return tuple(found)


def locators(evidence: IdpEvidence) -> dict[str, LoginLocator]:
    """One `LoginLocator` per login that released values (SAML, OIDC, CAS), by protocol."""
    found: dict[str, LoginLocator] = {}
    if evidence.assertion is not None:
        found[SAML] = LoginLocator(released_pairs(evidence.assertion), SAML)
    for login in evidence.logins:
        if login.values:
            found[login.protocol] = LoginLocator(evidence_pairs(login), login.protocol)
    return found


def identify(
    found: dict[str, LoginLocator],
) -> tuple[dict[str, Record | None], list[ReleasedValueMatch], list[LoginPerson]]:
    """Once every directory entry is counted: the logged-in person of each login (the entry
    itself, when told apart), where each released value lives, and who the person is."""
    people: dict[str, Record | None] = {}
    matches: list[ReleasedValueMatch] = []
    persons: list[LoginPerson] = []
    for protocol, locator in found.items():
        located = locator.result()
        people[protocol] = located.record
        matches.extend(located.values)
        persons.append(located.person)
    return people, matches, persons


def releases(
    attribute: str, evidence: IdpEvidence, people: dict[str, Record | None]
) -> dict[str, IdpRelease]:
    """What each login method given does with one directory attribute."""
    found: dict[str, IdpRelease] = {}
    if evidence.metadata is not None or evidence.assertion is not None:
        found[SAML] = idp_release(
            attribute,
            evidence.metadata,
            evidence.assertion,
            person=people.get(SAML),
            entity_id=evidence.entity_id,
        )
    for login in evidence.logins:
        found[login.protocol] = evidence_release(
            attribute, login, person=people.get(login.protocol)
        )
    return found


def _rank(release: IdpRelease) -> int:
    if release.usable and release.released:
        return 3
    if release.usable and release.offered:
        return 2
    if not release.usable and (release.offered or release.released):
        return 1  # opaque: known, but never usable
    return 0


def best(found: dict[str, IdpRelease]) -> tuple[str, IdpRelease] | None:
    """The protocol whose verdict is best (first given wins a tie)."""
    if not found:
        return None
    protocol = max(found, key=lambda name: _rank(found[name]))
    return protocol, found[protocol]


def idp_lookup(evidence: IdpEvidence, people: dict[str, Record | None]) -> IdpLookup:
    """For each pair, the best verdict of the login methods (cached per attribute)."""
    cache: dict[str, IdpCheck | None] = {}

    def lookup(pair: Correspondence) -> IdpCheck | None:
        attribute = pair.directory_attribute
        if attribute not in cache:
            chosen = best(releases(attribute, evidence, people))
            cache[attribute] = None if chosen is None else _check(*chosen)
        return cache[attribute]

    return lookup


def _check(protocol: str, release: IdpRelease) -> IdpCheck:
    return IdpCheck(
        idp_source=release.idp_source,
        offered=release.offered,
        released=release.released,
        opaque=not release.usable and (release.offered or release.released),
        explanation=release.explanation,
        nameid_format=release.nameid_format,
        protocol=protocol,
    )
