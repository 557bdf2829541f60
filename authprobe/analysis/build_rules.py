"""What `sis build` reports: its finding codes, their severity and sentences, and the tally
that counts them (with a few examples each and, for `--findings-csv`, every occurrence).

The refusal rules are the lint's load rules (analysis/lint) applied before the file exists:
identifier values compare trimmed and casefolded across primary_id and every identifier type
(`fields.fold`), at most `lint.MAX_ID_LENGTH` characters, and the lint's codes are reused where
the rule is the same one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from authprobe.analysis.lint.rules import Code
from authprobe.model import Finding, Severity
from authprobe.wording import agree

SOURCE = "build"

PRIMARY_MISSING = Code.PRIMARY_MISSING.value
TOO_LONG = Code.TOO_LONG.value
DUPLICATE = Code.DUPLICATE.value
EXPIRY_MISSING = Code.EXPIRY_MISSING.value
PURGE_MISSING = Code.PURGE_MISSING.value
MATCH_MISSING = "match-id-missing"
ILLEGAL_CHARACTER = "build-invalid-character"
GROUP_UNKNOWN = "build-user-group-unknown"
STATUS_UNKNOWN = "build-status-unknown"
ROW_MALFORMED = "build-row-malformed"
DATE_UNREADABLE = "build-date-unreadable"
DISAGREE = "build-sources-disagree"
GROUP_MISSING = "build-user-group-missing"
CLEANED = "build-characters-removed"
MERGED = "build-merged"


@dataclass(frozen=True, slots=True)
class BuildRule:
    """A code's severity, whether it refuses the record, and its sentence (`{who}`: "3 people
    have", `{n}`: the count, `{extra}`: what the run adds, e.g. the Match ID Type)."""

    code: str
    severity: Severity
    refuses: bool
    message: str


RULES: dict[str, BuildRule] = {
    rule.code: rule
    for rule in (
        BuildRule(
            PRIMARY_MISSING,
            Severity.ERROR,
            True,
            "{who} no primary_id (empty or not mapped); Alma would invent one from the name, "
            "which no login can match. Not written.",
        ),
        BuildRule(
            MATCH_MISSING,
            Severity.ERROR,
            True,
            "{who} no value for the Match ID Type {extra}; every record of an SIS load must "
            "carry it. Not written.",
        ),
        BuildRule(
            TOO_LONG,
            Severity.ERROR,
            True,
            "{who} a value longer than Alma's limit of 255 characters (an identifier, a name "
            "or the email). Not written.",
        ),
        BuildRule(
            DUPLICATE,
            Severity.ERROR,
            True,
            "{who} an identifier value that another person (or another of their own fields) "
            "also holds, compared trimmed and ignoring case across primary_id and every "
            "identifier type; Alma rejects such records, so none of the holders is written.",
        ),
        BuildRule(
            ILLEGAL_CHARACTER,
            Severity.ERROR,
            True,
            "{who} an identifier holding a control character that XML cannot carry. Not written.",
        ),
        BuildRule(
            GROUP_UNKNOWN,
            Severity.ERROR,
            True,
            "{who} a user group code that the code table does not list; Alma rejects a user "
            "group it does not know. Not written: add the code to the code table.",
        ),
        BuildRule(
            STATUS_UNKNOWN,
            Severity.ERROR,
            True,
            "{who} a status other than ACTIVE or INACTIVE. Not written.",
        ),
        BuildRule(
            ROW_MALFORMED,
            Severity.ERROR,
            False,
            "{n} row[|s] [has|have] fewer or more cells than the header (a broken export or an "
            "unquoted delimiter); they could not be read, so the people on them are missing "
            "from the extract unless another source has them.",
        ),
        BuildRule(
            DATE_UNREADABLE,
            Severity.WARNING,
            False,
            "{n} date[|s] could not be read{extra}; those dates are left out of the extract.",
        ),
        BuildRule(
            DISAGREE,
            Severity.WARNING,
            False,
            "{who} rows in several sources that disagree on an identifier or the birth date; "
            "the value of the source first in precedence was written.",
        ),
        BuildRule(
            GROUP_MISSING,
            Severity.WARNING,
            False,
            "{who} no user group; Alma loads them without one.",
        ),
        BuildRule(
            CLEANED,
            Severity.WARNING,
            False,
            "{n} value[|s] held control characters that XML cannot carry; they were removed.",
        ),
        BuildRule(
            EXPIRY_MISSING,
            Severity.WARNING,
            False,
            "{who} no expiry_date (no column and no rule gave one); Alma never expires them, "
            "so they are never purged either.",
        ),
        BuildRule(
            PURGE_MISSING,
            Severity.WARNING,
            False,
            "{who} no purge_date; Alma's Purge Users job never removes them.",
        ),
        BuildRule(
            MERGED,
            Severity.INFO,
            False,
            "{who_appear} in more than one row (e.g. a student who is also staff), merged "
            "into one record each by the person key{extra}.",
        ),
    )
}

