"""Live LDAP and Active Directory, read through ldap3: connect, probe, scan, look up.

ldap3 is the protocol layer (sockets, TLS, StartTLS, binds, requests, controls). Search results
of a scan are decoded by `ber` straight from the socket (ldap3's own decoding builds several
dictionaries per entry and is 10-25x slower); `fast=False` uses ldap3's decoding instead, and the
tests check both give the same records. Every ldap3 failure leaves this module as a
`SourceUnreachable` (exit 3) with a named reference, the URL (never credentials) and a hint.
"""

from __future__ import annotations

import contextlib
import os
import ssl
from collections import _count_elements  # type: ignore[attr-defined]  # C Counter.update
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import unquote, urlsplit

import ldap3
from ldap3.core import exceptions as ldap_exc
from ldap3.core.tls import check_hostname
from ldap3.operation.search import search_operation
from ldap3.protocol.rfc2696 import paged_search_control
from ldap3.utils.conv import escape_filter_chars

from authprobe import runtime
from authprobe.errors import AuthprobeError, SourceUnreachable, UsageError
from authprobe.model import Finding, InputSummary, ReadStats, Record, Severity, SourceKind
from authprobe.sources.directory_files.ldif import EntryConverter, is_person
from authprobe.sources.ldap import ad, ber
from authprobe.sources.ldap.failures import bind_error, result_error, wrap_exception

PAGED_RESULTS: Final = "1.2.840.113556.1.4.319"
AD_CAPABILITY: Final = "1.2.840.113556.1.4.800"
MAX_PAGE_SIZE: Final = 1000
TRUNCATION_SIZES: Final = (1000, 1500)
TRUNCATION_VALUES: Final = (1500,)  # AD MaxValRange: a value list cut without ;range=
AD_PERSON_FILTER: Final = "(&(objectCategory=person)(objectClass=user))"
LDAP_PERSON_FILTER: Final = "(|(objectClass=inetOrgPerson)(objectClass=person))"
ROOT_DSE_ATTRIBUTES: Final = (
    "namingContexts",
    "defaultNamingContext",
    "supportedControl",
    "supportedExtension",
    "supportedCapabilities",
    "supportedSASLMechanisms",
    "supportedLDAPVersion",
    "vendorName",
    "vendorVersion",
    "subschemaSubentry",
    "dnsHostName",
    "objectClass",
    "configContext",
    "domainControllerFunctionality",
)


class BindMethod(StrEnum):
    """How to authenticate."""

    ANONYMOUS = "anonymous"
    SIMPLE = "simple"
    NTLM = "ntlm"
    GSSAPI = "gssapi"


class Scope(StrEnum):
    """Search scope."""

    BASE = "base"
    ONE = "one"
    SUB = "sub"


_SCOPES: Final = {
    Scope.BASE: ldap3.BASE,
    Scope.ONE: ldap3.LEVEL,
    Scope.SUB: ldap3.SUBTREE,
}


class ServerKind(StrEnum):
    """What the RootDSE says the server is."""

    ACTIVE_DIRECTORY = "Active Directory"
    OPENLDAP = "OpenLDAP"
    DS389 = "389 Directory Server"
    OTHER = "other"


@dataclass(frozen=True)
class LdapSettings:
    """Where and how to connect. The password is never shown (repr=False)."""

    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    bind: BindMethod | None = None  # None: simple when a user is given, else anonymous
    starttls: bool = False
    ca_file: Path | None = None
    tls_name: str | None = None
    insecure: bool = False
    connect_timeout: float = 10.0
    timeout: float = 120.0

    @property
    def method(self) -> BindMethod:
        """The bind method actually used."""
        if self.bind is not None:
            return self.bind
        return BindMethod.SIMPLE if self.user else BindMethod.ANONYMOUS


