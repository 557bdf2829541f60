"""Stability measured, not assumed: how many people's value changed between two snapshots.

Both snapshots are keyed by the immutable directory ID (objectGUID on Active Directory,
entryUUID on OpenLDAP, nsUniqueId on 389-DS, ipaUniqueID on FreeIPA); only people present in
both are compared. The current snapshot is fingerprinted during the one pass `recommend` makes
anyway (a hash per attribute and person, no values kept); the previous one (`ldap scan --save`,
or an LDIF / CSV export) is streamed after.

Nothing is claimed without evidence: when the snapshots share no key, or the previous one
holds no value of an attribute at all (saved with `-a` naming other attributes), that
attribute's changes are *not measured* (`ValueHistory.share` is None, `why_not_measured`
says why) and `history_findings` turns it into a warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from authprobe.model import Finding, Record, Severity, SourceKind
from authprobe.wording import plural

KEY_ATTRIBUTES = ("objectGUID", "entryUUID", "nsUniqueId", "ipaUniqueID")
_KEYS_FOLDED = {key.casefold(): key for key in KEY_ATTRIBUTES}
_KEY_LIST = ", ".join(KEY_ATTRIBUTES)


@dataclass(frozen=True, slots=True)
class ValueHistory:
    """Between two snapshots: people compared, and how many changed each attribute's value."""

    key_attribute: str
    compared: int
    changed: dict[str, int]
    not_measured: str | None = None
    """Why no one could be compared (the snapshots share no key); None when people were."""
    absent: tuple[str, ...] = ()
    """Attributes the previous snapshot holds for none of the people compared."""

    def share(self, attribute: str) -> float | None:
        """Share of compared people whose value of `attribute` changed (None: not measured)."""
        if self.why_not_measured(attribute) is not None or attribute not in self.changed:
            return None
        return self.changed[attribute] / self.compared

    def why_not_measured(self, attribute: str) -> str | None:
        """Why `attribute`'s changes were not measured, in words (None when they were)."""
        if self.not_measured is not None:
            return self.not_measured
        if not self.compared:
            return "no one is in both snapshots"
        if attribute in self.absent:
            return f"the previous snapshot holds no {attribute} value for any of those people"
        return None


def _fingerprint(values: tuple[str, ...]) -> int:
    return hash(tuple(sorted(value.casefold() for value in values)))


def _keys(record: Record) -> list[tuple[str, str]]:
    """(key attribute, value casefolded) for every immutable key the record holds."""
    found = []
    for name, values in record.attrs.items():
        key = _KEYS_FOLDED.get(name.casefold())
        if key is not None and values:
            found.append((key, values[0].strip().casefold()))
    return found


def has_immutable_key(record: Record) -> bool:
    """True when the record holds one of `KEY_ATTRIBUTES` (it can be paired across snapshots)."""
    return bool(_keys(record))


@dataclass
class Snapshot:
    """Fingerprints of the current snapshot: immutable key -> attribute -> hash of values."""

    people: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    key_attributes: Counter[str] = field(default_factory=Counter)

    @property
    def key_attribute(self) -> str | None:
        """The key attribute most entries hold (None when no entry holds one)."""
        found = self.key_attributes.most_common(1)
        return found[0][0] if found else None

    def add(self, record: Record) -> None:
        """Fingerprint one directory record (kept out when it has no immutable key)."""
        keys = _keys(record)
        if not keys:
            return
        fingerprints = {
            name.casefold(): _fingerprint(values) for name, values in record.attrs.items()
        }
        for key in keys:
            self.key_attributes[key[0]] += 1
            self.people[key] = fingerprints

    def compare(self, previous: Iterable[Record], attributes: Sequence[str]) -> ValueHistory:
        """Count, per attribute, the people whose value differs in the `previous` snapshot.

        People are paired by any immutable key both snapshots hold. When none is paired, the
        result says why (`not_measured`); attributes the previous snapshot never holds for the
        people paired are `absent` (not counted as changed).
        """
        attributes = list(dict.fromkeys(attributes))
        empty = _fingerprint(())
        compared = 0
        changed = dict.fromkeys(attributes, 0)
        held: set[str] = set()
        previous_keys: Counter[str] = Counter()
        paired_by: Counter[str] = Counter()
        for record in previous:
            now = None
            for key in _keys(record):
                previous_keys[key[0]] += 1
                if now is None:
                    now = self.people.get(key)
                    if now is not None:
                        paired_by[key[0]] += 1
            if now is None:
                continue
            compared += 1
            before = {name.casefold(): values for name, values in record.attrs.items()}
            for attribute in attributes:
                folded = attribute.casefold()
                if folded in before:
                    held.add(folded)
                if now.get(folded, empty) != _fingerprint(before.get(folded, ())):
                    changed[attribute] += 1
        if not compared:
            return ValueHistory(
                self.key_attribute or KEY_ATTRIBUTES[0],
                0,
                changed,
                not_measured=self._why_unpaired(previous_keys),
            )
        absent = tuple(a for a in attributes if a.casefold() not in held)
        return ValueHistory(paired_by.most_common(1)[0][0], compared, changed, absent=absent)

    def _why_unpaired(self, previous_keys: Counter[str]) -> str:
        if not self.key_attributes:
            return f"the current directory holds no immutable key ({_KEY_LIST})"
        if not previous_keys:
            return f"the previous snapshot holds no immutable key ({_KEY_LIST})"
        now, before = set(self.key_attributes), set(previous_keys)
        if not now & before:
            return (
                f"the current directory is keyed by {', '.join(sorted(now))}, the previous "
                f"snapshot by {', '.join(sorted(before))}"
            )
        shared = ", ".join(sorted(now & before))
        return (
            f"no {shared} of the previous snapshot is in the current directory (another "
            "directory, or every entry re-created)"
        )


def history_findings(history: ValueHistory | None, attributes: Sequence[str]) -> list[Finding]:
    """Warnings for what `--previous` could not measure (nothing when it measured it all)."""
    if history is None:
        return []
    if history.not_measured is not None:
        return [
            Finding(
                "history-no-shared-key",
                Severity.WARNING,
                SourceKind.DIRECTORY.value,
                None,
                0,
                f"--previous: the two snapshots share no person by immutable key: "
                f"{history.not_measured}. Value changes were not measured, so stability is "
                "judged by the kind of attribute only. Snapshots saved by `authprobe ldap scan "
                "URL --save FILE.jsonl.gz` always hold the key.",
            )
        ]
    return [
        Finding(
            "history-attribute-absent",
            Severity.WARNING,
            SourceKind.DIRECTORY.value,
            attribute,
            history.compared,
            f"--previous: the previous snapshot holds no {attribute} value for any of the "
            f"{plural(history.compared, 'person', 'people')} in both snapshots (was it saved with "
            "-a naming other "
            f"attributes?): changes of {attribute} were not measured.",
        )
        for attribute in dict.fromkeys(attributes)
        if attribute in history.absent
    ]
