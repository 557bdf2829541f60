"""The Markdown report (GitHub tables): the HTML report's content for tickets and wikis."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from authprobe.model import Report
from authprobe.reports.candidate_view import CandidateView, Share, pct
from authprobe.reports.load_view import LoadView
from authprobe.reports.svg import text_bar
from authprobe.reports.view import ReportView, build_view
from authprobe.wording import plural


def cell(value: object) -> str:
    """One table cell: pipes escaped, line breaks flattened."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())


def code(value: str) -> str:
    """Inline code that survives backticks inside the value."""
    fence = "``" if "`" in value else "`"
    pad = " " if "`" in value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def table(
    header: Sequence[str], rows: Iterable[Sequence[object]], right: set[int] | None = None
) -> list[str]:
    """A GitHub table; columns in `right` are right-aligned."""
    right = right or set()
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _shares(shares: Iterable[Share], label: str) -> list[str]:
    return table(
        [label, "share", "", "count"],
        (
            [s.label, pct(s.share), f"`{text_bar(s.share)}`", f"{s.part:,} of {s.whole:,}"]
            for s in shares
        ),
        right={1, 3},
    )


def _candidate(c: CandidateView) -> list[str]:
    heading = {
        "recommended": "Why it wins:",
        "rejected": "Why it is rejected:",
        "runner-up": f"{c.lead or 'Why it ranks below the recommendation'}, because:",
    }[c.verdict]
    lines = [
        f"### #{c.rank} {c.title} — {c.verdict}",
        "",
        f"{c.matched:,} of {c.sis_records:,} SIS records match · score {c.score:.1f}",
        "",
    ]
    if c.verdict == "recommended":
        lines += [f"**How the score of {c.score:.1f} is made up** (hard rules must all pass):", ""]
        lines += table(
            ["criterion", "weight", "points", "because"],
            (
                [
                    k.label,
                    "rule" if k.hard else f"{k.weight * 100:.0f}",
                    ("passed" if k.passed else "FAILED") if k.hard else f"{k.points:.1f}",
                    k.explanation,
                ]
                for k in c.criteria
            ),
            right={1, 2},
        )
    else:
        lines += [f"**{heading}**", "", *(f"- {reason}" for reason in c.reasons), ""]
    lines += ["Coverage per population (SIS user group / directory OU):", ""]
    lines += table(
        ["population", "coverage", "", "matched"],
        (
            [
                f"{'SIS' if s.kind == 'sis' else 'directory'} {s.label}",
                pct(s.share),
                f"`{text_bar(s.share)}`",
                f"{s.part:,} of {s.whole:,}",
            ]
            for s in c.populations
        ),
        right={1, 3},
    )
    if c.verdict == "recommended":
        if len({s.part for s in c.step_gains}) > 1:
            lines += ["What each normalisation step gains (cumulative):", ""]
            lines += _shares(c.step_gains, "step")
        else:
            lines += ["No normalisation step changes how many records match.", ""]
    return lines


def _match_id(load: LoadView) -> list[str]:
    """The SIS Match ID decision and its candidates."""
    lines = ["## SIS Match ID", ""]
    if load.match_id_type is None:
        lines += ["**No SIS Match ID Type can be chosen.**", ""]
    else:
        how = "chosen with --match-id" if load.chosen_by == "--match-id" else "recommended"
        lines += [
            f"**Match ID Type: {code(load.match_id_type)}** (in Alma's SIS integration profile: "
            f"{load.alma_label}; {how}, ranked by {load.ranked_by})",
            "",
        ]
    lines += [*(f"- {reason}" for reason in load.reasons), ""]
    if load.candidates:
        lines += table(
            ["#", "Match ID Type", "carried by", "held twice", "values", "load cleanly", "why"],
            (
                [
                    c.rank,
                    code(c.field) + (" **(chosen)**" if c.chosen else ""),
                    f"{c.present:,} of {c.records:,}",
                    f"{c.duplicate_values:,}",
                    c.kind,
                    "" if c.clean is None else f"{c.clean:,}",
                    c.reasons[0],
                ]
                for c in load.candidates
            ),
            right={0, 2, 3, 5},
        )
    return lines


