"""NameID formats: the terminal and Markdown views show the Format, qualifiers and attribute
NameFormat; persistent (eIDAS too) and transient NameIDs are opaque and never the matching ID.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from authprobe.analysis.idp_release import NAMEID, idp_release
from authprobe.cli.app import main
from authprobe.model import Record
from authprobe.sources.saml.checks import nameid_opaque, nameid_short
from authprobe.sources.saml.message import Assertion, NameId, decode, read_message
from authprobe.sources.saml.metadata import IdpMetadata, parse_metadata
from tests.saml_handwritten import certificate_body as _certificate_body
from tests.saml_handwritten import entity as _entity
from tests.saml_handwritten import response as _response
from tests.saml_handwritten import single_entity as _single
from tests.saml_handwritten import write_text as _write

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"
RESPONSES = CORPUS / "saml-responses"
needs_corpus = pytest.mark.skipif(not RESPONSES.is_dir(), reason="../shared/corpus is absent")

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
EIDAS_PERSISTENT = "urn:oasis:names:tc:saml2:2.0:nameid-format:persistent"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
ATTR_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


# -- 2. NameID Format, qualifiers, attribute NameFormat in the terminal view -----------------------


def test_decode_terminal_shows_nameid_format_and_qualifiers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The full Format URI and its short name, NameQualifier, SPNameQualifier, NameFormat."""
    path = _write(
        tmp_path,
        "login.xml",
        _response(name_qualifier="https://idp.college.test", sp_name_qualifier="urn:alma:sp"),
    )
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{EMAIL} (emailAddress)" in out
    assert re.search(r"NameQualifier\s+https://idp\.college\.test", out)
    assert re.search(r"SPNameQualifier\s+urn:alma:sp", out)
    assert "NameFormat: uri" in out
    assert f"NameFormat uri = {ATTR_URI}" in out
    # what JSON gives is what the terminal shows
    assert main(["saml", "decode", str(path), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["login"]
    assert data["nameid"]["format"] == EMAIL
    assert data["nameid"]["name_qualifier"] == "https://idp.college.test"
    assert data["attributes"][0]["name_format"] == ATTR_URI


def test_decode_terminal_without_format_or_qualifiers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No Format sent: said so (unspecified); absent qualifiers are not shown."""
    path = _write(
        tmp_path,
        "login.xml",
        _response(nameid_format=None, name_qualifier=None, sp_name_qualifier=None),
    )
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(none sent: unspecified)" in out
    assert "NameQualifier" not in out


def test_decode_terminal_eidas_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The eIDAS spelling is shown as sent, classified persistent and flagged opaque."""
    path = _write(tmp_path, "login.xml", _response(nameid_format=EIDAS_PERSISTENT))
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{EIDAS_PERSISTENT} (persistent)" in out
    assert "A persistent NameID is opaque" in out


# -- 3. eIDAS persistent NameIDs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "short", "opaque"),
    [
        (EIDAS_PERSISTENT, "persistent", True),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "persistent", True),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "transient", True),
        ("urn:oasis:names:tc:saml2:2.0:nameid-format:transient", "transient", True),
        ("URN:OASIS:NAMES:TC:SAML:2.0:NAMEID-FORMAT:PERSISTENT", "persistent", True),
        (" urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\n", "persistent", True),
        (
            "urn:oasis:names:tc:SAML:attribute:pairwise-id",
            "urn:oasis:names:tc:SAML:attribute:pairwise-id",
            True,
        ),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.10", "urn:oid:1.3.6.1.4.1.5923.1.1.1.10", True),
        ("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "unspecified", False),
        ("urn:oasis:names:tc:saml2:2.0:nameid-format:unspecified", "unspecified", False),
        (EMAIL, "emailAddress", False),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:emailAddress", "emailAddress", False),
        ("urn:oasis:names:tc:saml:1.1:nameid-format:emailaddress", "emailAddress", False),
        ("urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName", "X509SubjectName", False),
        (
            "urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName",
            "WindowsDomainQualifiedName",
            False,
        ),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos", "kerberos", False),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:entity", "entity", False),
        ("urn:example:persistent-email", "urn:example:persistent-email", False),
        ("urn:oasis:names:tc:SAML:2.0:nameid-format:persistentish", "persistentish", False),
    ],
)
def test_nameid_format_classification(fmt: str, short: str, opaque: bool) -> None:
    """Known short names are matched case-insensitively, on the known prefixes only."""
    assert nameid_short(fmt) == short
    assert nameid_opaque(fmt) is opaque
    assert NameId("x", fmt).opaque is opaque


