"""Does the IdP send a given directory attribute, and under which Name? (pure; no I/O)

API (for `recommend --idp-metadata FILE --assertion FILE`):

    idp_release(directory_attribute, metadata, assertion, *, person=None, entity_id=None)
        -> IdpRelease
        For one candidate's directory attribute (e.g. "employeeNumber"): is it offered in the
        IdP metadata (`offered`, `offered_as`), released in the captured login (`released`),
        and under which `idp_source` — "NameID" or the attribute Name exactly as sent, which is
        what Alma's "User ID Attribute Name" must be set to. `usable` is False for persistent,
        transient and pairwise/targeted identifiers (opaque: the SIS can never hold them) and
        when the IdP neither offers nor releases the attribute; `explanation` says why in one
        sentence. Pass `person` (the directory Record of the user who logged in) to decide by
        value: the NameID or attribute whose value equals the person's wins
        (`value_confirmed`); without a value match the attribute Names decide.

    locate_released_values(assertion, directory_records) -> list[ReleasedValue]
        For a captured login: which directory attribute of which entry holds each released value
        (NameID and every attribute value), compared case-insensitively, and also with the
        @scope stripped (eppn `jdoe@college.ca` = uid `jdoe`). One pass over the records.

    LoginLocator(released_pairs(assertion)) (or the (source, value) pairs of an OIDC / CAS
        login): the same comparison streamed over a whole directory, one entry at a time
        (`add`), keeping counts, not matches: how many entries hold each released value (every
        entry counted), and which entry is the person who logged in (`result`).

`metadata` and `assertion` may be None (nothing known about that side).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import inf

from authprobe import vocab
from authprobe.model import LoginPerson, Record, ReleasedValueMatch
from authprobe.sources.saml.message import Assertion
from authprobe.sources.saml.metadata import IdpEntity, IdpMetadata

NAMEID = "NameID"
OPAQUE_NAMEID_FORMATS = ("persistent", "transient")


@dataclass(frozen=True, slots=True)
class IdpRelease:
    """What the IdP does with one directory attribute."""

    directory_attribute: str
    idp_source: str | None  # "NameID", the attribute Name as sent/offered, or None
    offered: bool
    released: bool
    nameid_format: str | None  # short form ("persistent", "emailAddress", ...) when known
    usable: bool
    explanation: str
    offered_as: tuple[str, ...] = ()
    released_as: tuple[str, ...] = ()
    value_confirmed: bool = False
    """True when the released value equals the logged-in person's directory value."""


@dataclass(frozen=True, slots=True)
class DirectoryMatch:
    """One directory entry attribute that holds a released value."""

    ref: str
    attribute: str
    normalisation: str  # "casefold" or "strip-scope"


@dataclass(frozen=True, slots=True)
class ReleasedValue:
    """One value released in a login and where the directory holds it."""

    idp_source: str  # "NameID" or the attribute Name as sent
    value: str
    matches: tuple[DirectoryMatch, ...]

    @property
    def attributes(self) -> tuple[str, ...]:
        """The distinct directory attributes holding the value, in first-seen order."""
        return tuple(dict.fromkeys(m.attribute for m in self.matches))


def _idp(
    metadata: IdpMetadata | None, assertion: Assertion | None, entity_id: str | None
) -> IdpEntity | None:
    if metadata is None or not metadata.idps:
        return None
    for wanted in (
        entity_id,
        assertion.issuer if assertion else None,
        assertion.response_issuer if assertion else None,
    ):
        if wanted:
            found = metadata.find(wanted)
            if found is not None:
                return found
    return metadata.idps[0] if len(metadata.idps) == 1 else None


def _opaque_attribute(name: str, friendly: str | None) -> bool:
    info = vocab.lookup(name) or (vocab.lookup(friendly) if friendly else None)
    return bool(info and info.opaque)


def _value_sources(assertion: Assertion, person: Record, attribute: str) -> list[str]:
    """The released sources whose value equals one of the person's `attribute` values."""
    wanted = {
        v.strip().casefold()
        for name, values in person.attrs.items()
        if name.casefold() == attribute.casefold()
        for v in values
    }
    found: list[str] = []
    nameid = assertion.nameid
    if nameid is not None and nameid.value.strip().casefold() in wanted:
        found.append(NAMEID)
    for released in assertion.attributes:
        if any(v.strip().casefold() in wanted for v in released.values):
            found.append(released.name)
    return found


