"""saml metadata: IdP metadata from pysaml2 (signed with xmlsec1), aggregates, URLs, bad input."""

from __future__ import annotations

import io
import json
import ssl
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from authprobe.errors import ExitCode, InputError, SourceUnreachable, UnsafeInputError, UsageError
from authprobe.sources.saml.metadata import IdpMetadata, parse_metadata, read_metadata
from tests import saml_helpers as helpers

pytestmark = pytest.mark.skipif(helpers.XMLSEC1 is None, reason="xmlsec1 is not installed")

MD = "urn:oasis:names:tc:SAML:2.0:metadata"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> helpers.TestIdp:
    """A pysaml2 IdP with fresh keys."""
    return helpers.make_idp(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def signed_file(idp: helpers.TestIdp, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The IdP's metadata, signed by pysaml2."""
    path = tmp_path_factory.mktemp("md") / "idp-signed.xml"
    path.write_text(helpers.idp_metadata_xml(idp.server, sign=True), encoding="utf-8")
    return path


def _parse(text: str | bytes, **kwargs: object) -> IdpMetadata:
    data = text.encode() if isinstance(text, str) else text
    return parse_metadata(io.BytesIO(data), "test.xml", **kwargs)  # type: ignore[arg-type]


def test_pysaml2_metadata_facts(signed_file: Path, idp: helpers.TestIdp) -> None:
    """entityID, SSO endpoints with bindings, NameID formats and the signing cert are read."""
    metadata = read_metadata(signed_file)
    assert metadata.idp_count == 1
    (entity,) = metadata.idps
    assert entity.entity_id == helpers.IDP_ENTITY_ID
    assert {(e.binding_short, e.location) for e in entity.sso} == {
        ("HTTP-Redirect", "https://idp.college.test/sso/redirect"),
        ("HTTP-POST", "https://idp.college.test/sso/post"),
    }
    assert [f.rsplit(":", 1)[-1] for f in entity.nameid_formats] == ["persistent", "transient"]
    assert entity.signing_certificates
    assert entity.signing_certificates[0].subject == "CN=idp"
    assert entity.signing_certificates[0].key_size == 2048
    assert metadata.signature.present is True
    assert metadata.signature.verified is None


def test_signature_verifies_with_the_right_cert(signed_file: Path, idp: helpers.TestIdp) -> None:
    """--cert with the signer's certificate verifies the pysaml2 signature."""
    metadata = read_metadata(signed_file, cert=[str(idp.keys.cert)])
    assert metadata.signature.verified is True
    assert "covers the whole document" in metadata.signature.detail


def test_signature_fails_with_another_cert(signed_file: Path, tmp_path: Path) -> None:
    """--cert with an unrelated certificate does not verify, and says so as an error finding."""
    other = helpers.make_keypair(tmp_path, "other")
    metadata = read_metadata(signed_file, cert=[str(other.cert)])
    assert metadata.signature.verified is False
    assert any(f.code == "metadata-signature-invalid" for f in metadata.findings)


def test_tampered_metadata_does_not_verify(
    signed_file: Path, idp: helpers.TestIdp, tmp_path: Path
) -> None:
    """An SSO URL changed after signing breaks the signature."""
    text = signed_file.read_text(encoding="utf-8")
    tampered = tmp_path / "tampered.xml"
    tampered.write_text(text.replace("sso/post", "sso/evil"), encoding="utf-8")
    metadata = read_metadata(tampered, cert=[str(idp.keys.cert)])
    assert metadata.signature.verified is False


def test_unsigned_metadata_with_cert_is_a_warning(idp: helpers.TestIdp, tmp_path: Path) -> None:
    """A certificate given for unsigned metadata: nothing to verify, said as a warning."""
    path = tmp_path / "unsigned.xml"
    path.write_text(helpers.idp_metadata_xml(idp.server), encoding="utf-8")
    metadata = read_metadata(path, cert=[str(idp.keys.cert)])
    assert metadata.signature.present is False
    assert any(f.code == "metadata-unsigned" for f in metadata.findings)


def _entity(entity_id: str, cert_body: str, *, extra: str = "") -> str:
    return f"""<md:EntityDescriptor entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:Extensions><shibmd:Scope regexp="false">college.test</shibmd:Scope></md:Extensions>
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{cert_body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://{entity_id.split("/")[2]}/sso"/>
    <saml:Attribute Name="urn:oid:2.16.840.1.113730.3.1.3" FriendlyName="employeeNumber"
        NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"/>
    {extra}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


def _aggregate(count: int, cert_body: str) -> bytes:
    head = (
        f'<md:EntitiesDescriptor xmlns:md="{MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        'xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" Name="urn:test:federation">'
    )
    body = "".join(_entity(f"https://idp{i}.college.test/idp", cert_body) for i in range(count))
    return (head + body + "</md:EntitiesDescriptor>").encode()


def _cert_body(pair: helpers.KeyPair) -> str:
    return "".join(line for line in pair.cert_pem.splitlines() if not line.startswith("-----"))


def test_aggregate_counts_and_entity_selection(idp: helpers.TestIdp) -> None:
    """An aggregate lists all its IdPs; --entity keeps only the one asked for."""
    data = _aggregate(7, _cert_body(idp.keys))
    everything = _parse(data)
    assert (everything.entities, everything.idp_count, len(everything.idps)) == (7, 7, 7)
    assert everything.name == "urn:test:federation"
    one = _parse(data, entity="https://idp3.college.test/idp")
    assert [i.entity_id for i in one.idps] == ["https://idp3.college.test/idp"]
    assert one.idps[0].scopes[0].value == "college.test"
    assert one.idps[0].attributes[0].name == "urn:oid:2.16.840.1.113730.3.1.3"


def _peak(data: bytes, entity: str) -> int:
    tracemalloc.start()
    try:
        _parse(data, entity=entity)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_aggregate_memory_does_not_grow_with_entity_count(idp: helpers.TestIdp) -> None:
    """Reading 5,000 entities costs about what reading 500 does (streaming, elements cleared)."""
    body = _cert_body(idp.keys)
    small, large = _aggregate(500, body), _aggregate(5000, body)
    assert len(large) > 9 * len(small)
    small_peak = _peak(small, "https://idp7.college.test/idp")
    large_peak = _peak(large, "https://idp7.college.test/idp")
    assert large_peak < 2 * small_peak
    assert large_peak < len(large) / 4


def test_unknown_entity_is_a_usage_error(idp: helpers.TestIdp) -> None:
    """--entity that is not in the metadata: exit 2 with the count of IdPs."""
    with pytest.raises(UsageError) as caught:
        _parse(_aggregate(3, _cert_body(idp.keys)), entity="https://nope.test/idp")
    assert "3 IdPs" in caught.value.message


def _one(cert: helpers.KeyPair, extra: str = "") -> bytes:
    return (
        f'<md:EntitiesDescriptor xmlns:md="{MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        'xmlns:shibmd="urn:mace:shibboleth:metadata:1.0">'
        + _entity("https://idp.college.test/idp", _cert_body(cert), extra=extra)
        + "</md:EntitiesDescriptor>"
    ).encode()


def test_expired_and_expiring_certificates_are_findings(tmp_path: Path) -> None:
    """An expired signing cert is an error; one expiring within 90 days a warning."""
    expired = _parse(_one(helpers.make_keypair(tmp_path, "old", days=-3)))
    assert [f.code for f in expired.idps[0].findings if f.code.startswith("certificate")] == [
        "certificate-expired"
    ]
    soon = _parse(_one(helpers.make_keypair(tmp_path, "soon", days=30)))
    codes = [f.code for f in soon.idps[0].findings]
    assert "certificate-expiring" in codes
    later = _parse(_one(helpers.make_keypair(tmp_path, "later", days=400)))
    assert not [f for f in later.idps[0].findings if f.code.startswith("certificate-exp")]


def test_expiry_is_relative_to_now(tmp_path: Path) -> None:
    """The same 400-day certificate is 'expiring' when checked 350 days from now."""
    data = _one(helpers.make_keypair(tmp_path, "later", days=400))
    future = datetime.now(UTC) + timedelta(days=350)
    codes = [f.code for f in _parse(data, now=future).idps[0].findings]
    assert "certificate-expiring" in codes


def test_rollover_and_opaque_nameid_findings(tmp_path: Path) -> None:
    """Two signing certs = rollover; only transient NameIDs = opaque-only warning."""
    second = helpers.make_keypair(tmp_path, "next")
    extra = (
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{_cert_body(second)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )
    metadata = _parse(_one(helpers.make_keypair(tmp_path, "now"), extra=extra))
    codes = {f.code for f in metadata.idps[0].findings}
    assert {"certificate-rollover", "nameid-opaque-only"} <= codes
    assert len(metadata.idps[0].signing_certificates) == 2


@pytest.mark.parametrize(
    ("data", "reference"),
    [
        (b"", "saml-metadata-empty"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "saml-metadata-html"),
        (
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "saml-metadata-is-certificate",
        ),
        (b'{"not": "xml"}', "saml-metadata-not-xml"),
        (b"<users/>", "saml-metadata-not-metadata"),
        (
            b'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">',
            "xml-malformed",
        ),
        (
            b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">'
            b'<md:SPSSODescriptor protocolSupportEnumeration="p"/></md:EntityDescriptor>',
            "saml-metadata-no-idp",
        ),
    ],
)
def test_bad_input_is_a_clean_input_error(data: bytes, reference: str) -> None:
    """Not metadata in every way users manage: a clean InputError (exit 4) with a reference."""
    with pytest.raises(InputError) as caught:
        _parse(data)
    assert caught.value.reference == reference
    assert caught.value.exit_code is ExitCode.UNREADABLE


def test_dtd_is_refused() -> None:
    """Metadata with a DTD is refused as unsafe."""
    with pytest.raises(UnsafeInputError):
        _parse(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>')


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """A path that does not exist: InputError, exit 4."""
    with pytest.raises(InputError):
        read_metadata(tmp_path / "nope.xml")


# -- URLs ----------------------------------------------------------------------------------------


@pytest.fixture
def served(signed_file: Path) -> Iterator[str]:
    """The signed metadata served over plain HTTP on 127.0.0.1; yields the base URL."""
    body = signed_file.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            status = 200 if self.path == "/metadata" else 404
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) if status == 200 else 0))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_metadata_url_is_fetched(served: str) -> None:
    """An http URL is fetched and read like the file."""
    metadata = read_metadata(f"{served}/metadata")
    assert metadata.idps[0].entity_id == helpers.IDP_ENTITY_ID
    assert metadata.location == f"{served}/metadata"


def test_http_error_is_unreachable(served: str) -> None:
    """An HTTP 404 is SourceUnreachable (exit 3)."""
    with pytest.raises(SourceUnreachable) as caught:
        read_metadata(f"{served}/missing")
    assert caught.value.exit_code is ExitCode.UNREACHABLE


def test_closed_port_is_unreachable_and_credentials_are_redacted() -> None:
    """Nothing listening: exit 3, and user:password never appears in the location."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceUnreachable) as caught:
        read_metadata(f"http://user:secret@127.0.0.1:{port}/md", timeout=5)
    assert "secret" not in str(caught.value.location)


def test_untrusted_tls_certificate_is_refused(tmp_path: Path, signed_file: Path) -> None:
    """An https server with a self-signed certificate is refused (TLS is verified): exit 3."""
    pair = helpers.make_keypair(tmp_path, "127.0.0.1")
    body = signed_file.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pair.cert, pair.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(SourceUnreachable) as caught:
            read_metadata(f"https://127.0.0.1:{server.server_address[1]}/md", timeout=5)
        assert "certificate" in caught.value.message.lower()
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_does_not_speak_http_is_exit_3(tmp_path: Path) -> None:
    """A metadata URL whose port answers garbage is a named unreachable error, not a crash."""
    import socket
    import threading

    from authprobe.errors import SourceUnreachable
    from authprobe.sources.saml.metadata import read_metadata

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def answer() -> None:
        connection, _ = listener.accept()
        connection.recv(4096)
        connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        connection.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    with pytest.raises(SourceUnreachable) as caught:
        read_metadata(f"http://127.0.0.1:{port}/metadata", timeout=5)
    thread.join(5)
    listener.close()
    assert caught.value.reference == "saml-metadata-not-http"


def test_a_scope_listed_twice_is_shown_once(capsys: pytest.CaptureFixture[str]) -> None:
    """An IdP that lists its scope in the IDPSSODescriptor and again in the AttributeAuthority
    shows each scope once (it said "su.se, su.se")."""
    from lxml import etree

    from authprobe.cli.app import main

    path = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "idp-metadata"
    path = path / "fed_swamid-1.0_aggregate.xml"
    if not path.exists():
        pytest.skip("the shared corpus is not here")
    entity = "https://idp.secure.su.se/identity"
    md = "urn:oasis:names:tc:SAML:2.0:metadata"
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    (element,) = tree.iterfind(f"{{{md}}}EntityDescriptor[@entityID='{entity}']")
    listed = [s.text.strip() for s in element.iter("{urn:mace:shibboleth:metadata:1.0}Scope")]
    assert len(listed) > len(set(listed))  # the data does list one twice
    main(["saml", "metadata", str(path), "--entity", entity, "-f", "json"])
    (idp,) = json.loads(capsys.readouterr().out)["idps"]
    shown = [s["value"] for s in idp["scopes"]]
    assert shown == list(dict.fromkeys(listed))
