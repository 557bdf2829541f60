"""The HTML report: one self-contained page (inline CSS and SVG, no script, font or image files).

Rendered with Jinja2 and autoescaping from `templates/report.html.j2`; the charts are built by
`svg.py` from the same `ReportView` the Markdown report shows.
"""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, StrictUndefined, select_autoescape
from markupsafe import Markup

from authprobe.model import Report
from authprobe.reports.candidate_view import CandidateView, Share
from authprobe.reports.load_view import LoadView
from authprobe.reports.svg import Bar, Pattern, bar_chart
from authprobe.reports.view import (
    ExceptionView,
    FindingGroup,
    ReportView,
    SourceProfiles,
    build_view,
)
from authprobe.wording import plural

SEVERITY_PATTERN = {"error": Pattern.CROSS, "warning": Pattern.HATCH, "info": Pattern.DOTS}
MAX_PROFILE_BARS = 12


def _environment() -> Environment:
    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda value: f"{value:,}"
    env.filters["pct"] = lambda value: f"{value * 100:.1f} %"
    env.filters["plural"] = plural  # {{ n | plural("input") }}: "1 input", "3 inputs"
    return env


def _template_text(name: str) -> str:
    return resources.files("authprobe.reports").joinpath("templates", name).read_text("utf-8")


def population_chart(candidate: CandidateView) -> Markup:
    """Coverage per population: SIS user groups solid, directory OUs hatched."""
    bars = [
        Bar(
            f"{'SIS' if s.kind == 'sis' else 'dir.'} {s.label}",
            s.share,
            s.text,
            Pattern.SOLID if s.kind == "sis" else Pattern.HATCH,
        )
        for s in candidate.populations
    ]
    return Markup(  # noqa: S704 - svg.py escapes every text it writes
        bar_chart(
            bars,
            chart_id=f"candidate-{candidate.rank}-populations",
            title=f"Coverage per population of {candidate.title}",
            legend={Pattern.SOLID: "SIS user group", Pattern.HATCH: "directory OU"},
        )
    )


def steps_chart(candidate: CandidateView) -> Markup:
    """SIS coverage after each cumulative normalisation step."""
    bars = [Bar(s.label, s.share, s.text, Pattern.DOTS) for s in candidate.step_gains]
    return Markup(  # noqa: S704 - svg.py escapes every text it writes
        bar_chart(
            bars,
            chart_id=f"candidate-{candidate.rank}-steps",
            title=f"SIS coverage after each normalisation step, {candidate.title}",
        )
    )


def exception_charts(exceptions: ExceptionView) -> tuple[Markup, Markup]:
    """Who does not match: by reason and by population."""
    by_reason = bar_chart(
        [Bar(s.label, s.share, s.text, Pattern.CROSS) for s in exceptions.by_reason],
        chart_id="exceptions-by-reason",
        title="SIS records that do not match, by reason",
        label_width=260,
    )
    by_population = bar_chart(
        [Bar(s.label, s.share, s.text, Pattern.DOTS) for s in exceptions.by_population],
        chart_id="exceptions-by-population",
        title="SIS records that do not match, by population",
        label_width=260,
    )
    return Markup(by_reason), Markup(by_population)  # noqa: S704 - escaped by svg.py


def directory_unmatched_chart(shares: tuple[Share, ...]) -> Markup:
    """Directory entries that find no SIS record, per OU (share of the OU)."""
    return Markup(  # noqa: S704 - svg.py escapes every text it writes
        bar_chart(
            [Bar(s.label, s.share, s.text, Pattern.HATCH) for s in shares],
            chart_id="directory-unmatched",
            title="Directory entries that find no SIS record, per OU",
            label_width=300,
        )
    )


def findings_chart(groups: tuple[FindingGroup, ...]) -> Markup:
    """How many findings of each severity, as a share of all findings (the bars start at zero
    and add up to the whole: one finding of each severity draws three thirds)."""
    total = sum(g.count for g in groups) or 1
    bars = [
        Bar(
            g.severity,
            g.count / total,
            f"{g.count:,} finding{'' if g.count == 1 else 's'}",
            SEVERITY_PATTERN[g.severity],
        )
        for g in groups
    ]
    return Markup(  # noqa: S704 - svg.py escapes every text it writes
        bar_chart(bars, chart_id="findings-by-severity", title="Findings by severity")
    )


def profile_chart(profiles: SourceProfiles) -> Markup:
    """Fill rate and uniqueness of the fields that take part in a candidate pair."""
    rows = [r for r in profiles.rows if r.joined][:MAX_PROFILE_BARS]
    bars: list[Bar] = []
    for row in rows:
        filled = row.present / row.records if row.records else 0.0
        unique = row.unique_holders / row.present if row.present else 0.0
        bars.append(
            Bar(f"{row.field} filled", filled, f"{filled * 100:.1f} % of records", Pattern.SOLID)
        )
        bars.append(
            Bar(f"{row.field} unique", unique, f"{unique * 100:.1f} % of holders", Pattern.HATCH)
        )
    return Markup(  # noqa: S704 - svg.py escapes every text it writes
        bar_chart(
            bars,
            chart_id=f"profile-{profiles.source}",
            title=f"Fill rate and uniqueness of the joined {profiles.source} fields",
            legend={
                Pattern.SOLID: "records holding a value",
                Pattern.HATCH: "holders whose value is theirs alone",
            },
        )
    )


def outcome_chart(load: LoadView) -> Markup:
    """Each outcome's share of the SIS records (problems cross-hatched), scaled from zero."""
    bars = [
        Bar(o.label, o.share, o.text, Pattern.CROSS if o.problem else Pattern.SOLID)
        for o in load.outcomes
    ]
    return Markup(  # noqa: S704 - svg.py escapes every text it writes
        bar_chart(
            bars,
            chart_id="preflight-outcomes",
            title="Predicted outcome of the first SIS load, per SIS record",
            legend={Pattern.SOLID: "loads cleanly", Pattern.CROSS: "a problem to fix"},
        )
    )


def fate_chart(load: LoadView) -> Markup:
    """Each fate's share of the users already in Alma."""
    bars = [Bar(f.label, f.share, f.text, Pattern.HATCH) for f in load.fates]
    return Markup(  # noqa: S704 - svg.py escapes every text it writes
        bar_chart(
            bars,
            chart_id="preflight-fates",
            title="What the first SIS load does to the users already in Alma",
        )
    )


def render_view(view: ReportView) -> str:
    """The HTML text of one view."""
    env = _environment()
    env.globals.update(
        population_chart=population_chart,
        steps_chart=steps_chart,
        exception_charts=exception_charts,
        findings_chart=findings_chart,
        directory_unmatched_chart=directory_unmatched_chart,
        profile_chart=profile_chart,
        outcome_chart=outcome_chart,
        fate_chart=fate_chart,
        css=Markup(_template_text("report.css")),  # noqa: S704 - our own stylesheet
    )
    template = env.from_string(_template_text("report.html.j2"))
    return template.render(view=view)


def render_html(report: Report, *, show_values: bool = False) -> str:
    """The whole self-contained HTML report."""
    return render_view(build_view(report, show_values=show_values))
