"""What the HTML and Markdown reports show, built once from the JSON contract's data.

Both formats render the same `ReportView`: the answer, the configuration to apply, the candidates
(and why each lost), who falls through, findings by severity, per-source profiles and the inputs.
Everything here is derived from `report_to_dict`, so masking is decided in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from authprobe.analysis.advice import SUBJECT
from authprobe.analysis.exceptions import REASONS
from authprobe.analysis.normalize import TRANSFORMING
from authprobe.analysis.scoring import LABELS
from authprobe.model import Mismatch, Report
from authprobe.reports.json import LOGIN_NAMES, login_person_sentence, report_to_dict
from authprobe.reports.load_view import LoadView, build_load_view
from authprobe.reports.mask import reveal, reveal_reference

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


def pct(value: float) -> str:
    """`0.926` -> `92.6 %`."""
    return f"{value * 100:.1f} %"


def steps_text(steps: Iterable[str]) -> str:
    """`casefold + strip-scope`, or `exact` when no step was needed."""
    return " + ".join(steps) or "exact"


def option_rows(
    options: Iterable[tuple[str, str]], values_shown: bool
) -> tuple[tuple[str, str], ...]:
    """The run's filters and options as the "Inputs used" part lists them, then whether
    identifier values are masked (every format: HTML, Markdown and the terminal)."""
    shown = "shown unmasked (--show-values)" if values_shown else "masked (--show-values not given)"
    return (*options, ("identifier values", shown))


@dataclass(frozen=True, slots=True)
class Setting:
    """One line of the configuration to apply: where, what, value."""

    where: str
    name: str
    value: str
    placeholder: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a team must do, in a sentence, with the team's name."""

    who: str
    text: str


@dataclass(frozen=True, slots=True)
class Share:
    """A labelled share (coverage of one population, fill rate, count by reason)."""

    label: str
    part: int
    whole: int
    kind: str = ""

    @property
    def share(self) -> float:
        """part / whole (0 when whole is 0)."""
        return self.part / self.whole if self.whole else 0.0

    @property
    def text(self) -> str:
        """`92.6 % (1,234 of 1,333)`."""
        return f"{pct(self.share)} ({self.part:,} of {self.whole:,})"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of a candidate's score: a hard rule (passed or not) or a weighted criterion."""

    name: str
    hard: bool
    passed: bool
    weight: float
    value: float
    explanation: str

    @property
    def points(self) -> float:
        """What the criterion adds to the score of 100 (0 for hard rules)."""
        return 0.0 if self.hard else round(100 * self.weight * self.value, 1)

    @property
    def label(self) -> str:
        """`SIS records that match` for `sis_coverage` (scoring.LABELS)."""
        return LABELS.get(self.name, self.name.replace("_", " "))


@dataclass(frozen=True, slots=True)
class CandidateView:
    """One candidate as the comparison shows it."""

    rank: int
    title: str
    sis_field: str
    directory_attribute: str
    steps: str
    sis_coverage: float
    directory_coverage: float
    matched: int
    sis_records: int
    score: float
    verdict: str  # "recommended" | "runner-up" | "rejected"
    reasons: tuple[str, ...]
    populations: tuple[Share, ...]
    step_gains: tuple[Share, ...]
    criteria: tuple[Criterion, ...] = ()
    lead: str = ""
    """The analysis' own heading for the reasons, e.g. "Ranks below <winner> exactly"."""


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """The findings of one severity."""

    severity: str
    findings: tuple[dict[str, Any], ...]

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


@dataclass(frozen=True, slots=True)
class ExceptionView:
    """Who does not match under the recommendation, counted and sampled."""

    total: int
    sis_records: int
    by_reason: tuple[Share, ...]
    by_population: tuple[Share, ...]
    examples: tuple[tuple[str, str, str, str], ...]  # ref, population, value, reason


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
    inputs: tuple[dict[str, Any], ...]
    meta: dict[str, Any] = field(default_factory=dict)
    out_of_scope: tuple[Share, ...] = ()
    """Populations left out on purpose (--exclude-group): how many would match anyway."""
    idp_login: tuple[dict[str, Any], ...] = ()
    """With a captured login: each released value and the directory attributes holding it."""
    idp_login_people: tuple[str, ...] = ()
    """With captured logins: which directory entry logged in, one sentence per login."""
    directory_unmatched: tuple[Share, ...] = ()
    """Per directory OU: entries that find no SIS record under the recommendation."""
    options: tuple[tuple[str, str], ...] = ()
    """The filters and options the run used (label, value), then whether values are shown."""
    load: LoadView | None = None
    """The SIS Match ID decision and, with the users already in Alma, the first load."""


