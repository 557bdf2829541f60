"""`oidc discover`: discovery documents and JWKS of real providers and of local test servers."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from authprobe.cli.app import main
from authprobe.errors import InputError, SourceUnreachable
from authprobe.sources.oidc.discovery import read_discovery
from authprobe.sources.oidc.keys import read_jwks

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "oidc"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
PROVIDERS = [
    "adfs_fabidentity",
    "dockyard_auth0",
    "dockyard_azure",
    "dockyard_keycloak",
    "dockyard_okta",
    "wellknown_apple",
    "wellknown_entra_common",
    "wellknown_entra_organizations",
    "wellknown_gitlab",
    "wellknown_google",
    "wellknown_slack",
]
FIXED_NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _codes(findings: Any) -> set[str]:
    return {f.code for f in findings}


@needs_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("name", PROVIDERS)
def test_real_discovery_documents_read(name: str) -> None:
    """Entra v2, Google, Okta, Keycloak, Auth0, ADFS, ... : facts equal the document's members."""
    path = CORPUS / f"{name}_openid-configuration.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    jwks = CORPUS / f"{name}_jwks.json"
    found = read_discovery(str(path), jwks=str(jwks) if jwks.exists() else None, now=FIXED_NOW)
    assert found.issuer == raw["issuer"]
    assert found.authorization_endpoint == raw.get("authorization_endpoint")
    assert found.token_endpoint == raw.get("token_endpoint")
    assert found.userinfo_endpoint == raw.get("userinfo_endpoint")
    assert found.end_session_endpoint == raw.get("end_session_endpoint")
    assert list(found.subject_types) == raw["subject_types_supported"]
    assert list(found.id_token_algs) == raw["id_token_signing_alg_values_supported"]
    assert list(found.claims) == raw.get("claims_supported", [])
    if jwks.exists():
        published = json.loads(jwks.read_text(encoding="utf-8"))["keys"]
        assert found.keys is not None
        assert [k.kid for k in found.keys.keys] == [k.get("kid") for k in published]
    pairwise_only = raw["subject_types_supported"] == ["pairwise"]
    assert ("oidc-pairwise-subjects" in _codes(found.findings)) == (
        "pairwise" in raw["subject_types_supported"]
    )
    assert found.pairwise == pairwise_only


@needs_corpus
@pytest.mark.corpus
def test_entra_multi_tenant_issuer_and_expired_key_are_reported() -> None:
    """Entra's {tenantid} issuer is explained; the x5c that expired on 2021-04-04 is flagged."""
    found = read_discovery(
        str(CORPUS / "dockyard_azure_openid-configuration.json"),
        jwks=str(CORPUS / "dockyard_azure_jwks.json"),
        now=FIXED_NOW,
    )
    assert "oidc-issuer-multi-tenant" in _codes(found.findings)
    assert found.keys is not None
    expired = [f for f in found.keys.findings if f.code == "oidc-key-expired"]
    assert any("1LTMzakihiRla_8z2BEJVXeWMqo" in f.message for f in expired)
    old = next(k for k in found.keys.keys if k.kid == "1LTMzakihiRla_8z2BEJVXeWMqo")
    assert old.certificate is not None
    assert old.certificate.not_after.date().isoformat() == "2021-04-04"
    assert old.certificate_matches is True


@needs_corpus
@pytest.mark.corpus
def test_keycloak_http_endpoints_and_encryption_key() -> None:
    """Keycloak on http://localhost: one finding names every http endpoint; its RSA-OAEP key is
    listed but never used to verify."""
    raw = json.loads((CORPUS / "dockyard_keycloak_openid-configuration.json").read_text())
    plain = [k for k, v in raw.items() if isinstance(v, str) and v.startswith("http:")]
    found = read_discovery(
        str(CORPUS / "dockyard_keycloak_openid-configuration.json"),
        jwks=str(CORPUS / "dockyard_keycloak_jwks.json"),
        now=FIXED_NOW,
    )
    http = next(f for f in found.findings if f.code == "oidc-http-endpoint")
    assert http.count == len(plain)
    assert found.keys is not None
    assert [k.usable for k in found.keys.keys] == [True, False]
    assert len(found.keys.verification_keys()) == 1


