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
    LoginPerson,
    Record,
    ReleasedValueMatch,
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