def _preflight(load: LoadView) -> list[str]:
    """The predicted first load: outcomes, fates, user groups, examples of problems."""
    lines = [
        "## Predicted first SIS load (pre-flight)",
        "",
        f"With Match ID Type {code(load.match_id_type or '')}, **{load.clean:,} of "
        f"{plural(load.sis_records, 'SIS record')} {'loads' if load.clean == 1 else 'load'} "
        f"cleanly**; {load.problems:,} {'is a problem' if load.problems == 1 else 'are problems'} "
        f"to fix before go-live. {plural(load.existing_users, 'user')} "
        f"{'is' if load.existing_users == 1 else 'are'} already in Alma "
        f"({load.existing_internal:,} INTERNAL). `--preflight-csv FILE` lists every record.",
        "",
    ]
    lines += table(
        ["outcome", "records", "", "what the load does"],
        (
            [
                f"**{o.label}**" if o.problem and o.count else o.label,
                o.text,
                f"`{text_bar(o.share)}`",
                o.meaning,
            ]
            for o in load.outcomes
        ),
        right={1},
    )
    lines += table(
        ["users already in Alma", "users", "meaning"],
        ([f.label, f.text, f.meaning] for f in load.fates),
        right={1},
    )
    lines += table(
        ["user_group", "records", "update", "create", "problems"],
        (
            [g.group, f"{g.records:,}", f"{g.update:,}", f"{g.create:,}", f"{g.problems:,}"]
            for g in load.groups
        ),
        right={1, 2, 3, 4},
    )
    if load.examples:
        lines += ["Examples of problems (file:line in the SIS extract and in the Alma export):", ""]
        lines += table(
            ["outcome", "SIS record", "match value", "in Alma", "evidence"],
            (
                [
                    e.outcome,
                    code(e.sis_ref),
                    code(e.value) if e.value else "",
                    e.alma_refs,
                    e.evidence,
                ]
                for e in load.examples
            ),
        )
    return lines


def _load(load: LoadView | None) -> list[str]:
    """The SIS Match ID decision and the predicted first load."""
    if load is None:
        return []
    return _match_id(load) + (_preflight(load) if load.has_preflight else [])


def _answer(view: ReportView) -> list[str]:
    """The recommendation, the Match ID Type and who is out of scope."""
    best = view.recommended
    lines = [f"> **{view.notice}**", "", "# Matching ID for Alma: authprobe report", ""]
    lines += [
        f"Generated {view.meta.finished_at} by authprobe {view.meta.authprobe_version}.",
        "",
        "## Recommendation",
        "",
    ]
    if best is not None:
        lines += [
            f"**Use SIS {code(best.sis_field)} = directory {code(best.directory_attribute)} "
            f"({best.steps})**",
            "",
        ]
    else:
        lines += [f"**{view.headline}**", ""]
    lines += [view.summary, ""]
    load = view.load
    if load is not None and load.match_id_type:
        first = (
            f"; first load: **{load.clean:,} of {load.sis_records:,}** SIS records load cleanly, "
            f"{load.problems:,} are problems to fix (see the pre-flight below)"
            if load.has_preflight
            else ""
        )
        lines += [
            f"**SIS Match ID Type: {code(load.match_id_type)}** (Alma: {load.alma_label}){first}.",
            "",
        ]
    if view.out_of_scope:
        scoped = "; ".join(
            f"{s.kind} {s.label} ({plural(s.whole, 'record')}, {s.part:,} would match)"
            for s in view.out_of_scope
        )
        lines += [f"Left out of the coverage on purpose (out of scope): {scoped}.", ""]
    return lines


def _configuration(view: ReportView) -> list[str]:
    """The settings, who does what, what the captured login released, why this pair."""
    lines = ["## Configuration to apply", ""]
    lines += table(
        ["where", "setting", "value"],
        (
            [s.where, s.name, f"_{s.value}_" if s.placeholder else code(s.value)]
            for s in view.settings
        ),
    )
    lines += ["Who does what:", ""]
    lines += [
        f"{n}. **{a.who}:** {a.text}" if a.who else f"{n}. {a.text}"
        for n, a in enumerate(view.actions, 1)
    ]
    if view.idp_login:
        lines += ["", "What the captured login released:", ""]
        lines += table(
            ["login", "sent as", "value", "directory attributes holding it", "entries"],
            (
                [
                    item.login,
                    code(item.idp_source),
                    code(item.value),
                    ", ".join(item.directory_attributes) or "none",
                    f"{item.entries:,}",
                ]
                for item in view.idp_login
            ),
            right={4},
        )
        lines += [cell(sentence) for sentence in view.idp_login_people]
    lines += ["", "Why this pair:", ""]
    return [*lines, *(f"- {reason}" for reason in view.why), ""]


def _candidates(view: ReportView) -> list[str]:
    """The candidates compared: the table, then each one."""
    lines = ["## Candidates compared", ""]
    lines += table(
        [
            "#",
            "SIS field",
            "directory attribute",
            "steps",
            "SIS coverage",
            "directory coverage",
            "score",
            "verdict",
        ],
        (
            [
                c.rank,
                code(c.sis_field),
                code(c.directory_attribute),
                c.steps,
                pct(c.sis_coverage),
                pct(c.directory_coverage),
                f"{c.score:.1f}",
                c.verdict,
            ]
            for c in view.candidates
        ),
        right={0, 4, 5, 6},
    )
    if view.more_candidates:
        lines += [
            f"{plural(view.more_candidates, 'more candidate')} "
            f"{'is' if view.more_candidates == 1 else 'are'} listed in the JSON report.",
            "",
        ]
    for candidate in view.candidates:
        lines += _candidate(candidate)
    return lines


