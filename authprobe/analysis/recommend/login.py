"""The login side of a `recommend` run: who logged in, where each released value lives, whether
the IdP releases each candidate's value, and the Alma advice for the winner.

The evidence (IdP metadata, captured SAML, OpenID Connect and CAS logins) is read by the CLI;
the directory pass counts every entry for each login (`sides.read_side`), then `login_evidence`
says who the person is, and `analysis/advice.py` words the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from authprobe.analysis.advice import alma_advice
from authprobe.analysis.idp_evidence import IdpLookup, identify, idp_lookup, releases
from authprobe.analysis.recommend.options import Options
from authprobe.analysis.recommend.sides import Side
from authprobe.model import (
    AlmaAdvice,
    Candidate,
    Correspondence,
    FieldProfile,
    Finding,
    LoginPerson,
    Record,
    ReleasedValueMatch,
    Severity,
    SisMatch,
)


@dataclass(frozen=True, slots=True)
class LoginEvidence:
    """What the captured logins tell once every directory entry is counted."""

    people: dict[str, Record | None]
    """Per protocol: the entry that logged in (None when not found or not told apart)."""
    released: list[ReleasedValueMatch]
    """Each released value and the directory attributes holding it."""
    persons: list[LoginPerson]
    """Which entry logged in, one per login."""
    lookup: IdpLookup
    """Per pair: whether (and how) the IdP releases its directory attribute."""


def _no_idp(_pair: Correspondence) -> None:
    return None


def login_evidence(directory: Side, options: Options) -> LoginEvidence:
    """The person who logged in with each login given, where each released value lives, and
    which entry the person is (every directory entry counted: see LoginLocator)."""
    people, released, persons = identify(directory.logins)
    lookup = idp_lookup(options.idp, people) if options.idp.given else _no_idp
    return LoginEvidence(people, released, persons, lookup)


def advice(
    recommendation: Candidate | None,
    options: Options,
    people: dict[str, Record | None],
    match: SisMatch,
    profiles: list[FieldProfile],
) -> AlmaAdvice | None:
    """The Alma configuration advice for the recommendation (None without one)."""
    if recommendation is None:
        return None
    attribute = recommendation.correspondence.directory_attribute
    return alma_advice(
        recommendation,
        releases(attribute, options.idp, people),
        match=match,
        profiles=profiles,
    )


_SOURCE = {"SAML": "saml-assertion", "OpenID Connect": "oidc-token"}


def _unverified(protocol: str, location: str, detail: str) -> Finding:
    return Finding(
        "login-not-verified",
        Severity.WARNING,
        _SOURCE[protocol],
        None,
        1,
        f"The captured {protocol} login ({location}) does not verify: {detail}. Its values "
        "still count as evidence of what the IdP releases, but they may not be what the IdP "
        "sent: capture the login again (Alma's SAML test page, SAML-tracer) before deciding.",
    )


def _unchecked(protocol: str, location: str, how: str) -> Finding:
    return Finding(
        "login-not-checked",
        Severity.INFO,
        _SOURCE[protocol],
        None,
        1,
        f"The signature of the captured {protocol} login ({location}) was not checked: "
        f"its values are taken as they are. {how}",
    )


def login_trust_findings(options: Options) -> list[Finding]:
    """A captured login whose signature does not verify (or covers only part of it, e.g. a
    Response holding several assertions) is evidence to doubt, and the report says so; a login
    whose signature could not be checked is noted."""
    found: list[Finding] = []
    saml = options.assertion
    if saml is not None:
        if saml.trusted is False:
            found.append(_unverified("SAML", saml.location, saml.trust_detail))
        elif saml.trusted is None:
            found.append(
                _unchecked(
                    "SAML",
                    saml.location,
                    "Give --idp-metadata: its signing certificates verify the login.",
                )
            )
    token = options.oidc_token
    if token is not None and not token.trusted:
        if token.signature.status in ("invalid", "unsigned", "no-matching-key"):
            found.append(_unverified("OpenID Connect", token.location, token.signature.detail))
        else:
            found.append(
                _unchecked(
                    "OpenID Connect",
                    token.location,
                    "Give --oidc-discovery: the provider's keys verify the token.",
                )
            )
    return found
