"""Alma configuration advice for the two decisions: what to set, where, and the caveats.

Every sentence here must be one Ex Libris documentation supports (ALMA.md): identifier types are
created by Ex Libris (never "flag the type as unique"); Alma's LDAP login searches what people
type; the SAML profile's labels are Alma's own ("User ID in an attribute element"); CAS takes
`cas:user`; with Self Registration on, a login that is not found creates a user.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from authprobe import vocab
from authprobe.analysis.idp_release import IdpRelease
from authprobe.analysis.match_id import alma_label
from authprobe.analysis.normalize import TRANSFORMING
from authprobe.analysis.scoring import STEP_ACTIONS
from authprobe.model import (
    AlmaAdvice,
    Candidate,
    Correspondence,
    FieldProfile,
    SisMatch,
    SourceKind,
)
from authprobe.wording import plural

SUBJECT = "Subject NameID"
ATTRIBUTE = "User ID in an attribute element"
"""Alma's SAML profile "User ID Location" options, as its UI labels them."""
IDENTIFIER_TYPE_TABLE = "Configuration > User Management > User Identifier Type"
USERNAME_ATTRIBUTES = ("sAMAccountName", "uid", "onPremisesSamAccountName", "userid")
"""Directory attributes holding what people type at an LDAP login, most usual first."""
MIN_USERNAME_FILL = 0.5
OIDC_CONFIRM = (
    "Which claim Alma's OpenID Connect profile matches is not published: confirm with Ex Libris "
    "which claim the OpenID Connect profile matches."
)
PRIMO_LEGANTO = (
    "This choice also governs Primo VE (it uses the same Alma integration profiles) and "
    "Leganto (through the Alma login): change it for all three, or for none."
)


def _known_names(attribute: str) -> list[str]:
    """Attribute Names an IdP usually releases this directory attribute as (from vocab)."""
    return list(vocab.names_for_directory_attribute(attribute))[:3]


def _ask_ex_libris(id_type: str) -> str:
    return (
        f"Identifier types are set up by Ex Libris: check that {id_type} is listed under "
        f"{IDENTIFIER_TYPE_TABLE}, and if it is not (or not used for login), ask Ex Libris "
        "(a support case) to add or enable it."
    )


def _sis_instruction(field: str) -> str:
    if field == "primary_id":
        return "Keep loading this value as primary_id in the SIS extract (it already is)."
    if field.startswith("identifier:"):
        id_type = field.partition(":")[2]
        return (
            f"Load this value on every record as a user_identifier of type {id_type}; Alma "
            "looks a login up in primary_id and in the identifier types set up as unique. "
            + _ask_ex_libris(id_type)
        )
    return (
        f"The SIS extract carries this value only as {field}: load it as primary_id or as a "
        f"user_identifier of a type Ex Libris has set up ({IDENTIFIER_TYPE_TABLE})."
    )


def _saml_source(candidate: Candidate, releases: Mapping[str, IdpRelease] | None) -> str | None:
    """The SAML NameID or attribute Name carrying the value (None: not known from SAML)."""
    if releases is None:
        protocol = candidate.idp.protocol if candidate.idp is not None else None
        return candidate.idp_source if protocol in (None, "saml") else None
    saml = releases.get("saml")
    if saml is None or not saml.usable or not (saml.released or saml.offered):
        return None
    return saml.idp_source


def _idp_instruction(candidate: Candidate, source: str | None) -> tuple[str, str | None, str]:
    """(User ID Location, User ID Attribute Name, what campus IT and the library do)."""
    attribute = candidate.correspondence.directory_attribute
    if source == "NameID":
        return (
            SUBJECT,
            None,
            f"The IdP already sends {attribute} as the Subject NameID; set User ID Location "
            f"to {SUBJECT}.",
        )
    if source:
        return (
            ATTRIBUTE,
            source,
            f"The IdP sends {attribute} as the attribute {source}; set User ID Location to "
            f"{ATTRIBUTE} and User ID Attribute Name to exactly that Name (not its "
            "FriendlyName).",
        )
    names = _known_names(attribute)
    usual = f" (usually released as {' or '.join(names)})" if names else ""
    return (
        ATTRIBUTE,
        None,
        f"Campus IT must release {attribute} to Alma{usual}; then set User ID Location to "
        f"{ATTRIBUTE} and User ID Attribute Name to the Name exactly as it appears in the "
        "assertion (check it with `authprobe saml decode` on a test login).",
    )


def _oidc(attribute: str, release: IdpRelease | None) -> tuple[str | None, str | None]:
    """The OIDC claim and the instruction for Alma's OpenID Connect profile (with OIDC
    evidence only: which claim Alma matches is unverified)."""
    if release is None:
        return None, None
    if release.usable and release.released and release.idp_source:
        return release.idp_source, (
            f"The ID token carries {attribute} as the claim {release.idp_source}. " + OIDC_CONFIRM
        )
    return None, f"{release.explanation} {OIDC_CONFIRM}"


