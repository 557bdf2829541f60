"""The SAML terminal views fit ordinary terminals: at 80, 100 and 160 columns no column is
squeezed to letters, no line is wider than the terminal, and short words stay whole."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from authprobe.cli.saml_metadata_view import draw_table
from authprobe.cli.saml_render import render_decode
from authprobe.sources.saml.message import decode, read_input
from authprobe.sources.saml.metadata import MetadataScan

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"
EIDAS = CORPUS / "saml-responses" / "pysaml2_eidas_response.xml"
ENTRA = CORPUS / "idp-metadata" / "entra_azuread_common_federationmetadata.xml"
SWAMID = CORPUS / "idp-metadata" / "fed_swamid-1.0_aggregate.xml"
WIDTHS = (80, 100, 160)

pytestmark = pytest.mark.skipif(not EIDAS.exists(), reason="the shared corpus is not here")


def _console(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, no_color=True, soft_wrap=False), out


def _lines(text: str, width: int) -> list[str]:
    lines = text.splitlines()
    assert lines
    assert max(len(line) for line in lines) <= width
    return lines


def _whole(word: str, text: str) -> bool:
    """`word` appears unbroken (not folded across lines)."""
    return word in text


@pytest.mark.parametrize("width", WIDTHS)
def test_login_attribute_table_fits(width: int) -> None:
    """saml decode: the readable names (PersonIdentifier, DateOfBirth) stay whole words and the
    headers readable, whatever the width; the long URI Names fold instead."""
    data, location = read_input(str(EIDAS))
    console, out = _console(width)
    render_decode(decode(data, location), console)
    text = "\n".join(_lines(out.getvalue(), width))
    for word in ("PersonIdentifier", "FamilyName", "FirstName", "DateOfBirth"):
        assert _whole(word, text), word
    assert "readable name" in text
    assert "values" in text
    if width >= 160:
        assert "http://eidas.europa.eu/attributes/naturalperson/PersonIdentifier" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_metadata_attribute_table_fits(width: int) -> None:
    """saml metadata: "readable name" and "directory attribute" keep their words at 80 columns
    (they used to wrap letter by letter at 100 and vanish at 80)."""
    console, out = _console(width)
    draw_table(MetadataScan(str(ENTRA)), console)
    text = "\n".join(_lines(out.getvalue(), width))
    assert "directory attribute" in text
    assert "userPrincipalName" in text
    assert "givenName" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_aggregate_names_break_between_words(width: int) -> None:
    """An aggregate's one-line-per-IdP table wraps IdP names between words, never inside one."""
    console, out = _console(width)
    draw_table(MetadataScan(str(SWAMID)), console)
    text = "\n".join(_lines(out.getvalue(), width))
    for name in ("Linnéuniversitetet", "Mittuniversitetet", "Karolinska", "Jönköping"):
        assert _whole(name, text), name


@pytest.mark.parametrize("width", WIDTHS)
def test_recommend_view_cuts_nothing(width: int) -> None:
    """The demo's recommend view at 80, 100 and 160 columns: no line wider than the terminal
    and nothing cut to an ellipsis (a URI Name in the advice, a finding code, a count)."""
    from authprobe.cli.render import render_terminal
    from tests.reportdata import demo_report

    console, out = _console(width)
    render_terminal(demo_report(), console)
    text = "\n".join(_lines(out.getvalue(), width))
    assert "…" not in text
    assert " 306 " in text  # the rejected-taken count, whole
