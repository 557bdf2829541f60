"""The terminal view of a report: the answer first, then the evidence (fits 100 columns).

Every text that comes from the data (populations, field and attribute names, messages, paths)
is passed as a `rich.text.Text`, never as a markup string: a user_group such as `[/staff]` is
shown as it is instead of being read as a closing tag (which crashed the command).
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe import __version__
from authprobe.cli.render_load import match_panel, preflight_parts
from authprobe.model import Candidate, FieldProfile, Finding, Report
from authprobe.reports.logins import login_person_sentence
from authprobe.reports.mask import reveal

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
LOGIN_NAMES = {"saml": "SAML", "oidc": "OIDC", "cas": "CAS"}
MAX_CANDIDATES = 12
MAX_PROFILES = 40


def plain(value: object, style: str = "") -> Text:
    """Data-derived text for a table cell: shown literally, never parsed as rich markup."""
    return Text(str(value), style=style)


def steps_cell(steps: tuple[str, ...]) -> Text:
    """The normalisation steps, one per line (`casefold +` / `strip-leading-zeros`): the
    column is as wide as the longest step name, so a name is never cut in the middle."""
    return plain(" +\n".join(steps) or "exact")


def pct(value: float) -> str:
    """`0.926` -> `92.6 %`."""
    return f"{value * 100:.1f} %"


def describe_pair(candidate: Candidate) -> str:
    """`SIS primary_id = directory employeeID (exact)`."""
    pair = candidate.correspondence
    how = " + ".join(pair.normalisation) if pair.normalisation else "exact"
    return f"SIS {pair.sis_field} = directory {pair.directory_attribute} ({how})"


def _answer(report: Report, show_values: bool) -> RenderableType:
    lines: list[RenderableType] = []
    if show_values:
        lines.append(
            Text(
                "VALUES SHOWN UNMASKED (--show-values): handle this report as personal data.",
                style="bold red",
            )
        )
    best = report.recommendation
    if best is None:
        reason = next(
            (f.message for f in report.findings if f.code in ("no-candidate", "coverage-too-low")),
            "No candidate qualifies.",
        )
        lines.append(Text(f"No login ID can be recommended. {reason}", style="bold red"))
        return Panel(Group(*lines), title="Login ID", border_style="red")
    pair = best.correspondence
    lines.append(Text(f"Login ID: {describe_pair(best)}", style="bold green"))
    lines.append(
        Text(
            f"{pair.matched:,} of {pair.sis_records:,} SIS records ({pct(pair.sis_coverage)}) and "
            f"{pair.directory_matched:,} of {pair.directory_records:,} directory entries "
            f"({pct(pair.directory_coverage)}) match. Score {best.score:.1f}/100."
        )
    )
    for reason in best.reasons:
        lines.append(Text(f"• {reason}"))
    return Panel(Group(*lines), title="Login ID", border_style="green")


def _candidates(report: Report) -> Table:
    table = Table(title="Candidates", title_justify="left", expand=False)
    table.add_column("#", justify="right")
    # steps never wrap (one step per line already); when the table is too wide for 100
    # columns the long names give way instead, folded rather than cut
    table.add_column("SIS field", overflow="fold")
    table.add_column("directory attribute", overflow="fold")
    table.add_column("steps", no_wrap=True)
    table.add_column("SIS cov.", justify="right", max_width=7)  # "100.0 %"; header wraps
    table.add_column("dir. cov.", justify="right", max_width=7)
    table.add_column("score", justify="right")
    table.add_column("verdict", no_wrap=True)
    for candidate in report.candidates[:MAX_CANDIDATES]:
        pair = candidate.correspondence
        if candidate is report.recommendation or (
            report.recommendation is not None and candidate.rank == report.recommendation.rank
        ):
            verdict = Text("chosen", style="green")
        elif candidate.rejected:
            verdict = Text("rejected", style="red")
        else:
            verdict = Text("lower")
        table.add_row(
            str(candidate.rank),
            plain(pair.sis_field),
            plain(pair.directory_attribute),
            steps_cell(pair.normalisation),
            pct(pair.sis_coverage),
            pct(pair.directory_coverage),
            f"{candidate.score:.1f}",
            verdict,
        )
    return table


def _why_others(report: Report) -> RenderableType:
    lines: list[RenderableType] = [Text("Why the others lost", style="bold")]
    for candidate in report.candidates[:MAX_CANDIDATES]:
        if report.recommendation is not None and candidate.rank == report.recommendation.rank:
            continue
        lines.append(Text(f"#{candidate.rank} {describe_pair(candidate)}"))
        for reason in candidate.reasons:
            lines.append(Text(f"   {reason}", style="dim" if not candidate.rejected else "red"))
    return Group(*lines)


def _idp_status(candidate: Candidate) -> Text:
    check = candidate.idp
    if check is None:
        return Text("not checked", style="dim")
    if check.opaque:
        return Text("opaque ID", style="red")
    if check.released:
        return Text("released", style="green")
    if check.offered:
        return Text("offered", style="yellow")
    return Text("not released", style="red")


def _idp_release(report: Report) -> Table | None:
    """With IdP data: per candidate, whether the IdP releases it and under which Name."""
    if not any(candidate.idp is not None for candidate in report.candidates):
        return None
    table = Table(title="IdP release per candidate", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("directory attribute", overflow="fold")
    table.add_column("IdP", no_wrap=True)
    table.add_column("idp_source (NameID, attribute Name, claim or cas:user)", overflow="fold")
    table.add_column("login", no_wrap=True)
    for candidate in report.candidates[:MAX_CANDIDATES]:
        protocol = candidate.idp.protocol if candidate.idp is not None else None
        table.add_row(
            str(candidate.rank),
            plain(candidate.correspondence.directory_attribute),
            _idp_status(candidate),
            plain(candidate.idp_source or "—"),
            plain(LOGIN_NAMES.get(protocol or "", "—")),
        )
    return table


def _released(report: Report, show_values: bool) -> Table | None:
    """With a captured login: where each released value lives in the directory."""
    if not report.released:
        return None
    table = Table(title="Values released in the captured login", title_justify="left")
    table.add_column("login", no_wrap=True)
    table.add_column("idp_source", overflow="fold")
    table.add_column("value", overflow="fold")
    table.add_column("held by directory attributes", overflow="fold")
    table.add_column("entries", justify="right")
    for item in report.released:
        table.add_row(
            plain(LOGIN_NAMES.get(item.protocol, item.protocol)),
            plain(item.idp_source),
            plain(reveal(item.value, show_values)),
            plain(", ".join(item.directory_attributes) or "(none)"),
            f"{item.entries:,}",
        )
    sentences = [
        login_person_sentence(person, show_values=show_values) for person in report.login_people
    ]
    if sentences:
        table.caption = Text("\n".join(sentences))  # a DN may hold [markup]: shown as is
        table.caption_justify = "left"
    return table


def _advice(report: Report) -> RenderableType | None:
    advice = report.advice
    if advice is None:
        return None
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("setting", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")  # a URI Name must show whole, even folded
    table.add_row("SIS extract", plain(advice.sis_instruction))
    table.add_row("SIS Match ID Type", plain(advice.match_id_type))
    if advice.match_instruction:
        table.add_row("", plain(advice.match_instruction))
    table.add_row("SAML User ID Location", plain(advice.user_id_location))
    table.add_row(
        "SAML User ID Attribute Name",
        plain(advice.user_id_attribute_name or "(the exact Name the IdP sends; see below)"),
    )
    table.add_row("IdP", plain(advice.idp_instruction))
    table.add_row("LDAP search attribute", plain(advice.ldap_search_attribute or "(none found)"))
    if advice.ldap_instruction:
        table.add_row("", plain(advice.ldap_instruction))
    if advice.oidc_instruction:
        table.add_row(
            "OpenID Connect claim",
            plain(advice.oidc_claim or "(none yet: see below)"),
        )
        table.add_row("OpenID Connect", plain(advice.oidc_instruction))
    if advice.cas_instruction:
        table.add_row("CAS user identifier", plain("cas:user"))
        table.add_row("CAS", plain(advice.cas_instruction))
    for warning in advice.warnings:
        table.add_row(Text("caution", style="yellow"), plain(warning))
    for note in advice.notes:
        table.add_row("note", plain(note))
    return Panel(table, title="Configuration to apply", border_style="cyan")


def _fall_through(report: Report) -> RenderableType | None:
    """Who does not match under the recommended pair, by population and reason."""
    best = report.recommendation
    if best is None:
        return None
    pair = best.correspondence
    rows = [u for u in pair.unmatched if u.count]
    if not rows and not report.out_of_scope and not (pair.sis_multiple or pair.directory_multiple):
        return None
    table = Table(title="Who falls through (recommended pair)", title_justify="left")
    table.add_column("side")
    table.add_column("population", overflow="fold")
    table.add_column("reason", overflow="fold")
    table.add_column("people", justify="right")
    for row in sorted(rows, key=lambda u: (u.source.value != "sis", -u.count)):
        table.add_row(row.source.value, plain(row.population), plain(row.reason), f"{row.count:,}")
    if pair.sis_multiple:
        table.add_row("sis", "(all)", "matches several directory entries", f"{pair.sis_multiple:,}")
    if pair.directory_multiple:
        table.add_row(
            "directory", "(all)", "matches several SIS records", f"{pair.directory_multiple:,}"
        )
    for scope in report.out_of_scope:
        table.add_row(
            scope.source.value,
            plain(scope.population),
            f"out of scope (--exclude-group); {scope.matched:,} would match",
            f"{scope.records:,}",
        )
    return table


def _findings(findings: tuple[Finding, ...]) -> Table:
    table = Table(title="Findings", title_justify="left")
    table.add_column("severity", no_wrap=True)
    table.add_column("code", overflow="fold")
    table.add_column("where", overflow="fold")
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("message", max_width=52, overflow="fold")
    for finding in findings:
        where = finding.source + (f" {finding.field}" if finding.field else "")
        table.add_row(
            Text(finding.severity.value, style=SEVERITY_STYLE[finding.severity.value]),
            plain(finding.code),
            plain(where),
            f"{finding.count:,}",
            plain(finding.message),
        )
    return table


def profiles_table(
    profiles: tuple[FieldProfile, ...] | list[FieldProfile], title: str, show_values: bool = False
) -> Table:
    """The per-field profile table (also used by `ldap scan` and `sis scan`)."""
    table = Table(title=title, title_justify="left")
    # Counts keep their width (a number cut to "12…" is a wrong number); names and shapes fold.
    table.add_column("source", no_wrap=True)
    table.add_column("field", max_width=28, overflow="fold")
    for heading in ("present", "distinct", "dup.", "case", "multi", "length"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("main shape", max_width=24, overflow="fold")
    for profile in list(profiles)[:MAX_PROFILES]:
        shape = profile.shapes[0].shape if profile.shapes else ""
        example = f" e.g. {reveal(profile.examples[0], show_values)}" if profile.examples else ""
        length = (
            f"{profile.min_length}-{profile.max_length}"
            if profile.min_length != profile.max_length
            else str(profile.min_length)
        )
        table.add_row(
            profile.source.value[:3],
            plain(profile.field),
            f"{profile.present:,}",
            f"{profile.distinct:,}",
            f"{profile.duplicate_values:,}",
            f"{profile.case_collision_values:,}",
            f"{profile.multi_valued:,}",
            length,
            plain(shape + (example if show_values else "")),
        )
    return table


def render_terminal(report: Report, console: Console, *, show_values: bool = False) -> None:
    """Print the report: answer, candidates, why others lost, findings, profiles, inputs."""
    console.print(_answer(report, show_values))
    match = match_panel(report.sis_match)
    if match is not None:
        console.print(match)
    for part in (_advice(report), *preflight_parts(report, show_values), _fall_through(report)):
        if part is not None:
            console.print(part)
    console.print(_candidates(report))
    for table in (_idp_release(report), _released(report, show_values)):
        if table is not None:
            console.print(table)
    console.print(_why_others(report))
    if report.findings:
        console.print(_findings(report.findings))
    console.print(profiles_table(report.profiles, "Field profiles", show_values))
    inputs = Table(title="Inputs", title_justify="left")
    inputs.add_column("source", no_wrap=True)
    inputs.add_column("kind", overflow="fold")
    inputs.add_column("location", max_width=50, overflow="fold")
    inputs.add_column("records", justify="right", no_wrap=True)
    inputs.add_column("skipped", justify="right", no_wrap=True)
    for item in report.inputs:
        inputs.add_row(
            item.source.value,
            plain(item.kind),
            plain(item.location),
            f"{item.records:,}",
            f"{sum(item.skipped.values()):,}",
        )
    console.print(inputs)
    console.print(_options(report, show_values))
    console.print(
        Text(
            f"Started {report.started_at.isoformat(timespec='seconds')}, finished "
            f"{report.finished_at.isoformat(timespec='seconds')} · authprobe {__version__}",
            style="dim",
        )
    )


def _options(report: Report, show_values: bool) -> Table:
    """The filters and options the run used (population rule, excluded groups, LDAP search,
    IdP entity, ...), then whether identifier values are masked."""
    # imported here: the report view needs polars, which `sis scan` and `ldap scan` (that also
    # render with this module) should not load (see `authprobe.cli.app._register`)
    from authprobe.reports.view import option_rows

    table = Table(title="Filters and options", title_justify="left")
    table.add_column("option", no_wrap=True)
    table.add_column("value", max_width=72, overflow="fold")
    for name, value in option_rows(report.options, show_values):
        table.add_row(plain(name), plain(value))
    return table
