"""A throw-away OpenID Connect relying party on 127.0.0.1, to see what a real login releases.

    rp = TestRp(discovery, RpSettings(client_id="...", client_secret=None, port=8911))
    rp.start(); ...; result = rp.wait(timeout=600); rp.stop()
    result.token (an IdToken, decoded exactly like `oidc decode`), result.errors (validation)

`GET /login` starts the authorization code flow with PKCE (S256): a fresh state, nonce and code
verifier per login, and a redirect to the provider's authorization endpoint. `GET /callback`
receives the code, exchanges it at the token endpoint (client_secret_basic or _post when a
secret is given, else a public client), and validates the ID token: signature against the
provider's JWKS, issuer, audience (and azp), nonce, expiry. Codes and secrets go to the token
endpoint over verified TLS; a plain http: token endpoint is used only on this machine (a test
provider). The library never prints; the CLI reports progress.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import queue
import secrets
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from authprobe.errors import AuthprobeError, InputError, SourceUnreachable, UnsafeInputError
from authprobe.sources import web
from authprobe.sources.documents import parse_object
from authprobe.sources.oidc.discovery import Discovery, is_loopback
from authprobe.sources.oidc.token import IdToken, decode_token
from authprobe.sources.oidc.token_input import TokenInput, find_token

HOST = "127.0.0.1"
DEFAULT_PORT = 8911
CALLBACK = "/callback"
SECRET_ENV = "AUTHPROBE_OIDC_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
MAX_RESPONSE = 1024 * 1024
CLOCK_SKEW = 300


@dataclass(frozen=True, slots=True)
class RpSettings:
    """Who the test relying party is at the provider."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    port: int = DEFAULT_PORT
    scopes: tuple[str, ...] = ("openid", "profile", "email")

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{HOST}:{self.port}"

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to register at the provider."""
        return f"{self.base_url}{CALLBACK}"


@dataclass(frozen=True, slots=True)
class RpResult:
    """One login received at the callback."""

    token: IdToken
    errors: tuple[str, ...]  # why the ID token is not valid for this RP (empty: valid)
    token_members: tuple[str, ...]  # what the token endpoint returned (names only)

    @property
    def valid(self) -> bool:
        """True when the ID token passed every check."""
        return not self.errors


@dataclass(slots=True)
class _Attempt:
    state: str
    nonce: str
    verifier: str


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TestRp:
    """The HTTP server (one thread); `wait()` returns the first login received."""

    __test__ = False  # not a pytest test class

    def __init__(self, discovery: Discovery, settings: RpSettings) -> None:
        for name in ("authorization_endpoint", "token_endpoint"):
            if not getattr(discovery, name):
                raise InputError(
                    "test-rp-no-endpoint",
                    f"The discovery document has no {name}: no code flow is possible.",
                    location=discovery.location,
                    hint="Check the document with `authprobe oidc discover`.",
                )
        token_endpoint = str(discovery.token_endpoint)
        if token_endpoint.lower().startswith("http:") and not is_loopback(token_endpoint):
            raise UnsafeInputError(
                "test-rp-http-token-endpoint",
                "The token endpoint is a plain http: URL on another machine: the code and the "
                "client secret would cross the network unencrypted, so test-rp refuses.",
                location=web.redact_url(token_endpoint),
                hint="Ask campus IT for the provider's https discovery document.",
            )
        self.discovery = discovery
        self.settings = settings
        self.attempts: dict[str, _Attempt] = {}
        self.results: queue.Queue[RpResult | AuthprobeError] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Listen on 127.0.0.1:port (SourceUnreachable when the port is taken)."""
        try:
            self._server = ThreadingHTTPServer((HOST, self.settings.port), _handler(self))
        except OSError as exc:
            raise SourceUnreachable(
                "test-rp-port",
                f"Cannot listen on {HOST}:{self.settings.port}: {exc.strerror or exc}",
                location=f"{HOST}:{self.settings.port}",
                hint="Pass another --port (and register that redirect URI at the provider).",
            ) from exc
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait(self, timeout: float) -> RpResult | None:
        """The first login within `timeout` seconds, or None; a failed login raises its error."""
        try:
            outcome = self.results.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(outcome, AuthprobeError):
            raise outcome
        return outcome

    def authorization_url(self) -> str:
        """A fresh authorization request (state, nonce, PKCE S256)."""
        attempt = _Attempt(
            secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        )
        with self._lock:
            self.attempts[attempt.state] = attempt
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": " ".join(self.settings.scopes),
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": _challenge(attempt.verifier),
            "code_challenge_method": "S256",
        }
        endpoint = str(self.discovery.authorization_endpoint)
        joiner = "&" if "?" in endpoint else "?"
        return endpoint + joiner + urllib.parse.urlencode(query)

    def receive(self, query: dict[str, str]) -> RpResult:
        """Handle the callback: exchange the code, decode and validate the ID token."""
        if "error" in query:
            raise SourceUnreachable(
                "test-rp-login-refused",
                f"The provider refused the login: {query['error']} "
                f"{query.get('error_description', '')}".strip(),
                hint="Check the client registration (redirect URI, scopes, who may sign in).",
            )
        with self._lock:
            attempt = self.attempts.pop(query.get("state", ""), None)
        if attempt is None:
            raise InputError(
                "test-rp-state-unknown",
                "The callback carries a state this relying party did not send (a stale or "
                "forged callback).",
                hint=f"Start again from {self.settings.base_url}/login.",
            )
        if not query.get("code"):
            raise InputError("test-rp-no-code", "The callback carries no authorization code.")
        reply = self._exchange(query["code"], attempt)
        token_text = reply.get("id_token")
        if not isinstance(token_text, str):
            raise SourceUnreachable(
                "test-rp-no-id-token",
                "The token endpoint returned no id_token (was the openid scope granted?).",
                location=web.redact_url(str(self.discovery.token_endpoint)),
            )
        others = tuple(name for name in ("access_token", "refresh_token") if reply.get(name))
        found = find_token(token_text.encode("ascii", "replace"), "token endpoint")
        found = TokenInput(found.token, "token-response", found.location, others)
        token = decode_token(
            found,
            keys=self.discovery.keys,
            secret=self._secret(),
            issuer=self.discovery.issuer,
            client_id=self.settings.client_id,
        )
        errors = validate(token, self.discovery, self.settings, attempt.nonce)
        result = RpResult(token, errors, tuple(sorted(reply)))
        self.results.put(result)
        return result

    def _secret(self) -> bytes | None:
        """The client secret, for an ID token MACed with it (HS256/384/512)."""
        secret = self.settings.client_secret
        return secret.encode("utf-8") if secret else None

    def _exchange(self, code: str, attempt: _Attempt) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_uri,
            "code_verifier": attempt.verifier,
        }
        headers = {"Accept": "application/json", "User-Agent": "authprobe"}
        secret = self.settings.client_secret
        methods = self.discovery.token_auth_methods
        if secret and ("client_secret_basic" in methods or not methods):
            pair = f"{_form(self.settings.client_id)}:{_form(secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.settings.client_id
            if secret:
                form["client_secret"] = secret
        endpoint = str(self.discovery.token_endpoint)
        request = urllib.request.Request(  # noqa: S310 - https, or http on this machine only
            endpoint, data=urllib.parse.urlencode(form).encode(), headers=headers, method="POST"
        )
        context = ssl.create_default_context()
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310
                body: bytes = response.read(MAX_RESPONSE + 1)
        except urllib.error.HTTPError as exc:
            raise _token_error(exc, endpoint) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SourceUnreachable(
                "test-rp-token-endpoint-unreachable",
                f"The token endpoint cannot be reached: {getattr(exc, 'reason', exc)}",
                location=web.redact_url(endpoint),
            ) from exc
        return parse_object(
            body[:MAX_RESPONSE],
            web.redact_url(endpoint),
            what="token response",
            reference="test-rp-token-response",
            hint="The token endpoint should answer JSON with an id_token.",
        )


