"""The real SAML corpus (../shared/corpus): every file read correctly or rejected cleanly.

The expected facts below were read from the files themselves (grep for entityIDs, element counts
and NameIDs; `openssl x509 -enddate` for certificate dates; `xmlsec1 --verify` for which
signatures verify with which certificate) — not from authprobe's output.
"""

from __future__ import annotations

import base64
import json
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest

from authprobe.errors import AuthprobeError
from authprobe.sources.saml.crypto import Certificate, parse_certificate, read_certificates
from authprobe.sources.saml.message import read_message
from authprobe.sources.saml.metadata import IdpMetadata, read_metadata

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"
METADATA = CORPUS / "idp-metadata"
RESPONSES = CORPUS / "saml-responses"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not METADATA.is_dir(), reason="../shared/corpus is absent"),
]


def _files(folder: Path, *suffixes: str) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name.endswith(suffixes))


# -- metadata ------------------------------------------------------------------------------------

# file -> (entityIDs of the IdPs, EntityDescriptors, IDPSSODescriptors)
METADATA_FACTS: dict[str, tuple[tuple[str, ...], int, int]] = {
    "entra_azuread_common_federationmetadata.xml": (("https://sts.windows.net/{tenantid}/",), 1, 1),
    "adfs_FederationMetadata_phpsaml.xml": (
        ("http://idp.adfs.example.com/adfs/services/trust",),
        1,
        1,
    ),
    "adfs_sustainsys_ReadEntityDescriptor_ADFS.xml": (
        ("http://adfs.server.url/adfs/services/trust",),
        1,
        1,
    ),
    "google_workspace_idp_metadata.xml": (
        ("https://accounts.google.com/o/saml2?idpid=C02dfl1r1",),
        1,
        1,
    ),
    "okta_idp_metadata_exkppsa1.xml": (("http://www.okta.com/exkppsa1qwuFV4D7z0h7",), 1, 1),
    "onelogin_idp_metadata_503983.xml": (("https://app.onelogin.com/saml/metadata/503983",), 1, 1),
    "shibboleth_samltest_id_idp_metadata.xml": (("https://samltest.id/saml/idp",), 1, 1),
    "secureworks_idp_metadata.xml": (("https://idp.secureworks.com/SAML2",), 1, 1),
    "fed_swamid-1.0_aggregate.xml": ((), 175, 39),
    "fed_swamid_test_1.0_aggregate.xml": ((), 58, 10),
    "fed_haka_funet_test_entities.xml": (("https://testidp.funet.fi/idp/shibboleth",), 3, 1),
    "fed_rctsaai_fccn_pt_shibboleth.xml": (
        ("https://si-saai.ualg.pt/idp/shibboleth", "https://idp.fccn.pt/idp/shibboleth"),
        3,
        2,
    ),
    "fed_ukfed_test_accented_entities.xml": (
        (
            "https://idp.rummidge.ac.uk/idp",
            "urn:mace:ac.uk:sdss.ac.uk:provider:identity:unseen.ac.uk",
            "https://bantshire.ac.uk/idp",
        ),
        4,
        3,
    ),
    "python3saml_idp_multiple_descriptors.xml": (
        (
            "https://foo.example.com/access/saml/idp.xml",
            "https://bar.example.com/access/saml/idp.xml",
        ),
        2,
        2,
    ),
    "rubysaml_idp_multiple_descriptors_2.xml": (
        (
            "https://foo.example.com/access/saml/idp.xml",
            "https://bar.example.com/access/saml/idp.xml",
        ),
        3,
        2,
    ),
    "shibboleth_testshib_providers.xml": (("https://idp.testshib.org/idp/shibboleth",), 2, 1),
    "pysaml2_idp_aa_entities.xml": (("urn:mace:example.com:saml:roland:idp",), 2, 1),
}

