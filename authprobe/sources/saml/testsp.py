"""A throw-away SAML service provider on 127.0.0.1, to see what a real login releases.

    identity = sp_identity(config_dir, port=8910, entity_id=DEFAULT_ENTITY_ID)
    server = TestSp(idp, identity)        # idp: an IdpEntity from the IdP's metadata
    server.start(); ...; result = server.wait(timeout=600); server.stop()

The SP's key pair is generated on first use and kept in the config dir (the same certificate
every run, so campus IT registers it once). `GET /metadata` serves the SP metadata, `GET /login`
sends an AuthnRequest to the IdP (HTTP-Redirect, or an auto-submitted HTTP-POST form), and
`POST /acs` receives the response: python3-saml validates it (signature, audience, destination,
times, InResponseTo) and `message.decode` reads it exactly like `saml decode`.
The library never prints; the CLI reports progress.
"""

from __future__ import annotations

import base64
import html
import os
import queue
import re
import threading
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

from authprobe.errors import AuthprobeError, InputError, SourceUnreachable, UsageError
from authprobe.sources.saml import libxmlsec
from authprobe.sources.saml.checks import BINDING_POST, BINDING_REDIRECT
from authprobe.sources.saml.message import Assertion, decode
from authprobe.sources.saml.metadata import IdpEntity

DEFAULT_ENTITY_ID = "urn:authprobe:test-sp"
DEFAULT_PORT = 8910
HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class SpIdentity:
    """Who the test SP is: entityID, where it listens, its certificate and key."""

    entity_id: str
    port: int
    cert_pem: str
    key_pem: str
    cert_path: Path

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{HOST}:{self.port}"

    @property
    def acs_url(self) -> str:
        """The AssertionConsumerService URL to register at the IdP."""
        return f"{self.base_url}/acs"

    @property
    def metadata_url(self) -> str:
        """Where the SP metadata is served."""
        return f"{self.base_url}/metadata"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """One login received at the ACS."""

    assertion: Assertion
    saml_response: bytes  # the decoded XML as POSTed (for --save)
    errors: tuple[str, ...]  # python3-saml's validation errors (empty: valid)

    @property
    def valid(self) -> bool:
        """True when python3-saml accepted the response."""
        return not self.errors


