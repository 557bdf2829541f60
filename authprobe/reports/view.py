"""What the HTML and Markdown reports show, built once from the typed `Report`.

Both formats render the same `ReportView`: the answer, the configuration to apply (the analysis'
Alma advice, laid out by `analysis.advice.configuration`), the candidates (and why each lost),
who falls through, findings by severity, per-source profiles and the inputs. Values and
references are masked here (`reports.mask`) and shares rounded as the JSON report rounds them
(`reports.json.ratio`), so every format shows the same figures.
"""

from __future__ import annotations

import platform
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from authprobe import __version__
from authprobe.analysis.advice import Action, Setting, configuration
from authprobe.analysis.exceptions import REASONS
from authprobe.model import (
    Candidate,
    FieldProfile,
    Finding,
    InputSummary,
    Mismatch,
    ReleasedValueMatch,
    Report,
    SourceKind,
)
from authprobe.reports.candidate_view import (
    CandidateView,
    Share,
    candidate_view,
    pct,
)
from authprobe.reports.load_view import LoadView, build_load_view
from authprobe.reports.logins import LOGIN_NAMES, login_person_sentence
from authprobe.reports.mask import reveal, reveal_reference
from authprobe.wording import plural

MAX_CANDIDATES = 8
MAX_EXCEPTION_EXAMPLES = 15
MASKED_NOTICE = (
    "Identifier values, names and DNs in this report are masked (shapes, lengths and counts stay "
    "visible). Run with --show-values to reveal them."
)
SHOWN_NOTICE = (
    "VALUES SHOWN UNMASKED (--show-values): this report contains personal identifiers; "
    "handle it as personal data."
)
SEVERITIES = ("error", "warning", "info")


def option_rows(
    options: Iterable[tuple[str, str]], values_shown: bool
) -> tuple[tuple[str, str], ...]:
    """The run's filters and options as the "Inputs used" part lists them, then whether
    identifier values are masked (every format: HTML, Markdown and the terminal)."""
    shown = "shown unmasked (--show-values)" if values_shown else "masked (--show-values not given)"
    return (*options, ("identifier values", shown))


