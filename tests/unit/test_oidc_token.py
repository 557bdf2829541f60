"""`oidc decode`: tokens signed at test time by jwcrypto (independent of authprobe's joserfc)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from authprobe.cli.app import main
from authprobe.sources.oidc.keys import read_jwks
from authprobe.sources.oidc.token import read_token
from tests import jose_helpers as jose

ALGS = [
    ("RSA", "RS256"),
    ("RSA", "RS384"),
    ("RSA", "RS512"),
    ("RSA", "PS256"),
    ("RSA", "PS384"),
    ("RSA", "PS512"),
    ("P-256", "ES256"),
    ("P-384", "ES384"),
    ("P-521", "ES512"),
    ("Ed25519", "EdDSA"),
]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["oidc", "decode", *args, "-f", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


@pytest.mark.parametrize(("kind", "alg"), ALGS)
def test_every_asymmetric_algorithm_verifies(tmp_path: Path, kind: str, alg: str) -> None:
    """RS*, PS*, ES* and EdDSA tokens signed by jwcrypto verify against the published JWKS."""
    private = jose.key(kind, f"k-{alg}")
    jwks = jose.write_jwks(tmp_path / "jwks.json", private)
    token = tmp_path / "token.txt"
    token.write_text(jose.sign(jose.CLAIMS, private, alg), encoding="utf-8")
    decoded = read_token(str(token), keys=read_jwks(str(jwks)))
    assert decoded.signature.status == "verified"
    assert decoded.signature.alg == alg
    assert {c.name: c.value for c in decoded.claims} == jose.CLAIMS
    assert not decoded.expired


def test_claims_are_shown_with_readable_times_and_directory_attributes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every planted claim comes back (values exact with --show-values) with its mapping."""
    private = jose.key("RSA", "k1")
    jwks = jose.write_jwks(tmp_path / "jwks.json", private)
    token = jose.sign(jose.CLAIMS, private, "RS256")
    code, data, _ = _run(capsys, token, "--jwks", str(jwks), "--show-values")
    assert code == 0
    claims = {c["name"]: c for c in data["token"]["claims"]}
    assert {name: c["value"] for name, c in claims.items()} == jose.CLAIMS
    assert claims["exp"]["time"] is not None
    assert claims["exp"]["time"].endswith("Z")
    expected = {
        "upn": ["userPrincipalName"],
        "email": ["mail"],
        "unique_name": ["userPrincipalName"],
        "onprem_sid": ["objectSid"],
        "employeeid": ["employeeID"],
        "samaccountname": ["sAMAccountName"],
        "extn.employeeNumber": ["employeeNumber"],
    }
    for name, attributes in expected.items():
        assert claims[name]["directory_attributes"] == attributes, name
    assert claims["sub"]["opaque"]
    assert claims["oid"]["opaque"]
    candidates = data["token"]["matching_id_candidates"]
    assert "sub" not in candidates
    assert "oid" not in candidates
    assert {"employeeid", "upn", "extn.employeeNumber"} <= set(candidates)
    assert "Ex Libris" in data["token"]["alma_note"]


def test_values_are_masked_unless_show_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Person claims are masked by default; protocol claims (iss, aud) are not."""
    private = jose.key("RSA", "k1")
    token = jose.sign(jose.CLAIMS, private, "RS256")
    _, data, _ = _run(capsys, token)
    text = json.dumps(data)
    assert "000123456" not in text
    assert "Jane.Doe" not in text
    assert "jdoe" not in text
    claims = {c["name"]: c["value"] for c in data["token"]["claims"]}
    assert claims["iss"] == jose.ISSUER
    assert claims["aud"] == jose.CLIENT_ID
    assert claims["email"].endswith("@college.test")
    assert claims["email"] != jose.CLAIMS["email"]


def test_expired_token_is_decoded_and_said_to_be_expired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An expired but valid token still verifies, shows its claims and is flagged expired."""
    private = jose.key("P-256", "k1")
    jwks = jose.write_jwks(tmp_path / "jwks.json", private)
    claims = {**jose.CLAIMS, "iat": jose.NOW - 7200, "exp": jose.NOW - 3600}
    code, data, _ = _run(capsys, jose.sign(claims, private, "ES256"), "--jwks", str(jwks))
    assert code == 0  # expiry is info: an old capture is expected to be expired
    assert data["token"]["expired"] is True
    assert data["token"]["signature"]["status"] == "verified"
    assert "oidc-token-expired" in {f["code"] for f in data["token"]["findings"]}