def default_config_dir() -> Path:
    """`$XDG_CONFIG_HOME/authprobe/test-sp` (or ~/.config/...)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "authprobe" / "test-sp"


def _generate(cert_path: Path, key_path: Path, common_name: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def sp_identity(
    config_dir: Path | None = None,
    *,
    port: int = DEFAULT_PORT,
    entity_id: str = DEFAULT_ENTITY_ID,
) -> SpIdentity:
    """The SP identity, generating its key pair in `config_dir` on first use."""
    folder = config_dir or default_config_dir()
    cert_path, key_path = folder / "sp-cert.pem", folder / "sp-key.pem"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not (cert_path.exists() and key_path.exists()):
            _generate(cert_path, key_path, "authprobe test-sp")
        cert_pem = cert_path.read_text(encoding="ascii")
        key_pem = key_path.read_text(encoding="ascii")
    except OSError as exc:
        raise InputError(
            "test-sp-config",
            f"The test SP's key pair cannot be kept in {folder}: {exc.strerror or exc}",
            location=str(folder),
            hint="Pass --config-dir with a writable folder.",
        ) from exc
    return SpIdentity(entity_id, port, cert_pem, key_pem, cert_path)


def _pem_body(pem: str) -> str:
    return "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))


def sp_settings(identity: SpIdentity, idp: IdpEntity | None) -> dict[str, Any]:
    """python3-saml settings for this SP and the IdP."""
    sso = None
    if idp is not None:
        sso = next((e for e in idp.sso if e.binding == BINDING_REDIRECT), None) or next(
            (e for e in idp.sso if e.binding == BINDING_POST), None
        )
    idp_settings: dict[str, Any] = {
        "entityId": idp.entity_id if idp else "urn:authprobe:no-idp",
        "singleSignOnService": {
            "url": sso.location if sso else "http://127.0.0.1/",
            "binding": sso.binding if sso else BINDING_REDIRECT,
        },
    }
    signing = [_pem_body(c.pem) for c in idp.signing_certificates] if idp else []
    if len(signing) == 1:
        idp_settings["x509cert"] = signing[0]
    elif signing:
        idp_settings["x509certMulti"] = {"signing": signing}
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": identity.entity_id,
            "assertionConsumerService": {"url": identity.acs_url, "binding": BINDING_POST},
            "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
            "x509cert": _pem_body(identity.cert_pem),
            "privateKey": _pem_body(identity.key_pem),
        },
        "idp": idp_settings,
        "security": {
            "wantAssertionsSigned": False,
            "wantMessagesSigned": False,
            "wantNameId": False,
            "requestedAuthnContext": False,
            "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
        },
    }


def sp_metadata(identity: SpIdentity) -> str:
    """The SP metadata XML to register at the IdP (entityID, ACS, certificate)."""
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    settings = OneLogin_Saml2_Settings(sp_settings(identity, None), sp_validation_only=True)
    metadata: str | bytes = settings.get_sp_metadata()
    text = metadata.decode("utf-8") if isinstance(metadata, bytes) else metadata
    # python3-saml writes validUntil two days ahead; an IdP that honours it would drop the
    # registration after two days, so the SP metadata carries no expiry at all.
    text = re.sub(r'\s+validUntil="[^"]*"', "", text, count=1)
    # The same key decrypts: offer it for encryption too (Shibboleth encrypts by default).
    match = re.search(r'<md:KeyDescriptor use="signing">.*?</md:KeyDescriptor>', text, re.S)
    if match and 'use="encryption"' not in text:
        encryption = match.group(0).replace('use="signing"', 'use="encryption"')
        text = text.replace(match.group(0), match.group(0) + encryption, 1)
    return text


def _request_data(identity: SpIdentity, path: str, post: dict[str, str]) -> dict[str, Any]:
    return {
        "https": "off",
        "http_host": HOST,
        "server_port": str(identity.port),
        "script_name": path,
        "get_data": {},
        "post_data": post,
    }


def validate_response(
    identity: SpIdentity, idp: IdpEntity, saml_response: str, request_id: str | None
) -> tuple[str, ...]:
    """python3-saml's verdict on a POSTed SAMLResponse (empty when valid)."""
    from onelogin.saml2.auth import OneLogin_Saml2_Auth
    from onelogin.saml2.errors import OneLogin_Saml2_Error

    auth = OneLogin_Saml2_Auth(
        _request_data(identity, "/acs", {"SAMLResponse": saml_response}),
        sp_settings(identity, idp),
    )
    try:
        with libxmlsec.quiet():  # libxml2/xmlsec write to fd 2 directly: never raw to the user
            auth.process_response(request_id=request_id)
    except (OneLogin_Saml2_Error, ValueError, etree.LxmlError) as exc:
        return (str(exc),)
    errors = list(auth.get_errors())
    reason = auth.get_last_error_reason()
    return tuple([*errors, reason] if errors and reason else errors)


