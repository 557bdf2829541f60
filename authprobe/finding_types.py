"""Every finding code of the project, registered once: its severity and a title.

    FINDING_TYPES["sis-id-duplicate"].severity   # Severity.ERROR
    finding_type("sis-id-duplicate").title       # "Identifier value held more than once"

A finding (`model.Finding`) is a problem found IN the data; its `code` is stable (the JSON's
`code`, the CSV's `code`, what a reader searches the README for). Each code has one type here:
the severity it is reported with (a few codes are reported one level lower in a milder case:
`severity` is the highest) and a short title naming the problem (frictionless' habit). The
sentence of a finding is built where it is found, with its counts and references; the SIS lint
and `sis build` word theirs from their rule tables (`analysis/lint/rules.py`,
`analysis/build_rules.py`), whose severities are the ones registered here.

`tests/unit/test_finding_types.py` checks that every code emitted anywhere in the package is
registered, with the severity it is emitted with, and that nothing registered is unused.
"""

from __future__ import annotations

from dataclasses import dataclass

from authprobe.model import Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class FindingType:
    """What a finding code means: its (highest) severity and a title."""

    code: str
    severity: Severity
    title: str


_TYPES = (
    # the recommendation (analysis/recommend, scoring, history, profile)
    ("no-candidate", ERROR, "No directory attribute joins the SIS extract"),
    ("normalisation-would-join-people", WARNING, "A normalisation would join different people"),
    ("coverage-too-low", ERROR, "The best join covers too few SIS records"),
    ("no-person-entries", ERROR, "The directory yielded no person entry"),
    ("no-sis-records", ERROR, "The SIS extract yielded no record"),
    ("no-records-in-scope", ERROR, "Every record is set aside by --exclude-group"),
    ("duplicate-value", ERROR, "A value held by several records"),
    ("case-collision", ERROR, "Values that differ only by letter case"),
    ("whitespace", WARNING, "Values with leading or trailing whitespace"),
    ("missing-primary-id", ERROR, "SIS records without a primary_id"),
    ("identifier-shared", ERROR, "An identifier value shared by two SIS users"),
    ("population-attribute-missing", ERROR, "Entries without the population attribute"),
    ("records-skipped", INFO, "Input items skipped while reading"),
    ("login-not-verified", WARNING, "A captured login whose signature does not verify"),
    ("login-not-checked", INFO, "A captured login whose signature was not checked"),
    ("history-attribute-absent", WARNING, "The previous snapshot lacks the attribute"),
    ("history-no-shared-key", WARNING, "No immutable key pairs the two snapshots"),
    # the SIS Match ID and the pre-flight of the first load (analysis/match_id, preflight)
    ("match-id-none", ERROR, "No identifier type can be the Match ID"),
    ("match-id-missing", ERROR, "SIS records without the Match ID"),
    ("match-id-duplicate", ERROR, "A Match ID value held by several SIS records"),
    ("match-id-changed", ERROR, "Match ID values changed since the previous extract"),
    ("preflight-rejected-in-feed", ERROR, "Records the load rejects (duplicate in the feed)"),
    ("preflight-ambiguous", ERROR, "Records that match several users in Alma"),
    ("preflight-not-external", ERROR, "Records that match an internal user"),
    ("preflight-rejected-taken", ERROR, "Records whose identifier another user holds"),
    ("preflight-create-duplicate", ERROR, "Records the load adds as a second patron"),
    ("preflight-orphan", WARNING, "Users in Alma that no SIS record finds"),
    ("alma-account-type-missing", WARNING, "Users in Alma without an account type"),
    ("alma-account-type-unknown", WARNING, "Users in Alma with an unknown account type"),
    ("alma-export-duplicate-value", ERROR, "An identifier held by two users in Alma"),
    ("alma-match-id-absent", ERROR, "The Match ID Type is absent from the Alma export"),
    ("alma-no-shared-identifier", ERROR, "No identifier type links SIS records and Alma users"),
    # the SIS lint (sis scan, alma scan) and sis build
    ("sis-id-duplicate", ERROR, "Identifier value held more than once"),
    ("sis-id-case-collision", ERROR, "Identifier values that differ only by letter case"),
    ("sis-primary-id-missing", ERROR, "Users without a primary_id"),
    ("sis-id-too-long", ERROR, "Identifier value longer than 255 characters"),
    ("sis-id-whitespace", WARNING, "Identifier value with leading or trailing whitespace"),
    ("sis-id-space", WARNING, "Identifier value with whitespace inside"),
    ("sis-id-url-unsafe", WARNING, "Identifier value with / ? # or %"),
    ("sis-id-non-ascii", WARNING, "Identifier value with non-ASCII characters"),
    ("sis-email-several-preferred", WARNING, "Users with several preferred emails"),
    ("sis-id-type-unknown", WARNING, "Identifier type not in --id-types"),
    ("sis-probable-same-person", WARNING, "Probably one person in two user groups"),
    ("sis-expired", WARNING, "Users already expired"),
    ("sis-date-unreadable", WARNING, "An expiry date that is not a date"),
    ("sis-unknown-element", WARNING, "Elements Alma's user schema does not declare"),
    ("sis-xsd-invalid", WARNING, "Users that do not validate against the schema"),
    ("sis-zip-too-many-files", WARNING, "A zip with more than 50 XML files"),
    ("sis-id-empty-value", ERROR, "An identifier whose value is empty"),
    ("sis-id-is-email", ERROR, "An email address used as an identifier"),
    ("sis-id-is-user-group", ERROR, "A user group code used as an identifier"),
    ("sis-expiry-missing", WARNING, "Users without an expiry date"),
    ("sis-purge-missing", WARNING, "Users without a purge date"),
    ("build-invalid-character", ERROR, "An identifier with a control character"),
    ("build-user-group-unknown", ERROR, "A user group code missing from the code table"),
    ("build-status-unknown", ERROR, "A status other than ACTIVE or INACTIVE"),
    ("build-row-malformed", ERROR, "Rows with too few or too many cells"),
    ("build-date-unreadable", WARNING, "Dates that could not be read"),
    ("build-sources-disagree", WARNING, "Sources that disagree about one person"),
    ("build-user-group-missing", WARNING, "People without a user group"),
    ("build-characters-removed", WARNING, "Control characters removed from values"),
    ("build-merged", INFO, "People merged from several rows"),
    # sis diff
    ("diff-match-id-changed", ERROR, "Match ID changed while the person stayed"),
    ("diff-match-id-lost", ERROR, "Match ID lost in the new extract"),
    ("diff-value-moved", ERROR, "An identifier value moved to another person"),
    ("diff-unfollowable", WARNING, "Records that cannot be followed between extracts"),
    ("diff-dropped", INFO, "People dropped from the feed"),
    ("diff-new", INFO, "People new in the feed"),
    ("diff-changed", INFO, "People whose value of a field changed"),
    # the directory: LDAP, its exports, Entra ID, saved snapshots
    ("ldap-probable-truncation", ERROR, "The search was probably truncated"),
    ("ldap-referrals-not-followed", INFO, "Referrals the search did not follow"),
    ("ldap-disabled-accounts", INFO, "Disabled accounts in the directory"),
    ("directory-disabled-accounts", INFO, "Disabled accounts in the export"),
    ("entra-guests", INFO, "Guest accounts in the Entra ID export"),
    ("entra-next-page-missing", ERROR, "An Entra ID page is missing"),
    ("entra-page-repeated", WARNING, "An Entra ID page read twice"),
    ("snapshot-without-key", WARNING, "Saved entries without an immutable key"),
    # SAML metadata
    ("no-saml2", ERROR, "The IdP does not offer SAML 2.0"),
    ("no-browser-sso-binding", ERROR, "No browser single sign-on endpoint"),
    ("no-signing-certificate", ERROR, "No signing certificate"),
    ("nameid-opaque-only", WARNING, "Only opaque NameID formats offered"),
    ("certificate-expired", ERROR, "A certificate has expired"),
    ("certificate-expiring", WARNING, "A certificate expires soon"),
    ("certificate-rollover", INFO, "Two signing certificates: a rollover"),
    ("certificate-md5", ERROR, "A certificate signed with MD5"),
    ("certificate-sha1", WARNING, "A certificate signed with SHA-1"),
    ("certificate-odd", WARNING, "An unusual certificate"),
    ("certificate-unreadable", ERROR, "A certificate that cannot be read"),
    ("metadata-expired", WARNING, "The metadata's validUntil has passed"),
    ("metadata-unsigned", WARNING, "The metadata is not signed"),
    ("metadata-signature-invalid", ERROR, "The metadata's signature does not verify"),
    ("metadata-signature-weak", WARNING, "The metadata is signed with a weak algorithm"),
    # a SAML login (saml decode, test-sp)
    ("login-failed", ERROR, "The IdP answered with a failure status"),
    ("unsigned", WARNING, "The login is not signed"),
    ("signature-invalid", ERROR, "A signature does not verify"),
    ("signature-repeated", ERROR, "An element carries several signatures"),
    ("signature-elsewhere", WARNING, "A signature covers another element"),
    ("multiple-assertions", ERROR, "Several assertions in one response"),
    ("assertion-expired", INFO, "The assertion has expired"),
    ("assertion-not-yet-valid", WARNING, "The assertion is not valid yet"),
    ("issuer-not-in-metadata", ERROR, "The Issuer is not the IdP of the metadata"),
    ("attribute-not-offered", INFO, "An attribute the metadata does not list"),
    ("attribute-duplicated", WARNING, "An attribute sent twice"),
    ("nested-value", WARNING, "An attribute value holding XML"),
    ("comment-in-value", WARNING, "An XML comment inside a value"),
    ("encrypted-part-odd", WARNING, "An unusual encrypted part"),
    ("encrypted-parts-skipped", WARNING, "Encrypted parts not decrypted"),
    # OpenID Connect
    ("oidc-discovery-incomplete", WARNING, "The discovery document lacks members"),
    ("oidc-issuer-mismatch", WARNING, "The issuer is not the document's address"),
    ("oidc-issuer-multi-tenant", INFO, "A multi-tenant issuer"),
    ("oidc-http-endpoint", WARNING, "An endpoint over plain HTTP"),
    ("oidc-alg-none-offered", WARNING, "Unsigned ID tokens offered"),
    ("oidc-no-asymmetric-alg", WARNING, "No asymmetric signing algorithm"),
    ("oidc-pairwise-subjects", WARNING, "Pairwise subject identifiers"),
    ("oidc-keys-not-read", INFO, "The provider's keys were not read"),
    ("oidc-keys-do-not-fit", WARNING, "The keys do not fit the algorithms offered"),
    ("oidc-jwks-no-signing-key", ERROR, "No key that verifies signatures"),
    ("oidc-jwks-private-key", ERROR, "A private key published in the JWKS"),
    ("oidc-jwks-key-unusable", WARNING, "Keys that cannot be used"),
    ("oidc-key-no-kid", INFO, "A key without a kid"),
    ("oidc-key-odd", WARNING, "An unusual key"),
    ("oidc-key-expired", WARNING, "A key's certificate has expired"),
    ("oidc-key-expiring", WARNING, "A key's certificate expires soon"),
    ("oidc-key-certificate-mismatch", WARNING, "A key and its certificate differ"),
    ("oidc-token-not-a-jwt", WARNING, "The token is not a JWT"),
    ("oidc-token-encrypted", WARNING, "The token is encrypted"),
    ("oidc-token-unsigned", ERROR, "The token is not signed"),
    ("oidc-token-alg-unsupported", WARNING, "A signing algorithm not checked"),
    ("oidc-token-alg-confusion", ERROR, "An HMAC token where a public key was expected"),
    ("oidc-token-signature-invalid", ERROR, "The token's signature does not verify"),
    ("oidc-token-key-unknown", ERROR, "The token names an unknown key"),
    ("oidc-token-not-verified", INFO, "The signature was not checked"),
    ("oidc-token-hmac-secret", WARNING, "An HMAC token verified with the client secret"),
    ("oidc-token-hmac-unverified", WARNING, "An HMAC token without the secret"),
    ("oidc-token-issuer-mismatch", ERROR, "The token's issuer is not the provider"),
    ("oidc-token-audience", ERROR, "The token is for another client"),
    ("oidc-token-expired", INFO, "The token has expired"),
    ("oidc-token-nbf-future", WARNING, "The token is not valid yet"),
    ("oidc-token-iat-future", WARNING, "The token was issued in the future"),
    ("oidc-token-claims-missing", WARNING, "Required claims are missing"),
    # CAS
    ("cas-authentication-failure", ERROR, "The CAS server answered with a failure"),
    ("cas-user-missing", ERROR, "No cas:user in the answer"),
    ("cas-user-email", INFO, "The cas:user is an email address"),
    ("cas-no-attributes", INFO, "No attributes released"),
    ("cas-attributes-rubycas", INFO, "Attributes in the RubyCAS style"),
    ("cas-namespace", WARNING, "An unexpected XML namespace"),
    ("cas-proxied", INFO, "The ticket came through proxies"),
)

FINDING_TYPES: dict[str, FindingType] = {
    code: FindingType(code, severity, title) for code, severity, title in _TYPES
}


def finding_type(code: str) -> FindingType:
    """The registered type of `code` (KeyError for an unregistered code: a bug)."""
    return FINDING_TYPES[code]