MAX_SAMPLES = 5


def who(n: int, one: str = "has", many: str = "have") -> str:
    """`1 person has` / `12 people have`."""
    return f"1 person {one}" if n == 1 else f"{n:,} people {many}"


@dataclass(frozen=True, slots=True)
class BuildOccurrence:
    """One place a rule fired: the rows concerned (file:line), the field, the value, a detail."""

    code: str
    ref: str
    field: str | None = None
    value: str | None = None
    detail: str = ""

    @property
    def severity(self) -> Severity:
        """The rule's severity."""
        return RULES[self.code].severity


@dataclass(slots=True)
class _Count:
    n: int = 0
    samples: list[BuildOccurrence] = field(default_factory=list)


class Tally:
    """Counts occurrences per (code, field), keeps the first few, streams all to `sink`."""

    def __init__(self, sink: Callable[[BuildOccurrence], None] | None = None) -> None:
        self.sink = sink
        self.counts: dict[tuple[str, str | None], _Count] = {}
        self.extra: dict[str, str] = {}

    def add(
        self,
        code: str,
        ref: str,
        field_name: str | None = None,
        value: str | None = None,
        detail: str = "",
    ) -> None:
        """Count one occurrence."""
        count = self.counts.get((code, field_name))
        if count is None:
            count = self.counts[(code, field_name)] = _Count()
        count.n += 1
        occurrence = None
        if len(count.samples) < MAX_SAMPLES:
            occurrence = BuildOccurrence(code, ref, field_name, value, detail)
            count.samples.append(occurrence)
        if self.sink is not None:
            self.sink(occurrence or BuildOccurrence(code, ref, field_name, value, detail))

    def total(self, code: str) -> int:
        """Occurrences of `code`, all fields together."""
        return sum(c.n for (name, _), c in self.counts.items() if name == code)

    def findings(self) -> list[Finding]:
        """One finding per (code, field), errors first."""
        out = []
        for (code, field_name), count in self.counts.items():
            rule = RULES[code]
            out.append(
                Finding(
                    code=code,
                    severity=rule.severity,
                    source=SOURCE,
                    field=field_name,
                    count=count.n,
                    message=agree(rule.message, count.n).format(
                        n=f"{count.n:,}",
                        who=who(count.n),
                        who_appear=who(count.n, "appears", "appear"),
                        extra=self.extra.get(code, ""),
                    ),
                    examples=tuple(dict.fromkeys(o.ref for o in count.samples)),
                )
            )
        out.sort(key=lambda f: (-f.severity.rank, f.code, f.field or ""))
        return out

    def samples(self) -> dict[tuple[str, str | None], tuple[BuildOccurrence, ...]]:
        """The first occurrences of each (code, field), for examples with values."""
        return {key: tuple(count.samples) for key, count in self.counts.items()}