class TestSp:
    """The HTTP server (one thread); `wait()` returns the first login received."""

    __test__ = False  # not a pytest test class

    def __init__(self, idp: IdpEntity, identity: SpIdentity) -> None:
        if not any(e.binding in (BINDING_REDIRECT, BINDING_POST) for e in idp.sso):
            raise UsageError(
                "test-sp-no-sso",
                "The IdP has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding.",
                hint="Check the IdP metadata with `authprobe saml metadata`.",
            )
        self.idp = idp
        self.identity = identity
        self.request_id: str | None = None
        self.results: queue.Queue[LoginResult | AuthprobeError] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen on 127.0.0.1:port (SourceUnreachable when the port is taken)."""
        handler = _handler(self)
        try:
            self._server = ThreadingHTTPServer((HOST, self.identity.port), handler)
        except OSError as exc:
            raise SourceUnreachable(
                "test-sp-port",
                f"Cannot listen on {HOST}:{self.identity.port}: {exc.strerror or exc}",
                location=f"{HOST}:{self.identity.port}",
                hint="Pass another --port (and register that ACS URL at the IdP).",
            ) from exc
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait(self, timeout: float) -> LoginResult | None:
        """The first login received within `timeout` seconds, or None.

        A POST that could not be read (not a SAML response, a DTD, ...) raises its error here.
        """
        try:
            outcome = self.results.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(outcome, AuthprobeError):
            raise outcome
        return outcome

    # -- the three pages -----------------------------------------------------------------------

    def login_response(self) -> tuple[int, dict[str, str], bytes]:
        """A redirect (or an auto-submit form) carrying a fresh AuthnRequest to the IdP."""
        from onelogin.saml2.auth import OneLogin_Saml2_Auth
        from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
        from onelogin.saml2.settings import OneLogin_Saml2_Settings

        settings = sp_settings(self.identity, self.idp)
        if settings["idp"]["singleSignOnService"]["binding"] == BINDING_REDIRECT:
            auth = OneLogin_Saml2_Auth(_request_data(self.identity, "/login", {}), settings)
            url = auth.login()
            self.request_id = auth.get_last_request_id()
            return 302, {"Location": url}, b""
        request = OneLogin_Saml2_Authn_Request(OneLogin_Saml2_Settings(settings))
        self.request_id = request.get_id()
        encoded = base64.b64encode(request.get_xml().encode("utf-8")).decode("ascii")
        target = settings["idp"]["singleSignOnService"]["url"]
        return 200, {"Content-Type": "text/html; charset=utf-8"}, _autopost(target, encoded)

    def receive(self, form: dict[str, str]) -> LoginResult:
        """Validate and decode a POSTed SAMLResponse; queue the result for `wait()`."""
        raw = form.get("SAMLResponse", "")
        if not raw:
            raise InputError("test-sp-no-response", "The POST carries no SAMLResponse.")
        # authprobe's own (hardened) reading first: garbage and DTDs stop here, cleanly.
        login = decode(
            raw.encode("ascii", "replace"),
            f"POST {self.identity.acs_url}",
            certificates=self.idp.signing_certificates,
            sp_key=self.identity.key_pem,
        )
        try:
            xml = base64.b64decode(raw)
        except ValueError:  # decode() also reads URL-safe base64 and raw XML
            xml = raw.encode("utf-8")
        errors = validate_response(self.identity, self.idp, raw, self.request_id)
        result = LoginResult(login, xml, errors)
        self.results.put(result)
        return result


def _autopost(target: str, saml_request: str) -> bytes:
    page = (
        "<!DOCTYPE html><html><body onload='document.forms[0].submit()'>"
        f"<form method='post' action='{html.escape(target, quote=True)}'>"
        f"<input type='hidden' name='SAMLRequest' value='{html.escape(saml_request)}'/>"
        "<noscript><button type='submit'>Continue</button></noscript></form></body></html>"
    )
    return page.encode("utf-8")


def _handler(sp: TestSp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "authprobe-test-sp"

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr access log (the CLI reports progress)."""

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path == "/metadata":
                body = sp_metadata(sp.identity).encode("utf-8")
                self._send(200, {"Content-Type": "application/samlmetadata+xml"}, body)
            elif path in ("/", "/login"):
                self._send(*sp.login_response())
            else:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")

        def do_POST(self) -> None:
            if urllib.parse.urlsplit(self.path).path != "/acs":
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
                return
            length = min(int(self.headers.get("Content-Length") or 0), 20 * 1024 * 1024)
            body = self.rfile.read(length).decode("utf-8", "replace")
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
            try:
                result = sp.receive(form)
            except AuthprobeError as exc:
                sp.results.put(exc)
                self._send(400, {"Content-Type": "text/plain; charset=utf-8"}, str(exc).encode())
                return
            verdict = "valid" if result.valid else "NOT valid: " + "; ".join(result.errors)
            page = (
                "<!DOCTYPE html><html><body><h1>authprobe test-sp</h1>"
                f"<p>Login received ({html.escape(verdict)}). "
                "The released attributes are shown in the terminal.</p></body></html>"
            )
            self._send(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())

    return Handler
