"""The terminal view of the SIS Match ID decision and of the predicted first load (pre-flight).

As in `render.py`, every data-derived text is a `rich.text.Text`, never markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from authprobe.model import Fate, Outcome, Preflight, Report, SisMatch
from authprobe.reports.mask import reveal, reveal_reference
from authprobe.wording import plural

BAR_WIDTH = 30
OUTCOME_STYLE = {
    Outcome.UPDATE: "green",
    Outcome.CREATE: "green",
    Outcome.CREATE_DUPLICATE: "bold red",
    Outcome.MISSING_MATCH_ID: "red",
    Outcome.REJECTED_IN_FEED: "red",
    Outcome.AMBIGUOUS: "red",
    Outcome.NOT_EXTERNAL: "red",
    Outcome.REJECTED_TAKEN: "red",
}
OUTCOME_MEANING = {
    Outcome.UPDATE: "updates the user already in Alma",
    Outcome.CREATE: "creates a new user (nobody like them in Alma)",
    Outcome.CREATE_DUPLICATE: "creates a second user for someone already in Alma",
    Outcome.MISSING_MATCH_ID: "rejected: no Match ID value",
    Outcome.REJECTED_IN_FEED: "rejected: identifier repeated within the load",
    Outcome.AMBIGUOUS: "not loaded: several users hold the match value",
    Outcome.NOT_EXTERNAL: "not loaded: the user found is INTERNAL",
    Outcome.REJECTED_TAKEN: "rejected: identifier held by another user",
}
FATE_MEANING = {
    Fate.UPDATED: "updated by the load",
    Fate.BLOCKED: "found, but not updated (see the outcomes)",
    Fate.ORPHAN: "EXTERNAL, found by no SIS record",
    Fate.UNTOUCHED_INTERNAL: "INTERNAL, found by no SIS record",
}
MAX_POPULATIONS = 12
EXAMPLES_PER_OUTCOME = 2


def short(reference: str) -> str:
    """`/long/path/sis.zip!users.xml:12` -> `sis.zip!users.xml:12` (the folder is in Inputs)."""
    return reference.rsplit("/", 1)[-1]


def _bar(part: int, whole: int) -> str:
    """A bar scaled from zero (an empty bar for 0, at least one block for any other count)."""
    if not whole or not part:
        return ""
    return "█" * max(1, round(BAR_WIDTH * part / whole))


def match_panel(decision: SisMatch | None) -> RenderableType | None:
    """The SIS Match ID decision: the type, why, and the other types."""
    if decision is None:
        return None
    lines: list[RenderableType] = []
    if decision.match_id_type is None:
        lines.append(Text("No SIS Match ID Type can be chosen.", style="bold red"))
    else:
        lines.append(
            Text(
                f"SIS Match ID Type: {decision.match_id_type} (ranked by {decision.ranked_by}"
                + (", chosen with --match-id)" if decision.chosen_by == "--match-id" else ")"),
                style="bold green",
            )
        )
    for reason in decision.reasons:
        lines.append(Text(f"• {reason}"))
    others = [c for c in decision.candidates if c.field != decision.match_id_type]
    if others:
        table = Table(box=None, show_header=True, pad_edge=False)
        table.add_column("other type", overflow="fold")
        table.add_column("why not", ratio=1, overflow="fold")
        for candidate in others:
            table.add_row(Text(candidate.field), Text(candidate.reasons[0]))
        lines.append(table)
    return Panel(Group(*lines), title="SIS Match ID", border_style="green")


def _outcomes_table(preflight: Preflight) -> Table:
    table = Table(title=None, box=None, pad_edge=False)
    table.add_column("outcome", no_wrap=True)
    table.add_column("records", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("meaning", overflow="fold")
    for outcome in Outcome:
        count = preflight.outcomes[outcome]
        table.add_row(
            Text(outcome.value, style=OUTCOME_STYLE[outcome] if count else "dim"),
            f"{count:,}",
            Text(_bar(count, preflight.sis_records), style=OUTCOME_STYLE[outcome]),
            Text(OUTCOME_MEANING[outcome], style="" if count else "dim"),
        )
    return table


def _fates_table(preflight: Preflight) -> Table:
    table = Table(box=None, pad_edge=False)
    table.add_column("users already in Alma", no_wrap=True)
    table.add_column("users", justify="right", no_wrap=True)
    table.add_column("meaning", overflow="fold")
    for fate in Fate:
        table.add_row(Text(fate.value), f"{preflight.fates[fate]:,}", Text(FATE_MEANING[fate]))
    return table


def _populations_table(preflight: Preflight) -> Table:
    problems = [o for o in Outcome if not o.clean]
    table = Table(title="First load by user_group", title_justify="left")
    table.add_column("user_group", overflow="fold")
    table.add_column("records", justify="right", no_wrap=True)
    table.add_column("update", justify="right", no_wrap=True)
    table.add_column("create", justify="right", no_wrap=True)
    table.add_column("problems", justify="right", no_wrap=True)
    for row in preflight.populations[:MAX_POPULATIONS]:
        table.add_row(
            Text(row.population),
            f"{row.records:,}",
            f"{row.outcomes[Outcome.UPDATE]:,}",
            f"{row.outcomes[Outcome.CREATE]:,}",
            Text(
                f"{sum(row.outcomes[o] for o in problems):,}",
                style="red" if any(row.outcomes[o] for o in problems) else "",
            ),
        )
    return table


def _examples_table(preflight: Preflight, show_values: bool) -> Table | None:
    shown: dict[Outcome, int] = {}
    rows = []
    for example in preflight.examples:
        if not example.outcome.clean and shown.get(example.outcome, 0) < EXAMPLES_PER_OUTCOME:
            shown[example.outcome] = shown.get(example.outcome, 0) + 1
            rows.append(example)
    if not rows:
        return None
    table = Table(
        title="Examples of problems (file:line on both sides; --preflight-csv lists them all)",
        title_justify="left",
    )
    table.add_column("outcome", no_wrap=True)
    table.add_column("SIS record", overflow="fold")
    table.add_column("match value", overflow="fold")
    table.add_column("in Alma", overflow="fold")
    table.add_column("evidence", ratio=1, overflow="fold")
    for example in rows:
        table.add_row(
            Text(example.outcome.value, style=OUTCOME_STYLE[example.outcome]),
            Text(short(reveal_reference(example.sis_ref, show_values))),
            Text(reveal(example.value, show_values)),
            Text("\n".join(short(reveal_reference(r, show_values)) for r in example.alma_refs[:3])),
            Text(example.evidence),
        )
    return table


def preflight_parts(report: Report, show_values: bool) -> list[RenderableType]:
    """The predicted first load: outcomes (a bar chart), fates, per user_group, examples."""
    preflight = report.preflight
    if preflight is None:
        return []
    head = Text(
        f"With Match ID Type {preflight.match_field}, {preflight.clean:,} of "
        f"{plural(preflight.sis_records, 'SIS record')} "
        f"{'loads' if preflight.clean == 1 else 'load'} cleanly; {preflight.problems:,} "
        f"{'is a problem' if preflight.problems == 1 else 'are problems'} to fix before "
        f"go-live. {plural(preflight.existing_users, 'user')} "
        f"{'is' if preflight.existing_users == 1 else 'are'} already in Alma "
        f"({preflight.existing_internal:,} INTERNAL).",
        style="bold",
    )
    parts: list[RenderableType] = [
        Panel(
            Group(head, _outcomes_table(preflight), Text(""), _fates_table(preflight)),
            title="Predicted first SIS load (pre-flight)",
            border_style="magenta",
        ),
        _populations_table(preflight),
    ]
    examples = _examples_table(preflight, show_values)
    if examples is not None:
        parts.append(examples)
    return parts