def _describe(pair: dict[str, Any]) -> str:
    return (
        f"SIS {pair['sis_field']} = directory {pair['directory_attribute']} "
        f"({steps_text(pair['normalisation'])})"
    )


def _is_lead(reason: str) -> bool:
    """The analysis' lead sentence ("Ranks below <winner> exactly:"), a heading, not a reason."""
    return reason.endswith(":")


def _reason_text(reason: str) -> str:
    """Drop the repeated "Ranks below <winner>: " prefix; the section heading says it once."""
    if reason.startswith("Ranks below ") and ": " in reason:
        return reason.split(": ", 1)[1]
    return reason.removeprefix("Rejected: ")


def _candidate(
    data: dict[str, Any], pairs: dict[tuple[str, str], dict[str, Any]], winner_rank: int | None
) -> CandidateView:
    pair = pairs[(data["sis_field"], data["directory_attribute"])]
    if data["rank"] == winner_rank:
        verdict = "recommended"
    elif data["rejected_because"]:
        verdict = "rejected"
    else:
        verdict = "runner-up"
    populations = tuple(
        Share(p["population"], p["matched"], p["records"], p["source"])
        for p in sorted(
            pair["populations"],
            key=lambda p: (p["source"] != "sis", -p["records"], p["population"]),
        )
    )
    step_gains = tuple(
        Share(s["step"], s["matched"], pair["sis_records"], "sis") for s in pair["steps"]
    )
    return CandidateView(
        rank=data["rank"],
        title=_describe(data),
        sis_field=data["sis_field"],
        directory_attribute=data["directory_attribute"],
        steps=steps_text(data["normalisation"]),
        sis_coverage=data["sis_coverage"],
        directory_coverage=data["directory_coverage"],
        matched=data["matched"],
        sis_records=pair["sis_records"],
        score=data["score"],
        verdict=verdict,
        reasons=tuple(_reason_text(r) for r in data["reasons"] if not _is_lead(r)),
        lead=next((r.rstrip(":") for r in data["reasons"] if _is_lead(r)), ""),
        populations=populations,
        step_gains=step_gains,
        criteria=tuple(
            Criterion(c["name"], c["hard"], c["passed"], c["weight"], c["value"], c["explanation"])
            for c in data["criteria"]
        ),
    )


def _configuration(
    best: dict[str, Any], advice: dict[str, Any] | None, exceptions: int
) -> tuple[list[Setting], list[Action]]:
    """The Alma, IdP and SIS settings that make the two decisions work (from the analysis'
    Alma advice, `alma_configuration`)."""
    assert advice is not None  # a recommendation always comes with its advice
    attribute: str = best["directory_attribute"]
    transforming = [s for s in best["normalisation"] if s in TRANSFORMING]
    settings = [
        Setting("SIS extract", "Alma field", advice["sis_field"]),
        Setting("SIS integration profile", "Match ID Type", advice["match_id_type"]),
        Setting("Alma SAML profile", "User ID Location", advice["user_id_location"]),
    ]
    if advice["user_id_location"] != SUBJECT:
        name = advice["user_id_attribute_name"]
        settings.append(
            Setting("Alma SAML profile", "User ID Attribute Name", name)
            if name
            else Setting(
                "Alma SAML profile",
                "User ID Attribute Name",
                f"the Name the IdP sends {attribute} under, exactly as in the assertion",
                placeholder=True,
            )
        )
    settings.extend(login_settings(advice))
    settings.append(Setting("Directory (IdP source)", "Attribute", attribute))
    settings.append(
        Setting(
            "Alma LDAP profile (if used)",
            "Search attribute",
            advice["ldap_search_attribute"] or "a username attribute (none found)",
            placeholder=not advice["ldap_search_attribute"],
        )
    )
    if transforming:
        settings.append(Setting("IdP or SIS export", "Transformation", " + ".join(transforming)))
    actions = [
        Action("Registrar", advice["sis_instruction"]),
        Action("Library", advice["match_instruction"]),
        Action("Campus IT, then library", advice["idp_instruction"].replace("`", "")),
        Action(
            "Library",
            "In Alma's SAML integration profile, set User ID Location and User ID Attribute "
            "Name as in the settings table, then use the profile's Test button.",
        ),
        Action("Library and campus IT (LDAP)", advice["ldap_instruction"]),
        *login_actions(advice),
        *(Action("Note", warning) for warning in advice["warnings"]),
        *(Action("Note", note) for note in advice["notes"]),
    ]
    if "casefold" in best["normalisation"]:
        actions.append(
            Action("Nobody", "Letter case differs between the sources: Alma ignores it by itself.")
        )
    if exceptions:
        actions.append(
            Action(
                "Registrar",
                f"Fix the {exceptions:,} SIS record(s) that do not match (see 'Who does not "
                "match'; --exceptions-csv FILE lists them all).",
            )
        )
    return settings, actions


