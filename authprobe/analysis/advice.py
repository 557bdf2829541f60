"""Alma configuration advice for the recommended pair: what to set, where, and the caveats."""

from __future__ import annotations

from collections.abc import Mapping

from authprobe import vocab
from authprobe.analysis.idp_release import IdpRelease
from authprobe.analysis.normalize import TRANSFORMING
from authprobe.analysis.scoring import STEP_ACTIONS
from authprobe.model import AlmaAdvice, Candidate

OIDC_CONFIRM = (
    "Which claim Alma's OpenID Connect profile matches is not published: confirm with Ex Libris "
    "which claim the OpenID Connect profile matches."
)


def _known_names(attribute: str) -> list[str]:
    """Attribute Names an IdP usually releases this directory attribute as (from vocab)."""
    return list(vocab.names_for_directory_attribute(attribute))[:3]


def _saml_source(candidate: Candidate, releases: Mapping[str, IdpRelease] | None) -> str | None:
    """The SAML NameID or attribute Name carrying the value (None: not known from SAML)."""
    if releases is None:
        protocol = candidate.idp.protocol if candidate.idp is not None else None
        return candidate.idp_source if protocol in (None, "saml") else None
    saml = releases.get("saml")
    if saml is None or not saml.usable or not (saml.released or saml.offered):
        return None
    return saml.idp_source


def _oidc(attribute: str, release: IdpRelease | None) -> tuple[str | None, str | None]:
    """The OIDC claim and the instruction for Alma's OpenID Connect profile."""
    if release is None:
        return None, None
    if release.usable and release.released and release.idp_source:
        return release.idp_source, (
            f"The ID token carries {attribute} as the claim {release.idp_source}. " + OIDC_CONFIRM
        )
    return None, f"{release.explanation} {OIDC_CONFIRM}"


def _cas(attribute: str, release: IdpRelease | None) -> str | None:
    """The instruction for Alma's CAS profile (Alma takes the user from cas:user)."""
    if release is None:
        return None
    if release.usable and release.released:
        return f"cas:user already carries {attribute}: Alma takes the user from cas:user."
    return release.explanation


def alma_advice(
    candidate: Candidate, releases: Mapping[str, IdpRelease] | None = None
) -> AlmaAdvice:
    """Advice for the winning candidate (pure: from the candidate, what each login method given
    releases (`releases`, by protocol: saml, oidc, cas) and the vocabulary)."""
    pair = candidate.correspondence
    warnings: list[str] = []
    if pair.sis_field == "primary_id":
        sis_instruction = (
            "Keep loading this value as primary_id in the SIS extract (it already is)."
        )
        match_id_type = "Primary Identifier"
    else:
        id_type = pair.sis_field.partition(":")[2] or pair.sis_field
        if pair.sis_field.startswith("identifier:"):
            sis_instruction = (
                f"Load this value as a user_identifier of type {id_type} and flag that type as "
                "unique in Alma (or move it to primary_id)."
            )
        else:
            sis_instruction = (
                f"The SIS extract carries this value only as {pair.sis_field}: add it as "
                "primary_id or as a user_identifier of a type flagged unique."
            )
        match_id_type = id_type
        warnings.append(
            "Alma looks a login up in primary_id and in every identifier type flagged unique: "
            "make sure no other unique type holds values that could equal this one."
        )
    source = _saml_source(candidate, releases)
    if source == "NameID":
        location, attribute_name = "Subject", None
        idp_instruction = (
            f"The IdP already sends {pair.directory_attribute} as the Subject NameID; set "
            "User ID Location to Subject."
        )
    elif source:
        location, attribute_name = "Attribute", source
        idp_instruction = (
            f"The IdP sends {pair.directory_attribute} as the attribute {source}; set User ID "
            "Location to Attribute and User ID Attribute Name to exactly that Name."
        )
    else:
        location, attribute_name = "Attribute", None
        names = _known_names(pair.directory_attribute)
        usual = f" (usually released as {' or '.join(names)})" if names else ""
        idp_instruction = (
            f"Campus IT must release {pair.directory_attribute} to Alma{usual}; then set User ID "
            "Location to Attribute and User ID Attribute Name to the Name exactly as it appears "
            "in the assertion (check it with `authprobe saml decode` on a test login)."
        )
    needed = [step for step in pair.normalisation if step in TRANSFORMING]
    for step in needed:
        warnings.append(f"Values match only after {step}: someone must {STEP_ACTIONS[step]}.")
    oidc_claim, oidc_instruction = _oidc(pair.directory_attribute, (releases or {}).get("oidc"))
    return AlmaAdvice(
        sis_field=pair.sis_field,
        sis_instruction=sis_instruction,
        match_id_type=match_id_type,
        user_id_location=location,
        user_id_attribute_name=attribute_name,
        idp_instruction=idp_instruction,
        ldap_search_attribute=pair.directory_attribute,
        warnings=tuple(warnings),
        oidc_claim=oidc_claim,
        oidc_instruction=oidc_instruction,
        cas_instruction=_cas(pair.directory_attribute, (releases or {}).get("cas")),
    )
