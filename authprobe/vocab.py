"""Attribute names as IdPs send them, and the directory attribute each one usually carries.

One registry maps the names that appear in SAML metadata and assertions — eduPerson, inetOrgPerson
and SCHAC OIDs (`urn:oid:...`), their SAML1 `urn:mace:dir:attribute-def:` forms, SAML subject-id,
Microsoft / ADFS claim URIs, Entra ID source attributes (`user.employeeid`) — and the claims of
OpenID Connect ID tokens (`preferred_username`, Entra's `upn`, `oid`, `onprem_sid`, `extn.*`,
Google's `hd`, ...) to a readable name and to the directory (LDAP / AD) attribute the value usually
comes from. CAS attributes are plain directory names (`uid`, `mail`) and resolve as such.

    lookup("urn:oid:2.16.840.1.113730.3.1.3").friendly_name      -> "employeeNumber"
    directory_attributes(".../claims/upn")                       -> ("userPrincipalName",)
    names_for_directory_attribute("employeeNumber")              -> every name above that carries it

Lookups are case-insensitive (claim URIs are sent with varying case); the Name Alma must be
configured with is always the one *as sent*, never the one from this table.

It also names the attributes the cross-check leaves out of its joins (`NOT_IDENTIFIERS`: they
never carry a person's identifier) and the fields holding a part of a person's name
(`NAME_PART_FIELDS`: a value that contains one is derived from the name).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    """Where a name comes from."""

    EDUPERSON = "eduPerson"
    INETORGPERSON = "inetOrgPerson"
    SCHAC = "SCHAC"
    SUBJECT_ID = "SAML subject-id"
    SAML1 = "SAML1 urn:mace"
    MICROSOFT = "Microsoft claim"
    ENTRA = "Entra ID source attribute"
    LDAP = "LDAP name"
    OIDC = "OpenID Connect claim"
    CAS = "CAS attribute"


@dataclass(frozen=True, slots=True)
class AttributeInfo:
    """What one attribute name means."""

    name: str
    friendly_name: str
    family: Family
    directory_attributes: tuple[str, ...] = ()
    note: str = ""
    changes_with_name: bool = False
    """Built from the person's name (mail, UPN, eppn): the value changes on a name change."""
    opaque: bool = False
    """Made per service or per login (targeted, pairwise): the SIS can never hold it."""


_WS05 = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
_WS08 = "http://schemas.microsoft.com/ws/2008/06/identity/claims/"
_MSID = "http://schemas.microsoft.com/identity/claims/"
_XCLAIMS = "http://schemas.xmlsoap.org/claims/"