# Files that are not IdP metadata, and the reference of the clean error they must give.
METADATA_REJECTED = {
    "nodesaml_signedMetadata.xml": "saml-metadata-no-idp",
    "pyff_bad_stockholmstad_sp.xml": "saml-metadata-no-idp",
    "pysaml2_extended_signed_entities.xml": "saml-metadata-no-idp",  # SP + AttributeAuthority
    "python3saml_entities_metadata_sps.xml": "saml-metadata-no-idp",
    "python3saml_signed_sp_metadata.xml": "saml-metadata-no-idp",
    "rubysaml_no_idp_descriptor.xml": "saml-metadata-no-idp",
    "shibboleth_uu_se_sp_entity.xml": "saml-metadata-no-idp",
    "fedcert_edugain.pem": "saml-metadata-is-certificate",
    "fedcert_kalmar2.pem": "saml-metadata-is-certificate",
    "fedcert_edugain_mds-v2.cer": "saml-metadata-is-certificate",
}

# file -> the not-after dates of the IdP's certificates (openssl x509 -enddate)
CERT_NOT_AFTER = {
    "google_workspace_idp_metadata.xml": {date(2021, 1, 3)},
    "okta_idp_metadata_exkppsa1.xml": {date(2028, 9, 7)},
    "onelogin_idp_metadata.xml": {date(2018, 6, 5)},
    "entra_azuread_common_federationmetadata.xml": {
        date(2031, 1, 10),
        date(2031, 1, 25),
        date(2031, 2, 5),
        date(2031, 2, 4),
    },
    "shibboleth_samltest_id_idp_metadata.xml": {date(2038, 8, 24)},
    "samlify_idpmeta_rollingcert.xml": {date(2018, 7, 4), date(2030, 5, 8), date(2018, 10, 2)},
    "secureworks_idp_metadata.xml": {date(2018, 5, 11)},
    "adfs_FederationMetadata_phpsaml.xml": {date(2027, 4, 13), date(2017, 10, 25)},
    "python3saml_idp_multiple_descriptors.xml": {date(2032, 4, 14)},  # base64-of-PEM certs
    "fed_haka_funet_test_entities.xml": {date(2117, 3, 18)},
}


@pytest.mark.parametrize("name", _files(METADATA, ".xml", ".pem", ".cer"))
def test_every_metadata_file_is_read_or_rejected_cleanly(name: str) -> None:
    """Each corpus metadata file gives IdP facts or an AuthprobeError — never another exception."""
    error: AuthprobeError | None = None
    try:
        metadata = read_metadata(METADATA / name)
    except AuthprobeError as caught:
        error = caught
    if error is not None:
        assert error.reference
        assert error.message
        if name in METADATA_REJECTED:
            assert error.reference == METADATA_REJECTED[name]
        return
    assert name not in METADATA_REJECTED
    assert metadata.idps
    assert all(i.entity_id for i in metadata.idps)


@pytest.mark.parametrize("name", sorted(METADATA_FACTS))
def test_metadata_entity_facts(name: str) -> None:
    """entityIDs, number of entities and of IdPs are those counted in the file."""
    entity_ids, entities, idps = METADATA_FACTS[name]
    metadata = read_metadata(METADATA / name)
    assert (metadata.entities, metadata.idp_count) == (entities, idps)
    if entity_ids:
        assert tuple(i.entity_id for i in metadata.idps) == entity_ids


@pytest.mark.parametrize("name", sorted(CERT_NOT_AFTER))
def test_certificate_not_after_dates(name: str) -> None:
    """Certificate expiry dates equal what openssl reads from the same certificates."""
    metadata = read_metadata(METADATA / name)
    dates = {c.not_after.date() for idp in metadata.idps for c in idp.certificates}
    assert dates == CERT_NOT_AFTER[name]