def _form(value: str) -> str:
    return urllib.parse.quote_plus(value)


def _token_error(exc: urllib.error.HTTPError, endpoint: str) -> SourceUnreachable:
    detail = ""
    try:
        data = json.loads(exc.read(64 * 1024).decode("utf-8", "replace"))
        if isinstance(data, dict):
            detail = f": {data.get('error', '')} {data.get('error_description', '')}".rstrip()
    except (OSError, ValueError):
        detail = ""
    return SourceUnreachable(
        "test-rp-token-endpoint-error",
        f"The token endpoint refused the code (HTTP {exc.code}){detail}.",
        location=web.redact_url(endpoint),
        hint="Check the client ID and secret, and that the redirect URI is registered exactly.",
    )


def validate(
    token: IdToken,
    discovery: Discovery,
    settings: RpSettings,
    nonce: str,
    now: datetime | None = None,
) -> tuple[str, ...]:
    """Why the ID token is not valid for this relying party (empty when it is)."""
    moment = (now or datetime.now(UTC)).timestamp()
    errors: list[str] = []
    if not token.signature.verified:
        errors.append(f"signature {token.signature.status}: {token.signature.detail}")
    codes = {f.code for f in token.findings}
    if "oidc-token-issuer-mismatch" in codes:
        errors.append(f"issuer is not {discovery.issuer}")
    if "oidc-token-audience" in codes:
        errors.append(f"audience does not include {settings.client_id}")
    audience = token.claim("aud")
    party = token.claim("azp")
    values = audience.value if audience is not None else None
    several = isinstance(values, list) and len(values) > 1
    if several and (party is None or party.value != settings.client_id):
        errors.append("several audiences and azp is not this client")
    sent = token.claim("nonce")
    if sent is None or sent.value != nonce:
        errors.append("nonce does not match the one sent (a replayed or foreign token)")
    expires = token.claim("exp")
    if expires is None or expires.time is None or expires.time.timestamp() + CLOCK_SKEW < moment:
        errors.append("expired, or no exp")
    return tuple(errors)


def _handler(rp: TestRp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "authprobe-test-rp"

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr access log (the CLI reports progress)."""

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            if parts.path in ("/", "/login"):
                self._send(302, {"Location": rp.authorization_url()}, b"")
            elif parts.path == CALLBACK:
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                self._callback(query)
            else:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")

        def _callback(self, query: dict[str, str]) -> None:
            if "error" not in query and query.get("state", "") not in rp.attempts:
                body = b"This callback does not belong to a login started here: ignored."
                self._send(400, {"Content-Type": "text/plain; charset=utf-8"}, body)
                return
            try:
                result = rp.receive(query)
            except AuthprobeError as exc:
                rp.results.put(exc)
                self._send(400, {"Content-Type": "text/plain; charset=utf-8"}, str(exc).encode())
                return
            verdict = "valid" if result.valid else "NOT valid: " + "; ".join(result.errors)
            page = (
                "<!DOCTYPE html><html><body><h1>authprobe test-rp</h1>"
                f"<p>Login received ({html.escape(verdict)}). "
                "The released claims are shown in the terminal.</p></body></html>"
            )
            self._send(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())

    return Handler