def idp_release(
    directory_attribute: str,
    metadata: IdpMetadata | None,
    assertion: Assertion | None,
    *,
    person: Record | None = None,
    entity_id: str | None = None,
) -> IdpRelease:
    """Offered / released / usable for one directory attribute (see the module docstring)."""
    idp = _idp(metadata, assertion, entity_id)
    offered_as = tuple(
        a.name
        for a in (idp.attributes if idp else ())
        if vocab.carries(a.name, directory_attribute, a.friendly_name)
    )
    by_value: tuple[str, ...] = ()
    if assertion is not None and person is not None:
        by_value = tuple(_value_sources(assertion, person, directory_attribute))
    by_name = tuple(
        a.name
        for a in (assertion.attributes if assertion is not None else ())
        if vocab.carries(a.name, directory_attribute, a.friendly_name)
    )
    released_as = by_value or by_name
    nameid = assertion.nameid if assertion is not None else None
    nameid_format = nameid.format_short if nameid is not None and not nameid.encrypted else None
    # Prefer an attribute over the NameID, and a non-opaque source over an opaque one.
    ordered = sorted(released_as, key=lambda s: (s == NAMEID, _is_opaque(s, assertion)))
    source = ordered[0] if ordered else (offered_as[0] if offered_as else None)
    offered = bool(offered_as)
    released = bool(released_as)
    usable, explanation = _verdict(
        directory_attribute, source, offered, released, nameid_format, assertion, metadata
    )
    return IdpRelease(
        directory_attribute=directory_attribute,
        idp_source=source,
        offered=offered,
        released=released,
        nameid_format=nameid_format,
        usable=usable,
        explanation=explanation,
        offered_as=offered_as,
        released_as=released_as,
        value_confirmed=bool(by_value),
    )


def _is_opaque(source: str, assertion: Assertion | None) -> bool:
    if assertion is None:
        return False
    if source == NAMEID:
        return assertion.nameid is not None and assertion.nameid.opaque
    sent = assertion.attribute(source)
    return _opaque_attribute(source, sent.friendly_name if sent else None)


def _verdict(
    attribute: str,
    source: str | None,
    offered: bool,
    released: bool,
    nameid_format: str | None,
    assertion: Assertion | None,
    metadata: IdpMetadata | None,
) -> tuple[bool, str]:
    if source == NAMEID and nameid_format in OPAQUE_NAMEID_FORMATS:
        return False, (
            f"The IdP sends {attribute} only as a {nameid_format} NameID, which is opaque "
            "(different per service or per login): the SIS can never hold it, so it cannot be "
            "the matching ID; ask campus IT to release it as an attribute."
        )
    if source is not None and _is_opaque(source, assertion):
        return False, (
            f"{source} is a pairwise/targeted identifier, different for every service: the SIS "
            "can never hold it, so it cannot be the matching ID."
        )
    if released and source == NAMEID:
        return True, (
            f"The login sends {attribute} as the NameID ({nameid_format or 'unspecified'} "
            "format): set Alma's User ID Location to the NameID."
        )
    if released:
        return True, (
            f"The login releases {attribute} as the attribute {source!r}: set Alma's User ID "
            "Attribute Name to exactly that Name."
        )
    if offered:
        tail = (
            " but the captured login did not release it: ask campus IT to release it to Alma."
            if assertion is not None
            else "; no captured login confirms that it is released to Alma."
        )
        return True, f"The IdP metadata offers {attribute} as {source!r}{tail}"
    if assertion is None and metadata is None:
        return False, "Nothing is known about the IdP: pass --idp-metadata and/or --assertion."
    return False, (
        f"The IdP neither offers nor releases {attribute}: campus IT must add it to the "
        "attributes released to Alma before it can be the matching ID."
    )


def released_pairs(assertion: Assertion) -> list[tuple[str, str]]:
    """(source, value) for the NameID (unless encrypted) and every non-blank attribute value."""
    return _released(assertion)


def _released(assertion: Assertion) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if assertion.nameid is not None and assertion.nameid.value and not assertion.nameid.encrypted:
        pairs.append((NAMEID, assertion.nameid.value))
    for attribute in assertion.attributes:
        pairs.extend((attribute.name, v) for v in attribute.values if v.strip())
    return pairs


def _unscoped(value: str) -> str | None:
    local, at, _ = value.rpartition("@")
    return local if at and local else None


def locate_released_values(
    assertion: Assertion, directory_records: Iterable[Record]
) -> list[ReleasedValue]:
    """Which directory attribute of which entry holds each released value (module docstring)."""
    return locate_values(_released(assertion), directory_records)