def _offered_claims(name: str) -> set[str]:
    text = (METADATA / name).read_text(encoding="utf-8-sig")
    segments = re.findall(r"ClaimTypesOffered>(.*?)</[A-Za-z]*:?ClaimTypesOffered", text, re.S)
    return {uri for segment in segments for uri in re.findall(r'Uri="([^"]*)"', segment)}


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("entra_azuread_common_federationmetadata.xml", 19),
        ("adfs_FederationMetadata_phpsaml.xml", 65),
        ("adfs_sustainsys_ReadEntityDescriptor_ADFS.xml", 25),
    ],
)
def test_claims_offered(name: str, count: int) -> None:
    """Every fed:ClaimTypesOffered URI of Entra / ADFS metadata is among the attributes offered."""
    claims = _offered_claims(name)
    assert len(claims) == count
    (idp,) = read_metadata(METADATA / name).idps
    offered = {a.name for a in idp.attributes}
    assert claims <= offered


def test_saml_attributes_in_idp_descriptor() -> None:
    """saml:Attribute elements of an IDPSSODescriptor are offered with Name and FriendlyName."""
    (idp,) = read_metadata(METADATA / "python3saml_idp_metadata2_urn_example.xml").idps
    assert [(a.name, a.friendly_name) for a in idp.attributes] == [
        ("Email", "E-Mail Address"),
        ("FirstName", "First Name"),
        ("LastName", "Last Name"),
    ]


def test_scopes_and_unprefixed_certificates() -> None:
    """shibmd:Scope is read; certificates outside the xmldsig namespace are found and flagged."""
    (samltest,) = read_metadata(METADATA / "shibboleth_samltest_id_idp_metadata.xml").idps
    assert [s.value for s in samltest.scopes] == ["samltest.id"]
    (rolling,) = read_metadata(METADATA / "samlify_idpmeta_rollingcert.xml").idps
    assert len(rolling.signing_certificates) == 2
    assert all("namespace" in c.note for c in rolling.certificates)


def _signer_pem(name: str) -> str:
    """The certificate embedded in the document's own Signature (extracted by regex)."""
    text = (METADATA / name).read_text(encoding="utf-8-sig")
    after = text[text.index("Signature") :]
    match = re.search(r"X509Certificate[^>]*>([^<]+)<", after)
    assert match is not None
    body = re.sub(r"\s", "", match.group(1))
    return (
        "-----BEGIN CERTIFICATE-----\n"
        + "\n".join(textwrap.wrap(body, 64))
        + ("\n-----END CERTIFICATE-----\n")
    )


@pytest.mark.parametrize(
    ("name", "verifies"),
    [
        ("entra_azuread_common_federationmetadata.xml", True),
        ("fed_swamid-1.0_aggregate.xml", True),
        ("fed_rctsaai_fccn_pt_shibboleth.xml", True),
        ("adfs_FederationMetadata_phpsaml.xml", True),
        ("adfs_sustainsys_ReadEntityDescriptor_ADFS.xml", False),  # anonymised after signing
        ("sustainsys_stubidp_signature_error.xml", False),
    ],
)
def test_metadata_signatures(tmp_path: Path, name: str, verifies: bool) -> None:
    """Metadata signatures verify (or not) exactly as `xmlsec1 --verify` says."""
    cert = tmp_path / "signer.pem"
    cert.write_text(_signer_pem(name), encoding="ascii")
    metadata: IdpMetadata = read_metadata(METADATA / name, cert=[str(cert)])
    assert metadata.signature.present is True
    assert metadata.signature.verified is verifies


def test_swamid_signature_is_sha1() -> None:
    """SWAMID's aggregate is signed with RSA-SHA1: reported as a weak-signature warning."""
    metadata = read_metadata(METADATA / "fed_swamid-1.0_aggregate.xml")
    assert metadata.signature.algorithm == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    assert any(f.code == "metadata-signature-weak" for f in metadata.findings)


# -- responses -----------------------------------------------------------------------------------

