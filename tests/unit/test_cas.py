"""`cas decode`: CAS 2.0 / 3.0 validation responses (XML, JSON), failures and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from authprobe.cli.app import main
from authprobe.sources.cas.response import decode_response, read_response

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "cas"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")

# What each corpus file holds (read off the files; SOURCES.tsv names their origin).
EXPECTED: dict[str, tuple[bool, str | None, dict[str, tuple[str, ...]], str | None]] = {
    "apereo_spec_p3_success_custom_attributes.xml": (
        True,
        "username",
        {
            "firstname": ("John",),
            "lastname": ("Doe",),
            "title": ("Mr.",),
            "email": ("jdoe@example.org",),
            "affiliation": ("staff", "faculty"),
        },
        None,
    ),
    "apereo_spec_success_custom_attributes.json": (
        True,
        "username",
        {
            "firstName": ("John",),
            "affiliation": ("staff", "faculty"),
            "title": ("Mr.",),
            "email": ("jdoe@example.orgmailto:jdoe@example.org",),
            "lastname": ("Doe",),
        },
        None,
    ),
    "apereo_spec_failure_invalid_ticket.json": (False, None, {}, "INVALID_TICKET"),
    "phpcas_jasig_style_attributes.xml": (
        True,
        "jsmith",
        {
            "attraStyle": ("Jasig",),
            "surname": ("Smith",),
            "givenName": ("John",),
            "memberOf": (
                "CN=Staff,OU=Groups,DC=example,DC=edu",
                "CN=Spanish Department,OU=Departments,OU=Groups,DC=example,DC=edu",
            ),
        },
        None,
    ),
    "phpcas_rubycas_style_attributes.xml": (
        True,
        "jsmith",
        {
            "attraStyle": ("RubyCAS",),
            "surname": ("Smith",),
            "givenName": ("John",),
            "memberOf": (
                "CN=Staff,OU=Groups,DC=example,DC=edu",
                "CN=Spanish Department,OU=Departments,OU=Groups,DC=example,DC=edu",
            ),
        },
        None,
    ),
    "phpcas_pt_success_proxies.xml": (True, "jsmith", {}, None),
    "phpcas_st_failure_invalid_ticket.xml": (False, None, {}, "INVALID_TICKET"),
    "phpcas_st_success_minimal.xml": (True, "jsmith", {}, None),
    "pythoncas_cas3_success_attributes.xml": (
        True,
        "user@example.com",
        {"foo": ("bar",), "baz": ("1234",)},
        None,
    ),
    "pythoncas_failure_invalid_ticket_used.xml": (False, None, {}, "INVALID_TICKET"),
    "pythoncas_success_pgtiou.xml": (True, "user@example.com", {}, None),
}


@needs_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_responses(name: str) -> None:
    """Every corpus response: success, cas:user, each attribute with its values, failure code."""
    success, user, attributes, code = EXPECTED[name]
    response = read_response(str(CORPUS / name))
    assert response.success is success
    assert response.user == user
    assert {a.name: a.values for a in response.attributes} == attributes
    assert response.failure_code == code
    assert ("cas-authentication-failure" in {f.code for f in response.findings}) is not success


@needs_corpus
@pytest.mark.corpus
def test_corpus_every_file_is_known() -> None:
    """The test lists every file of the CAS corpus (a new file must be added here)."""
    assert {p.name for p in CORPUS.iterdir()} == set(EXPECTED)


def test_failure_is_a_finding_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure is shown with its code; --fail-on error (default) exits 1, never exits 0."""
    path = tmp_path / "failure.xml"
    path.write_text(
        "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
        "<cas:authenticationFailure code='INVALID_SERVICE'>bad service</cas:authenticationFailure>"
        "</cas:serviceResponse>",
        encoding="utf-8",
    )
    assert main(["cas", "decode", str(path), "-f", "json"]) == 1
    data = json.loads(capsys.readouterr().out)["cas"]
    assert data["success"] is False
    assert data["failure_code"] == "INVALID_SERVICE"
    assert data["failure_description"] == "bad service"
    assert main(["cas", "decode", str(path), "--fail-on", "never"]) == 0


