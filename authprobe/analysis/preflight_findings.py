"""What the pre-flight means for go-live, as findings: each problem outcome, the users the load
will not touch, and what is wrong with the Alma export itself."""

from __future__ import annotations

from authprobe.analysis.loadcolumns import LoadColumns
from authprobe.analysis.preflight import PreflightEngine
from authprobe.model import Fate, Finding, Outcome, Preflight, PreflightExample, Severity
from authprobe.wording import agree, plural

ALMA = "alma"
SIS = "sis"
MAX_EXAMPLES = 5

_OUTCOME_MESSAGES: dict[Outcome, str] = {
    Outcome.REJECTED_IN_FEED: (
        "{n} SIS record[|s] would be rejected by the load itself: an identifier value appears "
        "twice in the record, or an earlier record of the same load already used it (Alma "
        'loads the first and rejects the next, "already taken ... in this feed").'
    ),
    Outcome.AMBIGUOUS: (
        "{n} SIS record[|s] [has|have] a {field} that more than one user already in Alma holds: "
        "the "
        "load cannot tell which user to update. Merge or correct those users in Alma first."
    ),
    Outcome.NOT_EXTERNAL: (
        '{n} SIS record[|s] find[s|] an INTERNAL user in Alma ("User is not external"): the SIS '
        "load never updates internal users. Make those users EXTERNAL (or leave the record "
        "out) before go-live."
    ),
    Outcome.REJECTED_TAKEN: (
        "{n} SIS record[|s] carr[ies|y] an identifier that another user already in Alma holds "
        '("Identifier ... is already taken AcrossInstitution"): the load rejects them. '
        "Remove the identifier from the other user, or merge the two, before go-live."
    ),
    Outcome.CREATE_DUPLICATE: (
        "{n} SIS record[|s] would create a new user although the same person is already in "
        "Alma (same name and birth date, or same email) under a record that has no matching "
        "{field}: a duplicate patron. Add the {field} value to those users (or merge them) "
        "before the first load."
    ),
}


def _examples(summary: Preflight, outcome: Outcome) -> tuple[str, ...]:
    return tuple(_reference(e) for e in summary.examples if e.outcome is outcome)[:MAX_EXAMPLES]


def _reference(example: PreflightExample) -> str:
    if not example.alma_refs:
        return example.sis_ref
    return f"{example.sis_ref} (in Alma: {', '.join(example.alma_refs[:3])})"


def outcome_findings(summary: Preflight) -> list[Finding]:
    """One error per problem outcome of the first load (missing Match IDs are reported by the
    Match ID decision), and a warning for the existing users no record finds."""
    field = summary.match_field
    findings = [
        Finding(
            f"preflight-{outcome.value}",
            Severity.ERROR,
            SIS,
            field,
            summary.outcomes[outcome],
            agree(message, summary.outcomes[outcome]).format(
                n=f"{summary.outcomes[outcome]:,}", field=field
            ),
            _examples(summary, outcome),
        )
        for outcome, message in _OUTCOME_MESSAGES.items()
        if summary.outcomes[outcome]
    ]
    orphans = summary.fates[Fate.ORPHAN]
    if orphans:
        findings.append(
            Finding(
                "preflight-orphan",
                Severity.WARNING,
                ALMA,
                field,
                orphans,
                agree(
                    f"{plural(orphans, 'EXTERNAL user')} already in Alma [is|are] found by no "
                    f"SIS record's {field}: the load leaves them as they are. They are people the "
                    f"SIS does not send, or whose {field} in Alma differs from the SIS (then the "
                    "SIS record creates a second user).",
                    orphans,
                ),
            )
        )
    return findings


def export_findings(existing: LoadColumns, engine: PreflightEngine | None) -> list[Finding]:
    """What is wrong with the export of the users already in Alma itself."""
    findings = []
    accounts = existing.accounts()
    total = existing.records
    if accounts.missing:
        all_missing = accounts.missing == total
        findings.append(
            Finding(
                "alma-account-type-missing",
                Severity.WARNING,
                ALMA,
                "account_type",
                accounts.missing,
                (
                    f"No account type was read for any of the {total:,} users already in "
                    "Alma: every one is treated as EXTERNAL, so no record can be predicted to "
                    "fail on an INTERNAL user. Export account_type too (a CSV export: "
                    "--alma-map account_type=COLUMN)."
                )
                if all_missing
                else (
                    agree(
                        f"{accounts.missing:,} of the {plural(total, 'user')} already in Alma "
                        "[has|have] no account_type: [it is|they are] treated as EXTERNAL.",
                        accounts.missing,
                    )
                ),
            )
        )
    if accounts.other:
        listed = ", ".join(f"{name} ({n:,})" for name, n in accounts.other[:5])
        findings.append(
            Finding(
                "alma-account-type-unknown",
                Severity.WARNING,
                ALMA,
                "account_type",
                sum(n for _, n in accounts.other),
                f"Account types other than INTERNAL and EXTERNAL were read: {listed}; those "
                "users are treated as EXTERNAL.",
            )
        )
    if engine is not None:
        corrupt = engine.corrupt_values
        if corrupt.height:
            refs = existing.refs
            first = corrupt.sort("u").get_column("u").head(MAX_EXAMPLES).to_list()
            findings.append(
                Finding(
                    "alma-export-duplicate-value",
                    Severity.ERROR,
                    ALMA,
                    None,
                    corrupt.height,
                    agree(
                        f"{plural(corrupt.height, 'identifier value')} [is|are] held more than "
                        "once in the export of the users already in Alma (by two users, or twice "
                        "by one), although Alma keeps every identifier unique: the export is "
                        "corrupt or was edited. Every holder still counts in the pre-flight (so "
                        "such a match value is ambiguous).",
                        corrupt.height,
                    ),
                    tuple(refs[u] for u in first),
                )
            )
    return findings


def shared_type_findings(sis: LoadColumns, existing: LoadColumns, field: str) -> list[Finding]:
    """An export and an extract that share no identifier type, or not the Match ID Type."""
    shared = set(sis.field_codes) & set(existing.field_codes)
    if not shared:
        return [
            Finding(
                "alma-no-shared-identifier",
                Severity.ERROR,
                ALMA,
                None,
                existing.records,
                "The users already in Alma and the SIS extract share no identifier field "
                f"(the extract has {', '.join(sorted(sis.field_codes)) or 'none'}; the export "
                f"has {', '.join(sorted(existing.field_codes)) or 'none'}): the first load "
                "would find nobody. Check that the export holds primary_id and the user "
                "identifiers, or that --alma-map names their columns.",
            )
        ]
    if field not in existing.field_codes:
        return [
            Finding(
                "alma-match-id-absent",
                Severity.ERROR,
                ALMA,
                field,
                existing.records,
                f"No user already in Alma carries {field}, the Match ID Type: the first load "
                "would find none of them, and every SIS record would create a new user. Load "
                f"{field} into Alma first (or choose a Match ID Type the users already have).",
            )
        ]
    return []