def login_settings(advice: dict[str, Any]) -> list[Setting]:
    """The OpenID Connect and CAS rows, when such a login was given."""
    rows: list[Setting] = []
    if advice.get("oidc_instruction"):
        claim = advice.get("oidc_claim")
        rows.append(
            Setting("Alma OpenID Connect profile", "Claim matched (confirm with Ex Libris)", claim)
            if claim
            else Setting(
                "Alma OpenID Connect profile",
                "Claim matched (confirm with Ex Libris)",
                "a claim carrying the value: the ID token has none yet",
                placeholder=True,
            )
        )
    if advice.get("cas_instruction"):
        rows.append(Setting("Alma CAS profile", "User identifier", "cas:user"))
    return rows


def login_actions(advice: dict[str, Any]) -> list[Action]:
    """What campus IT and the library do for an OpenID Connect or CAS login."""
    actions: list[Action] = []
    if advice.get("oidc_instruction"):
        actions.append(Action("Campus IT and library (OpenID Connect)", advice["oidc_instruction"]))
    if advice.get("cas_instruction"):
        actions.append(Action("Campus IT (CAS)", advice["cas_instruction"]))
    return actions


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


def _profiles(data: list[dict[str, Any]], joined: set[tuple[str, str]]) -> list[SourceProfiles]:
    out = []
    for source in ("directory", "sis", "alma"):
        rows = []
        for p in data:
            if p["source"] != source:
                continue
            lengths = (
                ""
                if p["min_length"] is None
                else str(p["min_length"])
                if p["min_length"] == p["max_length"]
                else f"{p['min_length']}–{p['max_length']}"
            )
            shapes = "; ".join(f"{s['shape']} ({s['count']:,})" for s in p["shapes"][:3])
            rows.append(
                ProfileRow(
                    field=p["field"],
                    present=p["present"],
                    records=p["records"],
                    distinct=p["distinct"],
                    unique_holders=max(0, p["present"] - p["duplicate_records"]),
                    duplicate_values=p["duplicate_values"],
                    case_collision_values=p["case_collision_values"],
                    multi_valued=p["multi_valued"],
                    lengths=lengths,
                    shapes=shapes,
                    example=p["examples"][0] if p["examples"] else "",
                    joined=(source, p["field"]) in joined,
                )
            )
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
        for u in getattr(report.recommendation.correspondence, "unmatched", ())
        if u.source.value == "directory" and u.count
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


def build_view(report: Report, *, show_values: bool = False) -> ReportView:
    """The content of the HTML and Markdown reports."""
    data = report_to_dict(report, show_values=show_values)
    pairs = {(c["sis_field"], c["directory_attribute"]): c for c in data["correspondences"]}
    best = data["recommendation"]
    winner_rank = best["rank"] if best else None
    candidates = [_candidate(c, pairs, winner_rank) for c in data["candidates"]]
    recommended = next((c for c in candidates if c.verdict == "recommended"), None)
    if best is not None and recommended is not None:
        headline = f"Use {recommended.title}"
        summary = _sentence(recommended, len(report.exceptions))
        settings, actions = _configuration(
            best, data.get("alma_configuration"), len(report.exceptions)
        )
        why = tuple(best["reasons"])
    else:
        headline = "No login ID can be recommended"
        summary = next(
            (
                f["message"]
                for f in data["findings"]
                if f["code"] in ("no-candidate", "coverage-too-low")
            ),
            "No candidate qualifies.",
        )
        settings, actions, why = [], [], ()
    sis_records = sum(i["records"] for i in data["inputs"] if i["source"] == "sis")
    joined = {("sis", c["sis_field"]) for c in data["correspondences"]} | {
        ("directory", c["directory_attribute"]) for c in data["correspondences"]
    }
    groups = tuple(
        FindingGroup(sev, tuple(f for f in data["findings"] if f["severity"] == sev))
        for sev in SEVERITIES
    )
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
        findings=groups,
        profiles=tuple(_profiles(data["profiles"], joined)),
        inputs=tuple(data["inputs"]),
        meta=data["meta"],
        out_of_scope=tuple(
            Share(scope["population"], scope["matched"], scope["records"], scope["source"])
            for scope in data.get("out_of_scope", ())
        ),
        idp_login=tuple(
            {**item, "login": LOGIN_NAMES.get(item.get("protocol", "saml"), "SAML")}
            for item in data.get("idp_login", ())
        ),
        idp_login_people=tuple(
            login_person_sentence(person) for person in data.get("idp_login_people", ())
        ),
        directory_unmatched=_directory_unmatched(recommended, report),
        options=option_rows(
            [(o["name"], o["value"]) for o in data.get("options", ())], show_values
        ),
        load=build_load_view(report, show_values=show_values),
    )