def test_missing_or_encrypted_nameid_is_not_opaque() -> None:
    """No Format: unspecified, not opaque; an EncryptedID has no format to judge."""
    assert NameId("x", None).format_short == "unspecified"
    assert NameId("x", None).opaque is False
    assert nameid_opaque(None) is False
    assert NameId("", None, encrypted=True).opaque is False


@needs_corpus
def test_eidas_corpus_response_nameid_is_persistent() -> None:
    """The eIDAS node's login: NameID Format `...saml2:2.0:...:persistent` (read in the file)."""
    login = read_message(RESPONSES / "pysaml2_eidas_response.xml")
    assert login.nameid is not None
    assert login.nameid.value == "ES/AT/02635542Y"
    assert login.nameid.format == EIDAS_PERSISTENT
    assert login.nameid.format_short == "persistent"
    assert login.nameid.opaque is True


def _login(nameid_format: str, value: str = "jdoe") -> Assertion:
    return decode(
        _response(
            nameid=value, nameid_format=nameid_format, destination="https://sp.test/acs"
        ).encode(),
        "login.xml",
    )


@pytest.mark.parametrize(
    "fmt",
    [
        EIDAS_PERSISTENT,
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
        "urn:oasis:names:tc:SAML:attribute:pairwise-id",
    ],
)
def test_opaque_nameid_is_never_the_matching_id(fmt: str) -> None:
    """Even when its value equals the person's uid, an opaque NameID is not usable."""
    login = _login(fmt)
    person = Record("uid=jdoe,ou=people", {"uid": ("jdoe",)})
    result = idp_release("uid", None, login, person=person)
    assert result.idp_source == NAMEID
    assert result.value_confirmed is True
    assert result.usable is False
    assert "matching ID" in result.explanation


def test_email_nameid_may_be_the_matching_id() -> None:
    """Control: the same login with an emailAddress NameID is usable."""
    login = _login(EMAIL, "jdoe@college.test")
    person = Record("uid=jdoe,ou=people", {"mail": ("jdoe@college.test",)})
    result = idp_release("mail", None, login, person=person)
    assert result.idp_source == NAMEID
    assert result.usable is True


def _metadata(formats: tuple[str, ...]) -> IdpMetadata:
    text = _single(_entity("https://idp.test/idp", _certificate_body("idp"), formats))
    return parse_metadata(io.BytesIO(text.encode()), "md.xml")


@pytest.mark.parametrize(
    ("formats", "warned"),
    [
        ((EIDAS_PERSISTENT,), True),
        ((EIDAS_PERSISTENT, "urn:oasis:names:tc:saml2:2.0:nameid-format:transient"), True),
        ((EIDAS_PERSISTENT, EMAIL), False),
        (("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",), False),
    ],
)
def test_metadata_opaque_only_finding(formats: tuple[str, ...], warned: bool) -> None:
    """Metadata offering only eIDAS persistent/transient NameIDs gets the opaque-only warning."""
    (idp,) = _metadata(formats).idps
    assert any(f.code == "nameid-opaque-only" for f in idp.findings) is warned


def test_decode_markdown_shows_format_qualifiers_and_name_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--format md` carries what JSON and the terminal do: Format URI, qualifiers, NameFormat."""
    path = _write(
        tmp_path,
        "login.xml",
        _response(
            name_qualifier="https://idp.college.test",
            sp_name_qualifier="urn:alma:sp",
            friendly_name="uid",
        ),
    )
    assert main(["saml", "decode", str(path), "-f", "md"]) == 0
    out = capsys.readouterr().out
    assert f"  - Format: `{EMAIL}`" in out
    assert "  - NameQualifier: `https://idp.college.test`" in out
    assert "  - SPNameQualifier: `urn:alma:sp`" in out
    assert f"| `{ATTR_URI}` | uid |" in out