SOURCE_TITLES = {
    "directory": "Directory",
    "sis": "SIS extract",
    "alma": "Users already in Alma",
}


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """When the run started and finished (to the second), and the versions that made it."""

    started_at: str
    finished_at: str
    authprobe_version: str
    python_version: str

    @classmethod
    def of(cls, report: Report) -> ReportMeta:
        """The meta facts of one report (as the JSON report's `meta` block states them)."""
        return cls(
            started_at=report.started_at.isoformat(timespec="seconds"),
            finished_at=report.finished_at.isoformat(timespec="seconds"),
            authprobe_version=__version__,
            python_version=platform.python_version(),
        )


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding as the reports list it (example references masked)."""

    code: str
    source: str
    field: str | None
    count: int
    message: str
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """The findings of one severity."""

    severity: str
    findings: tuple[FindingRow, ...]

    @property
    def count(self) -> int:
        """How many findings (not how many records) have this severity."""
        return len(self.findings)


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """One field of one source in the profile table."""

    field: str
    present: int
    records: int
    distinct: int
    unique_holders: int
    duplicate_values: int
    case_collision_values: int
    multi_valued: int
    lengths: str
    shapes: str
    example: str
    joined: bool


@dataclass(frozen=True, slots=True)
class SourceProfiles:
    """Every profiled field of one source."""

    source: str
    rows: tuple[ProfileRow, ...]

    @property
    def title(self) -> str:
        """`SIS extract` for `sis`."""
        return SOURCE_TITLES.get(self.source, self.source)


@dataclass(frozen=True, slots=True)
class ExceptionView:
    """Who does not match under the recommendation, counted and sampled."""

    total: int
    sis_records: int
    by_reason: tuple[Share, ...]
    by_population: tuple[Share, ...]
    examples: tuple[tuple[str, str, str, str], ...]  # ref, population, value, reason


@dataclass(frozen=True, slots=True)
class InputRow:
    """One input as "Inputs used" lists it (what was skipped, by reason, sorted)."""

    source: str
    kind: str
    location: str
    files: int
    records: int
    skipped: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ReleasedRow:
    """A value a captured login released (masked), and the directory attributes holding it."""

    login: str
    idp_source: str
    value: str
    directory_attributes: tuple[str, ...]
    entries: int


@dataclass(frozen=True, slots=True)
class ReportView:
    """Everything the HTML and Markdown reports show, in order."""

    notice: str
    values_shown: bool
    headline: str
    summary: str
    recommended: CandidateView | None
    why: tuple[str, ...]
    settings: tuple[Setting, ...]
    actions: tuple[Action, ...]
    candidates: tuple[CandidateView, ...]
    more_candidates: int
    exceptions: ExceptionView | None
    findings: tuple[FindingGroup, ...]
    profiles: tuple[SourceProfiles, ...]
    inputs: tuple[InputRow, ...]
    meta: ReportMeta
    out_of_scope: tuple[Share, ...] = ()
    """Populations left out on purpose (--exclude-group): how many would match anyway."""
    idp_login: tuple[ReleasedRow, ...] = ()
    """With a captured login: each released value and the directory attributes holding it."""
    idp_login_people: tuple[str, ...] = ()
    """With captured logins: which directory entry logged in, one sentence per login."""
    directory_unmatched: tuple[Share, ...] = ()
    """Per directory OU: entries that find no SIS record under the recommendation."""
    options: tuple[tuple[str, str], ...] = ()
    """The filters and options the run used (label, value), then whether values are shown."""
    load: LoadView | None = None
    """The SIS Match ID decision and, with the users already in Alma, the first load."""


def _configuration(report: Report, best: Candidate) -> tuple[list[Setting], list[Action]]:
    """The Alma, IdP and SIS settings and the actions of the analysis' Alma advice, then the
    registrar's list of records to fix (this report's own section)."""
    assert report.advice is not None  # a recommendation always comes with its advice
    settings, actions = configuration(report.advice, best.correspondence)
    exceptions = len(report.exceptions)
    fix = (
        [
            Action(
                "Registrar",
                f"Fix the {plural(exceptions, 'SIS record')} that "
                f"{'does' if exceptions == 1 else 'do'} not match (see 'Who does not "
                "match'; --exceptions-csv FILE lists them all).",
            )
        ]
        if exceptions
        else []
    )
    return list(settings), [*actions, *fix]


def _exceptions(
    rows: tuple[Mismatch, ...], sis_records: int, show_values: bool
) -> ExceptionView | None:
    if not rows:
        return None
    reasons = Counter(row.reason for row in rows)
    populations = Counter(row.population or "(none)" for row in rows)
    total = len(rows)
    order = [r for r in REASONS if r in reasons] + sorted(set(reasons) - set(REASONS))
    return ExceptionView(
        total=total,
        sis_records=sis_records,
        by_reason=tuple(Share(reason, reasons[reason], total) for reason in order),
        by_population=tuple(
            Share(name, count, total)
            for name, count in sorted(populations.items(), key=lambda i: (-i[1], i[0]))
        ),
        examples=tuple(
            (
                reveal_reference(row.sis_ref, show_values),
                row.population or "(none)",
                reveal(row.value, show_values),
                row.reason,
            )
            for row in rows[:MAX_EXCEPTION_EXAMPLES]
        ),
    )


def _profile_row(p: FieldProfile, joined: bool, show_values: bool) -> ProfileRow:
    if p.min_length is None:
        lengths = ""
    elif p.min_length == p.max_length:
        lengths = str(p.min_length)
    else:
        lengths = f"{p.min_length}–{p.max_length}"
    return ProfileRow(
        field=p.field,
        present=p.present,
        records=p.records,
        distinct=p.distinct,
        unique_holders=max(0, p.present - p.duplicate_records),
        duplicate_values=p.duplicate_values,
        case_collision_values=p.case_collision_values,
        multi_valued=p.multi_valued,
        lengths=lengths,
        shapes="; ".join(f"{s.shape} ({s.count:,})" for s in p.shapes[:3]),
        example=reveal(p.examples[0], show_values) if p.examples else "",
        joined=joined,
    )


def _profiles(
    profiles: Iterable[FieldProfile], joined: set[tuple[str, str]], show_values: bool
) -> list[SourceProfiles]:
    out = []
    for source in SOURCE_TITLES:
        rows = [
            _profile_row(p, (source, p.field) in joined, show_values)
            for p in profiles
            if p.source.value == source
        ]
        if rows:
            out.append(SourceProfiles(source, tuple(rows)))
    return out


def _sentence(best: CandidateView, exceptions: int) -> str:
    """The decision in one sentence, as the meeting would say it."""
    groups = sorted(
        (s for s in best.populations if s.kind == "sis"), key=lambda s: (-s.whole, s.label)
    )
    joined = [s for s in groups if s.part]
    absent = [s for s in groups if not s.part]
    shares = ", ".join(f"{pct(s.share)} of {s.label}" for s in joined[:4]) or "nobody"
    where = (
        f"the SIS puts it in {best.sis_field}"
        if best.sis_field == "primary_id"
        else f"the SIS carries it as {best.sis_field}"
    )
    outside = (
        "; none of "
        + ", ".join(f"{s.label} ({s.whole:,})" for s in absent)
        + " match (such groups usually use Alma's internal, social or email login)"
        if absent
        else ""
    )
    told = (
        f". The {exceptions:,} SIS records that do not match are listed below" if exceptions else ""
    )
    return (
        f"The login ID is {best.directory_attribute}: {where}, the IdP must release "
        f"{best.directory_attribute}; {shares} match{outside}{told}."
    )


def _directory_unmatched(best: CandidateView | None, report: Report) -> tuple[Share, ...]:
    """Directory entries without a SIS record, per OU and reason when the analysis gives
    reasons (largest first); OUs where everyone matches are left out."""
    if best is None or report.recommendation is None:
        return ()
    sizes = {s.label: s.whole for s in best.populations if s.kind == "directory"}
    counted = [
        u
        for u in report.recommendation.correspondence.unmatched
        if u.source is SourceKind.DIRECTORY and u.count
    ]
    if counted:
        rows = [
            Share(
                f"{u.population} · "
                + (f"no {best.directory_attribute}" if u.reason == "absent" else u.reason),
                u.count,
                sizes.get(u.population, u.count),
                "directory",
            )
            for u in counted
        ]
    else:
        rows = [
            Share(s.label, s.whole - s.part, s.whole, s.kind)
            for s in best.populations
            if s.kind == "directory" and s.whole > s.part
        ]
    return tuple(sorted(rows, key=lambda s: (-s.part, s.label)))


def _finding_row(finding: Finding, show_values: bool) -> FindingRow:
    return FindingRow(
        code=finding.code,
        source=finding.source,
        field=finding.field,
        count=finding.count,
        message=finding.message,
        examples=tuple(reveal_reference(e, show_values) for e in finding.examples),
    )


def _input_row(summary: InputSummary) -> InputRow:
    return InputRow(
        source=summary.source.value,
        kind=summary.kind,
        location=summary.location,
        files=summary.files,
        records=summary.records,
        skipped=tuple(sorted(summary.skipped.items())),
    )


def _released_row(item: ReleasedValueMatch, show_values: bool) -> ReleasedRow:
    return ReleasedRow(
        login=LOGIN_NAMES.get(item.protocol, "SAML"),
        idp_source=item.idp_source,
        value=reveal(item.value, show_values),
        directory_attributes=item.directory_attributes,
        entries=item.entries,
    )


def _no_recommendation(report: Report) -> str:
    """Why nothing is recommended: the analysis' own finding."""
    return next(
        (f.message for f in report.findings if f.code in ("no-candidate", "coverage-too-low")),
        "No candidate qualifies.",
    )


