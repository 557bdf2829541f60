"""The rubric: Alma's hard rules, the weighted criteria, and the sentences that explain a rank.

Criteria and weights live in `RUBRIC`, in one place; the README's "How candidates are scored"
section describes the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from authprobe.analysis.history import ValueHistory
from authprobe.analysis.normalize import TRANSFORMING
from authprobe.model import (
    Candidate,
    Correspondence,
    Criterion,
    FieldProfile,
    Finding,
    IdpCheck,
    Severity,
    SourceKind,
)
from authprobe.wording import agree, plural

MAX_ID_LENGTH = 255  # Alma: primary_id and identifier values hold at most 255 characters
WEAK_POPULATION = 0.8  # a population below 80 % coverage is named in the reasons
MIN_POPULATION = 10  # populations smaller than this are not singled out


@dataclass(frozen=True, slots=True)
class Rule:
    """One criterion of the rubric."""

    name: str
    weight: float
    hard: bool
    meaning: str


RUBRIC: tuple[Rule, ...] = (
    Rule("sis_unique", 0.0, True, "every SIS value is held by one person only, ignoring case"),
    Rule("max_length", 0.0, True, "no SIS value is longer than 255 characters"),
    Rule("directory_single_valued", 0.0, True, "each matched directory entry has one value"),
    Rule("idp_usable", 0.0, True, "the IdP value is not a persistent/transient/pairwise ID"),
    Rule("sis_coverage", 0.30, False, "share of SIS records that find their directory entry"),
    Rule("directory_coverage", 0.05, False, "share of directory entries that find a SIS record"),
    Rule("stability", 0.20, False, "the value survives name changes and is never reassigned"),
    Rule("no_transformation", 0.10, False, "values join as they are (Alma ignores case itself)"),
    Rule("alma_field", 0.10, False, "the SIS field is one Alma looks logins up in"),
    Rule("directory_unique", 0.10, False, "each matched value belongs to one directory entry"),
    Rule("idp_release", 0.10, False, "the IdP releases the attribute to Alma"),
    Rule("characters", 0.05, False, "no SIS value holds whitespace, / ? # % or non-ASCII"),
)
LABELS = {
    "sis_unique": "Unique in the SIS",
    "max_length": "At most 255 characters",
    "directory_single_valued": "One value per directory entry",
    "idp_usable": "Not an opaque IdP value",
    "sis_coverage": "SIS records that match",
    "directory_coverage": "Directory entries that match",
    "stability": "Stable over time",
    "no_transformation": "Joins as it is",
    "alma_field": "A field Alma logs people in with",
    "directory_unique": "One directory entry per value",
    "idp_release": "Released by the IdP",
    "characters": "Safe characters",
}
"""Each criterion as the reports label it (a librarian's words, not the JSON's names)."""
WEIGHTS = {rule.name: rule.weight for rule in RUBRIC}

IMMUTABLE = frozenset(
    n.casefold()
    for n in (
        "objectGUID",
        "entryUUID",
        "nsUniqueId",
        "mS-DS-ConsistencyGuid",
        "eduPersonUniqueId",
        "objectSid",
        "ipaUniqueID",
        "id",  # Entra ID's object ID (Graph)
        "onPremisesImmutableId",  # Entra ID: the objectGUID (or consistency GUID) it syncs from
        "onPremisesSecurityIdentifier",  # Entra ID: the objectSid of a synced user
    )
)
ASSIGNED_NUMBERS = frozenset(
    n.casefold()
    for n in (
        "employeeID",
        "employeeNumber",
        "studentID",
        "studentNumber",
        "schacPersonalUniqueCode",
    )
)
MAIL_LIKE = frozenset(
    n.casefold()
    for n in (
        "mail",
        "userPrincipalName",
        "eduPersonPrincipalName",
        "proxyAddresses",
        "otherMailbox",
        "mailAlternateAddress",
        "email",
        "otherMails",  # Entra ID
        "onPremisesUserPrincipalName",  # Entra ID
    )
)
NAME_DERIVED_SHARE = 0.3

STEP_ACTIONS = {
    "trim": "remove the stray spaces (the registrar, in the SIS export)",
    "strip-scope": (
        "drop the @scope (campus IT: release the value without its domain, e.g. a claim rule "
        "or attribute definition that sends the part before @)"
    ),
    "strip-leading-zeros": (
        "agree on leading zeros (campus IT pads the released value, or the registrar exports "
        "the number without them)"
    ),
    "digits-only": (
        "reduce the value to its digits, without leading zeros (campus IT in a claim rule, or "
        "the registrar in the SIS export)"
    ),
}


def pct(value: float) -> str:
    """`0.926` -> `92.6 %`."""
    return f"{value * 100:.1f} %"


def describe(pair: Correspondence) -> str:
    """`SIS primary_id = directory employeeID exactly` (or `after casefold`)."""
    how = " after " + " + ".join(pair.normalisation) if pair.normalisation else " exactly"
    return f"SIS {pair.sis_field} = directory {pair.directory_attribute}{how}"


def is_mail_like(name: str) -> bool:
    """mail, UPN, eppn and the SIS email fields."""
    folded = name.casefold()
    return folded in MAIL_LIKE or folded.startswith("email")


def stability(pair: Correspondence, history: ValueHistory | None = None) -> tuple[float, str]:
    """How stable the joined value is, with the reason in words (measured when history given)."""
    value, explanation = _stability_by_kind(pair)
    if history is None:
        return value, explanation
    share = history.share(pair.directory_attribute)
    if share is None:
        why = history.why_not_measured(pair.directory_attribute) or "no value to compare"
        return value, f"{explanation} Not measured against the previous snapshot: {why}."
    changed = history.changed[pair.directory_attribute]
    measured = (
        f" Between the two directory snapshots {changed:,} of {history.compared:,} people "
        f"({pct(share)}, matched by {history.key_attribute}) changed this value."
    )
    return value * max(0.0, 1.0 - CHANGE_PENALTY * share), explanation + measured


CHANGE_PENALTY = 10.0
"""A value that changed for 10 % of people between two snapshots loses all stability credit."""


def _stability_by_kind(pair: Correspondence) -> tuple[float, str]:
    attribute = pair.directory_attribute.split(";", 1)[0].casefold()  # objectGUID;immutableId
    if attribute in IMMUTABLE:
        return 1.0, f"{pair.directory_attribute} is an immutable directory ID, never reassigned."
    if is_mail_like(pair.directory_attribute) or is_mail_like(pair.sis_field):
        return 0.2, (
            f"{pair.directory_attribute} is an email-style value (mail, UPN, eppn): it changes "
            "when a person changes their name and can be reassigned later."
        )
    if pair.name_derived_share >= NAME_DERIVED_SHARE:
        return 0.4, (
            f"{pct(pair.name_derived_share)} of the values contain the person's name: a "
            "name-derived username changes when the name changes."
        )
    if attribute in ASSIGNED_NUMBERS:
        return 0.9, (
            f"{pair.directory_attribute} holds an assigned number, not derived from the "
            "person's name: a name change should leave it as it is."
        )
    return 0.7, f"{pair.directory_attribute} is an opaque value not derived from the name."


def transformation(pair: Correspondence) -> tuple[float, str]:
    """1 when values join as they are (or only by case), less for each transforming step."""
    needed = [step for step in pair.normalisation if step in TRANSFORMING]
    if not needed:
        if pair.normalisation:
            return 1.0, "Values join once letter case is ignored, which Alma does by itself."
        return 1.0, "Values join exactly as they are."
    penalty = {"trim": 0.3, "strip-scope": 0.5, "strip-leading-zeros": 0.5, "digits-only": 0.7}
    value = max(0.0, 1.0 - sum(penalty[step] for step in needed))
    actions = "; ".join(STEP_ACTIONS[step] for step in needed)
    return value, f"Values join only after {', '.join(needed)}: someone must {actions}."


def alma_field(pair: Correspondence) -> tuple[float, str]:
    """primary_id is best; a unique identifier type works; anything else must be loaded first."""
    if pair.sis_field == "primary_id":
        return 1.0, "primary_id is the field Alma always looks logins up in."
    if pair.sis_field.startswith("identifier:"):
        return 0.8, (
            f"{pair.sis_field} works if Ex Libris has set that identifier type up as unique "
            "(Alma then looks logins up in it, as in every other unique identifier type)."
        )
    return 0.3, (
        f"Alma does not look logins up in {pair.sis_field}; the SIS export would have to carry "
        "it as primary_id or as a unique identifier type too."
    )


AWKWARD_ZERO = 0.1
"""A field whose values hold awkward characters for 10 % of its records scores 0."""


def characters(pair: Correspondence, sis_profile: FieldProfile | None) -> tuple[float, str]:
    """1 when no SIS value holds whitespace, `/ ? # %` or non-ASCII; less the more do."""
    awkward = sis_profile.awkward_values if sis_profile else 0
    present = sis_profile.present if sis_profile else 0
    if not awkward or not present:
        return 1.0, f"No {pair.sis_field} value holds whitespace, / ? # % or non-ASCII characters."
    share = awkward / present
    return max(0.0, 1.0 - share / AWKWARD_ZERO), (
        agree(
            f"{plural(awkward, pair.sis_field + ' value')} ({pct(share)}) [holds|hold] "
            "whitespace, / ? # % or non-ASCII characters: [it|they] break[s|] Alma's user URLs "
            "and API calls, and IdPs often send [it|them] differently.",
            awkward,
        )
    )


def coverage_by_step(pair: Correspondence) -> str:
    """`exact 90.2 %, casefold +6.1 %` — the gain of each step that gained anything."""
    parts = [f"exact {pct(pair.steps[0].sis_coverage)}"] if pair.steps else []
    for previous, current in zip(pair.steps, pair.steps[1:], strict=False):
        gain = current.sis_coverage - previous.sis_coverage
        if gain > 0:
            parts.append(f"{current.step} +{pct(gain)}")
    return "SIS coverage by normalisation step: " + ", ".join(parts) + "."


def collision_sentences(pair: Correspondence) -> list[str]:
    """Why a step that would have gained matches was left out (it joins different people)."""
    sentences = []
    for collision in pair.collisions:
        sis = collision.source is SourceKind.SIS
        records = "SIS records" if sis else "directory entries"
        name = pair.sis_field if sis else pair.directory_attribute
        sentences.append(
            f"Not normalised by {collision.step}: it would turn different {name} values of "
            f"{collision.records:,} {records} into {collision.values:,} shared values, which "
            "would join different people."
        )
    return sentences


def population_sentence(pair: Correspondence) -> str | None:
    """Name the SIS populations the pair serves badly (`covers 99.0 % of STUDENT but ...`)."""
    sizable = [
        p for p in pair.populations if p.source is SourceKind.SIS and p.records >= MIN_POPULATION
    ]
    if len(sizable) < 2:
        return None
    weak = [p for p in sizable if p.coverage < WEAK_POPULATION]
    strong = [p for p in sizable if p.coverage >= WEAK_POPULATION]
    if not weak:
        return None
    weak_text = ", ".join(f"{pct(p.coverage)} of {p.population}" for p in weak)
    absent = [p.population for p in weak if p.matched == 0]
    hint = (
        f" If {', '.join(absent)} log in another way (internal or social login), declare them "
        "out of scope with --exclude-group."
        if absent
        else ""
    )
    if strong:
        best = max(strong, key=lambda p: p.coverage)
        return f"Covers {pct(best.coverage)} of {best.population} but only {weak_text}.{hint}"
    return f"Covers only {weak_text}.{hint}"


def _idp(check: IdpCheck | None) -> tuple[float, str]:
    if check is None:
        return 1.0, "No IdP data was given: check that the IdP releases the attribute."
    if check.released:
        return 1.0, check.explanation
    if check.offered:
        return 0.6, check.explanation
    return 0.0, check.explanation


def criteria_of(
    pair: Correspondence,
    sis_profile: FieldProfile | None,
    check: IdpCheck | None = None,
    history: ValueHistory | None = None,
) -> list[Criterion]:
    """Every criterion of the rubric, measured for one pair."""
    criteria: list[Criterion] = []

    def hard(name: str, passed: bool, explanation: str) -> None:
        criteria.append(Criterion(name, 0.0, 1.0 if passed else 0.0, True, passed, explanation))

    def soft(name: str, value: float, explanation: str) -> None:
        criteria.append(Criterion(name, WEIGHTS[name], value, False, True, explanation))

    hard(
        "sis_unique",
        pair.sis_duplicate_values == 0,
        "Every SIS value belongs to one person, ignoring case."
        if pair.sis_duplicate_values == 0
        else agree(
            f"{plural(pair.sis_duplicate_values, 'value')} of {pair.sis_field} [is|are] held "
            "by more than one SIS record once letter case is ignored; Alma would refuse or merge "
            "them.",
            pair.sis_duplicate_values,
        ),
    )
    longest = sis_profile.max_length if sis_profile and sis_profile.max_length else 0
    hard(
        "max_length",
        longest <= MAX_ID_LENGTH,
        f"The longest value has {longest} characters (Alma allows {MAX_ID_LENGTH}).",
    )
    hard(
        "directory_single_valued",
        pair.directory_multi_valued == 0,
        "Each matched directory entry holds a single value."
        if pair.directory_multi_valued == 0
        else f"{pair.directory_multi_valued} matched directory entries hold several values of "
        f"{pair.directory_attribute}; the IdP could send any of them.",
    )
    opaque = check is not None and check.opaque
    hard(
        "idp_usable",
        not opaque,
        check.explanation if check is not None and opaque else "The IdP value is not opaque.",
    )
    soft(
        "sis_coverage",
        pair.sis_coverage,
        f"{pair.matched:,} of {pair.sis_records:,} SIS records ({pct(pair.sis_coverage)}) "
        "find their directory entry.",
    )
    soft(
        "directory_coverage",
        pair.directory_coverage,
        f"{pair.directory_matched:,} of {pair.directory_records:,} directory entries "
        f"({pct(pair.directory_coverage)}) find a SIS record.",
    )
    soft("stability", *stability(pair, history))
    soft("no_transformation", *transformation(pair))
    soft("alma_field", *alma_field(pair))
    ambiguous = pair.sis_ambiguous
    soft(
        "directory_unique",
        1.0 - (ambiguous / pair.matched if pair.matched else 0.0),
        "Each matched value belongs to one directory entry."
        if ambiguous == 0
        else f"{ambiguous:,} SIS records match several directory entries that share one value.",
    )
    soft("idp_release", *_idp(check))
    soft("characters", *characters(pair, sis_profile))
    return criteria


def score(criteria: Iterable[Criterion]) -> float:
    """Weighted sum of the soft criteria, out of 100."""
    return round(100 * sum(c.weight * c.value for c in criteria if not c.hard), 1)


def _order_key(candidate: Candidate) -> tuple[object, ...]:
    pair = candidate.correspondence
    return (
        candidate.rejected,
        -candidate.score,
        pair.sis_field != "primary_id",
        len(pair.normalisation),
        pair.sis_field,
        pair.directory_attribute.casefold(),
    )


def _why_won(candidate: Candidate) -> list[str]:
    pair = candidate.correspondence
    reasons = [c.explanation for c in candidate.criteria if not c.hard]
    if pair.normalisation:
        reasons.append(coverage_by_step(pair))
    weak = population_sentence(pair)
    if weak:
        reasons.append(weak)
    return reasons


def _why_lost(loser: Candidate, winner: Candidate) -> list[str]:
    if loser.rejected:
        return [f"Rejected: {reason}" for reason in loser.rejected_because]
    ours = {c.name: c for c in loser.criteria}
    gaps = sorted(
        (
            (c.weight * (c.value - ours[c.name].value), ours[c.name])
            for c in winner.criteria
            if not c.hard and c.weight * (c.value - ours[c.name].value) > 0.0005
        ),
        key=lambda item: -item[0],
    )
    if not gaps:
        return [
            f"Scores as well as {describe(winner.correspondence)}, which is preferred as "
            "primary_id or for needing fewer normalisation steps."
        ]
    reasons = [f"Ranks below {describe(winner.correspondence)}:"]
    reasons.extend(c.explanation for _, c in gaps[:4])
    weak = population_sentence(loser.correspondence)
    if weak:
        reasons.append(weak)
    return reasons


IdpLookup = Callable[[Correspondence], IdpCheck | None]


def _no_idp(_pair: Correspondence) -> IdpCheck | None:
    return None


def rank_candidates(
    pairs: Iterable[Correspondence],
    sis_profiles: dict[str, FieldProfile],
    idp: IdpLookup = _no_idp,
    history: ValueHistory | None = None,
) -> list[Candidate]:
    """Score every pair, rank them, and explain each verdict in sentences."""
    scored = []
    for pair in pairs:
        check = idp(pair)
        criteria = criteria_of(pair, sis_profiles.get(pair.sis_field), check, history)
        rejected = tuple(c.explanation for c in criteria if c.hard and not c.passed)
        scored.append(
            Candidate(
                correspondence=pair,
                rank=0,
                score=score(criteria),
                criteria=tuple(criteria),
                rejected_because=rejected,
                reasons=(),
                idp_source=check.idp_source if check is not None else None,
                idp=check,
            )
        )
    scored.sort(key=_order_key)
    winner = next((c for c in scored if not c.rejected), None)
    ranked = []
    for rank, candidate in enumerate(scored, 1):
        if candidate is winner:
            reasons = _why_won(candidate)
        elif winner is None:
            reasons = [f"Rejected: {reason}" for reason in candidate.rejected_because]
        else:
            reasons = _why_lost(candidate, winner)
        reasons.extend(collision_sentences(candidate.correspondence))
        ranked.append(replace(candidate, rank=rank, reasons=tuple(reasons)))
    return ranked


def set_aside_findings(set_aside: list[Correspondence]) -> list[Finding]:
    """A warning per pair left out because its values meet only through a step that would
    join different people (`crosscheck(..., set_aside=...)`)."""
    findings = []
    for pair in set_aside:
        collision = max(pair.collisions, key=lambda c: c.values)
        steps = " / ".join(dict.fromkeys(c.step for c in pair.collisions))
        side = "SIS records" if collision.source is SourceKind.SIS else "directory entries"
        findings.append(
            Finding(
                "normalisation-would-join-people",
                Severity.WARNING,
                "crosscheck",
                pair.sis_field,
                collision.values,
                f"SIS {pair.sis_field} and directory {pair.directory_attribute} share values "
                f"only after {steps}, which would turn different values of {collision.records:,} "
                f"{side} into {collision.values:,} shared values and join different people: "
                "the pair is not a candidate.",
                collision.examples,
            )
        )
    return findings
