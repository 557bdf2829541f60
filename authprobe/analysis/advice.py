"""Alma configuration advice for the recommended pair: what to set, where, and the caveats."""

from __future__ import annotations

from authprobe import vocab
from authprobe.analysis.normalize import TRANSFORMING
from authprobe.analysis.scoring import STEP_ACTIONS
from authprobe.model import AlmaAdvice, Candidate


def _known_names(attribute: str) -> list[str]:
    """Attribute Names an IdP usually releases this directory attribute as (from vocab)."""
    return list(vocab.names_for_directory_attribute(attribute))[:3]


def alma_advice(candidate: Candidate) -> AlmaAdvice:
    """Advice for the winning candidate (pure: from the candidate and the vocabulary)."""
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
    source = candidate.idp_source
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
    return AlmaAdvice(
        sis_field=pair.sis_field,
        sis_instruction=sis_instruction,
        match_id_type=match_id_type,
        user_id_location=location,
        user_id_attribute_name=attribute_name,
        idp_instruction=idp_instruction,
        ldap_search_attribute=pair.directory_attribute,
        warnings=tuple(warnings),
    )