# (friendly name, OID, directory attribute or "" when it is not a directory attribute, flags)
_LDAP_OIDS: tuple[tuple[str, str, Family, str], ...] = (
    ("uid", "0.9.2342.19200300.100.1.1", Family.INETORGPERSON, ""),
    ("mail", "0.9.2342.19200300.100.1.3", Family.INETORGPERSON, "name"),
    ("manager", "0.9.2342.19200300.100.1.10", Family.INETORGPERSON, ""),
    ("homePostalAddress", "0.9.2342.19200300.100.1.39", Family.INETORGPERSON, ""),
    ("mobile", "0.9.2342.19200300.100.1.41", Family.INETORGPERSON, ""),
    ("cn", "2.5.4.3", Family.INETORGPERSON, "name"),
    ("sn", "2.5.4.4", Family.INETORGPERSON, "name"),
    ("c", "2.5.4.6", Family.INETORGPERSON, ""),
    ("l", "2.5.4.7", Family.INETORGPERSON, ""),
    ("st", "2.5.4.8", Family.INETORGPERSON, ""),
    ("street", "2.5.4.9", Family.INETORGPERSON, ""),
    ("o", "2.5.4.10", Family.INETORGPERSON, ""),
    ("ou", "2.5.4.11", Family.INETORGPERSON, ""),
    ("title", "2.5.4.12", Family.INETORGPERSON, ""),
    ("description", "2.5.4.13", Family.INETORGPERSON, ""),
    ("businessCategory", "2.5.4.15", Family.INETORGPERSON, ""),
    ("postalAddress", "2.5.4.16", Family.INETORGPERSON, ""),
    ("postalCode", "2.5.4.17", Family.INETORGPERSON, ""),
    ("telephoneNumber", "2.5.4.20", Family.INETORGPERSON, ""),
    ("facsimileTelephoneNumber", "2.5.4.23", Family.INETORGPERSON, ""),
    ("givenName", "2.5.4.42", Family.INETORGPERSON, "name"),
    ("initials", "2.5.4.43", Family.INETORGPERSON, "name"),
    ("carLicense", "2.16.840.1.113730.3.1.1", Family.INETORGPERSON, ""),
    ("departmentNumber", "2.16.840.1.113730.3.1.2", Family.INETORGPERSON, ""),
    ("employeeNumber", "2.16.840.1.113730.3.1.3", Family.INETORGPERSON, ""),
    ("employeeType", "2.16.840.1.113730.3.1.4", Family.INETORGPERSON, ""),
    ("preferredLanguage", "2.16.840.1.113730.3.1.39", Family.INETORGPERSON, ""),
    ("displayName", "2.16.840.1.113730.3.1.241", Family.INETORGPERSON, "name"),
    ("eduPersonAffiliation", "1.3.6.1.4.1.5923.1.1.1.1", Family.EDUPERSON, ""),
    ("eduPersonNickname", "1.3.6.1.4.1.5923.1.1.1.2", Family.EDUPERSON, "name"),
    ("eduPersonOrgDN", "1.3.6.1.4.1.5923.1.1.1.3", Family.EDUPERSON, ""),
    ("eduPersonOrgUnitDN", "1.3.6.1.4.1.5923.1.1.1.4", Family.EDUPERSON, ""),
    ("eduPersonPrimaryAffiliation", "1.3.6.1.4.1.5923.1.1.1.5", Family.EDUPERSON, ""),
    ("eduPersonPrincipalName", "1.3.6.1.4.1.5923.1.1.1.6", Family.EDUPERSON, "name"),
    ("eduPersonEntitlement", "1.3.6.1.4.1.5923.1.1.1.7", Family.EDUPERSON, ""),
    ("eduPersonPrimaryOrgUnitDN", "1.3.6.1.4.1.5923.1.1.1.8", Family.EDUPERSON, ""),
    ("eduPersonScopedAffiliation", "1.3.6.1.4.1.5923.1.1.1.9", Family.EDUPERSON, ""),
    ("eduPersonTargetedID", "1.3.6.1.4.1.5923.1.1.1.10", Family.EDUPERSON, "opaque"),
    ("eduPersonAssurance", "1.3.6.1.4.1.5923.1.1.1.11", Family.EDUPERSON, ""),
    ("eduPersonUniqueId", "1.3.6.1.4.1.5923.1.1.1.13", Family.EDUPERSON, ""),
    ("eduPersonOrcid", "1.3.6.1.4.1.5923.1.1.1.16", Family.EDUPERSON, ""),
    ("schacMotherTongue", "1.3.6.1.4.1.25178.1.2.1", Family.SCHAC, ""),
    ("schacGender", "1.3.6.1.4.1.25178.1.2.2", Family.SCHAC, ""),
    ("schacDateOfBirth", "1.3.6.1.4.1.25178.1.2.3", Family.SCHAC, ""),
    ("schacPlaceOfBirth", "1.3.6.1.4.1.25178.1.2.4", Family.SCHAC, ""),
    ("schacCountryOfCitizenship", "1.3.6.1.4.1.25178.1.2.5", Family.SCHAC, ""),
    ("schacSn1", "1.3.6.1.4.1.25178.1.2.6", Family.SCHAC, "name"),
    ("schacSn2", "1.3.6.1.4.1.25178.1.2.7", Family.SCHAC, "name"),
    ("schacPersonalTitle", "1.3.6.1.4.1.25178.1.2.8", Family.SCHAC, ""),
    ("schacHomeOrganization", "1.3.6.1.4.1.25178.1.2.9", Family.SCHAC, ""),
    ("schacHomeOrganizationType", "1.3.6.1.4.1.25178.1.2.10", Family.SCHAC, ""),
    ("schacCountryOfResidence", "1.3.6.1.4.1.25178.1.2.11", Family.SCHAC, ""),
    ("schacUserPresenceID", "1.3.6.1.4.1.25178.1.2.12", Family.SCHAC, ""),
    ("schacPersonalPosition", "1.3.6.1.4.1.25178.1.2.13", Family.SCHAC, ""),
    ("schacPersonalUniqueCode", "1.3.6.1.4.1.25178.1.2.14", Family.SCHAC, ""),
    ("schacPersonalUniqueID", "1.3.6.1.4.1.25178.1.2.15", Family.SCHAC, ""),
    ("schacExpiryDate", "1.3.6.1.4.1.25178.1.2.17", Family.SCHAC, ""),
    ("schacUserPrivateAttribute", "1.3.6.1.4.1.25178.1.2.18", Family.SCHAC, ""),
    ("schacUserStatus", "1.3.6.1.4.1.25178.1.2.19", Family.SCHAC, ""),
)

