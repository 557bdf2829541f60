"""SAML-tracer exports: the SAML messages picked out, the login's Response chosen by default."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from authprobe.cli.app import main
from authprobe.errors import InputError, UsageError
from authprobe.sources.saml.tracer import choose, is_tracer_export, traced_messages

AUTHN = '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="a"/>'
RESPONSE = (
    '<?xml version="1.0"?>'
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r"/>'
)


def _export(requests: list[dict]) -> bytes:  # type: ignore[type-arg]
    return json.dumps({"requests": requests, "timestamp": "2026-12-01T10:00:00Z"}).encode()


def _request(method: str, url: str, **fields: object) -> dict:  # type: ignore[type-arg]
    return {"method": method, "url": url, "requestId": "1", "requestHeaders": [], **fields}


TRACE = _export(
    [
        _request("GET", "https://alma.example/view/sso?x=1"),
        _request(
            "GET",
            "https://idp.example/sso?SAMLRequest=abc",
            get=[["SAMLRequest", "abc"]],
            protocol="SAML-P",
            saml=AUTHN,
        ),
        _request("POST", "https://idp.example/login", post=[["j_username", "x"]]),
        _request(
            "POST",
            "https://alma.example/saml/SSO",
            post=[["SAMLResponse", "hashed-by-the-export-filter"]],
            protocol="SAML-P",
            saml=RESPONSE,
        ),
    ]
)


def test_messages_in_order_and_the_response_chosen() -> None:
    """The SAML messages come in the order sent; the last Response is shown by default."""
    assert is_tracer_export(TRACE)
    messages = traced_messages(TRACE, "trace.json")
    assert [(m.index, m.kind, m.method) for m in messages] == [
        (1, "AuthnRequest", "GET"),
        (2, "Response", "POST"),
    ]
    assert messages[0].url == "https://idp.example/sso"  # the query (and its values) left out
    chosen, note = choose(messages, None, "trace.json")
    assert chosen.message == RESPONSE.encode()
    assert "showing #2: Response (POST https://alma.example/saml/SSO)" in note
    assert "--index N shows another" in note


def test_index_picks_another_and_out_of_range_is_usage() -> None:
    """--index N shows message N; a number outside the list is a usage error listing them."""
    messages = traced_messages(TRACE, "trace.json")
    assert choose(messages, 1, "trace.json")[0].kind == "AuthnRequest"
    with pytest.raises(UsageError) as error:
        choose(messages, 3, "trace.json")
    assert "#1: AuthnRequest" in error.value.message


def test_response_without_decoded_saml_falls_back_to_the_parameter() -> None:
    """An export without `saml` still gives the POST SAMLResponse value (decoded later)."""
    value = base64.b64encode(RESPONSE.encode()).decode()
    trace = _export([_request("POST", "https://sp/acs", post=[["SAMLResponse", value]])])
    [message] = traced_messages(trace, "t.json")
    assert (message.kind, message.message) == ("Response", value.encode())


def test_no_saml_message_and_no_response_are_clear_errors() -> None:
    """A trace without SAML, or with only requests, says so (exit 4 errors)."""
    with pytest.raises(InputError) as error:
        traced_messages(_export([_request("GET", "https://a/")]), "t.json")
    assert error.value.reference == "saml-tracer-no-message"
    only_request = _export([_request("GET", "https://idp/sso", saml=AUTHN)])
    with pytest.raises(InputError) as error:
        choose(traced_messages(only_request, "t.json"), None, "t.json")
    assert error.value.reference == "saml-tracer-no-response"


def test_broken_json_is_a_clear_error() -> None:
    """Invalid JSON or no requests list: an input error naming the export."""
    for data in (b'{"requests": [', b'{"requests": 3}'):
        with pytest.raises(InputError) as error:
            traced_messages(data, "t.json")
        assert error.value.reference == "saml-tracer-unreadable"


CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "saml-responses"


@pytest.mark.corpus
def test_saml_decode_of_an_export_equals_decode_of_its_response(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`saml decode trace.json` shows what `saml decode response.xml` shows, and says which
    message of the export it is; `--index 1` shows the AuthnRequest's refusal clearly."""
    response = CORPUS / "okta_gosaml2_response.xml"
    if not response.exists():
        pytest.skip("../shared/corpus is absent")
    xml = response.read_text(encoding="utf-8")
    trace = tmp_path / "SAML-tracer-export.json"
    trace.write_bytes(
        _export(
            [
                _request("GET", "https://idp.example/sso", saml=AUTHN),
                _request("POST", "https://alma.example/saml/SSO", saml=xml),
            ]
        )
    )
    assert main(["saml", "decode", str(response), "-f", "json", "--fail-on", "never"]) == 0
    direct = json.loads(capsys.readouterr().out)
    assert main(["saml", "decode", str(trace), "-f", "json", "--fail-on", "never"]) == 0
    traced = json.loads(capsys.readouterr().out)
    for key in ("nameid", "attributes"):
        assert traced["login"][key] == direct["login"][key]
    assert "SAML-tracer export" in traced["login"]["input_format"]
    assert "#2: Response (POST https://alma.example/saml/SSO)" in traced["login"]["input_format"]
    assert main(["saml", "decode", str(trace), "--index", "1"]) == 4
    assert "AuthnRequest" in capsys.readouterr().err
    assert main(["saml", "decode", str(response), "--index", "1"]) == 2
