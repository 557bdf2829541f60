"""`recommend --oidc-token / --oidc-discovery / --cas-response`: OpenID Connect and CAS logins
as IdP evidence, on a small college whose right answer is known by construction."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from authprobe.cli.app import main
from tests import jose_helpers as jose
from tests.helpers import write_ldif, write_sis

PEOPLE = 40
CAS_NS = "http://www.yale.edu/tp/cas"


def _person(index: int) -> dict[str, str]:
    return {
        "number": f"{700000 + index:09d}",
        "username": f"user{index:03d}",
        "oid": str(uuid.UUID(int=index + 1)),
        "mail": f"person.{index}@college.test",
    }


@pytest.fixture(scope="module")
def college(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """40 people: the SIS loads the number as primary_id and the Entra object ID as an
    identifier; the directory holds employeeNumber, uid, mail and the object ID."""
    folder = tmp_path_factory.mktemp("college")
    people = [_person(i) for i in range(PEOPLE)]
    write_ldif(
        folder / "directory.ldif",
        [
            {
                "dn": f"uid={p['username']},ou=Students,dc=college,dc=test",
                "uid": p["username"],
                "cn": f"Person {i}",
                "sn": f"Person{i}",
                "employeeNumber": p["number"],
                "mail": p["mail"],
                "entraObjectId": p["oid"],
            }
            for i, p in enumerate(people)
        ],
    )
    write_sis(
        folder / "sis.xml",
        [
            {"primary_id": p["number"], "user_group": "STUDENT", "id:OBJECT_ID": p["oid"]}
            for p in people
        ],
    )
    return {"folder": folder, "people": people}


def _token(folder: Path, name: str, claims: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(jose.sign(claims, jose.key("RSA", "k"), "RS256"), encoding="utf-8")
    return path


def _claims(person: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "iss": jose.ISSUER,
        "aud": jose.CLIENT_ID,
        "sub": "pairwise-" + person["oid"][-6:],
        "oid": person["oid"],
        "iat": jose.NOW,
        "exp": jose.NOW + 3600,
        "preferred_username": person["mail"],
        **extra,
    }


def _recommend(
    capsys: pytest.CaptureFixture[str], college: dict[str, Any], *args: str, fmt: str = "json"
) -> tuple[int, Any]:
    folder = college["folder"]
    code = main(
        [
            "recommend",
            "-d",
            str(folder / "directory.ldif"),
            "-s",
            str(folder / "sis.xml"),
            "-f",
            fmt,
            *args,
        ]
    )
    out = capsys.readouterr().out
    return code, json.loads(out) if fmt == "json" else out


def _candidate(data: dict[str, Any], attribute: str) -> dict[str, Any]:
    return next(c for c in data["candidates"] if c["directory_attribute"] == attribute)


def test_claim_carrying_the_winner_is_its_idp_source(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A token whose employeeid claim holds the person's number: the winner names that claim,
    and the OIDC row says to confirm with Ex Libris which claim Alma matches."""
    person = college["people"][7]
    token = _token(tmp_path, "t.txt", _claims(person, employeeid=person["number"]))
    code, data = _recommend(capsys, college, "--oidc-token", str(token))
    assert code == 0
    winner = data["recommendation"]
    assert (winner["sis_field"], winner["directory_attribute"]) == ("primary_id", "employeeNumber")
    assert winner["idp_source"] == "employeeid"
    assert winner["idp"]["protocol"] == "oidc"
    assert winner["idp"]["released"] is True
    advice = data["alma_configuration"]
    assert advice["oidc_claim"] == "employeeid"
    assert (
        "confirm with Ex Libris which claim the OpenID Connect profile matches"
        in (advice["oidc_instruction"])
    )
    assert advice["user_id_attribute_name"] is None  # an OIDC claim is no SAML Name
    located = {item["idp_source"]: item for item in data["idp_login"]}
    assert located["employeeid"]["directory_attributes"] == ["employeeNumber"]
    assert located["employeeid"]["protocol"] == "oidc"
    assert located["oid"]["directory_attributes"] == ["entraObjectId"]


