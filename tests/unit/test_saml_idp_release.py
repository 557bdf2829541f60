"""analysis.idp_release: does the IdP offer/release a directory attribute, and is it usable?"""

from __future__ import annotations

import io

import pytest

from authprobe.analysis.idp_release import NAMEID, idp_release, locate_released_values
from authprobe.model import Record
from authprobe.sources.saml.message import Assertion, decode
from authprobe.sources.saml.metadata import IdpMetadata, parse_metadata
from tests import saml_helpers as helpers

pytestmark = pytest.mark.skipif(helpers.XMLSEC1 is None, reason="xmlsec1 is not installed")

PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

METADATA = f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" entityID="{helpers.IDP_ENTITY_ID}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.college.test/sso"/>
    <saml:Attribute Name="{helpers.EMPLOYEE_NUMBER}" FriendlyName="employeeNumber"/>
    <saml:Attribute Name="{helpers.MAIL}" FriendlyName="mail"/>
    <saml:Attribute Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.13" FriendlyName="eduPersonUniqueId"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> helpers.TestIdp:
    """A pysaml2 IdP with fresh keys."""
    return helpers.make_idp(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def metadata() -> IdpMetadata:
    """IdP metadata offering employeeNumber, mail and eduPersonUniqueId."""
    return parse_metadata(io.BytesIO(METADATA.encode()), "idp.xml")


@pytest.fixture(scope="module")
def login(idp: helpers.TestIdp) -> Assertion:
    """A login releasing eppn, employeeNumber, mail, uid; NameID = the email address."""
    return decode(helpers.authn_response(idp.server).encode(), "login.xml")


def test_released_attribute_gives_the_exact_name(metadata: IdpMetadata, login: Assertion) -> None:
    """employeeNumber is offered and released as its OID Name, which Alma must be told."""
    result = idp_release("employeeNumber", metadata, login)
    assert result.idp_source == helpers.EMPLOYEE_NUMBER
    assert (result.offered, result.released, result.usable) == (True, True, True)
    assert helpers.EMPLOYEE_NUMBER in result.explanation


def test_offered_but_not_released(metadata: IdpMetadata, login: Assertion) -> None:
    """eduPersonUniqueId is offered, not released: usable, and the sentence says to ask IT."""
    result = idp_release("eduPersonUniqueId", metadata, login)
    assert (result.offered, result.released) == (True, False)
    assert result.usable is True
    assert "did not release" in result.explanation


def test_neither_offered_nor_released(metadata: IdpMetadata, login: Assertion) -> None:
    """An attribute the IdP does not know about is not usable."""
    result = idp_release("studentNumber", metadata, login)
    assert result.idp_source is None
    assert (result.offered, result.released, result.usable) == (False, False, False)


def test_metadata_only(metadata: IdpMetadata) -> None:
    """Without a login, an offered attribute is usable with a 'not confirmed' sentence."""
    result = idp_release("mail", metadata, None)
    assert result.idp_source == helpers.MAIL
    assert result.released is False
    assert "no captured login" in result.explanation


def test_person_decides_by_value_and_nameid(idp: helpers.TestIdp) -> None:
    """With the person's record, the NameID is the source when its value matches."""
    xml = helpers.authn_response(idp.server, nameid="0012345", identity={"uid": ["jdoe"]})
    login = decode(xml.encode(), "login.xml")
    person = Record("uid=jdoe,ou=people", {"employeeNumber": ("0012345",)})
    result = idp_release("employeeNumber", None, login, person=person)
    assert result.idp_source == NAMEID
    assert result.usable is True
    assert result.nameid_format == "emailAddress"


def test_persistent_nameid_is_never_usable(idp: helpers.TestIdp) -> None:
    """A persistent NameID that carries the value is still refused, with the reason."""
    xml = helpers.authn_response(
        idp.server, nameid="0012345", nameid_format=PERSISTENT, identity={"uid": ["jdoe"]}
    )
    login = decode(xml.encode(), "login.xml")
    person = Record("uid=jdoe,ou=people", {"employeeNumber": ("0012345",)})
    result = idp_release("employeeNumber", None, login, person=person)
    assert result.idp_source == NAMEID
    assert result.usable is False
    assert "persistent" in result.explanation
    assert "opaque" in result.explanation


def test_locate_released_values(login: Assertion) -> None:
    """Each released value is found in the directory attribute holding it, case-insensitively."""
    records = [
        Record(
            "uid=jdoe,ou=people",
            {
                "uid": ("jdoe",),
                "employeeNumber": ("0012345",),
                "mail": ("jane.doe@college.test",),
            },
        ),
        Record("uid=other,ou=people", {"uid": ("other",), "employeeNumber": ("0099999",)}),
    ]
    located = {(r.idp_source, r.value): r for r in locate_released_values(login, records)}
    assert located[(helpers.EMPLOYEE_NUMBER, "0012345")].attributes == ("employeeNumber",)
    mail = located[(helpers.MAIL, "Jane.Doe@College.test")]
    assert [(m.ref, m.attribute, m.normalisation) for m in mail.matches] == [
        ("uid=jdoe,ou=people", "mail", "casefold")
    ]
    eppn = located[(helpers.EPPN, "jdoe@college.test")]
    assert [(m.attribute, m.normalisation) for m in eppn.matches] == [("uid", "strip-scope")]
    nameid = located[(NAMEID, "jdoe@college.test")]
    assert nameid.attributes == ("uid",)


def test_person_without_matching_value_falls_back_to_names(login: Assertion) -> None:
    """If the person's value differs, the attribute released under the Name still counts."""
    person = Record("uid=jdoe,ou=people", {"employeeNumber": ("12345",)})
    result = idp_release("employeeNumber", None, login, person=person)
    assert result.idp_source == helpers.EMPLOYEE_NUMBER
    assert result.released is True
    assert result.value_confirmed is False
    confirmed = idp_release(
        "employeeNumber", None, login, person=Record("x", {"employeeNumber": ("0012345",)})
    )
    assert confirmed.value_confirmed is True