@dataclass(frozen=True)
class LdapUrl:
    """An ldap:// or ldaps:// URL, split; `display` has no credentials."""

    scheme: str
    host: str
    port: int
    base: str | None

    @property
    def display(self) -> str:
        """`ldaps://host:636` (the base DN, if any, after a slash)."""
        text = f"{self.scheme}://{self.host}:{self.port}"
        return f"{text}/{self.base}" if self.base else text


def refuse_credentials(url: str) -> None:
    """Refuse an LDAP URL with a user or password in it (`ldap://cn=admin:secret@host`).

    ldap3 would ignore them and bind anonymously (a silent wrong answer), and a password on the
    command line is visible to every user of the machine; the message never repeats it.
    """
    if "@" not in urlsplit(url).netloc:
        return
    raise UsageError(
        "ldap-url-credentials",
        "This LDAP URL holds a user name or a password (before the @); authprobe never takes "
        "credentials from a URL: the bind would silently be anonymous, and a password on the "
        "command line is visible to every user of this machine.",
        location=redact_url(url),
        hint="Remove them from the URL. Give the bind user with --user (or AUTHPROBE_LDAP_USER, "
        "or [directory] user in authprobe.toml) and the password with AUTHPROBE_LDAP_PASSWORD, "
        "--password-file FILE, or at the prompt. If that password was real, change it: it may "
        "be in your shell history.",
    )