def username_attribute(profiles: Iterable[FieldProfile]) -> str | None:
    """The directory attribute holding what people type at a login (sAMAccountName, uid)."""
    filled = {
        p.field.casefold(): p.field
        for p in profiles
        if p.source is SourceKind.DIRECTORY and p.fill_rate >= MIN_USERNAME_FILL
    }
    return next((filled[n.casefold()] for n in USERNAME_ATTRIBUTES if n.casefold() in filled), None)


def _ldap_instruction(attribute: str, username: str | None) -> str:
    if username is None:
        return (
            "Alma's LDAP profile searches the directory for the name people type at login "
            "(search base + filter on a username attribute such as sAMAccountName or uid), "
            "then binds as the entry found; no such attribute was read in this directory. "
            "Confirm with Ex Libris which Alma field the typed name is then looked up in."
        )
    typed = (
        f"{attribute} is what people type, so it is the search attribute."
        if attribute.casefold() == username.casefold()
        else f"Use {username} (what people type), not {attribute}, unless people really type "
        f"their {attribute} at the login page."
    )
    return (
        f"Alma's LDAP profile searches the directory for the name people type at login, then "
        f"binds as the entry found: {typed} Whether Alma then looks the typed name or another "
        "attribute of the entry up in Alma is not documented: confirm with Ex Libris, and load "
        "that value into Alma (primary_id or an identifier)."
    )


def _cas_instruction(attribute: str, field: str, release: IdpRelease | None) -> str:
    """Alma takes the user from cas:user: what it must carry, or what a captured CAS
    validation shows it carries."""
    general = (
        "Alma takes the user identifier from cas:user in the CAS ticket validation "
        f"(serviceValidate or p3/serviceValidate): campus IT makes cas:user carry {attribute} "
        f"(the CAS server's principal attribute), so that it equals the SIS {field}."
    )
    if release is None:
        return general
    if release.usable and release.released:
        return f"cas:user already carries {attribute}: Alma takes the user from cas:user."
    # the explanation already says what campus IT must change: say only what it must equal
    return f"{release.explanation} The value must equal the SIS {field}."


def _match_instruction(login_field: str, match: SisMatch | None) -> tuple[str, str]:
    """(Alma's Match ID Type, what to set in the SIS integration profile)."""
    field = match.match_id_type if match is not None and match.match_id_type else login_field
    label = alma_label(field)
    text = (
        f"In the SIS integration profile (Synchronize), set Match ID Type to {label}; every "
        f"SIS record must carry {field}, and it must never change for a person."
    )
    if field.startswith("identifier:"):
        text += " " + _ask_ex_libris(label)
    if field != login_field:
        text += (
            f" The login ID ({login_field}) and the Match ID ({field}) are different "
            "identifiers: load both on every record."
        )
    return label, text


def _self_registration(candidate: Candidate) -> str | None:
    pair = candidate.correspondence
    missing = pair.sis_records - pair.matched
    if missing <= 0:
        return None
    return (
        f"Self Registration (just-in-time user creation at login): the login ID misses "
        f"{plural(missing, 'in-scope SIS record')}. If Self Registration is on in Alma's SAML "
        "profile, each of those people gets a second Alma user at the first login: keep it "
        "off until they match."
    )


def alma_advice(
    candidate: Candidate,
    releases: Mapping[str, IdpRelease] | None = None,
    *,
    match: SisMatch | None = None,
    profiles: Iterable[FieldProfile] = (),
) -> AlmaAdvice:
    """Advice for the login ID (the winning candidate, with what each login method given
    releases: `releases` by protocol saml, oidc, cas) and the SIS Match ID decision."""
    pair = candidate.correspondence
    warnings: list[str] = []
    if pair.sis_field != "primary_id":
        warnings.append(
            "Alma looks a login up in primary_id and in every identifier type set up as unique: "
            "no identifier of any other user may equal this value (Alma keeps identifiers "
            "unique across all types)."
        )
    location, attribute_name, idp_instruction = _idp_instruction(
        candidate, _saml_source(candidate, releases)
    )
    for step in (s for s in pair.normalisation if s in TRANSFORMING):
        warnings.append(f"Values match only after {step}: someone must {STEP_ACTIONS[step]}.")
    jit = _self_registration(candidate)
    if jit:
        warnings.append(jit)
    match_id_type, match_instruction = _match_instruction(pair.sis_field, match)
    username = username_attribute(profiles)
    oidc_claim, oidc_instruction = _oidc(pair.directory_attribute, (releases or {}).get("oidc"))
    return AlmaAdvice(
        sis_field=pair.sis_field,
        sis_instruction=_sis_instruction(pair.sis_field),
        match_id_type=match_id_type,
        user_id_location=location,
        user_id_attribute_name=attribute_name,
        idp_instruction=idp_instruction,
        ldap_search_attribute=username or "",
        warnings=tuple(warnings),
        match_instruction=match_instruction,
        ldap_instruction=_ldap_instruction(pair.directory_attribute, username),
        cas_instruction=_cas_instruction(
            pair.directory_attribute, pair.sis_field, (releases or {}).get("cas")
        ),
        notes=(PRIMO_LEGANTO,),
        oidc_claim=oidc_claim,
        oidc_instruction=oidc_instruction,
    )