def _certificate(key: rsa.RSAPrivateKey, days: int) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "op.college.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    import base64

    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _rsa_jwk(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    from joserfc.jwk import RSAKey

    public = RSAKey.import_key(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).as_dict()
    return {**public, "kid": kid, "use": "sig", **extra}


def test_jwks_findings_for_expiring_expired_odd_and_private_keys(tmp_path: Path) -> None:
    """Expiring (30 d) and expired x5c, a foreign x5c, an oct key, an unknown kty and a
    published private key are each reported; only the good keys verify."""
    good, expiring, expired, other = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(4)
    )
    private_numbers = _rsa_jwk(good, "leaked", d="AQAB")
    keys = [
        _rsa_jwk(good, "good", x5c=[_certificate(good, 900)]),
        _rsa_jwk(expiring, "expiring", x5c=[_certificate(expiring, 30)]),
        _rsa_jwk(expired, "expired", x5c=[_certificate(expired, -3)]),
        _rsa_jwk(good, "mismatch", x5c=[_certificate(other, 900)]),
        {"kty": "oct", "kid": "secret", "k": "c2VjcmV0"},
        {"kty": "XYZ", "kid": "odd"},
        private_numbers,
    ]
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": keys}), encoding="utf-8")
    found = read_jwks(str(path))
    codes = _codes(found.findings)
    assert {
        "oidc-key-expiring",
        "oidc-key-expired",
        "oidc-key-certificate-mismatch",
        "oidc-jwks-key-unusable",
        "oidc-jwks-private-key",
    } <= codes
    unusable = next(f for f in found.findings if f.code == "oidc-jwks-key-unusable")
    assert unusable.count == 2  # the oct key and the unknown key type
    assert [f.kid for f, _ in found.verification_keys()] == [
        "good",
        "expiring",
        "expired",
        "mismatch",
        "leaked",
    ]


def test_symmetric_only_provider_warns(tmp_path: Path) -> None:
    """A provider that signs only with HS256 (and offers none) gets both warnings."""
    path = tmp_path / "openid-configuration.json"
    document = {
        "issuer": "https://op.college.test",
        "authorization_endpoint": "https://op.college.test/auth",
        "token_endpoint": "https://op.college.test/token",
        "jwks_uri": "https://op.college.test/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256", "none"],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    codes = _codes(read_discovery(str(path)).findings)
    assert {"oidc-no-asymmetric-alg", "oidc-alg-none-offered"} <= codes
    assert "oidc-discovery-incomplete" not in codes


@pytest.mark.parametrize(
    ("content", "reference"),
    [
        (b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>", "oidc-discovery-html"),
        (b'{"hello": "world"}', "oidc-discovery-not-a-discovery"),
        (b"[1, 2, 3]", "oidc-discovery-not-object"),
        (b'{"issuer": ', "oidc-discovery-not-json"),
        (b"", "oidc-discovery-empty"),
        (b"<EntityDescriptor/>", "oidc-discovery-not-json"),
    ],
)
def test_not_a_discovery_document_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reference: str
) -> None:
    """A login page, XML, other JSON or nothing: a one-paragraph error, exit 4."""
    path = tmp_path / "doc"
    path.write_bytes(content)
    assert main(["oidc", "discover", str(path)]) == 4
    err = capsys.readouterr().err
    assert f"[{reference}]" in err
    assert "Traceback" not in err


