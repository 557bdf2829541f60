"""Directory entries as records: what `LdifFile`, the CSV exports and the live LDAP reader share.

`EntryConverter` turns one directory entry (DN + attribute values) into a `Record`: one spelling
per attribute (names are case-insensitive; the first spelling seen is kept), binary identifiers
decoded, secrets dropped, non-person entries skipped; everything skipped is counted in `stats`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from authprobe.model import ReadStats, Record
from authprobe.sources import population_from_dn
from authprobe.sources.ldap import ad

PERSON_CLASSES: Final = frozenset(
    {"person", "organizationalperson", "inetorgperson", "user", "posixaccount", "eduperson"}
)
"""An entry is a person when one of its objectClass values is here or ends in `person`."""
EXCLUDED_CLASSES: Final = frozenset({"computer"})
"""AD computers are `user` objects too: never people."""
_NOT_PERSON_RDNS: Final = frozenset({"ou", "dc", "o", "c", "l", "st"})
_SCHEMA_DNS: Final = frozenset({"cn=schema", "cn=subschema", "cn=aggregate"})

SKIP_NOT_PERSON: Final = "not a person entry"
SKIP_BINARY: Final = "binary value not profiled"
SKIP_SECRET: Final = "password attribute not read"  # noqa: S105 - a skip reason, not a password
SKIP_URL: Final = "URL value not followed"
SKIP_BAD_IDENTIFIER: Final = "binary identifier with a wrong length"
SKIP_DISABLED: Final = "disabled account excluded"
DISABLED_INFO: Final = "disabled"
_TEXT, _SECRET, _BINARY = range(3)  # what an attribute holds (decided once per name)


def is_person(object_classes: Iterable[str] | None, dn: str) -> bool:
    """True for person/user entries that are not computers.

    Without any objectClass (an export of selected attributes), the DN decides: an entry named
    `ou=`, `dc=`, `o=`... is a container, anything else is taken as a person.
    """
    if object_classes is None:
        if dn.strip().lower() in _SCHEMA_DNS:
            return False
        first = dn.split(",", 1)[0].partition("=")[0].strip().lower()
        return bool(first) and first not in _NOT_PERSON_RDNS
    classes = {value.strip().lower() for value in object_classes}
    if classes & EXCLUDED_CLASSES:
        return False
    return bool(classes & PERSON_CLASSES) or any(name.endswith("person") for name in classes)


@dataclass
class EntryConverter:
    """Builds records from directory entries: one spelling per attribute, binary values decoded,
    secrets dropped, non-person entries skipped; everything skipped is counted in `stats`."""

    stats: ReadStats
    exclude_disabled: bool = False
    disabled: int = 0
    populations: bool = True
    """Whether records get their population (a reader whose records only feed the profiles,
    which never read it, turns it off)."""
    _spelling: dict[str, str] = field(default_factory=dict)
    _raw_kinds: dict[bytes, tuple[str, str, int]] = field(default_factory=dict)
    _class_name: str | None = None  # spell("objectClass"), once asked (it never changes then)
    _control_name: str | None = None  # spell("userAccountControl"), the same
    _persons: dict[tuple[str, ...], bool] = field(default_factory=dict)  # is_person, by classes

    def spell(self, attribute: str) -> str:
        """The attribute's base name as first seen in this input (names are case-insensitive)."""
        name = attribute.split(";", 1)[0] if ";" in attribute else attribute
        key = name.lower()
        spelled = self._spelling.get(key)
        if spelled is None:
            self._spelling[key] = spelled = name
        return spelled

    @property
    def spelling(self) -> dict[str, str]:
        """Every attribute name seen (lower case) -> its spelling (`spell`); not to be changed."""
        return self._spelling

    def spelled(self, attribute: str) -> str | None:
        """What `spell` gives when this name was seen already, else None (nothing recorded)."""
        name = attribute.split(";", 1)[0] if ";" in attribute else attribute
        return self._spelling.get(name.lower())

    def add(
        self, attrs: dict[str, list[str]], attribute: str, value: str | bytes, location: str
    ) -> None:
        """Add one value: text as is; bytes decoded (GUID/SID), as UTF-8 text, or skipped."""
        name = self.spell(attribute)
        if ad.is_secret(name):
            self.stats.withhold(SKIP_SECRET)
            return
        if isinstance(value, str):
            if ad.is_guid_attribute(name):
                self._add_guid_text(attrs, name, value)
            else:
                attrs.setdefault(name, []).append(value)
            return
        if ad.is_binary_identifier(name):
            try:
                pairs = ad.decode_identifier(name, value)
            except ad.BinaryValueError:
                self.stats.skip(SKIP_BAD_IDENTIFIER, location)
                return
            for key, text in pairs:
                attrs.setdefault(key, []).append(text)
            return
        if ad.is_binary_attribute(name):
            self.stats.skip(SKIP_BINARY, location)
            return
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            self.stats.skip(SKIP_BINARY, location)
            return
        attrs.setdefault(name, []).append(text)

    def add_raw(
        self, attrs: dict[str, list[str]], raw_name: bytes, values: list[bytes], location: str
    ) -> str:
        """Add all values of one attribute as a server sent them (bytes); return the attribute
        description as sent (with options such as `;range=0-1499`).

        The hot path of a live scan: what each attribute is (text, secret, binary) is decided
        once per attribute name, and text values are decoded in one go.
        """
        known = self._raw_kinds.get(raw_name)
        if known is None:
            text = raw_name.decode("utf-8", "replace")
            name = self.spell(text)
            if ad.is_secret(name):
                kind = _SECRET
            elif ad.is_binary_attribute(name):
                kind = _BINARY
            else:
                kind = _TEXT
            known = self._raw_kinds[raw_name] = (text, name, kind)
        text, name, kind = known
        if kind == _TEXT:
            try:
                decoded = [value.decode("utf-8") for value in values]
            except UnicodeDecodeError:
                for value in values:
                    self.add(attrs, name, value, location)
                return text
            existing = attrs.get(name)
            if existing is None:
                attrs[name] = decoded
            else:
                existing.extend(decoded)
        elif kind == _SECRET:
            self.stats.withhold(SKIP_SECRET, len(values))
        else:
            for value in values:
                self.add(attrs, name, value, location)
        return text

    def is_text(self, raw_name: bytes) -> bool:
        """True when `add_raw` has classified this attribute type as plain text."""
        known = self._raw_kinds.get(raw_name)
        return known is not None and known[2] == _TEXT

    def _add_guid_text(self, attrs: dict[str, list[str]], name: str, value: str) -> None:
        """A GUID already written as text (CSV exports): normalise it, add its immutableId."""
        try:
            raw = uuid.UUID(value.strip().strip("{}")).bytes_le
        except ValueError:
            attrs.setdefault(name, []).append(value)
            return
        for key, text in ad.decode_identifier(name, raw):
            attrs.setdefault(key, []).append(text)

    def finish(
        self, dn: str, attrs: dict[str, list[str]], *, disabled: bool | None = None
    ) -> Record | None:
        """The record for a complete entry, or None (counted) when it is not a person.

        `disabled` overrides userAccountControl (e.g. the `Enabled` column of Get-ADUser).
        """
        info = self._keep(dn, attrs, disabled)
        if info is None:
            return None
        return Record(
            ref=dn,
            attrs={name: tuple(values) for name, values in attrs.items()},
            population=_population(dn) if self.populations else None,
            info=info,
        )

    def finish_frozen(self, dn: str, attrs: dict[str, tuple[str, ...]]) -> Record | None:
        """`finish` for attributes whose values are tuples already (the C LDIF parser's)."""
        info = self._keep(dn, attrs, None)
        if info is None:
            return None
        population = _population(dn) if self.populations else None
        return Record(ref=dn, attrs=attrs, population=population, info=info)

    def _keep(
        self, dn: str, attrs: Mapping[str, Sequence[str]], disabled: bool | None
    ) -> dict[str, str] | None:
        """The record's `info` when the entry becomes one (counted), else None (counted)."""
        if self._class_name is None:
            self._class_name = self.spell("objectClass")
        if not self._is_person(attrs.get(self._class_name), dn):
            self.stats.skip(SKIP_NOT_PERSON, dn)
            return None
        info: dict[str, str] = {}
        if disabled is None:
            if self._control_name is None:
                self._control_name = self.spell("userAccountControl")
            control = attrs.get(self._control_name)
            disabled = bool(control) and ad.is_disabled(control[0]) if control else False
        if disabled:
            self.disabled += 1
            if self.exclude_disabled:
                self.stats.skip(SKIP_DISABLED, dn)
                return None
            info[DISABLED_INFO] = "true"
        self.stats.records += 1
        return info

    def _is_person(self, object_classes: Sequence[str] | None, dn: str) -> bool:
        """`is_person`, remembered for the few tuples of classes an export repeats."""
        if type(object_classes) is not tuple:
            return is_person(object_classes, dn)
        known = self._persons.get(object_classes)
        if known is None:
            known = is_person(object_classes, dn)
            if len(self._persons) < _PERSONS_KEPT:
                self._persons[object_classes] = known
        return known


_PERSONS_KEPT: Final = 64
"""How many tuples of objectClass values `EntryConverter` remembers the answer of."""


def _population(dn: str) -> str | None:
    """`population_from_dn`, with a fast path for DNs without escapes (most of them)."""
    if "\\" in dn:
        return population_from_dn(dn)
    for rdn in dn.split(","):
        name, _, value = rdn.partition("=")
        if value and name.strip().lower() == "ou":
            return value.strip()
    return None