def test_tampered_token_does_not_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Changing one claim after signing makes the signature invalid (exit 1)."""
    private = jose.key("RSA", "k1")
    jwks = jose.write_jwks(tmp_path / "jwks.json", private)
    forged = jose.tamper(jose.sign(jose.CLAIMS, private, "RS256"), employeeid="999999999")
    code, data, _ = _run(capsys, forged, "--jwks", str(jwks))
    assert code == 1
    assert data["token"]["signature"]["status"] == "invalid"
    assert data["token"]["trusted"] is False
    assert "oidc-token-signature-invalid" in {f["code"] for f in data["token"]["findings"]}


def test_wrong_key_with_the_same_kid_does_not_verify(tmp_path: Path) -> None:
    """A token signed by another key under the published kid is invalid."""
    real, impostor = jose.key("RSA", "shared-kid"), jose.key("RSA", "shared-kid")
    jwks = jose.write_jwks(tmp_path / "jwks.json", real)
    token = tmp_path / "t"
    token.write_text(jose.sign(jose.CLAIMS, impostor, "RS256"), encoding="utf-8")
    assert read_token(str(token), keys=read_jwks(str(jwks))).signature.status == "invalid"


def test_unknown_kid_is_no_matching_key(tmp_path: Path) -> None:
    """A kid the JWKS does not hold is reported as such (another provider, or rolled keys)."""
    published, other = jose.key("RSA", "published"), jose.key("RSA", "elsewhere")
    jwks = jose.write_jwks(tmp_path / "jwks.json", published)
    token = tmp_path / "t"
    token.write_text(jose.sign(jose.CLAIMS, other, "RS256"), encoding="utf-8")
    decoded = read_token(str(token), keys=read_jwks(str(jwks)))
    assert decoded.signature.status == "no-matching-key"
    assert not decoded.trusted


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_never_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], alg: str
) -> None:
    """An unsigned token is decoded but never verified, whatever keys are given."""
    private = jose.key("RSA", "k1")
    jwks = jose.write_jwks(tmp_path / "jwks.json", private)
    code, data, _ = _run(capsys, jose.unsigned(jose.CLAIMS, alg), "--jwks", str(jwks))
    assert code == 1
    assert data["token"]["signature"]["status"] == "unsigned"
    assert data["token"]["signature"]["verified"] is False
    assert {c["name"] for c in data["token"]["claims"]} == set(jose.CLAIMS)


def test_hmac_with_the_public_key_as_secret_is_the_confusion_attack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """HS256 MACed with the provider's public key PEM is never verified and is flagged."""
    private = jose.key("RSA", "k1")
    jwks = jose.write_jwks(tmp_path / "jwks.json", private)
    pem = jose.public_pem(private)
    attack = jose.hmac(jose.CLAIMS, pem)
    code, data, _ = _run(capsys, attack, "--jwks", str(jwks))
    assert code == 1
    assert data["token"]["signature"]["verified"] is False
    assert "oidc-token-alg-confusion" in {f["code"] for f in data["token"]["findings"]}
    secret = tmp_path / "pem-as-secret"
    secret.write_bytes(pem)
    code, _, err = _run(capsys, attack, "--secret-file", str(secret))
    assert code == 4
    assert "oidc-secret-is-public-key" in err


def test_hmac_is_verified_only_with_a_secret_file_and_said_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """HS256 verifies with --secret-file (status verified-hmac, a warning); not without it."""
    token = jose.hmac(jose.CLAIMS, b"client-secret-of-the-test-suite-32b")
    code, data, _ = _run(capsys, token)
    assert data["token"]["signature"]["status"] == "hmac-not-verified"
    secret = tmp_path / "secret"
    secret.write_bytes(b"client-secret-of-the-test-suite-32b\n")
    code, data, _ = _run(capsys, token, "--secret-file", str(secret))
    assert code == 0
    assert data["token"]["signature"]["status"] == "verified-hmac"
    assert "SHARED SECRET" in data["token"]["signature"]["detail"]
    assert "oidc-token-hmac-secret" in {f["code"] for f in data["token"]["findings"]}
    secret.write_bytes(b"another-secret-of-the-test-suite-32b\n")
    _, data, _ = _run(capsys, token, "--secret-file", str(secret))
    assert data["token"]["signature"]["status"] == "invalid"