def test_token_without_the_value_gets_the_campus_it_action(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No claim carries the number: its idp_release scores 0 and campus IT must add it."""
    token = _token(tmp_path, "t.txt", _claims(college["people"][3]))
    _, data = _recommend(capsys, college, "--oidc-token", str(token))
    number = _candidate(data, "employeeNumber")
    assert number["idp"]["released"] is False
    criterion = next(c for c in number["criteria"] if c["name"] == "idp_release")
    assert criterion["value"] == 0
    assert "campus IT must add it" in criterion["explanation"]
    assert data["alma_configuration"]["oidc_claim"] is None


def test_opaque_claim_is_never_the_answer(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The object ID joins SIS and directory perfectly, but arrives only as the opaque oid claim:
    that candidate is rejected, whatever its coverage."""
    token = _token(tmp_path, "t.txt", _claims(college["people"][5]))
    _, data = _recommend(capsys, college, "--oidc-token", str(token))
    oid = _candidate(data, "entraObjectId")
    assert oid["sis_coverage"] == 1.0
    assert oid["idp"]["opaque"] is True
    assert oid["idp_source"] == "oid"
    assert oid["rejected_because"]
    assert data["recommendation"]["directory_attribute"] != "entraObjectId"


def test_discovery_alone_says_offered(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A discovery document listing employeeNumber in claims_supported (a Keycloak user-attribute
    mapper): offered, not released."""
    discovery = tmp_path / "openid-configuration.json"
    discovery.write_text(
        json.dumps(
            {
                "issuer": jose.ISSUER,
                "authorization_endpoint": "https://login.college.test/auth",
                "token_endpoint": "https://login.college.test/token",
                "jwks_uri": "https://login.college.test/keys",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "employeeNumber", "email"],
            }
        ),
        encoding="utf-8",
    )
    _, data = _recommend(capsys, college, "--oidc-discovery", str(discovery))
    number = _candidate(data, "employeeNumber")
    assert number["idp"]["offered"] is True
    assert number["idp"]["released"] is False
    assert number["idp_source"] == "employeeNumber"
    option_names = [o["name"] for o in data["options"]]
    assert "OpenID Connect discovery" in option_names


def _cas(path: Path, user: str, attributes: dict[str, str]) -> Path:
    parts = "".join(f"<cas:{k}>{v}</cas:{k}>" for k, v in attributes.items())
    path.write_text(
        f"<cas:serviceResponse xmlns:cas='{CAS_NS}'><cas:authenticationSuccess>"
        f"<cas:user>{user}</cas:user><cas:attributes>{parts}</cas:attributes>"
        "</cas:authenticationSuccess></cas:serviceResponse>",
        encoding="utf-8",
    )
    return path


def test_cas_user_carrying_the_winner(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """cas:user holds the person's number: idp_source cas:user, nothing for campus IT to do."""
    person = college["people"][11]
    response = _cas(tmp_path / "cas.xml", person["number"], {"mail": person["mail"]})
    _, data = _recommend(capsys, college, "--cas-response", str(response))
    winner = data["recommendation"]
    assert winner["idp_source"] == "cas:user"
    assert winner["idp"]["protocol"] == "cas"
    assert data["alma_configuration"]["cas_instruction"].startswith("cas:user already carries")


def test_cas_attribute_is_not_enough(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """cas:user is the username and the number comes as an attribute: Alma reads cas:user, so
    campus IT must make the number the principal (offered, not released)."""
    person = college["people"][12]
    response = _cas(tmp_path / "cas.xml", person["username"], {"employeeNumber": person["number"]})
    _, data = _recommend(capsys, college, "--cas-response", str(response))
    number = _candidate(data, "employeeNumber")
    assert number["idp"]["offered"] is True
    assert number["idp"]["released"] is False
    assert number["idp_source"] == "employeeNumber"
    instruction = data["alma_configuration"]["cas_instruction"]
    assert "campus IT must make the CAS server return" in instruction
    assert instruction.count("Alma takes the user") == 1  # said once, not twice
    uid = next(i for i in data["idp_login"] if i["idp_source"] == "cas:user")
    assert uid["directory_attributes"] == ["uid"]


def test_cas_failure_is_refused(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A failed validation names no user: exit 4 with the code."""
    failure = tmp_path / "failure.xml"
    failure.write_text(
        f"<cas:serviceResponse xmlns:cas='{CAS_NS}'><cas:authenticationFailure "
        "code='INVALID_TICKET'>used</cas:authenticationFailure></cas:serviceResponse>",
        encoding="utf-8",
    )
    folder = college["folder"]
    code = main(
        [
            "recommend",
            "-d",
            str(folder / "directory.ldif"),
            "-s",
            str(folder / "sis.xml"),
            "--cas-response",
            str(failure),
        ]
    )
    err = capsys.readouterr().err
    assert code == 4
    assert "[cas-response-failure]" in err
    assert "INVALID_TICKET" in err


def test_every_format_shows_the_login_evidence(
    college: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Terminal, Markdown and HTML all show the OIDC claim row, the CAS row and the released
    values; the inputs come from authprobe.toml [idp]."""
    person = college["people"][2]
    _token(tmp_path, "token.txt", _claims(person, employeeid=person["number"]))
    _cas(tmp_path / "cas.xml", person["username"], {"employeeNumber": person["number"]})
    config = tmp_path / "authprobe.toml"
    config.write_text(
        '[idp]\noidc_token = "token.txt"\ncas_response = "cas.xml"\n', encoding="utf-8"
    )
    for fmt, expected in (
        ("table", ("OpenID Connect claim", "CAS user identifier", "Values released")),
        ("md", ("| Alma OpenID Connect profile |", "| Alma CAS profile |", "| OpenID Connect |")),
        ("html", ("Alma OpenID Connect profile", "Alma CAS profile", "<td>CAS</td>")),
    ):
        _, text = _recommend(capsys, college, "--config", str(config), fmt=fmt)
        for snippet in expected:
            assert snippet in text, (fmt, snippet)
        assert "employeeid" in text
    _, data = _recommend(capsys, college, "--config", str(config))
    names = {o["name"]: o["value"] for o in data["options"]}
    assert names["OpenID Connect ID token"].endswith("(authprobe.toml)")
    assert names["CAS validation response"].endswith("(authprobe.toml)")