# file -> (Issuer, NameID value, number of Attribute elements) read with base64 -d | grep
RESPONSE_FACTS = {
    "adfs_gosaml2_response.b64": (
        "http://fs.spstest2.com/adfs/services/trust",
        "paul@spstest2.com",
        2,
    ),
    "auth0_gosaml2_response.xml": (
        "urn:scaleft-test.auth0.com",
        "google-oauth2|117637692321743777825",
        17,
    ),
    "google_workspace_response.xml.base64": (
        "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
        "ross@octolabs.io",
        5,
    ),
    "okta_gosaml2_response.xml": ("http://www.okta.com/exk659aytfMeNI49v0h7", "russellhaering", 1),
    "onelogin_response_503983.xml.base64": (
        "https://app.onelogin.com/saml/metadata/503983",
        "ross@kndr.org",
        5,
    ),
    "oracle_oam_gosaml2_nasa_jpl_response.xml": (
        "https://deaoam-dev02.jpl.nasa.gov:14101/oam/fed",
        "pkieu",
        0,
    ),
    "pingfederate_gosaml2_pfed11_response_01.b64": (
        "https://saml.test.nope:9031/eid/sxpmrhbkzn",
        "firstlast@saml.test.nope",
        3,
    ),
    "pysaml2_simplesamlphp_openidp_feide.xml": (
        "https://openidp.feide.no",
        "_242f88493449e639aab95dd9b92b1d04234ab84fd8",
        11,
    ),
    "python3saml_valid_response.xml.base64": (
        "http://idp.example.com/",
        "492882615acf31c8096b627245d76ae53036c090",
        5,
    ),
    "python3saml_response3_claims.xml.base64": (
        "http://example.com/services/trust",
        "someone@example.com",
        1,
    ),
    "rubysaml_multiple_attribute_statements.xml": (
        "https://app.onelogin.com/saml/metadata/13590",
        "support@onelogin.com",
        7,
    ),
    "pysaml2_eidas_response.xml": ("https://eidas-service.eu", "ES/AT/02635542Y", 4),
    "oktadev_gosaml2_response_0.xml": (
        "http://example.com/saml/acs/example",
        "jane.doe@example.com",
        4,
    ),
    # comment injection: the NameID text is split by a comment; the whole text is the value
    "python3saml_response_node_text_attack.xml.base64": (
        "https://app.onelogin.com/saml/metadata/13590",
        "support@onelogin.com",
        6,
    ),
    "simplesamlphp_saml2_signedassertion_with_comments.xml": (
        "urn:x-simplesamlphp:issuer",
        "SomeNameIDValue",
        3,
    ),
}

RESPONSES_REJECTED = {
    "rubysaml_attack_billion_laughs.xml": "xml-dtd-refused",
    "pysaml2_encrypted_attribute_statement.xml": "saml-not-a-message",  # a bare fragment
}


@pytest.mark.parametrize("name", _files(RESPONSES, ".xml", ".base64", ".b64", ".txt"))
def test_every_response_is_read_or_rejected_cleanly(name: str) -> None:
    """Each corpus response decodes or gives an AuthprobeError — never another exception."""
    error: AuthprobeError | None = None
    try:
        login = read_message(RESPONSES / name)
    except AuthprobeError as caught:
        error = caught
    if error is not None:
        assert name in RESPONSES_REJECTED, f"{name}: {error.reference}: {error.message}"
        assert error.reference == RESPONSES_REJECTED[name]
        return
    assert name not in RESPONSES_REJECTED
    assert login.message in ("Response", "Assertion")


@pytest.mark.parametrize("name", sorted(RESPONSE_FACTS))
def test_response_facts(name: str) -> None:
    """Issuer, NameID and number of attributes equal what grep finds in the decoded file."""
    issuer, nameid, attributes = RESPONSE_FACTS[name]
    login = read_message(RESPONSES / name)
    assert login.issuer == issuer
    assert login.nameid is not None
    assert login.nameid.value == nameid
    assert len(login.attributes) == attributes


