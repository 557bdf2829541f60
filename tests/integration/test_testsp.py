"""`authprobe saml test-sp` end to end: a real HTTP-POST login from a pysaml2 IdP on 127.0.0.1."""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests import saml_helpers as helpers

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(helpers.XMLSEC1 is None, reason="xmlsec1 is not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authprobe(*args: str) -> list[str]:
    return [sys.executable, "-m", "authprobe", *args]


class _Idp:
    """A pysaml2 IdP behind a tiny HTTP server: SSO by Redirect or POST, answers by POST form."""

    def __init__(self, server: Any, port: int, encrypt: bool) -> None:
        self.server = server
        self.port = port
        self.encrypt = encrypt
        self.requests: list[str] = []

    def answer(self, saml_request: str, binding: str, relay_state: str | None) -> bytes:
        from saml2 import BINDING_HTTP_POST

        request = self.server.parse_authn_request(saml_request, binding).message
        self.requests.append(request.id)
        args = self.server.response_args(request)
        response = self.server.create_authn_response(
            identity=helpers.IDENTITY,
            name_id=_nameid(),
            authn={
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                "authn_auth": helpers.IDP_ENTITY_ID,
            },
            # Shibboleth's default: sign the Response, encrypt the assertion (unsigned inside).
            sign_assertion=not self.encrypt,
            sign_response=True,
            encrypt_assertion=self.encrypt,
            **args,
        )
        http_args = self.server.apply_binding(
            BINDING_HTTP_POST, str(response), args["destination"], relay_state, response=True
        )
        return str(http_args["data"]).encode("utf-8")


def _nameid() -> Any:
    from saml2.saml import NameID

    return NameID(
        format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", text="jdoe@college.test"
    )


def _serve(idp: _Idp) -> ThreadingHTTPServer:
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _page(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            relay = query.get("RelayState", [None])[0]
            self._page(idp.answer(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT, relay))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            relay = form.get("RelayState", [None])[0]
            self._page(idp.answer(form["SAMLRequest"][0], BINDING_HTTP_POST, relay))

    server = ThreadingHTTPServer(("127.0.0.1", idp.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _form(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of an auto-submitted form (what a browser would POST)."""
    action = re.search(r"""<form[^>]*action=(["'])(.*?)\1""", page, re.I)
    assert action is not None, page
    fields = {
        name: value
        for _, name, _, value in re.findall(
            r"""<input[^>]*type=["']hidden["'][^>]*name=(["'])(.*?)\1[^>]*value=(["'])(.*?)\3""",
            page,
            re.I,
        )
    }
    return html.unescape(action.group(2)), {k: html.unescape(v) for k, v in fields.items()}


def _wait_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"test-sp exited early: {err}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("test-sp did not start listening")


def _run_login(workdir: Path, *, encrypt: bool, post_only: bool = False) -> dict[str, Any]:
    sp_port, idp_port = _free_port(), _free_port()
    config = workdir / "sp-config"
    sp_metadata = subprocess.run(
        _authprobe(
            "saml",
            "test-sp",
            "--print-metadata",
            "--port",
            str(sp_port),
            "--config-dir",
            str(config),
        ),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    keys = helpers.make_keypair(workdir / "idp", "idp")
    server = helpers.idp_server(keys, sp_metadata, base_url=f"http://127.0.0.1:{idp_port}")
    idp_metadata = workdir / "idp-metadata.xml"
    text = helpers.idp_metadata_xml(server)
    if post_only:  # an IdP that takes AuthnRequests by HTTP-POST only
        text = re.sub(r"<[^<>]*SingleSignOnService[^>]*HTTP-Redirect[^>]*/>", "", text)
        assert "HTTP-Redirect" not in text
    idp_metadata.write_text(text, encoding="utf-8")
    idp = _Idp(server, idp_port, encrypt)
    http = _serve(idp)
    saved = workdir / "login.xml"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        _authprobe(
            "saml",
            "test-sp",
            "--idp-metadata",
            str(idp_metadata),
            "--port",
            str(sp_port),
            "--config-dir",
            str(config),
            "--format",
            "json",
            "--show-values",
            "--save",
            str(saved),
            "--timeout",
            "60",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        _wait_port(sp_port, process)
        # The browser: /login redirects to the IdP, whose page auto-submits a form to the ACS.
        # The browser: /login redirects (or auto-posts) to the IdP, whose page auto-submits a
        # form to the ACS; every auto-submitted form is followed like a browser would.
        with urllib.request.urlopen(f"http://127.0.0.1:{sp_port}/login", timeout=30) as page:
            text = page.read().decode("utf-8")
        acs = f"http://127.0.0.1:{sp_port}/acs"
        for _ in range(3):
            action, fields = _form(text)
            body = urllib.parse.urlencode(fields).encode()
            with urllib.request.urlopen(action, data=body, timeout=30) as reply:  # noqa: S310
                text = reply.read().decode("utf-8")
            if action == acs:
                break
        assert action == acs
        assert "Login received" in text
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        http.shutdown()
        http.server_close()
    assert process.returncode == 0, err
    assert idp.requests, "the IdP never received an AuthnRequest"
    data: dict[str, Any] = json.loads(out)
    data["_stderr"] = err
    data["_saved"] = saved.read_bytes()
    return data


def test_login_releases_exactly_what_the_idp_was_configured_to_release(tmp_path: Path) -> None:
    """A signed login through test-sp shows every released attribute, Name and values exact."""
    data = _run_login(tmp_path, encrypt=False)
    login = data["login"]
    released = {a["name"]: tuple(a["values"]) for a in login["attributes"]}
    assert released == helpers.RELEASED_NAMES
    assert login["nameid"]["value"] == "jdoe@college.test"
    assert login["nameid"]["format_short"] == "emailAddress"
    assert login["trusted"] is True
    assert "valid for this SP" in data["_stderr"]
    assert b"jdoe@college.test" in data["_saved"]


def test_encrypted_login_is_decrypted_with_the_test_sp_key(tmp_path: Path) -> None:
    """An assertion encrypted for the test SP's certificate is decrypted and shown."""
    data = _run_login(tmp_path, encrypt=True)
    login = data["login"]
    assert login["assertion"]["decrypted"] is True
    released = {a["name"]: tuple(a["values"]) for a in login["attributes"]}
    assert released == helpers.RELEASED_NAMES


def test_idp_with_post_only_sso_gets_an_auto_posted_request(tmp_path: Path) -> None:
    """An IdP without HTTP-Redirect SSO receives the AuthnRequest by an auto-submitted POST."""
    data = _run_login(tmp_path, encrypt=False, post_only=True)
    released = {a["name"]: tuple(a["values"]) for a in data["login"]["attributes"]}
    assert released == helpers.RELEASED_NAMES
