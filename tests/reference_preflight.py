"""A plain, record-by-record reading of the pre-flight rules (issue 12), for the property tests.

Written from the rules' wording, not from authprobe/analysis/preflight.py: dicts and sets, one
record at a time, no polars. The production engine must give the same outcome for every record
and the same fate for every existing user.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from authprobe.model import Record

LOADED = ("update", "create", "create-duplicate")


def _key(value: str) -> str:
    return value.strip().casefold()


def identifier_values(record: Record) -> list[str]:
    """primary_id and every identifier value, trimmed and casefolded, duplicates kept."""
    out = []
    for name, values in record.attrs.items():
        if name == "primary_id" or name.startswith("identifier:"):
            out.extend(k for k in (_key(v) for v in values) if k)
    return out


def match_value(record: Record, field: str) -> str | None:
    for value in record.attrs.get(field, ()):
        if _key(value):
            return _key(value)
    return None


def _name(text: str | None) -> str:
    text = unicodedata.normalize("NFD", (text or "").casefold())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return "".join(c for c in text if c not in " -\t\u00a0")


def _person(record: Record) -> tuple[str, str, str] | None:
    birth = (record.info.get("birth_date") or "").strip()[:10]
    last = _name(record.info.get("last_name"))
    if len(birth) != 10 or not birth[:4].isdigit() or not last:
        return None
    return (_name(record.info.get("first_name")), last, birth)


def _mails(record: Record) -> set[str]:
    return {_key(m) for m in record.attrs.get("email:all", ()) if _key(m)}


def _internal(record: Record) -> bool:
    return (record.info.get("account_type") or "").strip().upper() == "INTERNAL"


def reference(
    sis: Sequence[Record], existing: Sequence[Record], field: str
) -> tuple[list[str], list[str], list[set[str]]]:
    """(outcome per SIS record, fate per existing user, create-duplicate evidence per record)."""
    holders: dict[str, set[int]] = {}
    match_holders: dict[str, set[int]] = {}
    for u, user in enumerate(existing):
        for value in identifier_values(user):
            holders.setdefault(value, set()).add(u)
        for value in user.attrs.get(field, ()):
            if _key(value):
                match_holders.setdefault(_key(value), set()).add(u)
    found: set[int] = set()
    for record in sis:
        m = match_value(record, field)
        if m is not None:
            found |= match_holders.get(m, set())
    outcomes: list[str] = []
    evidence: list[set[str]] = []
    updated: set[int] = set()
    taken: set[str] = set()
    for record in sis:
        kinds: set[str] = set()
        m = match_value(record, field)
        values = identifier_values(record)
        if m is None:
            outcome = "missing-match-id"
        elif len(values) != len(set(values)) or taken.intersection(values):
            outcome = "rejected-in-feed"
        else:
            mh = match_holders.get(m, set())
            others = set().union(*(holders.get(v, set()) for v in values)) - mh
            if len(mh) > 1:
                outcome = "ambiguous"
            elif mh and _internal(existing[next(iter(mh))]):
                outcome = "not-external"
            elif others:
                outcome = "rejected-taken"
            elif mh:
                outcome = "update"
                updated |= mh
            else:
                person, mails = _person(record), _mails(record)
                for u, user in enumerate(existing):
                    if u in found:
                        continue
                    if person is not None and person == _person(user):
                        kinds.add("name and birth date")
                    if mails & _mails(user):
                        kinds.add("email")
                outcome = "create-duplicate" if kinds else "create"
        if outcome in LOADED:
            taken.update(values)
        outcomes.append(outcome)
        evidence.append(kinds if outcome == "create-duplicate" else set())
    fates = []
    for u, user in enumerate(existing):
        if u in updated:
            fates.append("updated")
        elif u in found:
            fates.append("blocked")
        else:
            fates.append("untouched-internal" if _internal(user) else "orphan")
    return outcomes, fates, evidence