# --- the advice laid out: the settings to apply, and who does what -----------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """One line of the configuration to apply: where, which setting, the value (`placeholder`:
    the value is not known yet, and `value` describes it)."""

    where: str
    name: str
    value: str
    placeholder: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a team (`who`) must do, in a sentence."""

    who: str
    text: str


SAML_TEST = (
    "In Alma's SAML integration profile, set User ID Location and User ID Attribute Name as in "
    "the settings table, then use the profile's Test button."
)
CASE_IGNORED = "Letter case differs between the sources: Alma ignores it by itself."


def configuration(
    advice: AlmaAdvice, pair: Correspondence
) -> tuple[tuple[Setting, ...], tuple[Action, ...]]:
    """The advice for the recommended `pair` as the reports lay it out: the Alma, IdP and SIS
    settings that make the two decisions work, then what each team does."""
    return _settings(advice, pair), _actions(advice, pair)


def _settings(advice: AlmaAdvice, pair: Correspondence) -> tuple[Setting, ...]:
    attribute = pair.directory_attribute
    transforming = [s for s in pair.normalisation if s in TRANSFORMING]
    settings = [
        Setting("SIS extract", "Alma field", advice.sis_field),
        Setting("SIS integration profile", "Match ID Type", advice.match_id_type),
        Setting("Alma SAML profile", "User ID Location", advice.user_id_location),
    ]
    if advice.user_id_location != SUBJECT:
        name = advice.user_id_attribute_name
        settings.append(
            Setting("Alma SAML profile", "User ID Attribute Name", name)
            if name
            else Setting(
                "Alma SAML profile",
                "User ID Attribute Name",
                f"the Name the IdP sends {attribute} under, exactly as in the assertion",
                placeholder=True,
            )
        )
    settings.extend(_login_settings(advice))
    settings.append(Setting("Directory (IdP source)", "Attribute", attribute))
    settings.append(
        Setting(
            "Alma LDAP profile (if used)",
            "Search attribute",
            advice.ldap_search_attribute or "a username attribute (none found)",
            placeholder=not advice.ldap_search_attribute,
        )
    )
    if transforming:
        settings.append(Setting("IdP or SIS export", "Transformation", " + ".join(transforming)))
    return tuple(settings)


def _login_settings(advice: AlmaAdvice) -> list[Setting]:
    """The OpenID Connect and CAS rows, when such a login was given."""
    rows: list[Setting] = []
    if advice.oidc_instruction:
        claim = advice.oidc_claim
        rows.append(
            Setting("Alma OpenID Connect profile", "Claim matched (confirm with Ex Libris)", claim)
            if claim
            else Setting(
                "Alma OpenID Connect profile",
                "Claim matched (confirm with Ex Libris)",
                "a claim carrying the value: the ID token has none yet",
                placeholder=True,
            )
        )
    if advice.cas_instruction:
        rows.append(Setting("Alma CAS profile", "User identifier", "cas:user"))
    return rows


def _actions(advice: AlmaAdvice, pair: Correspondence) -> tuple[Action, ...]:
    actions = [
        Action("Registrar", advice.sis_instruction),
        Action("Library", advice.match_instruction),
        # an action is a plain sentence: the command's inline-code marks go
        Action("Campus IT, then library", advice.idp_instruction.replace("`", "")),
        Action("Library", SAML_TEST),
        Action("Library and campus IT (LDAP)", advice.ldap_instruction),
        *_login_actions(advice),
        *(Action("Note", warning) for warning in advice.warnings),
        *(Action("Note", note) for note in advice.notes),
    ]
    if "casefold" in pair.normalisation:
        actions.append(Action("Nobody", CASE_IGNORED))
    return tuple(actions)


def _login_actions(advice: AlmaAdvice) -> list[Action]:
    """What campus IT and the library do for an OpenID Connect or CAS login."""
    actions: list[Action] = []
    if advice.oidc_instruction:
        actions.append(Action("Campus IT and library (OpenID Connect)", advice.oidc_instruction))
    if advice.cas_instruction:
        actions.append(Action("Campus IT (CAS)", advice.cas_instruction))
    return actions
