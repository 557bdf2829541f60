"""One scan's paged search: pages, ranged values, referrals and the signs of truncation.

`PagedSearch.run()` asks for one page after another and yields the person entries as `Record`s.
Each answer is read by one of two decoders: `raw_search` decodes it straight from the socket's
bytes with `ber` (ldap3's own decoding builds several dictionaries per entry and is 10-25x
slower); `ldap3_search` lets ldap3 decode it (`LdapDirectory(fast=False)`, and when the
connection is wrapped by a SASL security layer). The tests check both give the same records.
What the scan saw (pages, referrals, truncation signs) is kept in `ScanFacts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ldap3
from ldap3.protocol.rfc2696 import paged_search_control

from authprobe.model import Record
from authprobe.sources.directory_files.entries import EntryConverter
from authprobe.sources.ldap import ber
from authprobe.sources.ldap.connection import ServerKind
from authprobe.sources.ldap.failures import result_error
from authprobe.sources.ldap.fast_profile import FastProfile, ProfileSink
from authprobe.sources.ldap.ldap3_search import Ldap3Search
from authprobe.sources.ldap.limits import MAX_PAGE_SIZE, TRUNCATION_SIZES
from authprobe.sources.ldap.raw_search import RawSearch
from authprobe.sources.ldap.request import Page, Request
from authprobe.sources.ldap.settings import Scope

if TYPE_CHECKING:
    from authprobe.sources.ldap.directory import LdapDirectory


@dataclass
class ScanFacts:
    """How a scan went: what was asked, pages, referrals, truncation signs."""

    kind: ServerKind = ServerKind.OTHER
    base: str = ""
    filter: str = ""
    scope: str = Scope.SUB.value
    page_size: int = MAX_PAGE_SIZE
    paged: bool = True
    pages: int = 0
    largest_page: int = 0
    entries: int = 0
    referrals: list[str] = field(default_factory=list)
    ranged_fetches: int = 0
    truncated: list[str] = field(default_factory=list)
    disabled: int = 0


class PagedSearch:
    """One scan's paged search loop over one connection."""

    def __init__(
        self,
        connection: ldap3.Connection,
        directory: LdapDirectory,
        facts: ScanFacts,
        converter: EntryConverter,
    ) -> None:
        self.facts = facts
        self.converter = converter
        self.location = directory.location
        self.attributes = directory.attributes
        use_raw = directory.fast and not getattr(connection, "session_security", None)
        self.decoder: RawSearch | Ldap3Search = (
            RawSearch(connection, facts, converter, self.location, directory.settings.timeout)
            if use_raw
            else Ldap3Search(connection, facts, converter)
        )
        self.fast: FastProfile | None = None
        self.progress: Callable[[int], None] | None = None

    def count_into(self, sink: ProfileSink, exclude_disabled: bool) -> None:
        """Count entries into `sink` straight from the bytes, as far as the decoder allows."""
        if isinstance(self.decoder, RawSearch):
            self.fast = FastProfile(sink, self.converter, exclude_disabled, self.decoder.text_names)

    def run(self) -> Iterator[Record]:
        """Every person entry, page after page (the ranged values of each fetched first)."""
        facts = self.facts
        cookie: bytes | None = b""
        while cookie is not None:
            controls = (
                [paged_search_control(False, facts.page_size, cookie)] if facts.paged else None
            )
            page: Page = []
            fast = self.fast
            if fast is not None:
                fast.learn()
            request = Request(facts.base, facts.filter, facts.scope, self.attributes, controls)
            result, next_cookie = self.decoder.search(request, page, fast)
            entries = len(page) + (fast.take_page() if fast is not None else 0)
            facts.pages += 1
            facts.largest_page = max(facts.largest_page, entries)
            facts.entries += entries
            self._check_result(result, entries)
            if facts.paged and next_cookie is None and entries in TRUNCATION_SIZES:
                # paging was asked for, the server answered without the paged control
                facts.truncated.append(f"{entries} entries and no paging control in the reply")
            if self.progress is not None:
                self.progress(facts.entries)
            for dn, attrs, ranged in page:
                for attribute, next_range in ranged:
                    self._fetch_range(dn, attrs, attribute, next_range)
                record = self.converter.finish(dn, attrs)
                if record is not None:
                    yield record
            cookie = next_cookie if facts.paged and next_cookie else None

    def _check_result(self, result: ber.Result, entries: int) -> None:
        facts = self.facts
        if result.code == 0:
            if not facts.paged and entries in TRUNCATION_SIZES:
                facts.truncated.append(f"{entries} entries in one unpaged result")
            return
        if result.code == 4 and not facts.paged:
            facts.truncated.append(f"sizeLimitExceeded after {entries} entries (no paging)")
            return
        raise result_error(result.code, result.message, result.referrals, self.location)

    def _fetch_range(
        self, dn: str, attrs: dict[str, list[str]], attribute: str, next_range: str
    ) -> None:
        """AD ranged retrieval: read `member;range=1500-*` and so on until the last range."""
        base_name = attribute.split(";", 1)[0]
        request: str | None = f"{base_name};range={next_range}"
        while request:
            self.facts.ranged_fetches += 1
            page: Page = []
            one = Request(dn, "(objectClass=*)", Scope.BASE.value, (request,), None)
            result, _ = self.decoder.search(one, page)
            if result.code != 0:
                raise result_error(result.code, result.message, result.referrals, dn)
            request = None
            for _, more, ranged in page:
                for name, values in more.items():
                    attrs.setdefault(name, []).extend(values)
                for name, following in ranged:
                    request = f"{name.split(';', 1)[0]};range={following}"