def test_values_are_masked_unless_show_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """cas:user and attribute values are masked by default; names are not."""
    path = tmp_path / "ok.xml"
    path.write_text(
        "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'><cas:authenticationSuccess>"
        "<cas:user>jsmith</cas:user><cas:attributes><cas:employeeNumber>000123456"
        "</cas:employeeNumber><cas:isFromNewLogin>true</cas:isFromNewLogin></cas:attributes>"
        "</cas:authenticationSuccess></cas:serviceResponse>",
        encoding="utf-8",
    )
    assert main(["cas", "decode", str(path), "-f", "json"]) == 0
    masked = capsys.readouterr().out
    assert "jsmith" not in masked
    assert "000123456" not in masked
    data = json.loads(masked)["cas"]
    attributes = {a["name"]: a for a in data["attributes"]}
    assert attributes["employeeNumber"]["directory_attributes"] == ["employeeNumber"]
    assert attributes["isFromNewLogin"]["values"] == ["true"]  # about the login, not a person
    assert main(["cas", "decode", str(path), "-f", "json", "--show-values"]) == 0
    shown = json.loads(capsys.readouterr().out)["cas"]
    assert shown["user"] == "jsmith"
    assert {a["name"]: a["values"] for a in shown["attributes"]}["employeeNumber"] == ["000123456"]


def test_name_value_style_and_cas1_and_log_line() -> None:
    """`<cas:attribute name= value=>`, CAS 1.0 yes/no, and XML inside a log line are read."""
    xml = (
        b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'><cas:authenticationSuccess>"
        b"<cas:user>jsmith</cas:user><cas:attributes>"
        b"<cas:attribute name='uid' value='jsmith'/><cas:attribute name='mail' value='j@c.test'/>"
        b"</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>"
    )
    response = decode_response(xml, "mem")
    assert {a.name: a.values for a in response.attributes} == {
        "uid": ("jsmith",),
        "mail": ("j@c.test",),
    }
    assert decode_response(b"yes\njsmith\n", "mem").user == "jsmith"
    assert decode_response(b"no\n\n", "mem").success is False
    logged = decode_response(b"2026-01-01 12:00 validate answered: " + xml + b" (200)", "mem")
    assert logged.input_format == "text"
    assert logged.user == "jsmith"


@pytest.mark.parametrize(
    ("content", "reference"),
    [
        (b"<!DOCTYPE x [<!ENTITY a 'b'>]><cas:serviceResponse/>", "xml-dtd-refused"),
        (b"<html><body>CAS login</body></html>", "cas-not-a-response"),
        (b"<users><user/></users>", "cas-not-a-response"),
        (b"just some text", "cas-not-a-response"),
        (b'{"serviceResponse": 3}', "cas-not-a-response"),
        (b'{"serviceResponse": {"proxySuccess": {}}}', "cas-not-a-response"),
        (b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>", "xml-malformed"),
        (b"", "cas-response-empty"),
        (
            b"<SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'/>",
            "cas-not-a-response",
        ),
    ],
)
def test_bad_input_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reference: str
) -> None:
    """DTDs, HTML, other XML, text, broken JSON or XML: one paragraph, exit 4, no traceback."""
    path = tmp_path / "input"
    path.write_bytes(content)
    assert main(["cas", "decode", str(path)]) == 4
    err = capsys.readouterr().err
    assert f"[{reference}]" in err
    assert "Traceback" not in err


def test_huge_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 5 MB 'response' is refused before parsing."""
    path = tmp_path / "huge.xml"
    path.write_bytes(b"<a>" + b"x" * (5 * 1024 * 1024) + b"</a>")
    assert main(["cas", "decode", str(path)]) == 4
    assert "[cas-response-too-large]" in capsys.readouterr().err


def test_markdown_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """md and table both show cas:user's note and the attribute names."""
    path = tmp_path / "ok.json"
    document: dict[str, Any] = {
        "serviceResponse": {
            "authenticationSuccess": {"user": "jsmith", "attributes": {"uid": ["jsmith"]}}
        }
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["cas", "decode", str(path), "-f", "md"]) == 0
    markdown = capsys.readouterr().out
    assert "Alma takes the user identifier from cas:user" in markdown
    assert "| `uid` | uid | uid |" in markdown
    assert main(["cas", "decode", str(path)]) == 0
    assert "cas:user" in capsys.readouterr().out
