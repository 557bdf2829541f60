"""Inline SVG charts: well-formed, proportional, labelled, patterned, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from authprobe.reports.svg import Bar, Pattern, bar_chart, text_bar

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own output, parsed to check it


def _bars(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]


def test_chart_is_well_formed_svg_with_title() -> None:
    """The chart parses as SVG, is an accessible image and carries its title."""
    root = _parse(bar_chart([Bar("a", 0.5, "50 %")], chart_id="c1", title="Coverage"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == "Coverage"  # type: ignore[union-attr]


def test_one_group_per_bar_with_label_and_figure() -> None:
    """Each bar has its label and its figure as text (readable without colour)."""
    bars = [Bar("STUDENT", 0.25, "25.0 % (1 of 4)"), Bar("STAFF", 1.0, "100.0 % (2 of 2)")]
    groups = _bars(_parse(bar_chart(bars, chart_id="c", title="t")))
    assert len(groups) == 2
    texts = [[t.text for t in g.iter(f"{SVG}text")] for g in groups]
    assert texts == [["STUDENT", "25.0 % (1 of 4)"], ["STAFF", "100.0 % (2 of 2)"]]


def test_filled_width_is_proportional_to_share() -> None:
    """A bar of share 0.25 is a quarter of the track; share 0 draws only the track."""
    root = _parse(bar_chart([Bar("q", 0.25, "x"), Bar("z", 0.0, "y")], chart_id="c", title="t"))
    first, second = _bars(root)
    track, filled = (float(r.get("width", "0")) for r in first.iter(f"{SVG}rect"))
    assert filled == pytest.approx(track / 4, abs=0.1)
    assert len(list(second.iter(f"{SVG}rect"))) == 1


def test_shares_are_clamped() -> None:
    """Shares below 0 or above 1 never draw outside the track."""
    root = _parse(bar_chart([Bar("big", 3.0, "x")], chart_id="c", title="t"))
    track, filled = (float(r.get("width", "0")) for r in _bars(root)[0].iter(f"{SVG}rect"))
    assert filled == track


def test_every_fill_refers_to_a_defined_pattern() -> None:
    """Fills use patterns defined in the same SVG (black-and-white safe textures)."""
    bars = [Bar(p.value, 0.5, "x", p) for p in Pattern]
    root = _parse(
        bar_chart(
            bars, chart_id="pp", title="t", legend={Pattern.SOLID: "SIS", Pattern.HATCH: "dir"}
        )
    )
    defined = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    fills = {
        r.get("fill") for r in root.iter(f"{SVG}rect") if (r.get("fill") or "").startswith("url(")
    }
    assert defined == {f"pp-{p.value}" for p in Pattern}
    assert fills == {f"url(#pp-{p.value})" for p in Pattern}


def test_text_is_escaped() -> None:
    """Labels with markup stay text: no element is injected."""
    markup = bar_chart([Bar("<script>x</script>&", 0.5, "<b>")], chart_id="c", title="<t>")
    root = _parse(markup)
    assert not any(el.tag.endswith("script") for el in root.iter())
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup


def test_long_labels_are_clipped_but_kept_in_tooltip() -> None:
    """A long label is shortened with an ellipsis; the full text stays in the bar's title."""
    label = "identifier:SOME_VERY_LONG_IDENTIFIER_TYPE_NAME"
    group = _bars(_parse(bar_chart([Bar(label, 0.5, "x")], chart_id="c", title="t")))[0]
    shown = next(group.iter(f"{SVG}text")).text or ""
    assert shown.endswith("…")
    assert len(shown) < len(label)
    assert label in (group.find(f"{SVG}title").text or "")  # type: ignore[union-attr]


def test_text_bar() -> None:
    """The plain-text bar has the asked width and fills in proportion."""
    assert text_bar(0.5, 10) == "█████░░░░░"
    assert text_bar(0.0, 4) == "░░░░"
    assert text_bar(2.0, 4) == "████"
