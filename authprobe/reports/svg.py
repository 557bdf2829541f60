"""Charts as static inline SVG: horizontal bars with labels, readable in print and black-and-white.

Every series has a fill *pattern* (solid, hatched, dotted, cross-hatched) as well as a tone, and
every bar carries its figure as text, so nothing depends on colour. The output is plain SVG markup
with all text escaped; it needs no script, font or stylesheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
INK = "#1b2a38"
TRACK = "#eef1f4"


class Pattern(StrEnum):
    """How a series' bars are filled (tone + texture)."""

    SOLID = "solid"
    HATCH = "hatch"
    DOTS = "dots"
    CROSS = "cross"


_TONE = {
    Pattern.SOLID: "#1f5f8b",
    Pattern.HATCH: "#2e7d5b",
    Pattern.DOTS: "#8a5a00",
    Pattern.CROSS: "#a23b3b",
}


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: a label on the left, a share of the track (0..1), a figure on the right."""

    label: str
    share: float
    text: str
    pattern: Pattern = Pattern.SOLID


def _defs(chart_id: str, used: Sequence[Pattern]) -> str:
    parts = []
    for pattern in used:
        tone = _TONE[pattern]
        pid = f"{chart_id}-{pattern.value}"
        if pattern is Pattern.SOLID:
            body = f'<rect width="6" height="6" fill="{tone}"/>'
        elif pattern is Pattern.HATCH:
            body = (
                f'<rect width="6" height="6" fill="#ffffff"/>'
                f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{tone}" stroke-width="2"/>'
            )
        elif pattern is Pattern.DOTS:
            body = (
                f'<rect width="6" height="6" fill="#ffffff"/>'
                f'<circle cx="3" cy="3" r="1.6" fill="{tone}"/>'
            )
        else:
            body = (
                f'<rect width="6" height="6" fill="#ffffff"/>'
                f'<path d="M0,0 L6,6 M6,0 L0,6" stroke="{tone}" stroke-width="1.3"/>'
            )
        parts.append(
            f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f"{body}</pattern>"
        )
    return "<defs>" + "".join(parts) + "</defs>"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    legend: Mapping[Pattern, str] | None = None,
    label_width: int = 190,
    width: int = 640,
) -> str:
    """A horizontal bar chart as an `<svg>` element (empty bars still draw their track)."""
    row, gap, top = 22, 6, 8
    legend = dict(legend or {})
    if legend:
        top += 22
    text_width = 150
    track = max(80, width - label_width - text_width - 16)
    height = top + len(bars) * (row + gap) + 4
    used = list(dict.fromkeys([*legend, *(bar.pattern for bar in bars)]))
    cid = escape(chart_id)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{escape(FONT)}" font-size="12" aria-labelledby="{cid}-title">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        _defs(cid, used),
    ]
    x = 4
    for pattern, name in legend.items():
        out.append(
            f'<rect x="{x}" y="6" width="16" height="12" fill="url(#{cid}-{pattern.value})" '
            f'stroke="{INK}" stroke-width="0.8"/>'
            f'<text x="{x + 22}" y="16" fill="{INK}">{escape(name)}</text>'
        )
        x += 22 + 7 * len(name) + 24
    for index, bar in enumerate(bars):
        y = top + index * (row + gap)
        share = min(1.0, max(0.0, bar.share))
        filled = round(track * share, 1)
        label = _clip(bar.label, label_width // 7)
        out.append(
            f'<g class="bar"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{track}" height="{row}" fill="{TRACK}" '
            f'stroke="#9aa5b1" stroke-width="0.8"/>'
        )
        if filled > 0:
            out.append(
                f'<rect x="{label_width}" y="{y}" width="{filled}" height="{row}" '
                f'fill="url(#{cid}-{bar.pattern.value})" stroke="{INK}" stroke-width="0.8"/>'
            )
        out.append(
            f'<text x="{label_width + track + 8}" y="{y + 15}" fill="{INK}">'
            f"{escape(bar.text)}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)


def text_bar(share: float, width: int = 20) -> str:
    """The same bar for plain text (Markdown, terminal): `████████░░░░`."""
    share = min(1.0, max(0.0, share))
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled)
