"""The HTML report: self-contained, escaped, leading with the answer, charts for the evidence."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import html as lxml_html

from authprobe.cli.app import main
from authprobe.model import PopulationScope, ReleasedValueMatch, SourceKind
from authprobe.reports.html import render_html
from authprobe.reports.mask import mask
from authprobe.reports.view import MASKED_NOTICE, SHOWN_NOTICE
from tests.helpers import write_ldif, write_sis
from tests.reportdata import small_report


def _doc(text: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(text.encode())


def test_self_contained() -> None:
    """No script, no external stylesheet, font, image or frame; links are in-page anchors."""
    text = render_html(small_report())
    doc = _doc(text)
    assert doc.xpath("//script | //link | //img | //iframe | //object | //embed") == []
    assert all(href.startswith("#") for href in doc.xpath("//a/@href"))
    assert doc.xpath("//@src") == []
    assert "@import" not in text
    assert re.findall(r"url\((?!#)", text) == []
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    policy = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert policy == [
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ]


def test_first_line_of_body_is_the_privacy_notice() -> None:
    """The first visible text says whether values are masked; --show-values says so loudly."""
    masked = _doc(render_html(small_report()))
    first = masked.xpath("//body/*[1]")[0]
    assert first.text_content() == MASKED_NOTICE
    shown = _doc(render_html(small_report(), show_values=True)).xpath("//body/*[1]")[0]
    assert shown.text_content() == SHOWN_NOTICE
    assert "shown" in shown.get("class")


def test_recommendation_comes_first_and_names_the_pair() -> None:
    """The first section is the recommendation with the SIS field and directory attribute."""
    doc = _doc(render_html(small_report()))
    sections = doc.xpath("//main/section/@id")
    assert sections[:2] == ["recommendation", "configuration"]
    headline = doc.xpath("//section[@id='recommendation']//h2")[0].text_content()
    assert " ".join(headline.split()) == "Use SIS primary_id = directory employeeNumber exact"


def test_all_sections_present() -> None:
    """The Match ID decision, candidates, exceptions, findings, profiles and inputs follow."""
    sections = _doc(render_html(small_report())).xpath("//main/section/@id")
    assert sections == [
        "recommendation",
        "configuration",
        "match",
        "candidates",
        "exceptions",
        "findings",
        "profiles",
        "inputs",
    ]


def test_charts_are_inline_svg_with_bars() -> None:
    """Every chart is an inline SVG with a title and at least one bar."""
    doc = _doc(render_html(small_report()))
    charts = doc.xpath("//*[local-name()='svg']")
    assert len(charts) >= 4
    for chart in charts:
        assert chart.xpath("./*[local-name()='title']")
        assert chart.xpath(".//*[local-name()='g'][@class='bar']")


def test_population_chart_shows_planted_coverage() -> None:
    """The recommended candidate's chart shows 57 of 60 students and 20 of 20 staff matching."""
    doc = _doc(render_html(small_report(students=60, staff=20, unmatched=3)))
    chart = doc.xpath("//*[@id='candidate-1-populations']")[0]
    labels = [" ".join(t.itertext()) for t in chart.xpath(".//*[local-name()='g']")]
    assert any("SIS STUDENT" in label and "95.0 % (57 of 60)" in label for label in labels)
    assert any("SIS STAFF" in label and "100.0 % (20 of 20)" in label for label in labels)


