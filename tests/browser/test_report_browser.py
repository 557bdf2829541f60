"""The demo's HTML report in a real headless Chromium: loads cleanly, offline, answer first.

Driven through the DevTools protocol over a pipe (tests/browser/cdp.py). Skipped when Chromium is
not installed, except under CI=true, where it fails. `AUTHPROBE_UPDATE_GOLDEN=1` also refreshes
the README screenshot docs/report.png.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from authprobe.reports.html import render_html
from tests.browser.cdp import Browser, find_chromium
from tests.reportdata import REPO, demo_report

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1280, 800
SCREENSHOT = REPO / "docs" / "report.png"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Browser, str, Path]]:
    """The demo report opened in headless Chromium at 1280x800."""
    executable = find_chromium()
    if executable is None:
        message = "Chromium is not installed (Debian package `chromium`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("report")
    report = folder / "authprobe-report.html"
    report.write_text(render_html(demo_report()), encoding="utf-8")
    url = report.as_uri()
    with Browser(executable, width=WIDTH, height=HEIGHT) as browser:
        browser.open(url)
        yield browser, url, folder


def _events(browser: Browser, method: str) -> list[dict[str, Any]]:
    return [event["params"] for event in browser.events if event["method"] == method]


def test_no_console_errors(page: tuple[Browser, str, Path]) -> None:
    """Nothing is logged as an error or warning and no exception is thrown."""
    browser, _, _ = page
    console = [
        e for e in _events(browser, "Runtime.consoleAPICalled") if e["type"] in ("error", "warning")
    ]
    logged = [e["entry"] for e in _events(browser, "Log.entryAdded")]
    thrown = _events(browser, "Runtime.exceptionThrown")
    assert console == []
    assert [e for e in logged if e["level"] in ("error", "warning")] == []
    assert thrown == []


def test_no_network_requests(page: tuple[Browser, str, Path]) -> None:
    """The only request is the report file itself: no script, font, style or image is fetched."""
    browser, url, _ = page
    requested = [e["request"]["url"] for e in _events(browser, "Network.requestWillBeSent")]
    assert requested == [url]


def test_recommendation_visible_above_the_fold(page: tuple[Browser, str, Path]) -> None:
    """The recommended pair is on screen at 1280x800 without scrolling, and not covered."""
    browser, _, _ = page
    found = browser.evaluate(
        """(() => {
          const el = document.querySelector('#recommendation .headline');
          const r = el.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          const style = getComputedStyle(el);
          return {top: r.top, bottom: r.bottom, width: r.width, text: el.innerText,
                  inside: el.contains(hit), visible: style.visibility === 'visible'
                  && style.display !== 'none' && Number(style.opacity) > 0,
                  scrollY: window.scrollY, innerHeight: window.innerHeight};
        })()"""
    )
    assert found["scrollY"] == 0
    assert found["innerHeight"] == HEIGHT
    assert 0 <= found["top"] < found["bottom"] <= HEIGHT
    assert found["width"] > 300
    assert found["visible"]
    assert found["inside"]
    assert " ".join(found["text"].split()) == "Use SIS primary_id = directory employeeID exact"


def test_configuration_starts_above_the_fold(page: tuple[Browser, str, Path]) -> None:
    """The configuration to apply begins on the first screen too."""
    browser, _, _ = page
    top = browser.evaluate("document.querySelector('#configuration').getBoundingClientRect().top")
    assert 0 < top < HEIGHT


def test_every_chart_is_a_non_empty_svg(page: tuple[Browser, str, Path]) -> None:
    """Every chart is an SVG that renders with a size and at least one drawn bar."""
    browser, _, _ = page
    charts = browser.evaluate(
        """Array.from(document.querySelectorAll('svg')).map(svg => {
          const box = svg.getBBox();
          const bars = svg.querySelectorAll('g.bar');
          const filled = Array.from(svg.querySelectorAll('g.bar rect[fill^="url("]'))
            .filter(r => r.getBBox().width > 0).length;
          return {id: svg.id, w: box.width, h: box.height, bars: bars.length, filled: filled,
                  shown: svg.getBoundingClientRect().width};
        })"""
    )
    assert len(charts) >= 6
    for chart in charts:
        assert chart["w"] > 0, chart
        assert chart["h"] > 0, chart
        assert chart["bars"] > 0, chart
        assert chart["filled"] > 0, chart
        assert chart["shown"] > 200, chart


def test_screenshot(page: tuple[Browser, str, Path]) -> None:
    """A 1280x800 PNG of the first screen is produced (and refreshed for the README on demand)."""
    browser, _, folder = page
    shot = folder / "report.png"
    browser.screenshot(shot)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > 20_000  # a blank page compresses to a few hundred bytes
    if os.environ.get("AUTHPROBE_UPDATE_GOLDEN", "") not in ("", "0"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def test_print_media_keeps_charts(page: tuple[Browser, str, Path]) -> None:
    """Printed (print media), the charts still show and the section links are hidden."""
    browser, _, _ = page
    browser.call("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        state = browser.evaluate(
            """({charts: Array.from(document.querySelectorAll('svg'))
                  .filter(s => s.getBoundingClientRect().width > 0).length,
                 all: document.querySelectorAll('svg').length,
                 toc: getComputedStyle(document.querySelector('nav.toc')).display})"""
        )
    finally:
        browser.call("Emulation.setEmulatedMedia", {"media": ""})
    assert state["charts"] == state["all"] > 0
    assert state["toc"] == "none"


def test_prints_to_pdf(page: tuple[Browser, str, Path]) -> None:
    """The page prints (A4/Letter PDF via the browser) to several pages."""
    browser, _, folder = page
    data = base64.b64decode(browser.call("Page.printToPDF", {"printBackground": True})["data"])
    (folder / "report.pdf").write_bytes(data)
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) >= 2


def test_nothing_scrolls_sideways_at_1280(page: tuple[Browser, str, Path]) -> None:
    """At 1280 px no table (the source profiles included) needs a horizontal scrollbar."""
    browser, _, _ = page
    overflowing = browser.evaluate(
        "JSON.stringify([...document.querySelectorAll('.wide, table')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1)"
        ".map(e => (e.closest('section') || {}).id))"
    )
    assert overflowing == "[]"
    assert browser.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_findings_chart_scales_from_zero(page: tuple[Browser, str, Path]) -> None:
    """The findings bars are shares of all findings: their lengths add up to one track."""
    browser, _, _ = page
    widths = browser.evaluate(
        "JSON.stringify([...document.querySelectorAll('#findings-by-severity g.bar')].map(g => {"
        " const r = g.querySelectorAll('rect');"
        " return r.length > 1 ? r[1].width.baseVal.value / r[0].width.baseVal.value : 0; }))"
    )
    shares = [float(w) for w in widths.strip("[]").split(",") if w]
    assert shares
    assert abs(sum(shares) - 1.0) < 0.01
