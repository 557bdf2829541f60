"""Counting a scan's entries straight from the received bytes into a profile (no `Record`s).

`LdapDirectory.profile_into(sink)` gives the profile `sink.add(record)` for every record of
`records()` would give; most entries are never built: `FastProfile` hands their values to the
sink's fields as `ber_count` walks the bytes, and sends the others (a first sight of an
attribute type, binary values, not a person...) the general way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from authprobe.model import Record
from authprobe.sources.directory_files.entries import EntryConverter, is_person
from authprobe.sources.ldap import ad, ber_count


class FieldSink(Protocol):
    """One field's value counts (`analysis.profile.FieldProfiler` is one)."""

    def add(self, values: tuple[str, ...]) -> None:
        """Count the values one record holds for this field."""

    def add_each(self, values: Iterable[str]) -> None:
        """Count records that hold one value each (one item of `values` per record)."""


class ProfileSink(Protocol):
    """Where `LdapDirectory.profile_into` counts (`analysis.profile.SourceProfiler` is one)."""

    records: int

    @property
    def fields(self) -> Mapping[str, FieldSink]:
        """The fields seen so far, by name."""

    def add(self, record: Record) -> None:
        """Feed one record."""


class FastProfile:
    """Counts entries into a `ProfileSink` straight from the bytes (`ber_count.count_entry`).

    Only attribute types already seen as plain text in an entry that took the general path,
    whose field exists in the sink, get a slot; an entry with anything else (another type,
    binary values, 1500+ values, no objectClass, not a person, disabled and excluded) has its
    counts taken back and goes the general path, so the profile is the one `records()` gives.
    """

    def __init__(
        self,
        sink: ProfileSink,
        converter: EntryConverter,
        exclude: bool,
        text_names: dict[bytes, str],
    ) -> None:
        self.sink = sink
        self.text_names = text_names  # the decoder's: attribute types known to hold plain text
        self.converter = converter
        self.exclude_disabled = exclude
        self.single: dict[bytes, Callable[[str], None]] = {}  # type -> its buffer's append
        self.buffers: dict[bytes, list[str]] = {}  # one-value records' values, not yet counted
        self.flushes: list[tuple[Callable[[Iterable[str]], None], list[str]]] = []
        self.buffer_of: dict[int, list[str]] = {}  # id(field) -> its buffer
        self.multi: dict[bytes, FieldSink] = {}
        self.slotted: set[str] = set()
        self.learned = 0
        self.object_class: FieldSink | None = None
        self.account_control: FieldSink | None = None
        self.pending: list[tuple[FieldSink, list[str]]] = []
        self.persons: dict[tuple[str, ...], bool] = {}
        self.page_records = 0

    def learn(self) -> None:
        """Give a slot to each plain-text attribute type whose field the sink now has."""
        text_names = self.text_names
        if len(text_names) == self.learned:
            return
        fields = self.sink.fields
        for raw_name, name in text_names.items():
            if raw_name in self.multi or b";" in raw_name or name in self.slotted:
                continue
            field_sink = fields.get(name)
            if field_sink is None:
                continue
            self.slotted.add(name)
            self.multi[raw_name] = field_sink
            lower = name.lower()
            if lower == "objectclass":
                self.object_class = field_sink
            elif lower == "useraccountcontrol":
                self.account_control = field_sink
            else:
                buffer: list[str] = []
                self.buffers[raw_name] = buffer
                self.buffer_of[id(field_sink)] = buffer
                self.single[raw_name] = buffer.append
                self.flushes.append((field_sink.add_each, buffer))
        self.learned = len(text_names)

    def flush(self) -> None:
        """Count the buffered one-value records in bulk (in the order they came)."""
        for add_each, buffer in self.flushes:
            if buffer:
                add_each(buffer)
                buffer.clear()

    def entry(self, data: bytes, start: int, end: int) -> bool:
        """Count one entry; False (nothing counted) when it needs the general path."""
        pending = self.pending
        pending.clear()
        if ber_count.ACCELERATED:
            done = ber_count.count_entry_buffered(
                data, start, end, self.buffers, self.multi, pending
            )
        else:
            done = ber_count.count_entry(data, start, end, self.single, self.multi, pending)
        if done < 0:
            classes: list[str] | None = None
            control: list[str] | None = None
            for field_sink, values in pending:
                if field_sink is self.object_class:
                    classes = values
                elif field_sink is self.account_control:
                    control = values
            if classes is not None:
                key = tuple(classes)
                person = self.persons.get(key)
                if person is None:
                    person = self.persons[key] = is_person(key, "")
                disabled = control is not None and ad.is_disabled(control[0])
                if person and not (disabled and self.exclude_disabled):
                    buffer_of = self.buffer_of
                    for field_sink, values in pending:
                        buffer = buffer_of.get(id(field_sink))
                        if buffer:  # this field's earlier one-value records come first
                            field_sink.add_each(buffer)
                            buffer.clear()
                        field_sink.add(tuple(values))
                    if disabled:
                        self.converter.disabled += 1
                    self.page_records += 1
                    return True
            done = len(data)  # every attribute was counted
        ber_count.uncount_entry(data, start, end, self.buffers, done)
        return False

    def take_page(self) -> int:
        """The entries counted since the last call (added to the sink's and reader's records)."""
        self.flush()
        count = self.page_records
        self.page_records = 0
        self.sink.records += count
        self.converter.stats.records += count
        return count