_NOTES = {
    "eduPersonPrincipalName": (
        "scoped (user@college.ca); may change on a name change and be reassigned"
    ),
    "eduPersonTargetedID": "opaque and different for every service: the SIS can never hold it",
    "eduPersonUniqueId": "scoped, never reassigned: a good matching ID if the SIS can hold it",
    "mail": "changes when a person's name changes",
    "uid": "the login name; may be built from the name",
    "employeeNumber": "usually the registrar- or HR-assigned number",
}

# Microsoft claim URIs and Entra ID source attribute names -> directory attribute.
_CLAIMS: tuple[tuple[str, str, Family, tuple[str, ...], str], ...] = (
    (_WS05 + "upn", "UPN", Family.MICROSOFT, ("userPrincipalName",), "name"),
    (_WS05 + "emailaddress", "email address", Family.MICROSOFT, ("mail",), "name"),
    (
        _WS05 + "name",
        "name (Entra default: the UPN)",
        Family.MICROSOFT,
        ("userPrincipalName",),
        "name",
    ),
    (
        _WS05 + "nameidentifier",
        "name identifier (Entra default: the UPN)",
        Family.MICROSOFT,
        ("userPrincipalName",),
        "name",
    ),
    (_WS05 + "givenname", "given name", Family.MICROSOFT, ("givenName",), "name"),
    (_WS05 + "surname", "surname", Family.MICROSOFT, ("sn",), "name"),
    (_WS05 + "privatepersonalidentifier", "private personal identifier", Family.MICROSOFT, (), ""),
    (_WS05 + "streetaddress", "street address", Family.MICROSOFT, ("streetAddress",), ""),
    (_WS05 + "locality", "locality", Family.MICROSOFT, ("l",), ""),
    (_WS05 + "stateorprovince", "state or province", Family.MICROSOFT, ("st",), ""),
    (_WS05 + "postalcode", "postal code", Family.MICROSOFT, ("postalCode",), ""),
    (_WS05 + "country", "country", Family.MICROSOFT, ("c",), ""),
    (_WS05 + "homephone", "home phone", Family.MICROSOFT, ("homePhone",), ""),
    (_WS05 + "otherphone", "other phone", Family.MICROSOFT, ("telephoneNumber",), ""),
    (_WS05 + "mobilephone", "mobile phone", Family.MICROSOFT, ("mobile",), ""),
    (_WS05 + "dateofbirth", "date of birth", Family.MICROSOFT, (), ""),
    (_WS05 + "gender", "gender", Family.MICROSOFT, (), ""),
    (_WS05 + "webpage", "web page", Family.MICROSOFT, ("wWWHomePage",), ""),
    (_WS05 + "sid", "security identifier", Family.MICROSOFT, ("objectSid",), ""),
    (
        _WS05 + "x500distinguishedname",
        "X.500 distinguished name",
        Family.MICROSOFT,
        ("distinguishedName",),
        "name",
    ),
    (_WS05 + "employeeid", "employee ID", Family.MICROSOFT, ("employeeID",), ""),
    (
        _WS08 + "windowsaccountname",
        "Windows account name (DOMAIN\\user)",
        Family.MICROSOFT,
        ("sAMAccountName",),
        "",
    ),
    (_WS08 + "primarysid", "primary SID", Family.MICROSOFT, ("objectSid",), ""),
    (_WS08 + "primarygroupsid", "primary group SID", Family.MICROSOFT, (), ""),
    (_WS08 + "groupsid", "group SID", Family.MICROSOFT, (), ""),
    (_WS08 + "role", "role", Family.MICROSOFT, (), ""),
    (_WS08 + "groups", "groups", Family.MICROSOFT, ("memberOf",), ""),
    (_WS08 + "authenticationmethod", "authentication method", Family.MICROSOFT, (), ""),
    (_WS08 + "authenticationinstant", "authentication instant", Family.MICROSOFT, (), ""),
    (_MSID + "objectidentifier", "Entra object ID", Family.MICROSOFT, ("id",), ""),
    (_MSID + "tenantid", "Entra tenant ID", Family.MICROSOFT, (), ""),
    (_MSID + "displayname", "display name", Family.MICROSOFT, ("displayName",), "name"),
    (_MSID + "identityprovider", "identity provider", Family.MICROSOFT, (), ""),
    (_MSID + "authnmethodsreferences", "authentication methods", Family.MICROSOFT, (), ""),
    (_XCLAIMS + "CommonName", "common name", Family.MICROSOFT, ("cn",), "name"),
    (_XCLAIMS + "EmailAddress", "email address", Family.MICROSOFT, ("mail",), "name"),
    (_XCLAIMS + "Group", "group", Family.MICROSOFT, ("memberOf",), ""),
    (_XCLAIMS + "UPN", "UPN", Family.MICROSOFT, ("userPrincipalName",), "name"),
    ("user.userprincipalname", "UPN", Family.ENTRA, ("userPrincipalName",), "name"),
    ("user.mail", "mail", Family.ENTRA, ("mail",), "name"),
    ("user.givenname", "given name", Family.ENTRA, ("givenName",), "name"),
    ("user.surname", "surname", Family.ENTRA, ("sn",), "name"),
    ("user.displayname", "display name", Family.ENTRA, ("displayName",), "name"),
    ("user.employeeid", "employee ID", Family.ENTRA, ("employeeID",), ""),
    ("user.employeetype", "employee type", Family.ENTRA, ("employeeType",), ""),
    ("user.department", "department", Family.ENTRA, ("department",), ""),
    ("user.jobtitle", "job title", Family.ENTRA, ("title",), ""),
    ("user.companyname", "company", Family.ENTRA, ("company",), ""),
    (
        "user.onpremisessamaccountname",
        "on-premises sAMAccountName (synced users only)",
        Family.ENTRA,
        ("sAMAccountName", "onPremisesSamAccountName"),
        "",
    ),
    (
        "user.onpremisesimmutableid",
        "immutableId (base64 objectGUID / ms-DS-ConsistencyGuid)",
        Family.ENTRA,
        ("objectGUID", "mS-DS-ConsistencyGuid", "onPremisesImmutableId"),
        "",
    ),
    (
        "user.onpremisessecurityidentifier",
        "on-premises SID",
        Family.ENTRA,
        ("objectSid", "onPremisesSecurityIdentifier"),
        "",
    ),
    (
        "user.onpremisesdistinguishedname",
        "on-premises DN",
        Family.ENTRA,
        ("distinguishedName", "onPremisesDistinguishedName"),
        "name",
    ),
    ("user.objectid", "Entra object ID", Family.ENTRA, ("id",), ""),
    *(
        (
            f"user.extensionattribute{n}",
            f"extensionAttribute{n}",
            Family.ENTRA,
            (f"extensionAttribute{n}", f"onPremisesExtensionAttributes.extensionAttribute{n}"),
            "",
        )
        for n in range(1, 16)
    ),
    ("user.streetaddress", "street address", Family.ENTRA, ("streetAddress",), ""),
    ("user.telephonenumber", "telephone number", Family.ENTRA, ("telephoneNumber",), ""),
    ("user.mobilephone", "mobile phone", Family.ENTRA, ("mobile",), ""),
    ("user.country", "country", Family.ENTRA, ("c",), ""),
    ("user.city", "city", Family.ENTRA, ("l",), ""),
    ("user.state", "state", Family.ENTRA, ("st",), ""),
    ("user.postalcode", "postal code", Family.ENTRA, ("postalCode",), ""),
)