def _settings_cert(number: int) -> tuple[Certificate, ...]:
    data = json.loads((RESPONSES / f"python3saml_settings{number}.json").read_text("utf-8"))
    return (parse_certificate(data["idp"]["x509cert"]),)


def _pem(name: str) -> tuple[Certificate, ...]:
    return read_certificates(RESPONSES / name)


@pytest.mark.parametrize(
    ("name", "cert", "trusted"),
    [
        ("python3saml_valid_response.xml.base64", "settings1", True),
        ("python3saml_signed_assertion_response.xml.base64", "settings1", True),
        ("python3saml_signed_message_response.xml.base64", "settings1", True),
        ("python3saml_signed_assertion_response.xml.base64", "settings3", False),
        ("python3saml_pretty_signed_message_response.xml", "settings1", False),
        ("adfs_gosaml2_response.b64", "adfs_gosaml2_idp_signing_cert.pem", True),
        ("auth0_gosaml2_response.xml", "auth0_gosaml2_cert.pem", True),
        ("okta_gosaml2_response.xml", "okta_gosaml2_cert.pem", True),
        ("oracle_oam_gosaml2_nasa_jpl_response.xml", "oracle_oam_gosaml2_cert.pem", True),
        (
            "pingfederate_gosaml2_pfed11_response_01.b64",
            "pingfederate_gosaml2_idp.signing.cert",
            True,
        ),
        # malicious: the shown content is never covered by a verified signature
        ("python3saml_invalid_signature_wrapping_attack.xml.base64", "settings1", False),
        ("python3saml_wrapped_response_2_xsw.xml.base64", "settings1", False),
        ("python3saml_response_node_text_attack.xml.base64", "settings1", False),
    ],
)
def test_response_signatures(name: str, cert: str, trusted: bool) -> None:
    """Signatures verify with the corpus certificates exactly where `xmlsec1 --verify` does."""
    certs = _settings_cert(int(cert[-1])) if cert.startswith("settings") else _pem(cert)
    login = read_message(RESPONSES / name, certificates=certs)
    assert login.trusted is trusted


def test_wrapping_attacks_are_flagged() -> None:
    """XSW cases: signatures outside the shown Response/Assertion are reported and ignored."""
    for name in (
        "python3saml_invalid_signature_wrapping_attack.xml.base64",
        "python3saml_wrapped_response_2_xsw.xml.base64",
    ):
        login = read_message(RESPONSES / name, certificates=_settings_cert(1))
        assert any(f.code == "signature-elsewhere" for f in login.findings), name
    xsw = read_message(
        RESPONSES / "crewjam_xsw_permutation_one.xml",
        metadata=read_metadata(METADATA / "onelogin_idp_metadata_503983.xml"),
    )
    assert xsw.trusted is False
    assert "signature wrapping" in xsw.signatures[0].detail


def test_google_login_verifies_with_its_metadata() -> None:
    """The Google Workspace response verifies with the certificate of its own metadata."""
    login = read_message(
        RESPONSES / "google_workspace_response.xml.base64",
        metadata=read_metadata(METADATA / "google_workspace_idp_metadata.xml"),
    )
    assert login.trusted is True


def test_encrypted_response_decrypted_with_corpus_sp_key() -> None:
    """The TestShib callback URL decrypts with the SP key of its config and verifies."""
    config = json.loads((RESPONSES / "socialcore_saml_config.json").read_text("utf-8"))
    key_body = config["SOCIAL_AUTH_SAML_SP_PRIVATE_KEY"]
    key = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join(textwrap.wrap(key_body, 64))
        + "\n-----END RSA PRIVATE KEY-----\n"
    )
    idp_cert = parse_certificate(config["SOCIAL_AUTH_SAML_ENABLED_IDPS"]["testshib"]["x509cert"])
    login = read_message(
        RESPONSES / "socialcore_testshib_response_url.txt", certificates=(idp_cert,), sp_key=key
    )
    assert login.input_format == "form"
    assert login.decrypted is True
    assert login.issuer == "https://idp.testshib.org/idp/shibboleth"
    uid = login.attribute("urn:oid:0.9.2342.19200300.100.1.1")
    assert uid is not None
    assert uid.values == ("myself",)
    assert login.trusted is True


