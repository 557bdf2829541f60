"""Exit codes that hide no danger: one --fail-on default (error) for the diagnostic commands,
`recommend` keeping never, a closed pipe a quiet 141, a configuration typo and credentials in an
LDAP URL refused as usage errors before any input is read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from authprobe.cli.app import main
from tests.bounded_run import TIMEOUT, run, small_college
from tests.helpers import write_ldif, write_sis

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"


@pytest.fixture(name="college")
def _college(tmp_path: Path) -> tuple[Path, Path]:
    """A directory export and an SIS extract that join on employeeNumber (20 people)."""
    return small_college(tmp_path)


# -- A8: one --fail-on default (error) for the diagnostic commands ----------------------------


def _expired_metadata(tmp_path: Path) -> Path:
    from tests.saml_helpers import make_keypair

    keys = make_keypair(tmp_path, "old-idp", days=-30)
    body = "".join(line for line in keys.cert_pem.splitlines() if not line.startswith("-----"))
    path = tmp_path / "idp.xml"
    path.write_text(
        f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.college.test/idp">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.college.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
""",
        encoding="utf-8",
    )
    return path


def test_metadata_with_expired_signing_certificate_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`saml metadata` fails by default when the only signing certificate has expired."""
    path = _expired_metadata(tmp_path)
    assert main(["saml", "metadata", str(path), "-f", "json"]) == 1
    (idp,) = json.loads(capsys.readouterr().out)["idps"]
    assert [(f["code"], f["severity"]) for f in idp["findings"]] == [
        ("certificate-expired", "error")
    ]
    assert main(["saml", "metadata", str(path), "--fail-on", "never"]) == 0


def test_decode_of_a_tampered_login_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`saml decode` fails by default when the signature does not verify (values altered)."""
    from tests import saml_helpers as helpers

    if helpers.XMLSEC1 is None:
        pytest.skip("xmlsec1 is not installed")
    idp = helpers.make_idp(tmp_path)
    xml = helpers.authn_response(idp.server)
    assert "0012345" in xml
    login = tmp_path / "login.xml"
    login.write_text(xml.replace("0012345", "0099999"), encoding="utf-8")
    args = ["saml", "decode", str(login), "--cert", str(idp.keys.cert)]
    assert main([*args, "-f", "json"]) == 1
    data = json.loads(capsys.readouterr().out)["login"]
    assert data["trusted"] is False
    assert "signature-invalid" in [f["code"] for f in data["findings"]]
    assert main([*args, "--fail-on", "never"]) == 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_decode_of_a_wrapped_login_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A signature-wrapping attack (pysaml2's XSW case) exits 1 by default."""
    login = CORPUS / "saml-responses" / "pysaml2_xsw_assertion_wrapper.xml"
    metadata = CORPUS / "idp-metadata" / "pysaml2_idp_all.xml"
    assert main(["saml", "decode", str(login), "--idp-metadata", str(metadata)]) == 1
    assert "NOT valid" in capsys.readouterr().out


def test_recommend_keeps_never_by_default(tmp_path: Path, college: tuple[Path, Path]) -> None:
    """`recommend` exits 0 despite an error finding: 1 only when nothing can be recommended."""
    users = [{"primary_id": f"{i:06d}", "user_group": "STAFF"} for i in range(20)]
    sis = write_sis(tmp_path / "s2.xml", [*users, {"user_group": "STAFF"}])  # no primary_id
    assert main(["recommend", "-d", str(college[0]), "-s", str(sis), "-f", "json"]) == 0
    assert main(["recommend", "-d", str(college[0]), "-s", str(sis), "--fail-on", "error"]) == 1


# -- A9: a closed pipe, a typo in the configuration -------------------------------------------


def test_closed_stdout_is_quiet_141(college: tuple[Path, Path]) -> None:
    """A reader gone before anything is written: no message, exit 141 (table and JSON alike)."""
    ldif, sis = college
    for extra in ([], ["-f", "json"]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = run(["recommend", "-d", str(ldif), "-s", str(sis), *extra], stdout=write_end)
        finally:
            os.close(write_end)
        assert (result.returncode, result.stderr) == (141, "")


def test_head_closing_the_pipe_is_quiet_141(tmp_path: Path) -> None:
    """`authprobe ldap scan ... | head -1`: head's one line arrives, then exit 141, silently."""
    entries = [
        {"dn": f"uid=u{i},ou=Staff,dc=c", **{f"attr{j}": f"v{i}" for j in range(i % 7, 1500, 7)}}
        for i in range(60)
    ]
    ldif = write_ldif(tmp_path / "wide.ldif", entries)  # 1,500 attributes: a table of 150 KB
    with subprocess.Popen(
        [sys.executable, "-m", "authprobe", "ldap", "scan", str(ldif)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read()
        code = proc.wait(timeout=TIMEOUT)
    assert b"person entries read" in first
    assert (code, stderr) == (141, b"")


@pytest.mark.parametrize(
    ("setting", "allowed"),
    [('fail_on = "errors"', "error, warning, info, never"), ('format = "pdf"', "table, json")],
)
def test_config_typo_is_exit_2_before_any_input_is_read(
    tmp_path: Path, setting: str, allowed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong value in authprobe.toml is exit 2 with the allowed values, before the inputs."""
    config = tmp_path / "authprobe.toml"
    config.write_text(f'[directory]\nsource = "missing.ldif"\n[sis]\npaths = ["missing.xml"]\n'
                      f"[report]\n{setting}\n")  # fmt: skip
    assert main(["recommend", "-c", str(config)]) == 2  # not 4: the inputs are never opened
    err = capsys.readouterr().err
    assert "[config-invalid-value]" in err
    assert allowed in err


# -- A10: credentials in an LDAP URL --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["ldap", "scan", "ldap://cn=admin:s3cr3t-pw@127.0.0.1:9"],
        ["ldap", "probe", "ldaps://admin:s3cr3t-pw@127.0.0.1:9"],
        ["ldap", "lookup", "ldap://admin@127.0.0.1:9", "jdoe", "-a", "uid"],
        ["recommend", "-d", "ldap://cn=admin:s3cr3t-pw@127.0.0.1:9", "-s", "missing.xml"],
    ],
)
def test_ldap_url_with_credentials_is_refused(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A user or password in the URL: exit 2, the password never echoed, its sources named."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "[ldap-url-credentials]" in err
    assert "s3cr3t" not in err
    assert "admin" not in err
    assert "AUTHPROBE_LDAP_PASSWORD" in err
    assert "--password-file" in err
    assert "prompt" in err