def _who_does_not_match(view: ReportView) -> list[str]:
    """The SIS records without a directory entry, then the directory entries without a SIS
    record."""
    lines = ["## Who does not match", ""]
    ex = view.exceptions
    if ex is not None:
        lines += [
            f"{ex.total:,} of {ex.sis_records:,} SIS records find no directory entry under the "
            "recommendation. `--exceptions-csv FILE` writes every one of them for the registrar.",
            "",
        ]
        lines += _shares(ex.by_reason, "reason")
        lines += _shares(ex.by_population, "population")
        lines += [f"First {len(ex.examples)} of {ex.total:,}:", ""]
        lines += table(["SIS record", "population", "value", "reason"], ex.examples)
    elif view.recommended is not None:
        lines += ["Every SIS record finds its directory entry under the recommendation.", ""]
    else:
        lines += ["Nothing is recommended, so no exceptions are listed.", ""]
    if view.directory_unmatched:
        total = sum(s.part for s in view.directory_unmatched)
        lines += [
            f"{total:,} directory entries find no SIS record under the recommendation. Their "
            "logins would find no Alma user: service accounts and people who left are expected "
            "here; anyone else lacks the attribute in the directory or is missing from the SIS "
            "extract.",
            "",
        ]
        lines += _shares(view.directory_unmatched, "directory OU")
    return lines


def _findings(view: ReportView) -> list[str]:
    """How many findings of each severity, then each one."""
    lines = ["## Findings", ""]
    lines += table(
        ["severity", "findings"], ([g.severity, g.count] for g in view.findings), right={1}
    )
    for group in view.findings:
        if not group.findings:
            continue
        lines += [f"### {group.severity} ({group.count})", ""]
        lines += table(
            ["code", "where", "count", "what it means"],
            (
                [
                    code(f.code),
                    f.source + (f" {code(f.field)}" if f.field else ""),
                    f"{f.count:,}",
                    f.message + (f" (e.g. {', '.join(f.examples)})" if f.examples else ""),
                ]
                for f in group.findings
            ),
            right={2},
        )
    return lines


def _profiles(view: ReportView) -> list[str]:
    """Every field of each source."""
    lines = ["## Source profiles", ""]
    for source in view.profiles:
        lines += [f"### {source.title}", ""]
        lines += table(
            [
                "field",
                "filled",
                "distinct",
                "dup. values",
                "case-only",
                "multi-valued",
                "length",
                "shapes",
                "example",
            ],
            (
                [
                    f"**{code(r.field)}**" if r.joined else code(r.field),
                    f"{r.present:,} / {r.records:,}",
                    f"{r.distinct:,}",
                    f"{r.duplicate_values:,}",
                    f"{r.case_collision_values:,}",
                    f"{r.multi_valued:,}",
                    r.lengths,
                    r.shapes,
                    code(r.example) if r.example else "",
                ]
                for r in source.rows
            ),
            right={1, 2, 3, 4, 5, 6},
        )
    return lines


def _inputs(view: ReportView) -> list[str]:
    """The inputs, the filters and options in effect, and when the run happened."""
    lines = ["## Inputs used", ""]
    lines += table(
        ["source", "kind", "location", "files", "records", "skipped"],
        (
            [
                i.source,
                i.kind,
                code(i.location),
                f"{i.files:,}",
                f"{i.records:,}",
                "; ".join(f"{n:,} {reason}" for reason, n in i.skipped) or "none",
            ]
            for i in view.inputs
        ),
        right={3, 4},
    )
    lines += ["Filters and options in effect:", ""]
    lines += table(["option", "value"], ([name, value] for name, value in view.options))
    meta = view.meta
    return [
        *lines,
        f"Started {meta.started_at}, finished {meta.finished_at} · authprobe "
        f"{meta.authprobe_version} · Python {meta.python_version}",
        "",
    ]


def render_view(view: ReportView) -> str:
    """The Markdown text of one view."""
    lines = _answer(view)
    if view.recommended is not None:
        lines += _configuration(view)
    lines += _load(view.load)
    lines += _candidates(view)
    lines += _who_does_not_match(view)
    lines += _findings(view)
    lines += _profiles(view)
    lines += _inputs(view)
    return "\n".join(lines)


def render_markdown(report: Report, *, show_values: bool = False) -> str:
    """The whole Markdown report."""
    return render_view(build_view(report, show_values=show_values))