def test_encrypted_responses_are_reported_as_encrypted() -> None:
    """Without a key, EncryptedAssertions are reported as encrypted (no values shown)."""
    for name in (
        "python3saml_valid_encrypted_assertion.xml.base64",
        "okta_gosaml2_response_encrypted.b64",
        "shibboleth_testshib_response_encrypted.xml",
    ):
        login = read_message(RESPONSES / name)
        assert login.encrypted is True, name
        assert login.attributes == ()


def test_base64_is_really_base64() -> None:
    """Sanity: the .base64 corpus files are base64 (so the input_format assertion is meaningful)."""
    raw = (RESPONSES / "python3saml_valid_response.xml.base64").read_bytes()
    assert base64.b64decode(raw).lstrip().startswith(b"<")
    assert read_message(RESPONSES / "python3saml_valid_response.xml.base64").input_format == (
        "base64"
    )


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        (
            "python3saml_invalid_multiple_assertions.xml.base64",
            (
                "pfxa46574df-b3b0-a06a-23c8-636413198772",
                "pfxa46574df-b3b0-a06a-23c8-636413198773",
            ),
        ),
        (
            "python3saml_response_with_ampersands.xml.base64",
            ("fake_assertion", "pfx9516b0f3-4536-10f6-c6fa-9dd523e1498c"),
        ),
    ],
)
def test_several_assertions_are_shown_untrusted_with_an_error(
    name: str, ids: tuple[str, ...]
) -> None:
    """python3-saml rejects these (two Assertions): shown with an error naming both, untrusted."""
    login = read_message(RESPONSES / name, certificates=_settings_cert(1))
    (held,) = [f for f in login.findings if f.code == "multiple-assertions"]
    assert held.severity == "error"
    assert all(ident in held.message for ident in ids)
    assert login.assertion_id == ids[0]
    assert login.trusted is False


def _python3saml_sp_key() -> str:
    """The SP private key of python3-saml's settings8.json (PKCS#1 body) as PEM."""
    body = json.loads((RESPONSES / "python3saml_settings8.json").read_text("utf-8"))["sp"][
        "privateKey"
    ]
    return (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join(textwrap.wrap(body, 64))
        + "\n-----END RSA PRIVATE KEY-----\n"
    )


@pytest.mark.parametrize(
    ("name", "nameid"),
    [
        # python3-saml's testReturnNameId and utils_test expectations, confirmed with
        # `xmlsec1 --decrypt --privkey-pem` (twice for the assertion, then its EncryptedID)
        (
            "python3saml_response_encrypted_nameid.xml.base64",
            "2de11defd199f8d5bb63f9b7deb265ba5c675c10",
        ),
        (
            "python3saml_encrypted_assertion_encrypted_nameid.xml.base64",
            "457bdb600de717891c77647b0806ce59c089d5b8",
        ),
        (
            "python3saml_valid_encrypted_assertion.xml.base64",
            "_68392312d490db6d355555cfbbd8ec95d746516f60",
        ),
    ],
)
def test_encrypted_nameids_decrypt_as_python3saml_expects(name: str, nameid: str) -> None:
    """EncryptedID / EncryptedAssertion open with the SP key to the NameID python3-saml reads."""
    sealed = read_message(RESPONSES / name)
    assert sealed.encrypted or (sealed.nameid is not None and sealed.nameid.encrypted)
    login = read_message(RESPONSES / name, sp_key=_python3saml_sp_key())
    assert login.nameid is not None
    assert (login.nameid.value, login.nameid.encrypted) == (nameid, False)
