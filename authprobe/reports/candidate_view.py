"""The candidates compared, as the HTML and Markdown reports show them: each pair's coverage
per population, what each normalisation step gains, the score's criteria, and why it won or lost
(in the analysis' own sentences, without the prefix the section heading already says)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from authprobe.analysis.scoring import LABELS
from authprobe.model import Candidate, Correspondence, SourceKind
from authprobe.reports.json import ratio


def pct(value: float) -> str:
    """`0.926` -> `92.6 %`."""
    return f"{value * 100:.1f} %"


def steps_text(steps: Iterable[str]) -> str:
    """`casefold + strip-scope`, or `exact` when no step was needed."""
    return " + ".join(steps) or "exact"


@dataclass(frozen=True, slots=True)
class Share:
    """A labelled share (coverage of one population, fill rate, count by reason); every part
    of the reports uses it."""

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
class CriterionRow:
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
    criteria: tuple[CriterionRow, ...] = ()
    lead: str = ""
    """The analysis' own heading for the reasons, e.g. "Ranks below <winner> exactly"."""


def describe(pair: Correspondence) -> str:
    """`SIS primary_id = directory employeeID (exact)`."""
    return (
        f"SIS {pair.sis_field} = directory {pair.directory_attribute} "
        f"({steps_text(pair.normalisation)})"
    )


def _is_lead(reason: str) -> bool:
    """The analysis' lead sentence ("Ranks below <winner> exactly:"), a heading, not a reason."""
    return reason.endswith(":")


def _reason_text(reason: str) -> str:
    """Drop the repeated "Ranks below <winner>: " prefix; the section heading says it once."""
    if reason.startswith("Ranks below ") and ": " in reason:
        return reason.split(": ", 1)[1]
    return reason.removeprefix("Rejected: ")


def _verdict(candidate: Candidate, winner_rank: int | None) -> str:
    if candidate.rank == winner_rank:
        return "recommended"
    return "rejected" if candidate.rejected_because else "runner-up"


def candidate_view(candidate: Candidate, winner_rank: int | None) -> CandidateView:
    """One candidate as the comparison shows it (`winner_rank`: the recommendation's rank)."""
    pair = candidate.correspondence
    populations = tuple(
        Share(p.population, p.matched, p.records, p.source.value)
        for p in sorted(
            pair.populations,
            key=lambda p: (p.source is not SourceKind.SIS, -p.records, p.population),
        )
    )
    return CandidateView(
        rank=candidate.rank,
        title=describe(pair),
        sis_field=pair.sis_field,
        directory_attribute=pair.directory_attribute,
        steps=steps_text(pair.normalisation),
        sis_coverage=ratio(pair.sis_coverage),
        directory_coverage=ratio(pair.directory_coverage),
        matched=pair.matched,
        sis_records=pair.sis_records,
        score=candidate.score,
        verdict=_verdict(candidate, winner_rank),
        reasons=tuple(_reason_text(r) for r in candidate.reasons if not _is_lead(r)),
        lead=next((r.rstrip(":") for r in candidate.reasons if _is_lead(r)), ""),
        populations=populations,
        step_gains=tuple(Share(s.step, s.matched, pair.sis_records, "sis") for s in pair.steps),
        criteria=tuple(
            CriterionRow(c.name, c.hard, c.passed, c.weight, ratio(c.value), c.explanation)
            for c in candidate.criteria
        ),
    )