def test_values_from_data_are_escaped() -> None:
    """A population named like markup is shown as text, never as an element."""
    text = render_html(small_report(group_name="<script>alert(1)</script>"))
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_configuration_names_the_settings() -> None:
    """The settings table gives the Alma field, the User ID Location and a placeholder Name."""
    doc = _doc(render_html(small_report()))
    rows = [
        [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        for tr in doc.xpath("//section[@id='configuration']//tbody/tr")
    ]
    assert ["SIS extract", "Alma field", "primary_id"] in rows
    assert ["Alma SAML profile", "User ID Location", "User ID in an attribute element"] in rows
    assert any(r[1] == "User ID Attribute Name" and "employeeNumber" in r[2] for r in rows)


def test_no_recommendation_page() -> None:
    """Without a recommendation the page says so and shows no configuration."""
    doc = _doc(render_html(small_report(unmatched=70)))
    assert "none" in doc.xpath("//section[@id='recommendation']/@class")[0]
    assert doc.xpath("//section[@id='configuration']") == []
    assert "No login ID can be recommended" in doc.text_content()


def test_cli_html_and_md_formats(tmp_path: Path) -> None:
    """`recommend -f html` and `-f md` write the reports instead of refusing the format."""
    entries = [
        {"dn": f"uid=u{i},ou=Staff,dc=c,dc=ca", "uid": f"u{i}", "employeeNumber": f"{i:06d}"}
        for i in range(20)
    ]
    users = [{"primary_id": f"{i:06d}", "user_group": "STAFF"} for i in range(20)]
    ldif = write_ldif(tmp_path / "d.ldif", entries)
    sis = write_sis(tmp_path / "s.xml", users)
    for fmt in ("html", "md"):
        out = tmp_path / f"r.{fmt}"
        assert main(["recommend", "-d", str(ldif), "-s", str(sis), "-f", fmt, "-o", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert "employeeNumber" in text
        assert ("<!DOCTYPE html>" in text) == (fmt == "html")


def test_demo_writes_only_what_it_is_asked_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`authprobe demo -o FILE` writes FILE and nothing else, from a read-only folder too;
    `--html FILE` adds the HTML report; no report names the removed temporary folder."""
    here = tmp_path / "readonly"
    here.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    here.chmod(0o555)
    monkeypatch.chdir(here)
    try:
        assert main(["demo", "-f", "json", "-o", str(out / "demo.json")]) == 0
        assert [p.name for p in out.iterdir()] == ["demo.json"]
        assert list(here.iterdir()) == []
        assert (
            main(["demo", "-f", "json", "-o", str(out / "d.json"), "--html", str(out / "r.html")])
            == 0
        )
    finally:
        here.chmod(0o755)
    report = out / "r.html"
    assert f"HTML report: {report}" in capsys.readouterr().err
    text = report.read_text(encoding="utf-8")
    assert "authprobe-demo-" not in text
    assert "/tmp" not in text
    assert "sis.zip!" in text
    doc = _doc(text)
    assert "employeeID" in doc.xpath("//section[@id='recommendation']//h2")[0].text_content()


def test_out_of_scope_and_released_values_are_shown_masked() -> None:
    """Out-of-scope groups are listed with their counts; a released value is masked."""
    report = replace(
        small_report(),
        out_of_scope=(PopulationScope(SourceKind.SIS, "GUEST", 12, 0),),
        released=(
            ReleasedValueMatch(
                "urn:oid:2.16.840.1.113730.3.1.3", "007000037", ("employeeNumber",), 1
            ),
        ),
    )
    text = " ".join(_doc(render_html(report)).text_content().split())
    assert "sis GUEST (12 records, 0 would match)" in text
    assert "urn:oid:2.16.840.1.113730.3.1.3" in text
    assert "007000037" not in text
    assert mask("007000037") in text
    shown = _doc(render_html(report, show_values=True)).text_content()
    assert "007000037" in shown


def test_score_breakdown_adds_up_to_the_score() -> None:
    """The recommended candidate's criteria points add up to its score (within rounding)."""
    report = small_report()
    doc = _doc(render_html(report))
    rows = doc.xpath("//table[@class='criteria']/tbody/tr")
    points = [tr.xpath("./td")[2].text_content() for tr in rows]
    assert report.recommendation is not None
    assert len(rows) == len(report.recommendation.criteria)
    total = sum(float(p) for p in points if p not in ("passed", "FAILED"))
    assert abs(total - report.recommendation.score) <= 0.05 * len(points)
    assert "FAILED" not in points


def test_no_empty_charts_when_nothing_joins() -> None:
    """With no candidate pair at all, no chart is drawn without bars."""
    report = small_report(attribute="employeeNumber", unmatched=80)
    doc = _doc(render_html(report))
    assert report.correspondences == ()
    for chart in doc.xpath("//*[local-name()='svg']"):
        assert chart.xpath(".//*[local-name()='g'][@class='bar']")


def test_directory_entries_without_sis_record_per_ou() -> None:
    """The planted directory entries with no SIS partner are counted per OU."""
    doc = _doc(render_html(small_report(students=60, staff=20, unmatched=3)))
    text = " ".join(doc.xpath("//section[@id='exceptions']")[0].text_content().split())
    assert "3 directory entries find no SIS record" in text
    chart = doc.xpath("//*[@id='directory-unmatched']")[0]
    bars = [" ".join(g.itertext()) for g in chart.xpath(".//*[local-name()='g']")]
    assert len(bars) == 1
    assert "Students" in bars[0]
    assert "5.0 % (3 of 60)" in bars[0]


def test_preflight_section_with_alma_users() -> None:
    """With the users already in Alma, the predicted first load follows the Match ID decision,
    with its outcome and fate charts, and the TOC links to both."""
    from tests.reportdata import demo_report

    doc = _doc(render_html(demo_report()))
    sections = doc.xpath("//main/section/@id")
    assert sections[sections.index("match") + 1] == "preflight"
    charts = doc.xpath("//section[@id='preflight']//svg/@id")
    assert {"preflight-outcomes", "preflight-fates"} <= set(charts)
    assert {"#match", "#preflight"} <= set(doc.xpath("//nav[@class='toc']/a/@href"))