def parse_url(url: str) -> LdapUrl:
    """Split an LDAP URL (RFC 4516: the path is the base DN); refuse other schemes and URLs
    with credentials in them."""
    refuse_credentials(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise UsageError(
            "ldap-url-invalid",
            f"Not an LDAP URL: {redact_url(url)}.",
            hint="Use ldap://HOST[:389] (with --starttls for TLS) or ldaps://HOST[:636].",
        )
    try:
        port = parts.port or (636 if scheme == "ldaps" else 389)
    except ValueError:
        raise UsageError("ldap-url-invalid", f"Bad port in {redact_url(url)}.") from None
    base = unquote(parts.path.lstrip("/")) or None
    host = parts.hostname
    return LdapUrl(scheme, host, port, base)


def redact_url(url: str) -> str:
    """The URL without user:password@ (safe to print)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def settings_from_environment(url: str) -> LdapSettings:
    """Settings for `recommend --directory URL`: AUTHPROBE_LDAP_USER, AUTHPROBE_LDAP_PASSWORD,
    AUTHPROBE_LDAP_CA_FILE, AUTHPROBE_LDAP_TLS_NAME, AUTHPROBE_LDAP_STARTTLS=1."""
    refuse_credentials(url)
    env = os.environ
    ca = env.get("AUTHPROBE_LDAP_CA_FILE")
    return LdapSettings(
        url=url,
        user=env.get("AUTHPROBE_LDAP_USER") or None,
        password=env.get("AUTHPROBE_LDAP_PASSWORD") or None,
        starttls=env.get("AUTHPROBE_LDAP_STARTTLS", "") not in ("", "0"),
        ca_file=Path(ca) if ca else None,
        tls_name=env.get("AUTHPROBE_LDAP_TLS_NAME") or None,
    )


def _tls(settings: LdapSettings) -> ldap3.Tls:
    if settings.ca_file is not None and not settings.ca_file.is_file():
        runtime.refuse_special(settings.ca_file, "CA file")  # a device or a FIFO: say so
        raise UsageError(
            "ldap-ca-file-missing",
            f"The CA file {settings.ca_file} does not exist.",
            hint="Give the PEM file of the CA that signed the server's certificate.",
        )
    return ldap3.Tls(
        validate=ssl.CERT_NONE if settings.insecure else ssl.CERT_REQUIRED,
        ca_certs_file=str(settings.ca_file) if settings.ca_file else None,
        valid_names=[settings.tls_name] if settings.tls_name else None,
    )


def _bind_arguments(settings: LdapSettings, location: str) -> dict[str, Any]:
    method = settings.method
    if method is BindMethod.ANONYMOUS:
        return {"authentication": ldap3.ANONYMOUS}
    if method is BindMethod.GSSAPI:
        try:
            import gssapi  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            raise UsageError(
                "ldap-gssapi-unavailable",
                "Kerberos (GSSAPI) binds need the Python `gssapi` package, which is not installed.",
                location=location,
                hint="pip install gssapi (needs the MIT Kerberos libraries), run kinit, then retry;"
                " or use --bind simple over LDAPS.",
            ) from None
        return {"authentication": ldap3.SASL, "sasl_mechanism": ldap3.KERBEROS}
    if not settings.user:
        raise UsageError(
            "ldap-user-missing",
            f"A {method.value} bind needs --user.",
            hint="Give the service account as a DN, user@domain (UPN) or DOMAIN\\user.",
        )
    if not settings.password:
        raise UsageError(
            "ldap-password-missing",
            "No password for the bind.",
            hint="Set AUTHPROBE_LDAP_PASSWORD, use --password-file FILE, or run in a terminal"
            " to be prompted. Passwords are never taken from the command line.",
        )
    if method is BindMethod.NTLM:
        if "\\" not in settings.user:
            raise UsageError(
                "ldap-ntlm-user",
                "NTLM binds need the user as DOMAIN\\user.",
                hint="Write the user as DOMAIN\\user (quote the backslash in the shell).",
            )
        return {"authentication": ldap3.NTLM, "user": settings.user, "password": settings.password}
    return {"authentication": ldap3.SIMPLE, "user": settings.user, "password": settings.password}


def connect(settings: LdapSettings) -> ldap3.Connection:
    """Open, (StartTLS,) and bind; every failure is a SourceUnreachable with a hint."""
    url = parse_url(settings.url)
    location = url.display
    use_tls = url.scheme == "ldaps" or settings.starttls
    server = ldap3.Server(
        url.host,
        port=url.port,
        use_ssl=url.scheme == "ldaps",
        tls=_tls(settings) if use_tls else None,
        get_info=ldap3.NONE,
        connect_timeout=max(1, int(settings.connect_timeout)),
    )
    connection = ldap3.Connection(
        server,
        auto_bind=ldap3.AUTO_BIND_NONE,
        raise_exceptions=False,
        read_only=True,
        receive_timeout=max(1, int(settings.timeout)),
        auto_referrals=False,
        return_empty_attributes=False,
        **_bind_arguments(settings, location),
    )
    try:
        connection.open(read_server_info=False)
        if (
            settings.starttls
            and url.scheme == "ldap"
            and not connection.start_tls(read_server_info=False)
        ):
            said = (connection.result or {}).get("message") or ""
            raise SourceUnreachable(
                "ldap-starttls-failed",
                f"The server refused StartTLS. {said}".strip(),
                location=location,
                hint="Use ldaps://HOST:636, or ask the administrators to enable StartTLS.",
            )
        if settings.tls_name and use_tls and not settings.insecure:
            # ldap3 accepts the URL's host OR the extra names; --tls-name means the
            # certificate must carry exactly this name.
            check_hostname(connection.socket, settings.tls_name, None)
        bound = connection.bind(read_server_info=False)
    except AuthprobeError:
        _close(connection)
        raise
    except (ldap_exc.LDAPException, OSError, ValueError) as exc:
        _close(connection)
        raise wrap_exception(exc, location, settings) from exc
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        # ldap3 fails this way when the peer answers with something that is not LDAP
        _close(connection)
        raise SourceUnreachable(
            "ldap-not-ldap",
            f"The server at {location} did not answer in LDAP ({type(exc).__name__}).",
            location=location,
            hint="Check the host and port (389 for ldap://, 636 for ldaps://): another kind "
            "of service answered there.",
        ) from exc
    if not bound:
        result = dict(connection.result or {})
        _close(connection)
        raise bind_error(result, location, settings)
    return connection


def _close(connection: ldap3.Connection) -> None:
    with contextlib.suppress(ldap_exc.LDAPException, OSError):
        connection.unbind()


def read_root_dse(connection: ldap3.Connection, location: str) -> dict[str, list[str]]:
    """The RootDSE attributes, as text (names lower-cased)."""
    try:
        ok = connection.search(
            "", "(objectClass=*)", ldap3.BASE, attributes=[*ROOT_DSE_ATTRIBUTES, "+"]
        )
    except (ldap_exc.LDAPException, OSError) as exc:
        raise wrap_exception(exc, location, None) from exc
    if not ok or not connection.response:
        return {}
    raw = connection.response[0].get("raw_attributes", {})
    return {
        name.lower(): [value.decode("utf-8", "replace") for value in values]
        for name, values in raw.items()
    }


def server_kind(root: dict[str, list[str]]) -> ServerKind:
    """Active Directory, OpenLDAP, 389-DS or other, from RootDSE facts."""
    if AD_CAPABILITY in root.get("supportedcapabilities", []):
        return ServerKind.ACTIVE_DIRECTORY
    vendor = " ".join(root.get("vendorname", [])).lower()
    if "389" in vendor or "fedora" in vendor or "red hat" in vendor or "netscape" in vendor:
        return ServerKind.DS389
    classes = {value.lower() for value in root.get("objectclass", [])}
    if "openldaprootdse" in classes or "configcontext" in root or "openldap" in vendor:
        return ServerKind.OPENLDAP
    return ServerKind.OTHER


def default_filter(kind: ServerKind) -> str:
    """The person filter used when --filter is not given."""
    if kind is ServerKind.ACTIVE_DIRECTORY:
        return AD_PERSON_FILTER
    return LDAP_PERSON_FILTER


def default_base(root: dict[str, list[str]]) -> str | None:
    """defaultNamingContext (AD), else the first naming context."""
    for name in ("defaultnamingcontext", "namingcontexts"):
        values = root.get(name)
        if values:
            return values[0]
    return None


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


class FieldSink(Protocol):
    """One field's value counts (`analysis.profile.FieldProfiler` is one)."""

    counts: dict[str, int]  # value -> records holding it; a one-value record only counts it

    def add(self, values: tuple[str, ...]) -> None:
        """Count the values one record holds for this field."""


class ProfileSink(Protocol):
    """Where `LdapDirectory.profile_into` counts (`analysis.profile.SourceProfiler` is one)."""

    records: int

    @property
    def fields(self) -> Mapping[str, FieldSink]:
        """The fields seen so far, by name."""

    def add(self, record: Record) -> None:
        """Feed one record."""


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
                hint="Active Directory's MaxPageSize is 1000; larger pages are cut silently.",
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
        return InputSummary(
            kind=self.kind,
            source=self.source,
            location=self.location,
            records=self.stats.records,
            skipped=dict(self.stats.skipped),
            files=0,
        )

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
            facts.paged = controls is None or not controls or PAGED_RESULTS in controls
            search = _Search(connection, self, facts, converter)
            if sink is not None and search.reader is not None:
                search.fast = _FastProfile(sink, converter, self.exclude_disabled)
            search.progress = progress
            yield from search.run()
        except (ldap_exc.LDAPException, OSError) as exc:
            raise wrap_exception(exc, self.location, self.settings) from exc
        finally:
            facts.disabled = converter.disabled
            _close(connection)

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
                    message="A result had exactly 1000 or 1500 entries or values without paging"
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


class _Search:
    """One scan's paged search loop over one connection."""

    def __init__(
        self,
        connection: ldap3.Connection,
        directory: LdapDirectory,
        facts: ScanFacts,
        converter: EntryConverter,
    ) -> None:
        self.connection = connection
        self.directory = directory
        self.facts = facts
        self.converter = converter
        self.location = directory.location
        use_raw = directory.fast and not getattr(connection, "session_security", None)
        self.reader = ber.MessageReader(self._recv) if use_raw else None
        self.text_names: dict[bytes, str] = {}  # attribute types known to hold plain text
        self.fast: _FastProfile | None = None
        self.progress: Callable[[int], None] | None = None

    def _recv(self, size: int) -> bytes:
        sock = self.connection.socket
        if sock is None:
            raise EOFError("the connection is closed")
        data: bytes = sock.recv(size)
        return data

    def run(self) -> Iterator[Record]:
        facts = self.facts
        cookie: bytes | None = b""
        while cookie is not None:
            controls = (
                [paged_search_control(False, facts.page_size, cookie)] if facts.paged else None
            )
            page: list[tuple[str, dict[str, list[str]], list[tuple[str, str]]]] = []
            fast = self.fast
            if fast is not None:
                fast.learn(self.text_names)
            result, next_cookie = self._one_search(
                facts.base, facts.filter, facts.scope, self.directory.attributes, controls, page,
                fast,
            )  # fmt: skip
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

    def _one_search(
        self,
        base: str,
        search_filter: str,
        scope: str,
        attributes: tuple[str, ...],
        controls: list[Any] | None,
        into: list[tuple[str, dict[str, list[str]], list[tuple[str, str]]]],
        fast: _FastProfile | None = None,
    ) -> tuple[ber.Result, bytes | None]:
        """Run one search request; append (dn, attrs, ranged) to `into`; return the result and
        the paged cookie (None when the server sent none).

        With `fast`, entries are counted by it while it can; from the first entry it cannot
        take, the rest of the page goes to `into` (so records keep the server's order)."""
        if self.reader is None:
            return self._one_search_ldap3(base, search_filter, scope, attributes, controls, into)
        connection = self.connection
        request = search_operation(
            base,
            search_filter,
            _SCOPES[Scope(scope)],
            ldap3.DEREF_NEVER,
            list(attributes),
            0,
            0,
            False,
            True,
            True,
            None,
            None,
            False,
        )
        sock = connection.socket
        if sock is not None:
            sock.settimeout(self.directory.settings.timeout)
        message_id = connection.strategy.send("searchRequest", request, controls)
        converter = self.converter
        add_raw = converter.add_raw
        text_names = self.text_names
        try:
            for message in self.reader.messages():
                if message.message_id != message_id:
                    if message.message_id == 0:
                        raise SourceUnreachable(
                            "ldap-connection-lost",
                            "The server ended the session (notice of disconnection).",
                            location=self.location,
                            hint="Retry; if it keeps happening, ask for the server's limits.",
                        )
                    continue
                op = message.op
                data = message.data
                if op == ber.SEARCH_RESULT_ENTRY:
                    if fast is not None and not into:
                        if fast.entry(data, message.op_start, message.op_end):
                            continue
                        fast = None
                    raw_dn, attrs, others = ber.decode_entry(
                        data, message.op_start, message.op_end, text_names
                    )
                    dn = raw_dn.decode("utf-8", "replace")
                    ranged: list[tuple[str, str]] = []
                    for name, values in others:
                        text_name = add_raw(attrs, name, values, dn)
                        if ";range=" in text_name.lower():
                            next_range = _next_range(text_name)
                            if next_range:
                                ranged.append((text_name, next_range))
                        else:
                            if len(values) in TRUNCATION_VALUES:
                                self.facts.truncated.append(
                                    f"{dn}: {text_name} has exactly {len(values)} values"
                                )
                            if converter.is_text(name) and len(values) < 1500:
                                text_names[name] = converter.spell(text_name)
                    into.append((dn, attrs, ranged))
                elif op == ber.SEARCH_RESULT_REFERENCE:
                    for uri in ber.parse_reference(data, message.op_start, message.op_end):
                        self.facts.referrals.append(uri)
                        self.converter.stats.skip("referral not followed", uri)
                elif op == ber.SEARCH_RESULT_DONE:
                    result = ber.parse_result(data, message.op_start, message.op_end)
                    cookie = None
                    if message.controls_start >= 0:
                        for control in ber.parse_controls(
                            data, message.controls_start, message.controls_end
                        ):
                            if control.oid == PAGED_RESULTS and control.value is not None:
                                cookie = ber.parse_paged_value(control.value)[1]
                    return result, cookie
        except TimeoutError as exc:
            raise SourceUnreachable(
                "ldap-timeout",
                f"The server did not answer within {self.directory.settings.timeout:.0f} s.",
                location=self.location,
                hint="Raise --timeout, narrow --base/--filter, or try off-peak.",
            ) from exc
        except EOFError as exc:
            raise SourceUnreachable(
                "ldap-connection-lost",
                "The server closed the connection in the middle of the search.",
                location=self.location,
                hint="Retry; check the server's limits for the service account.",
            ) from exc
        except ber.BerError as exc:
            raise SourceUnreachable(
                "ldap-protocol-error",
                f"The server sent a message that is not valid LDAP: {exc}.",
                location=self.location,
                hint="Check the port is an LDAP port; report this with --debug output.",
            ) from exc
        finally:
            outstanding = getattr(connection.strategy, "_outstanding", None)
            if isinstance(outstanding, dict):
                outstanding.pop(message_id, None)
        raise EOFError("unreachable")  # pragma: no cover - messages() only ends by raising

    def _check_values(self, dn: str, name: str | None, count: int, *, ranged: bool) -> None:
        if name is not None and not ranged and count in TRUNCATION_VALUES:
            self.facts.truncated.append(f"{dn}: {name} has exactly {count} values")

    def _one_search_ldap3(
        self,
        base: str,
        search_filter: str,
        scope: str,
        attributes: tuple[str, ...],
        controls: list[Any] | None,
        into: list[tuple[str, dict[str, list[str]], list[tuple[str, str]]]],
    ) -> tuple[ber.Result, bytes | None]:
        """The same search decoded by ldap3 (used when the raw path cannot be, and in tests)."""
        connection = self.connection
        connection.search(
            base,
            search_filter,
            _SCOPES[Scope(scope)],
            dereference_aliases=ldap3.DEREF_NEVER,
            attributes=list(attributes),
            controls=controls,
        )
        for item in connection.response or []:
            if item.get("type") == "searchResRef":
                for uri in item.get("uri", []):
                    self.facts.referrals.append(uri)
                    self.converter.stats.skip("referral not followed", uri)
                continue
            if item.get("type") != "searchResEntry":
                continue
            dn = item["dn"]
            attrs: dict[str, list[str]] = {}
            ranged: list[tuple[str, str]] = []
            for name, values in item["raw_attributes"].items():
                text_name = self.converter.add_raw(attrs, name.encode(), list(values), dn)
                if text_name is not None and ";range=" in text_name.lower():
                    next_range = _next_range(text_name)
                    if next_range:
                        ranged.append((text_name, next_range))
                else:
                    self._check_values(dn, text_name, len(values), ranged=False)
            into.append((dn, attrs, ranged))
        result = connection.result or {}
        cookie = None
        paged = (result.get("controls") or {}).get(PAGED_RESULTS)
        if paged:
            cookie = paged.get("value", {}).get("cookie") or b""
        referrals = tuple(result.get("referrals") or ())
        return ber.Result(
            int(result.get("result", 0)), result.get("dn", ""), result.get("message", ""), referrals
        ), cookie

    def _fetch_range(
        self, dn: str, attrs: dict[str, list[str]], attribute: str, next_range: str
    ) -> None:
        """AD ranged retrieval: read `member;range=1500-*` and so on until the last range."""
        base_name = attribute.split(";", 1)[0]
        request: str | None = f"{base_name};range={next_range}"
        while request:
            self.facts.ranged_fetches += 1
            page: list[tuple[str, dict[str, list[str]], list[tuple[str, str]]]] = []
            result, _ = self._one_search(
                dn, "(objectClass=*)", Scope.BASE.value, (request,), None, page
            )
            if result.code != 0:
                raise result_error(result.code, result.message, result.referrals, dn)
            request = None
            for _, more, ranged in page:
                for name, values in more.items():
                    attrs.setdefault(name, []).extend(values)
                for name, following in ranged:
                    request = f"{name.split(';', 1)[0]};range={following}"


class _FastProfile:
    """Counts entries into a `ProfileSink` straight from the bytes (`ber.count_entry`).

    Only attribute types already seen as plain text in an entry that took the general path,
    whose field exists in the sink, get a slot; an entry with anything else (another type,
    binary values, 1500+ values, no objectClass, not a person, disabled and excluded) has its
    counts taken back and goes the general path, so the profile is the one `records()` gives.
    """

    def __init__(self, sink: ProfileSink, converter: EntryConverter, exclude: bool) -> None:
        self.sink = sink
        self.converter = converter
        self.exclude_disabled = exclude
        self.single: dict[bytes, Callable[[str], None]] = {}  # type -> its buffer's append
        self.buffers: dict[bytes, list[str]] = {}  # one-value records' values, not yet counted
        self.flushes: list[tuple[dict[str, int], list[str]]] = []
        self.buffer_of: dict[int, list[str]] = {}  # id(field) -> its buffer
        self.multi: dict[bytes, FieldSink] = {}
        self.slotted: set[str] = set()
        self.learned = 0
        self.object_class: FieldSink | None = None
        self.account_control: FieldSink | None = None
        self.pending: list[tuple[FieldSink, list[str]]] = []
        self.persons: dict[tuple[str, ...], bool] = {}
        self.page_records = 0

    def learn(self, text_names: dict[bytes, str]) -> None:
        """Give a slot to each plain-text attribute type whose field the sink now has."""
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
                self.flushes.append((field_sink.counts, buffer))
        self.learned = len(text_names)

    def flush(self) -> None:
        """Count the buffered one-value records (C speed; same order as one at a time)."""
        for counts, buffer in self.flushes:
            if buffer:
                _count_elements(counts, buffer)
                buffer.clear()

    def entry(self, data: bytes, start: int, end: int) -> bool:
        """Count one entry; False (nothing counted) when it needs the general path."""
        pending = self.pending
        pending.clear()
        if ber.ACCELERATED:
            done = ber.count_entry_buffered(data, start, end, self.buffers, self.multi, pending)
        else:
            done = ber.count_entry(data, start, end, self.single, self.multi, pending)
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
                            _count_elements(field_sink.counts, buffer)
                            buffer.clear()
                        field_sink.add(tuple(values))
                    if disabled:
                        self.converter.disabled += 1
                    self.page_records += 1
                    return True
            done = len(data)  # every attribute was counted
        ber.uncount_entry(data, start, end, self.buffers, done)
        return False

    def take_page(self) -> int:
        """The entries counted since the last call (added to the sink's and reader's records)."""
        self.flush()
        count = self.page_records
        self.page_records = 0
        self.sink.records += count
        self.converter.stats.records += count
        return count


def _next_range(attribute: str) -> str | None:
    """`member;range=0-1499` -> `1500-*`; `member;range=1500-*` -> None (last chunk)."""
    for option in attribute.split(";")[1:]:
        if option.lower().startswith("range="):
            low_high = option[6:]
            _, _, high = low_high.partition("-")
            if high == "*":
                return None
            try:
                return f"{int(high) + 1}-*"
            except ValueError:
                return None
    return None


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
        _close(connection)
    wanted = f"(&{person}({attribute}={escape_filter_chars(value)}))"
    directory = LdapDirectory(settings, base=search_base, search_filter=wanted)
    return LookupResult(search_base, wanted, tuple(directory.records()))
