"""The person entries of a live directory, read with paged searches: `LdapDirectory` (a
`RecordSource`), and `lookup`, Alma's LDAP login search for one user.

ldap3 is the protocol layer (sockets, TLS, StartTLS, binds, requests, controls): `connection`
opens and binds, `search` runs the paged search, `fast_profile` counts entries straight into a
profile. Every ldap3 failure leaves these modules as a `SourceUnreachable` (exit 3) with a named
reference, the URL (never credentials) and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ldap3.core import exceptions as ldap_exc
from ldap3.utils.conv import escape_filter_chars

from authprobe.errors import UsageError
from authprobe.model import Finding, InputSummary, ReadStats, Record, Severity, SourceKind
from authprobe.sources.directory_files.entries import EntryConverter
from authprobe.sources.ldap import ber
from authprobe.sources.ldap.connection import (
    close,
    connect,
    default_base,
    default_filter,
    read_root_dse,
    server_kind,
)
from authprobe.sources.ldap.failures import wrap_exception
from authprobe.sources.ldap.fast_profile import ProfileSink
from authprobe.sources.ldap.limits import MAX_PAGE_SIZE, MAX_VALUE_RANGE
from authprobe.sources.ldap.search import PagedSearch, ScanFacts
from authprobe.sources.ldap.settings import LdapSettings, Scope, parse_url


class LdapDirectory:
    """The person entries of a live directory (`RecordSource`), read with paged searches."""

    source = SourceKind.DIRECTORY
    kind = "ldap"

    def __init__(
        self,
        settings: LdapSettings,
        *,
        base: str | None = None,
        search_filter: str | None = None,
        scope: Scope = Scope.SUB,
        page_size: int = MAX_PAGE_SIZE,
        attributes: tuple[str, ...] = ("*",),
        exclude_disabled: bool = False,
        fast: bool = True,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise UsageError(
                "ldap-page-size",
                f"--page-size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}.",
                hint=f"Active Directory's MaxPageSize is {MAX_PAGE_SIZE}; larger pages are cut "
                "silently.",
            )
        self.settings = settings
        self.url = parse_url(settings.url)
        self.location = self.url.display
        self.base = base
        self.search_filter = search_filter
        self.scope = scope
        self.page_size = page_size
        self.attributes = attributes
        self.exclude_disabled = exclude_disabled
        self.fast = fast
        self.stats = ReadStats(files=0)
        self.facts = ScanFacts()

    def summary(self) -> InputSummary:
        """The input as the report lists it."""
        return self.stats.summary(self.kind, self.source, self.location, files=0)

    def records(self) -> Iterator[Record]:
        """Yield every person entry; pages of at most `page_size`, counted in `facts`."""
        return self._read(None, None)

    def profile_into(
        self, sink: ProfileSink, progress: Callable[[int], None] | None = None
    ) -> None:
        """Feed every person entry to `sink`, as `sink.add(record)` for each of `records()`
        would, but counting most values straight from the received bytes (no `Record`s).

        `progress` is called after each page with the number of entries read so far.
        """
        for record in self._read(sink, progress):
            sink.add(record)

    def _read(
        self, sink: ProfileSink | None, progress: Callable[[int], None] | None
    ) -> Iterator[Record]:
        self.stats = ReadStats(files=0)
        self.facts = facts = ScanFacts(page_size=self.page_size, scope=self.scope.value)
        converter = EntryConverter(self.stats, exclude_disabled=self.exclude_disabled)
        connection = connect(self.settings)
        try:
            root = read_root_dse(connection, self.location)
            facts.kind = server_kind(root)
            base = self.base or self.url.base or default_base(root)
            if base is None:
                raise UsageError(
                    "ldap-base-unknown",
                    "The server does not name a default naming context.",
                    location=self.location,
                    hint="Give --base DC=college,DC=ca (see `authprobe ldap probe`).",
                )
            facts.base = base
            facts.filter = self.search_filter or default_filter(facts.kind)
            controls = root.get("supportedcontrol")
            facts.paged = controls is None or not controls or ber.PAGED_RESULTS_OID in controls
            search = PagedSearch(connection, self, facts, converter)
            if sink is not None:
                search.count_into(sink, self.exclude_disabled)
            search.progress = progress
            yield from search.run()
        except (ldap_exc.LDAPException, OSError) as exc:
            raise wrap_exception(exc, self.location, self.settings) from exc
        finally:
            facts.disabled = converter.disabled
            close(connection)

    def findings(self) -> list[Finding]:
        """What the scan itself found: truncation signs, referrals not followed, disabled."""
        facts = self.facts
        out: list[Finding] = []
        if facts.truncated:
            out.append(
                Finding(
                    code="ldap-probable-truncation",
                    severity=Severity.ERROR,
                    source="directory",
                    field=None,
                    count=len(facts.truncated),
                    message=f"A result had exactly {MAX_PAGE_SIZE} or {MAX_VALUE_RANGE} entries or"
                    " values without paging"
                    " or range information: the server probably cut it (AD MaxPageSize /"
                    " MaxValRange). Entries may be missing.",
                    examples=tuple(facts.truncated[:5]),
                )
            )
        if facts.referrals:
            out.append(
                Finding(
                    code="ldap-referrals-not-followed",
                    severity=Severity.INFO,
                    source="directory",
                    field=None,
                    count=len(facts.referrals),
                    message="The server returned referrals to other partitions or servers; they"
                    " were counted, not followed.",
                    examples=tuple(facts.referrals[:5]),
                )
            )
        if facts.disabled:
            verb = "excluded" if self.exclude_disabled else "included and marked"
            out.append(
                Finding(
                    code="ldap-disabled-accounts",
                    severity=Severity.INFO,
                    source="directory",
                    field="userAccountControl",
                    count=facts.disabled,
                    message=f"{facts.disabled} disabled accounts (userAccountControl bit 2) were"
                    f" {verb}.",
                )
            )
        return out


@dataclass(frozen=True)
class LookupResult:
    """What Alma's LDAP login search finds for one typed login name."""

    base: str
    filter: str
    entries: tuple[Record, ...]

    @property
    def ok(self) -> bool:
        """Exactly one entry: Alma can bind as it."""
        return len(self.entries) == 1


def lookup(
    settings: LdapSettings,
    value: str,
    attribute: str,
    *,
    base: str | None = None,
    search_filter: str | None = None,
) -> LookupResult:
    """Reproduce Alma's LDAP login: search base + (person filter AND attribute=value)."""
    person = search_filter
    directory = LdapDirectory(settings, base=base, search_filter="(objectClass=*)")
    connection = connect(settings)
    try:
        root = read_root_dse(connection, directory.location)
        kind = server_kind(root)
        search_base = base or directory.url.base or default_base(root) or ""
        person = person or default_filter(kind)
    finally:
        close(connection)
    wanted = f"(&{person}({attribute}={escape_filter_chars(value)}))"
    directory = LdapDirectory(settings, base=search_base, search_filter=wanted)
    return LookupResult(search_base, wanted, tuple(directory.records()))
