"""`oidc discover`, `oidc test-rp` and `oidc decode` against a real OpenID Provider
(oidc-provider under Node.js) on 127.0.0.1: a real authorization code flow with PKCE."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import oidc_op
from tests.integration.conftest import server_unavailable

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(oidc_op.missing() is not None, reason=str(oidc_op.missing())),
]

PASSWORD = "any password: oidc-provider's development login checks the account only"
ACCOUNT: dict[str, Any] = {
    "name": "Jane Doe",
    "given_name": "Jane",
    "family_name": "Doe",
    "preferred_username": "jdoe",
    "email": "Jane.Doe@college.test",
    "email_verified": True,
    "employeeid": "000123456",
    "upn": "jane.doe@college.test",
}
LOGIN = "248289761001"  # the account ID: oidc-provider makes it the sub
SECRET = "a-client-secret-only-the-test-knows"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The provider with three clients: RS256 + client_secret_basic, ES256 +
    client_secret_post, and a public client (PKCE only); each has its own redirect port."""
    ports = {name: _free_port() for name in ("basic", "post", "public", "wrong")}

    def client(name: str, **extra: Any) -> dict[str, Any]:
        return {
            "client_id": f"alma-{name}",
            "redirect_uris": [f"http://127.0.0.1:{ports[name]}/callback"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            **extra,
        }

    clients = [
        client("basic", client_secret=SECRET, token_endpoint_auth_method="client_secret_basic"),
        client(
            "post",
            client_secret=SECRET,
            token_endpoint_auth_method="client_secret_post",
            id_token_signed_response_alg="ES256",
        ),
        client("public", token_endpoint_auth_method="none"),
        client("wrong", client_secret=SECRET, token_endpoint_auth_method="client_secret_basic"),
    ]
    folder = tmp_path_factory.mktemp("op")
    try:
        op = oidc_op.start_op(
            folder,
            clients=clients,
            accounts={LOGIN: ACCOUNT},
            scopes={"campus": ["employeeid", "upn"]},
        )
    except oidc_op.OpUnavailable as error:
        server_unavailable("oidc-provider", error)
    yield {"op": op, "ports": ports, "folder": folder}
    op.stop()


def _authprobe(*args: str) -> list[str]:
    return [sys.executable, "-m", "authprobe", *args]


def _wait_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"test-rp exited early: {err}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("test-rp did not start listening")


def _test_rp(
    provider: dict[str, Any], name: str, *extra: str, secret: str | None = None
) -> tuple[int, dict[str, Any], str, str]:
    """Run `oidc test-rp` for one client, log in through the provider, return the outcome."""
    port = provider["ports"][name]
    env = {k: v for k, v in os.environ.items() if k != "AUTHPROBE_OIDC_CLIENT_SECRET"}
    if secret is not None:
        env["AUTHPROBE_OIDC_CLIENT_SECRET"] = secret
    process = subprocess.Popen(
        _authprobe(
            "oidc",
            "test-rp",
            "--discovery",
            provider["op"].issuer,
            "--client-id",
            f"alma-{name}",
            "--port",
            str(port),
            "--scope",
            "openid profile email campus",
            "--timeout",
            "60",
            *extra,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        _wait_port(port, process)
        page = oidc_op.browse_login(
            f"http://127.0.0.1:{port}/login",
            login=LOGIN,
            password=PASSWORD,
            callback_prefix=f"http://127.0.0.1:{port}/callback",
        )
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    data = json.loads(out) if out.strip().startswith("{") else {}
    return process.returncode, data, err, page


def test_discover_reads_the_live_provider(provider: dict[str, Any]) -> None:
    """The issuer URL is completed with /.well-known/...; its JWKS (RSA and EC keys) is fetched."""
    result = subprocess.run(
        _authprobe("oidc", "discover", provider["op"].issuer, "-f", "json"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    data = json.loads(result.stdout)
    assert data["discovery"]["issuer"] == provider["op"].issuer
    assert data["discovery"]["url"] == provider["op"].issuer + "/.well-known/openid-configuration"
    assert sorted(k["kid"] for k in data["keys"]["keys"]) == ["test-es256", "test-rs256"]
    assert data["keys"]["usable"] == 2
    http = next(f for f in data["discovery"]["findings"] if f["code"] == "oidc-http-endpoint")
    assert "on this machine" in http["message"]
    assert "issuer" in http["message"]
    assert result.returncode == 0  # a warning is below the default --fail-on error


def test_code_flow_shows_exactly_the_released_claims(
    provider: dict[str, Any], tmp_path: Path
) -> None:
    """A confidential client (secret from a file, client_secret_basic): the ID token verifies
    and its person claims are exactly those the provider was configured to release."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    saved = tmp_path / "id_token.txt"
    code, data, err, page = _test_rp(
        provider,
        "basic",
        "--client-secret-file",
        str(secret),
        "--save",
        str(saved),
        "-f",
        "json",
        "--show-values",
    )
    assert code == 0, err
    assert "Login received (valid)" in page
    assert "valid for this client" in err
    assert SECRET not in err
    token = data["token"]
    assert token["signature"]["status"] == "verified"
    assert token["header"]["alg"] == "RS256"
    claims = {c["name"]: c["value"] for c in token["claims"]}
    assert claims["sub"] == LOGIN
    assert claims["aud"] == "alma-basic"
    assert claims["iss"] == provider["op"].issuer
    person = {k: v for k, v in claims.items() if k in ACCOUNT}
    assert person == ACCOUNT
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    decoded = subprocess.run(
        _authprobe(
            "oidc",
            "decode",
            str(saved),
            "--discovery",
            provider["op"].issuer,
            "-f",
            "json",
            "--show-values",
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    again = json.loads(decoded.stdout)["token"]
    assert again["signature"]["status"] == "verified"
    assert {c["name"]: c["value"] for c in again["claims"]} == claims


def test_es256_token_and_client_secret_post(provider: dict[str, Any]) -> None:
    """A client whose ID tokens are ES256 (secret from the environment, client_secret_post)."""
    code, data, err, _ = _test_rp(provider, "post", "-f", "json", "--show-values", secret=SECRET)
    assert code == 0, err
    assert data["token"]["header"]["alg"] == "ES256"
    assert data["token"]["signature"]["key"].startswith("kid test-es256 (EC P-256")
    assert {c["name"]: c["value"] for c in data["token"]["claims"]}["employeeid"] == "000123456"


def test_public_client_with_pkce_only(provider: dict[str, Any]) -> None:
    """Without any secret the RP is a public client: PKCE alone gets the code redeemed."""
    code, data, err, _ = _test_rp(provider, "public", "-f", "json")
    assert code == 0, err
    assert "public, PKCE" in err
    assert data["token"]["trusted"] is True


def test_wrong_secret_is_refused_by_the_token_endpoint(provider: dict[str, Any]) -> None:
    """A wrong client secret: the token endpoint refuses, test-rp exits 3 and says why."""
    code, _, err, _ = _test_rp(provider, "wrong", secret="not-the-secret")
    assert code == 3
    assert "[test-rp-token-endpoint-error]" in err
    assert "invalid_client" in err
    assert "not-the-secret" not in err