_OTHER: tuple[AttributeInfo, ...] = (
    AttributeInfo(
        "urn:oasis:names:tc:SAML:attribute:subject-id",
        "subject-id",
        Family.SUBJECT_ID,
        (),
        "scoped, never reassigned, the same for every service",
    ),
    AttributeInfo(
        "urn:oasis:names:tc:SAML:attribute:pairwise-id",
        "pairwise-id",
        Family.SUBJECT_ID,
        (),
        "opaque and different for every service: the SIS can never hold it",
        opaque=True,
    ),
)


# OpenID Connect ID-token claims (standard, Entra ID v1/v2 and optional claims, Google, Keycloak,
# Okta, ADFS): (claim, readable name, directory attributes, flag, note). Flags as above, plus
# "opaque" for values made by the provider that no SIS can hold.
_SUB_NOTE = (
    "made by the provider (pairwise per application in Entra ID): opaque to the SIS, never the "
    "matching ID"
)
_OIDC: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("sub", "subject", (), "opaque", _SUB_NOTE),
    (
        "oid",
        "Entra object ID",
        (),
        "opaque",
        "immutable in the tenant but made by Entra ID: the SIS cannot hold it",
    ),
    ("tid", "Entra tenant ID", (), "", ""),
    ("upn", "UPN", ("userPrincipalName",), "name", "changes when the person's name changes"),
    ("unique_name", "unique name (Entra v1: usually the UPN)", ("userPrincipalName",), "name", ""),
    (
        "preferred_username",
        "preferred username",
        ("userPrincipalName", "uid", "sAMAccountName"),
        "name",
        "Entra ID: the UPN (mutable); Keycloak: the username; Okta: the login",
    ),
    ("email", "email address", ("mail",), "name", "changes when the person's name changes"),
    ("verified_primary_email", "verified primary email (Entra)", ("mail",), "name", ""),
    ("name", "display name", ("displayName",), "name", ""),
    ("given_name", "given name", ("givenName",), "name", ""),
    ("family_name", "family name", ("sn",), "name", ""),
    ("middle_name", "middle name", (), "name", ""),
    ("nickname", "nickname", (), "name", ""),
    ("onprem_sid", "on-premises SID (Entra)", ("objectSid",), "", ""),
    ("employeeid", "employee ID (Entra)", ("employeeID",), "", ""),
    ("employee_id", "employee ID", ("employeeID",), "", ""),
    ("samaccountname", "on-premises sAMAccountName (Entra)", ("sAMAccountName",), "", ""),
    ("sam_account_name", "on-premises sAMAccountName", ("sAMAccountName",), "", ""),
    (
        "onpremisessamaccountname",
        "on-premises sAMAccountName (synced users only)",
        ("sAMAccountName",),
        "",
        "",
    ),
    ("hd", "Google Workspace hosted domain", (), "", "a domain, not a person"),
    ("groups", "groups", ("memberOf",), "", ""),
    ("roles", "roles", (), "", ""),
    ("phone_number", "phone number", ("telephoneNumber",), "", ""),
    ("birthdate", "birth date", (), "", ""),
    ("login", "login (Okta)", ("uid",), "", ""),
)


