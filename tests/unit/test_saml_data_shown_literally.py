"""SAML data is shown literally: rich-markup lookalikes in a login or in IdP metadata are never
read as markup, in the terminal, in a file, masked or not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authprobe.cli.app import main
from tests.saml_handwritten import MD_NAMESPACES
from tests.saml_handwritten import certificate_body as _certificate_body
from tests.saml_handwritten import entity as _entity
from tests.saml_handwritten import response as _response
from tests.saml_handwritten import single_entity as _single
from tests.saml_handwritten import write_text as _write

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"
RESPONSES = CORPUS / "saml-responses"
needs_corpus = pytest.mark.skipif(not RESPONSES.is_dir(), reason="../shared/corpus is absent")

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


# -- 1. rich markup in data -------------------------------------------------------------------


def test_decode_shows_bracketed_data_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`[red]`, `[bold]`, `[/x]` in Destination, Issuer, Names, values: exit 0, shown as sent."""
    path = _write(tmp_path, "login.xml", _response())
    assert main(["saml", "decode", str(path), "--show-values"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "internal error" not in captured.err
    for literal in (
        "https://sp.test/acs?x=[red]hi[/red]",
        "https://idp.test/[bold]idp",
        "jdoe[/x]@college.test",
        "https://idp.test/[nq]",
        "urn:sp:[/spq]",
        "urn:x:[/bold]",
        "FriendlyName: [i]friendly",
        "v[/u]:smile:",  # not a markup tag, not an emoji either
    ):
        assert literal in out, literal


def test_decode_masked_view_with_closing_tags_does_not_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default (masked) view survives a value that is only a closing tag."""
    path = _write(tmp_path, "login.xml", _response(nameid="[/x]", value="[/y]"))
    assert main(["saml", "decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert "urn:x:[/bold]" in out
    assert "https://sp.test/acs?x=[red]hi[/red]" in out


def test_decode_to_file_shows_bracketed_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output FILE (terminal format) writes the same literal text."""
    path = _write(tmp_path, "login.xml", _response())
    target = tmp_path / "out.txt"
    assert main(["saml", "decode", str(path), "--output", str(target)]) == 0
    capsys.readouterr()
    text = target.read_text(encoding="utf-8")
    assert "urn:x:[/bold]" in text
    assert "https://sp.test/acs?x=[red]hi[/red]" in text


def test_metadata_shows_bracketed_data_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """entityID (panel title too), names, endpoints, scopes, cert subject, attributes: literal."""
    body = _certificate_body("idp [/cn] [bold]x")
    path = _write(tmp_path, "md.xml", _single(_entity("https://idp.test/[/entity]", body)))
    assert main(["saml", "metadata", str(path)]) == 0
    out = capsys.readouterr().out
    for literal in (
        "https://idp.test/[/entity]",
        "College [/i] IdP",
        "Org [/org] display",
        "https://idp.test/sso?[/sso]",
        "https://idp.test/slo?[/slo]",
        "[scope]college.test",
        "CN=idp [/cn] [bold]x",
        "urn:x:[/attr]",
        "[/friendly]",
    ):
        assert literal in out, literal
    assert out.count("https://idp.test/[/entity]") == 2  # the panel title and the entityID row


def test_metadata_aggregate_summary_shows_bracketed_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one-line-per-IdP table (more than 3 IdPs) and the aggregate Name: literal too."""
    body = _certificate_body("idp")
    entities = "".join(_entity(f"https://idp{i}.test/[/e]", body) for i in range(5))
    path = _write(
        tmp_path,
        "aggregate.xml",
        f'<md:EntitiesDescriptor {MD_NAMESPACES} Name="[/aggregate]">{entities}'
        "</md:EntitiesDescriptor>",
    )
    assert main(["saml", "metadata", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[/aggregate]" in out
    assert all(f"https://idp{i}.test/[/e]" in out for i in range(5))
    assert out.count("College [/i] IdP") == 5
