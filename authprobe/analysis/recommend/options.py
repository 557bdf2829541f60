"""How a `recommend` run treats populations, the IdP evidence and the optional inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from authprobe.analysis.idp_evidence import IdpEvidence
from authprobe.sources import RecordSource
from authprobe.sources.cas.response import CasResponse
from authprobe.sources.oidc.discovery import Discovery
from authprobe.sources.oidc.token import IdToken
from authprobe.sources.saml.message import Assertion
from authprobe.sources.saml.metadata import IdpMetadata


@dataclass(frozen=True, slots=True)
class Options:
    """How a `recommend` run treats populations and the IdP (all optional)."""

    exclude_groups: frozenset[str] = frozenset()
    """Populations (SIS user_group or directory population, any case) set aside and reported
    separately: guests, alumni, community borrowers, service accounts."""
    population_attribute: str | None = None
    """Directory attribute naming each entry's population (employeeType,
    eduPersonPrimaryAffiliation, ...); default: the first OU of the DN."""
    idp_metadata: IdpMetadata | None = None
    assertion: Assertion | None = None
    """A captured login: what the IdP really released (see analysis/idp_release)."""
    entity_id: str | None = None
    oidc_token: IdToken | None = None
    """An OpenID Connect ID token (`oidc decode` / `oidc test-rp --save`)."""
    oidc_discovery: Discovery | None = None
    """The provider's discovery document: claims_supported says what it can release."""
    cas_response: CasResponse | None = None
    """A CAS validation response: Alma reads cas:user."""
    previous: RecordSource | None = None
    """An earlier snapshot of the directory (`ldap scan --save`), to measure value changes."""
    alma_users: RecordSource | None = None
    """The users already in Alma (Export Users XML, a CSV report): the first load is
    pre-flighted against them (analysis/preflight)."""
    match_id: str | None = None
    """`--match-id`: the SIS Match ID Type to pre-flight (default: the recommended one)."""
    previous_sis: RecordSource | None = None
    """The previous SIS extract: how many people changed each Match ID candidate's value since
    then (analysis/sisdiff) counts against it."""
    excluded_folded: frozenset[str] = field(init=False, default=frozenset())

    @property
    def idp(self) -> IdpEvidence:
        """All the IdP evidence of the run."""
        return IdpEvidence(
            self.idp_metadata,
            self.assertion,
            self.entity_id,
            self.oidc_token,
            self.oidc_discovery,
            self.cas_response,
        )

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "excluded_folded", frozenset(g.casefold() for g in self.exclude_groups)
        )
