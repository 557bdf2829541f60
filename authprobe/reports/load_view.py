"""What the HTML and Markdown reports show of the SIS Match ID decision and the first load.

Built from the typed `Report` (not from its JSON): the decision, its candidates, the predicted
outcome of every SIS record and the fate of every user already in Alma, masked unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from authprobe.analysis.match_id import alma_label
from authprobe.model import Fate, Outcome, Report
from authprobe.reports.mask import reveal, reveal_reference

OUTCOME_MEANING = {
    Outcome.UPDATE: "updates the user already in Alma",
    Outcome.CREATE: "creates a new user (nobody like them in Alma)",
    Outcome.CREATE_DUPLICATE: "creates a second user for someone already in Alma",
    Outcome.MISSING_MATCH_ID: "rejected: no Match ID value",
    Outcome.REJECTED_IN_FEED: "rejected: an identifier repeated within the load",
    Outcome.AMBIGUOUS: "not loaded: several users already hold the match value",
    Outcome.NOT_EXTERNAL: "not loaded: the user found is INTERNAL",
    Outcome.REJECTED_TAKEN: "rejected: an identifier another user already holds",
}
FATE_MEANING = {
    Fate.UPDATED: "updated by the load",
    Fate.BLOCKED: "found by a record, but not updated",
    Fate.ORPHAN: "EXTERNAL, found by no SIS record",
    Fate.UNTOUCHED_INTERNAL: "INTERNAL, found by no SIS record",
}


@dataclass(frozen=True, slots=True)
class Count:
    """One labelled count of a whole (an outcome of the SIS records, a fate of the users)."""

    label: str
    count: int
    whole: int
    meaning: str
    problem: bool = False

    @property
    def share(self) -> float:
        """count / whole (0 when whole is 0)."""
        return self.count / self.whole if self.whole else 0.0

    @property
    def text(self) -> str:
        """`1,234 (12.3 %)`."""
        return f"{self.count:,} ({self.share * 100:.1f} %)"


@dataclass(frozen=True, slots=True)
class MatchRow:
    """One Match ID Type as the comparison lists it."""

    rank: int
    field: str
    alma_label: str
    present: int
    records: int
    duplicate_values: int
    kind: str
    clean: int | None
    chosen: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GroupRow:
    """The first load of one user_group: records, updates, creations, problems."""

    group: str
    records: int
    update: int
    create: int
    problems: int


@dataclass(frozen=True, slots=True)
class ExampleRow:
    """One SIS record with a problem outcome, masked."""

    outcome: str
    sis_ref: str
    value: str
    alma_refs: str
    evidence: str


@dataclass(frozen=True, slots=True)
class LoadView:
    """The SIS Match ID decision and, with Alma users, the predicted first load."""

    match_id_type: str | None
    alma_label: str
    ranked_by: str
    chosen_by: str
    reasons: tuple[str, ...]
    candidates: tuple[MatchRow, ...]
    sis_records: int = 0
    existing_users: int = 0
    existing_internal: int = 0
    clean: int = 0
    outcomes: tuple[Count, ...] = ()
    fates: tuple[Count, ...] = ()
    groups: tuple[GroupRow, ...] = ()
    examples: tuple[ExampleRow, ...] = ()
    evidence: tuple[tuple[str, int], ...] = ()

    @property
    def has_preflight(self) -> bool:
        """Whether the users already in Alma were given (then the first load is predicted)."""
        return bool(self.outcomes)

    @property
    def problems(self) -> int:
        """SIS records that do not load cleanly."""
        return self.sis_records - self.clean


def build_load_view(report: Report, *, show_values: bool = False) -> LoadView | None:
    """The decision and pre-flight of `report` (None when the run made no Match ID decision)."""
    decision = report.sis_match
    if decision is None:
        return None
    chosen = decision.match_id_type
    candidates = tuple(
        MatchRow(
            rank=c.rank,
            field=c.field,
            alma_label=alma_label(c.field),
            present=c.present,
            records=c.records,
            duplicate_values=c.duplicate_values,
            kind=c.kind,
            clean=c.preflight.clean if c.preflight else None,
            chosen=c.field == chosen,
            reasons=c.reasons,
        )
        for c in decision.candidates
    )
    view = LoadView(
        match_id_type=chosen,
        alma_label=alma_label(chosen) if chosen else "",
        ranked_by=decision.ranked_by,
        chosen_by=decision.chosen_by,
        reasons=decision.reasons,
        candidates=candidates,
    )
    preflight = report.preflight
    if preflight is None:
        return view
    problems = [o for o in Outcome if not o.clean]
    return replace(
        view,
        sis_records=preflight.sis_records,
        existing_users=preflight.existing_users,
        existing_internal=preflight.existing_internal,
        clean=preflight.clean,
        outcomes=tuple(
            Count(
                o.value,
                preflight.outcomes[o],
                preflight.sis_records,
                OUTCOME_MEANING[o],
                not o.clean,
            )
            for o in Outcome
        ),
        fates=tuple(
            Count(f.value, preflight.fates[f], preflight.existing_users, FATE_MEANING[f])
            for f in Fate
        ),
        groups=tuple(
            GroupRow(
                p.population,
                p.records,
                p.outcomes[Outcome.UPDATE],
                p.outcomes[Outcome.CREATE],
                sum(p.outcomes[o] for o in problems),
            )
            for p in preflight.populations
        ),
        examples=tuple(
            ExampleRow(
                e.outcome.value,
                reveal_reference(e.sis_ref, show_values),
                reveal(e.value, show_values),
                "; ".join(reveal_reference(r, show_values) for r in e.alma_refs[:3]),
                e.evidence,
            )
            for e in preflight.examples
            if not e.outcome.clean
        ),
        evidence=tuple(preflight.evidence.items()),
    )
