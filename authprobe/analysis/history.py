"""Stability measured, not assumed: how many people's value changed between two snapshots.

Both snapshots are keyed by the immutable directory ID (objectGUID on Active Directory,
entryUUID on OpenLDAP, nsUniqueId on 389-DS); only people present in both are compared. The
current snapshot is fingerprinted during the one pass `recommend` makes anyway (a hash per
attribute and person, no values kept); the previous one (`ldap scan --save`) is streamed after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from authprobe.model import Record

KEY_ATTRIBUTES = ("objectGUID", "entryUUID", "nsUniqueId", "ipaUniqueID")
_KEYS_FOLDED = tuple(key.casefold() for key in KEY_ATTRIBUTES)


@dataclass(frozen=True, slots=True)
class ValueHistory:
    """Between two snapshots: people compared, and how many changed each attribute's value."""

    key_attribute: str
    compared: int
    changed: dict[str, int]

    def share(self, attribute: str) -> float | None:
        """Share of compared people whose value of `attribute` changed (None: not measured)."""
        if attribute not in self.changed or not self.compared:
            return None
        return self.changed[attribute] / self.compared


def _fingerprint(values: tuple[str, ...]) -> int:
    return hash(tuple(sorted(value.casefold() for value in values)))


def _key(record: Record) -> tuple[str, str] | None:
    for name, values in record.attrs.items():
        folded = name.casefold()
        if folded in _KEYS_FOLDED and values:
            return KEY_ATTRIBUTES[_KEYS_FOLDED.index(folded)], values[0].casefold()
    return None


@dataclass
class Snapshot:
    """Fingerprints of the current snapshot: immutable key -> attribute -> hash of values."""

    people: dict[str, dict[str, int]] = field(default_factory=dict)
    key_attribute: str | None = None

    def add(self, record: Record) -> None:
        """Fingerprint one directory record (ignored when it has no immutable key)."""
        key = _key(record)
        if key is None:
            return
        self.key_attribute = self.key_attribute or key[0]
        self.people[key[1]] = {
            name.casefold(): _fingerprint(values) for name, values in record.attrs.items()
        }

    def compare(self, previous: Iterable[Record], attributes: Sequence[str]) -> ValueHistory | None:
        """Count, per attribute, the people whose value differs in the `previous` snapshot.

        None when the snapshots share no person by immutable key.
        """
        attributes = list(dict.fromkeys(attributes))
        empty = _fingerprint(())
        compared = 0
        changed = dict.fromkeys(attributes, 0)
        for record in previous:
            key = _key(record)
            now = self.people.get(key[1]) if key else None
            if now is None:
                continue
            compared += 1
            before = {name.casefold(): values for name, values in record.attrs.items()}
            for attribute in attributes:
                folded = attribute.casefold()
                if now.get(folded, empty) != _fingerprint(before.get(folded, ())):
                    changed[attribute] += 1
        if not compared:
            return None
        return ValueHistory(self.key_attribute or KEY_ATTRIBUTES[0], compared, changed)
