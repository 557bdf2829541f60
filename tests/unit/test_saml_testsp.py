"""sources.testsp: the SP's identity and python3-saml's verdict on pysaml2 responses."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from authprobe.sources.saml import testsp
from authprobe.sources.saml.metadata import IdpEntity, parse_metadata
from tests import saml_helpers as helpers

pytestmark = pytest.mark.skipif(helpers.XMLSEC1 is None, reason="xmlsec1 is not installed")

ACS = "http://127.0.0.1:8910/acs"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> helpers.TestIdp:
    """A pysaml2 IdP with fresh keys."""
    return helpers.make_idp(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def entity(idp: helpers.TestIdp) -> IdpEntity:
    """The pysaml2 IdP as authprobe reads it from its metadata."""
    data = helpers.idp_metadata_xml(idp.server).encode()
    return parse_metadata(io.BytesIO(data), "idp.xml").idps[0]


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> testsp.SpIdentity:
    """The test SP on the default port, its keys in a scratch config dir."""
    return testsp.sp_identity(tmp_path_factory.mktemp("sp"))


def _verdict(identity: testsp.SpIdentity, entity: IdpEntity, xml: str) -> tuple[str, ...]:
    posted = base64.b64encode(xml.encode()).decode()
    return testsp.validate_response(identity, entity, posted, "_request-1")


def test_identity_is_kept_between_runs(tmp_path: Path) -> None:
    """The key pair is made once and reused; the key file is private to the user."""
    first = testsp.sp_identity(tmp_path, port=9001)
    second = testsp.sp_identity(tmp_path, port=9001)
    assert first.cert_pem == second.cert_pem
    assert first.acs_url == "http://127.0.0.1:9001/acs"
    assert (tmp_path / "sp-key.pem").stat().st_mode & 0o077 == 0


def test_valid_response_is_accepted(
    idp: helpers.TestIdp, entity: IdpEntity, identity: testsp.SpIdentity
) -> None:
    """A pysaml2 response for this SP, signed, fresh, is valid for python3-saml."""
    assert _verdict(identity, entity, helpers.authn_response(idp.server, destination=ACS)) == ()


def test_wrong_audience_is_rejected(
    idp: helpers.TestIdp, entity: IdpEntity, identity: testsp.SpIdentity
) -> None:
    """A response made for another SP is rejected, naming the audience."""
    xml = helpers.authn_response(idp.server, destination=ACS, audience="urn:other:sp")
    errors = _verdict(identity, entity, xml)
    assert errors
    assert "audience" in " ".join(errors).lower()


def test_expired_response_is_rejected(
    tmp_path: Path, entity: IdpEntity, identity: testsp.SpIdentity
) -> None:
    """A response whose validity already ended is rejected."""
    past = helpers.make_idp(tmp_path, lifetime_minutes=-5)
    metadata = parse_metadata(io.BytesIO(helpers.idp_metadata_xml(past.server).encode()), "x")
    errors = _verdict(identity, metadata.idps[0], helpers.authn_response(past.server))
    assert "expired" in " ".join(errors)


def test_tampered_response_is_rejected(
    idp: helpers.TestIdp, entity: IdpEntity, identity: testsp.SpIdentity
) -> None:
    """A value changed after signing breaks the signature: rejected."""
    xml = helpers.authn_response(idp.server, destination=ACS).replace("0012345", "0099999")
    assert _verdict(identity, entity, xml)


def test_unsigned_response_is_rejected(
    idp: helpers.TestIdp, entity: IdpEntity, identity: testsp.SpIdentity
) -> None:
    """An unsigned response is rejected by the SP."""
    xml = helpers.authn_response(idp.server, destination=ACS, sign_assertion=False)
    assert _verdict(identity, entity, xml)


def test_receive_decodes_like_decode(
    idp: helpers.TestIdp, entity: IdpEntity, identity: testsp.SpIdentity
) -> None:
    """The ACS handler validates, decodes with the IdP's certificates and queues the result."""
    server = testsp.TestSp(entity, identity)
    server.request_id = "_request-1"
    xml = helpers.authn_response(idp.server, destination=ACS)
    result = server.receive({"SAMLResponse": base64.b64encode(xml.encode()).decode()})
    assert result.valid
    assert result.assertion.trusted is True
    assert {a.name: a.values for a in result.assertion.attributes} == helpers.RELEASED_NAMES
    assert server.wait(1) is result


def test_garbage_post_reaches_the_waiting_cli_as_an_error(
    entity: IdpEntity, tmp_path: Path
) -> None:
    """A POST to the ACS that is not a SAML response ends the wait with a clean InputError."""
    import socket
    import urllib.error
    import urllib.request

    from authprobe.errors import InputError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = testsp.TestSp(entity, testsp.sp_identity(tmp_path, port=port))
    server.start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/acs", data=b"SAMLResponse=bm90IHhtbA%3D%3D"
        )
        with pytest.raises(urllib.error.HTTPError) as http_error:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
        assert http_error.value.code == 400
        with pytest.raises(InputError):
            server.wait(5)
    finally:
        server.stop()


def test_sp_metadata_has_no_expiry(identity: testsp.SpIdentity) -> None:
    """The SP metadata carries no validUntil: an IdP that honours it would drop the SP later."""
    from lxml import etree

    root = etree.fromstring(testsp.sp_metadata(identity).encode())
    assert root.tag == "{urn:oasis:names:tc:SAML:2.0:metadata}EntityDescriptor"
    assert root.get("entityID") == testsp.DEFAULT_ENTITY_ID
    assert all(e.get("validUntil") is None for e in root.iter())


def test_python3_saml_library_messages_never_reach_stderr(
    tmp_path: Path,
    identity: testsp.SpIdentity,
    entity: IdpEntity,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """An encrypted assertion with an undeclared prefix: rejected, and libxml2 stays silent."""
    from tests import saml_forge as forge

    broken = forge.response(forge.assertion()).replace(b"saml:Subject", b"foo:Subject")
    sealed = forge.encrypt_element(
        broken, "saml:Assertion", "saml:EncryptedAssertion", identity.cert_path, tmp_path
    )
    assert _verdict(identity, entity, sealed.decode()) != ()
    err = capfd.readouterr().err
    assert "foo" not in err, err
    assert "namespace error" not in err.lower(), err