# Short names CAS servers release (Apereo CAS, phpCAS, mama-cas) that are no LDAP name.
_CAS_NAMES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("username", "username", ("uid", "sAMAccountName"), ""),
    ("firstname", "first name", ("givenName",), "name"),
    ("lastname", "last name", ("sn",), "name"),
    ("surname", "surname", ("sn",), "name"),
    ("full_name", "full name", ("displayName",), "name"),
    ("affiliation", "affiliation", ("eduPersonAffiliation",), ""),
    ("memberOf", "group memberships", ("memberOf",), ""),
)


def _pattern(name: str) -> AttributeInfo | None:
    """Entra directory-extension claims: `extn.<attr>` (optional claims) and
    `extension_<app id>_<attr>` (claims mapping): they carry the directory attribute `<attr>`."""
    stripped = name.strip()
    if stripped.casefold().startswith("extn.") and len(stripped) > 5:
        attribute = stripped[5:]
    elif stripped.casefold().startswith("extension_") and stripped.count("_") >= 2:
        attribute = stripped.split("_", 2)[2]
    else:
        return None
    if not attribute:
        return None
    known = REGISTRY.get(attribute.casefold())
    directory = known.directory_attributes if known is not None else (attribute,)
    return AttributeInfo(
        stripped,
        f"{attribute} (Entra directory extension)",
        Family.OIDC,
        directory,
        "an Entra directory extension: filled only where Entra Connect or an app writes it",
        changes_with_name=bool(known and known.changes_with_name),
    )


def _build() -> dict[str, AttributeInfo]:
    table: dict[str, AttributeInfo] = {}

    def add(info: AttributeInfo) -> None:
        table.setdefault(info.name.casefold(), info)

    for friendly, oid, family, flag in _LDAP_OIDS:
        directory: tuple[str, ...] = () if flag == "opaque" else (friendly,)
        note = _NOTES.get(friendly, "")
        for name, fam in (
            (f"urn:oid:{oid}", family),
            (f"urn:mace:dir:attribute-def:{friendly}", Family.SAML1),
            (friendly, Family.LDAP),
        ):
            add(
                AttributeInfo(
                    name,
                    friendly,
                    fam,
                    directory,
                    note,
                    changes_with_name=flag == "name",
                    opaque=flag == "opaque",
                )
            )
    for name, friendly, family, directory, flag in _CLAIMS:
        add(
            AttributeInfo(
                name, friendly, family, directory, changes_with_name=flag == "name", opaque=False
            )
        )
    for info in _OTHER:
        add(info)
    # Directory attribute names that are not inetOrgPerson OIDs but appear as plain Names.
    for plain in ("userPrincipalName", "sAMAccountName", "employeeID", "objectGUID", "objectSid"):
        add(
            AttributeInfo(
                plain,
                plain,
                Family.LDAP,
                (plain,),
                changes_with_name=plain == "userPrincipalName",
            )
        )
    # Claims and CAS names last: where one is spelled like a directory name (employeeid ~
    # employeeID), the directory name keeps the entry.
    for name, friendly, directory, flag in _CAS_NAMES:
        add(AttributeInfo(name, friendly, Family.CAS, directory, changes_with_name=flag == "name"))
    for name, friendly, directory, flag, note in _OIDC:
        add(
            AttributeInfo(
                name,
                friendly,
                Family.OIDC,
                directory,
                note,
                changes_with_name=flag == "name",
                opaque=flag == "opaque",
            )
        )
    return table