def build_view(report: Report, *, show_values: bool = False) -> ReportView:
    """The content of the HTML and Markdown reports."""
    best = report.recommendation
    candidates = [candidate_view(c, best.rank if best else None) for c in report.candidates]
    recommended = next((c for c in candidates if c.verdict == "recommended"), None)
    settings: list[Setting] = []
    actions: list[Action] = []
    if best is not None and recommended is not None:
        headline = f"Use {recommended.title}"
        summary = _sentence(recommended, len(report.exceptions))
        settings, actions = _configuration(report, best)
        why = best.reasons
    else:
        headline, summary, why = "No login ID can be recommended", _no_recommendation(report), ()
    sis_records = sum(i.records for i in report.inputs if i.source is SourceKind.SIS)
    pairs = report.correspondences
    joined = {("sis", c.sis_field) for c in pairs} | {
        ("directory", c.directory_attribute) for c in pairs
    }
    return ReportView(
        notice=SHOWN_NOTICE if show_values else MASKED_NOTICE,
        values_shown=show_values,
        headline=headline,
        summary=summary,
        recommended=recommended,
        why=why,
        settings=tuple(settings),
        actions=tuple(actions),
        candidates=tuple(candidates[:MAX_CANDIDATES]),
        more_candidates=max(0, len(candidates) - MAX_CANDIDATES),
        exceptions=_exceptions(report.exceptions, sis_records, show_values),
        findings=tuple(
            FindingGroup(
                sev,
                tuple(
                    _finding_row(f, show_values) for f in report.findings if f.severity.value == sev
                ),
            )
            for sev in SEVERITIES
        ),
        profiles=tuple(_profiles(report.profiles, joined, show_values)),
        inputs=tuple(_input_row(i) for i in report.inputs),
        meta=ReportMeta.of(report),
        out_of_scope=tuple(
            Share(scope.population, scope.matched, scope.records, scope.source.value)
            for scope in report.out_of_scope
        ),
        idp_login=tuple(_released_row(item, show_values) for item in report.released),
        idp_login_people=tuple(
            login_person_sentence(person, show_values=show_values) for person in report.login_people
        ),
        directory_unmatched=_directory_unmatched(recommended, report),
        options=option_rows(report.options, show_values),
        load=build_load_view(report, show_values=show_values),
    )