def test_encrypted_token_is_reported_as_jwe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JWE shows its header, no claims, and a finding that it is encrypted."""
    client_key = jose.key("RSA", "client-enc")
    code, data, _ = _run(capsys, jose.encrypted(jose.CLAIMS, client_key))
    token = data["token"]
    assert token["form"] == "JWE"
    assert token["claims"] == []
    assert token["header"]["enc"] == "A256GCM"
    assert token["signature"]["status"] == "encrypted"
    assert "oidc-token-encrypted" in {f["code"] for f in token["findings"]}
    assert code == 0  # a warning, below the default --fail-on error


def test_token_response_json_and_log_line_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The id_token of a token response and of a callback line is found; access tokens never
    appear in the output."""
    private = jose.key("RSA", "k1")
    token = jose.sign(jose.CLAIMS, private, "RS256")
    response = tmp_path / "response.json"
    response.write_text(
        json.dumps({"access_token": "AT-SECRET-VALUE", "token_type": "Bearer", "id_token": token}),
        encoding="utf-8",
    )
    code, data, _ = _run(capsys, str(response))
    assert code == 0
    assert data["token"]["input_format"] == "token-response"
    assert data["token"]["other_tokens"] == ["access_token"]
    assert "AT-SECRET-VALUE" not in json.dumps(data)
    line = tmp_path / "log.txt"
    line.write_text(
        f'127.0.0.1 - - "GET /cb#state=xyz&id_token={token}&session_state=1 HTTP/1.1" 200\n',
        encoding="utf-8",
    )
    _code, data, _ = _run(capsys, str(line))
    assert data["token"]["input_format"] == "log-line"
    assert len(data["token"]["claims"]) == len(jose.CLAIMS)


def test_issuer_placeholder_is_resolved_with_the_tid_claim(tmp_path: Path) -> None:
    """Against Entra's multi-tenant issuer, the token's tid fills {tenantid}; a foreign issuer
    is an error."""
    private = jose.key("RSA", "k1")
    tenant = jose.CLAIMS["tid"]
    claims = {**jose.CLAIMS, "iss": f"https://login.microsoftonline.com/{tenant}/v2.0"}
    token = tmp_path / "t"
    token.write_text(jose.sign(claims, private, "RS256"), encoding="utf-8")
    placeholder = "https://login.microsoftonline.com/{tenantid}/v2.0"
    decoded = read_token(str(token), issuer=placeholder)
    assert "oidc-token-issuer-mismatch" not in {f.code for f in decoded.findings}
    foreign = read_token(str(token), issuer="https://accounts.google.com")
    assert "oidc-token-issuer-mismatch" in {f.code for f in foreign.findings}


def test_client_id_checks_the_audience(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--client-id that is not in aud is an error finding."""
    token = jose.sign(jose.CLAIMS, jose.key("RSA", "k1"), "RS256")
    code, data, _ = _run(capsys, token, "--client-id", "someone-else")
    assert code == 1
    assert "oidc-token-audience" in {f["code"] for f in data["token"]["findings"]}
    code, data, _ = _run(capsys, token, "--client-id", jose.CLIENT_ID, "--fail-on", "error")
    assert "oidc-token-audience" not in {f["code"] for f in data["token"]["findings"]}


@pytest.mark.parametrize(
    ("content", "reference"),
    [
        (b"hello world, no token here", "oidc-not-a-token"),
        (b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0", "oidc-not-a-token"),  # two segments
        (b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln.eA", "oidc-not-a-token"),  # four
        (b"bm90IGpzb24.eyJzdWIiOiIxIn0.c2ln", "oidc-token-broken"),  # header not JSON
        (b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln", "oidc-token-broken"),  # no alg
        (b"", "oidc-token-empty"),
        (b'{"access_token": "x"}', "oidc-not-a-token"),
        (b"<html><body>Sign in</body></html>", "oidc-not-a-token"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reference: str
) -> None:
    """Not a JWT, a broken segment, an empty file: one paragraph on stderr, exit 4."""
    path = tmp_path / "input"
    path.write_bytes(content)
    code = main(["oidc", "decode", str(path)])
    err = capsys.readouterr().err
    assert code == 4
    assert f"[{reference}]" in err
    assert "Traceback" not in err


def test_huge_token_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 600 kB token is refused with exit 4 before any decoding."""
    private = jose.key("RSA", "k1")
    token = jose.sign({**jose.CLAIMS, "groups": ["g" * 60] * 10000}, private, "RS256")
    path = tmp_path / "huge.txt"
    path.write_text(token, encoding="utf-8")
    assert len(token) > 256 * 1024
    assert main(["oidc", "decode", str(path)]) == 4
    assert "[oidc-token-too-large]" in capsys.readouterr().err


def test_formats_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """table, md and -o FILE all carry the claims; html is a usage error (exit 2)."""
    private = jose.key("RSA", "k1")
    jwks = jose.write_jwks(tmp_path / "jwks.json", private)
    token = jose.sign(jose.CLAIMS, private, "RS256")
    assert main(["oidc", "decode", token, "--jwks", str(jwks)]) == 0
    table = capsys.readouterr().out
    assert "employeeid" in table
    assert "verified" in table
    out = tmp_path / "token.md"
    assert main(["oidc", "decode", token, "--jwks", str(jwks), "-f", "md", "-o", str(out)]) == 0
    markdown = out.read_text(encoding="utf-8")
    assert "| `employeeid` |" in markdown
    assert "**verified**" in markdown
    assert main(["oidc", "decode", token, "-f", "html"]) == 2