REGISTRY: dict[str, AttributeInfo] = _build()
"""Every known name, keyed by its casefolded form."""


def lookup(name: str) -> AttributeInfo | None:
    """What `name` (an attribute Name, claim URI or claim as sent) means, or None when unknown."""
    return REGISTRY.get(name.strip().casefold()) or _pattern(name)


def friendly_name(name: str, sent_friendly_name: str | None = None) -> str:
    """A readable name: the registry's, else the FriendlyName sent, else the URI's last part."""
    info = lookup(name)
    if info is not None:
        return info.friendly_name
    if sent_friendly_name:
        return sent_friendly_name
    tail = name.rstrip("/").rsplit("/", 1)[-1]
    return tail.rsplit(":", 1)[-1] if tail.startswith("urn:") else tail


def directory_attributes(name: str, sent_friendly_name: str | None = None) -> tuple[str, ...]:
    """The directory attributes an IdP usually fills `name` from (empty when unknown).

    An unknown Name whose FriendlyName is a known LDAP name is taken to carry that attribute.
    """
    info = lookup(name)
    if info is not None:
        return info.directory_attributes
    if sent_friendly_name:
        friendly = lookup(sent_friendly_name)
        if friendly is not None:
            return friendly.directory_attributes
    return ()


def names_for_directory_attribute(attribute: str) -> tuple[str, ...]:
    """Every registry Name that usually carries the directory `attribute` (case-insensitive)."""
    wanted = attribute.casefold()
    return tuple(
        info.name
        for info in REGISTRY.values()
        if any(a.casefold() == wanted for a in info.directory_attributes)
    )


def carries(name: str, attribute: str, sent_friendly_name: str | None = None) -> bool:
    """True when an attribute sent as `name` usually carries the directory `attribute`."""
    wanted = attribute.casefold()
    if name.casefold() == wanted or (sent_friendly_name or "").casefold() == wanted:
        return True
    return any(a.casefold() == wanted for a in directory_attributes(name, sent_friendly_name))


# --- names that never carry a person's identifier, names that hold a person's name -------------

_NOT_IDENTIFIER_NAMES = (
    # structure and group membership
    "objectClass objectCategory memberOf member structuralObjectClass hasSubordinates "
    "subschemaSubentry "
    # Active Directory account state, counters and timestamps
    "userAccountControl sAMAccountType instanceType primaryGroupID codePage countryCode "
    "whenCreated whenChanged uSNCreated uSNChanged pwdLastSet lastLogon lastLogonTimestamp "
    "lastLogoff badPasswordTime badPwdCount logonCount accountExpires dSCorePropagationData "
    # OpenLDAP operational attributes
    "createTimestamp modifyTimestamp creatorsName modifiersName entryCSN "
    # secrets
    "userPassword unicodePwd "
    # populations, not people
    "eduPersonAffiliation eduPersonScopedAffiliation eduPersonPrimaryAffiliation employeeType "
    # POSIX account settings
    "loginShell homeDirectory gidNumber"
)
NOT_IDENTIFIERS = frozenset(n.casefold() for n in (*_NOT_IDENTIFIER_NAMES.split(), "email:all"))
"""Attributes that never carry a person's identifier (casefolded); the cross-check does not join
them (they are still profiled). `email:all` (every SIS email) is profiled but joined only through
`email`, the preferred one."""

NAME_PART_FIELDS = ("sn", "surname", "givenname", "last_name", "first_name")
"""Directory attributes and SIS fields (casefolded) holding a surname or a given name: an
identifier value that contains one is derived from the person's name."""