def locate_values(
    released: list[tuple[str, str]], directory_records: Iterable[Record]
) -> list[ReleasedValue]:
    """For (source, value) pairs of any login (SAML, OIDC, CAS): the directory entries and
    attributes holding each value, casefolded, and with the @scope stripped. One pass."""
    exact: dict[str, list[int]] = {}
    scoped: dict[str, list[int]] = {}
    for index, (_, value) in enumerate(released):
        key = value.strip().casefold()
        exact.setdefault(key, []).append(index)
        local = _unscoped(key)
        if local:
            scoped.setdefault(local, []).append(index)
    found: list[list[DirectoryMatch]] = [[] for _ in released]
    for record in directory_records:
        for attribute, values in record.attrs.items():
            for value in values:
                key = value.strip().casefold()
                for index in exact.get(key, ()):
                    found[index].append(DirectoryMatch(record.ref, attribute, "casefold"))
                for index in scoped.get(key, ()):
                    found[index].append(DirectoryMatch(record.ref, attribute, "strip-scope"))
    return [
        ReleasedValue(source, value, tuple(matches))
        for (source, value), matches in zip(released, found, strict=True)
    ]


MAX_COMBINATIONS = 65_536
"""Different combinations of released values that entries hold, each kept with its first
entry, to find the person. Beyond this (only with a hostile login) the person is reported as
not told apart; the counts per value stay exact."""


@dataclass(slots=True)
class _Combination:
    entries: int
    ref: str
    attrs: dict[str, list[str]]  # the first entry's values that equal a released value


@dataclass(frozen=True, slots=True)
class LocatedLogin:
    """Where a login's released values live, and whose entry it is."""

    values: tuple[ReleasedValueMatch, ...]
    person: LoginPerson
    record: Record | None
    """The person's entry (only its values that equal a released value), when told apart."""


@dataclass(slots=True)
class LoginLocator:
    """Streams a directory once for one captured login (see the module docstring).

    The person is the entry holding the most specific released values: each combination of
    released values an entry holds is ranked, once every entry is counted, by how many entries
    hold each of its values, rarest first (a value held by one entry beats any shared one; a
    name shared by 300 people comes last); an entry holding more values beats one holding a
    subset. When the best combination is held by several entries, or two combinations rank
    alike, the person is not told apart and `LoginPerson.ref` is None.
    """

    released: list[tuple[str, str]]
    """(source, value) for every value the login released (`released_pairs`, `evidence_pairs`)."""
    protocol: str = "saml"
    holders: list[int] = field(init=False)
    attributes: list[dict[str, None]] = field(init=False)
    combinations: dict[frozenset[int], _Combination] = field(default_factory=dict)
    overflow: int = 0
    _exact: dict[str, list[int]] = field(default_factory=dict)
    _scoped: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.holders = [0] * len(self.released)
        self.attributes = [{} for _ in self.released]
        for index, (_, value) in enumerate(self.released):
            key = value.strip().casefold()
            self._exact.setdefault(key, []).append(index)
            local = _unscoped(key)
            if local:
                self._scoped.setdefault(local, []).append(index)

    def add(self, record: Record) -> None:
        """Count one directory entry."""
        exact, scoped = self._exact, self._scoped
        held: set[int] = set()
        kept: dict[str, list[str]] = {}
        for attribute, values in record.attrs.items():
            for value in values:
                key = value.strip().casefold()
                whole, local = exact.get(key), scoped.get(key)
                if whole is None and local is None:
                    continue
                kept.setdefault(attribute, []).append(value)
                for index in (*(whole or ()), *(local or ())):
                    held.add(index)
                    self.attributes[index].setdefault(attribute)
        if not held:
            return
        for index in held:
            self.holders[index] += 1
        combination = frozenset(held)
        found = self.combinations.get(combination)
        if found is not None:
            found.entries += 1
        elif len(self.combinations) < MAX_COMBINATIONS:
            self.combinations[combination] = _Combination(1, record.ref, kept)
        else:
            self.overflow += 1

    def _rank(self, combination: frozenset[int]) -> tuple[float, ...]:
        return (*sorted(self.holders[index] for index in combination), inf)

    def result(self) -> LocatedLogin:
        """Counts per released value, and the person (see the class docstring)."""
        ranked = sorted(self.combinations, key=self._rank)
        best: frozenset[int] = ranked[0] if ranked else frozenset()
        alike = [c for c in ranked if self._rank(c) == self._rank(best)] if ranked else []
        entries = sum(self.combinations[c].entries for c in alike)
        told_apart = entries == 1 and not self.overflow
        first = self.combinations[best] if ranked else None
        values = tuple(
            ReleasedValueMatch(
                source,
                value,
                tuple(self.attributes[index]),
                self.holders[index],
                self.protocol,
                told_apart and index in best,
            )
            for index, (source, value) in enumerate(self.released)
        )
        if not told_apart or first is None:
            person = LoginPerson(None, entries + self.overflow, len(best), self.protocol)
            return LocatedLogin(values, person, None)
        attrs = {name: tuple(found) for name, found in first.attrs.items()}
        person = LoginPerson(first.ref, 1, len(best), self.protocol)
        return LocatedLogin(values, person, Record(first.ref, attrs))