def test_jwks_with_no_usable_key_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JWKS passed alone whose keys are all unsupported: listed, counted, exit 1."""
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{"kty": "XYZ", "kid": "a"}, "junk"]}), encoding="utf-8")
    assert main(["oidc", "discover", str(path), "-f", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["discovery"]["kind"] == "jwks"
    assert data["keys"]["set_aside"] == 2
    codes = {f["code"] for f in data["keys"]["findings"]}
    assert "oidc-jwks-no-signing-key" in codes


# -- served over HTTP ----------------------------------------------------------------------------


class _Site:
    def __init__(self, pages: dict[str, bytes], tls: ssl.SSLContext | None = None) -> None:
        self.pages = pages
        self.seen: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                site.seen.append(self.path)
                body = site.pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body or b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[_Site]:
    """A discovery document whose issuer is another host, and a JWKS, on 127.0.0.1."""
    pages: dict[str, bytes] = {}
    served = _Site(pages)
    base = f"http://127.0.0.1:{served.port}"
    pages["/realm/.well-known/openid-configuration"] = json.dumps(
        {
            "issuer": "https://elsewhere.college.test/realm",
            "authorization_endpoint": f"{base}/auth",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }
    ).encode()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pages["/jwks"] = json.dumps({"keys": [_rsa_jwk(key, "k1")]}).encode()
    yield served
    served.close()


def test_url_gets_the_well_known_path_and_its_jwks(site: _Site) -> None:
    """An issuer URL is completed with /.well-known/openid-configuration; jwks_uri is fetched;
    an issuer that differs from the URL is a warning."""
    found = read_discovery(f"http://127.0.0.1:{site.port}/realm")
    assert site.seen[:2] == ["/realm/.well-known/openid-configuration", "/jwks"]
    assert found.keys is not None
    assert [k.kid for k in found.keys.keys] == ["k1"]
    assert "oidc-issuer-mismatch" in _codes(found.findings)


def test_http_error_is_unreachable(site: _Site, capsys: pytest.CaptureFixture[str]) -> None:
    """A 404 is exit 3, naming the URL."""
    assert main(["oidc", "discover", f"http://127.0.0.1:{site.port}/nothing-here"]) == 3
    assert "[oidc-discovery-http-error]" in capsys.readouterr().err


def test_tls_is_verified(tmp_path: Path) -> None:
    """An https server with a self-signed certificate is refused (no silent trust)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = tmp_path / "cert.pem"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key_file)
    served = _Site({"/.well-known/openid-configuration": b"{}"}, tls=context)
    try:
        with pytest.raises(SourceUnreachable) as caught:
            read_discovery(f"https://127.0.0.1:{served.port}", timeout=5)
        assert caught.value.reference == "oidc-discovery-unreachable"
        assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message
    finally:
        served.close()


def test_huge_document_is_refused(tmp_path: Path) -> None:
    """A 6 MB 'discovery document' is refused before parsing."""
    path = tmp_path / "huge.json"
    path.write_bytes(b'{"issuer": "' + b"x" * (6 * 1024 * 1024) + b'"}')
    with pytest.raises(InputError) as caught:
        read_discovery(str(path))
    assert caught.value.reference == "oidc-discovery-too-large"


def test_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """json carries schema_version and meta; md lists the endpoints and keys."""
    path = tmp_path / "openid-configuration.json"
    path.write_text(
        json.dumps(
            {
                "issuer": "https://op.college.test",
                "authorization_endpoint": "https://op.college.test/auth",
                "token_endpoint": "https://op.college.test/token",
                "jwks_uri": "https://op.college.test/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "employeeid", "upn"],
            }
        ),
        encoding="utf-8",
    )
    assert main(["oidc", "discover", str(path), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    assert data["meta"]["command"] == "oidc discover"
    claims = {c["name"]: c for c in data["discovery"]["claims"]}
    assert claims["employeeid"]["directory_attributes"] == ["employeeID"]
    assert claims["sub"]["opaque"] is True
    assert main(["oidc", "discover", str(path), "-f", "md"]) == 0
    markdown = capsys.readouterr().out
    assert "- Token endpoint: `https://op.college.test/token`" in markdown
    assert "| `upn` | UPN | userPrincipalName |" in markdown
