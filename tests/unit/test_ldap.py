"""LDAP pieces that need no server: URLs, ranges, server kinds, error mapping, saved files, CSV."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from authprobe.errors import ExitCode, InputError, UsageError
from authprobe.model import InputSummary, ReadStats, Record, SourceKind
from authprobe.sources.directory_files.adcsv import AdCsvExport
from authprobe.sources.directory_files.ldif import LdifFile
from authprobe.sources.directory_files.saved import SavedRecords, open_directory, save_records
from authprobe.sources.ldap.connection import ServerKind, default_filter, server_kind
from authprobe.sources.ldap.directory import LdapDirectory
from authprobe.sources.ldap.failures import bind_error, result_error, wrap_exception
from authprobe.sources.ldap.probe import parse_object_class
from authprobe.sources.ldap.request import next_range
from authprobe.sources.ldap.settings import LdapSettings, parse_url, redact_url

GUID_BYTES = bytes.fromhex("67452301ab89efcd0123456789abcdef")
GUID_TEXT = "01234567-89ab-cdef-0123-456789abcdef"


def test_parse_url_defaults_and_base() -> None:
    """Default ports per scheme; the URL path is the base DN (percent-decoded)."""
    assert parse_url("ldap://dc1.college.ca").port == 389
    assert parse_url("ldaps://dc1.college.ca").port == 636
    url = parse_url("ldaps://dc1:3269/OU=People,DC=college,DC=ca")
    assert (url.host, url.port, url.base) == ("dc1", 3269, "OU=People,DC=college,DC=ca")
    assert parse_url("ldap://h/ou=A%20B,dc=x").base == "ou=A B,dc=x"


@pytest.mark.parametrize("url", ["http://x", "ldap://", "dc1.college.ca", "ldap://h:99999"])
def test_parse_url_refuses_non_ldap(url: str) -> None:
    """Anything but ldap:// or ldaps:// with a host is a usage error (exit 2)."""
    with pytest.raises(UsageError) as caught:
        parse_url(url)
    assert caught.value.exit_code == ExitCode.USAGE


def test_redact_url_drops_credentials() -> None:
    """user:password@ never survives into a location."""
    assert redact_url("ldaps://bob:pw@dc1:636/dc=x") == "ldaps://dc1:636/dc=x"
    assert redact_url("ldap://dc1") == "ldap://dc1"


def test_settings_repr_hides_password() -> None:
    """The password is not in the settings' repr (tracebacks, logs)."""
    assert "hunter2" not in repr(LdapSettings("ldap://h", user="u", password="hunter2"))


def test_page_size_over_1000_refused() -> None:
    """Pages larger than AD's MaxPageSize are refused up front."""
    with pytest.raises(UsageError):
        LdapDirectory(LdapSettings("ldap://h"), page_size=1001)


@pytest.mark.parametrize(
    ("attribute", "following"),
    [
        ("member;range=0-1499", "1500-*"),
        ("member;range=1500-2999", "3000-*"),
        ("member;range=3000-*", None),
        ("member", None),
    ],
)
def test_next_range(attribute: str, following: str | None) -> None:
    """AD ranged retrieval: the next range to ask for, None after the last chunk."""
    assert next_range(attribute) == following


def test_server_kinds() -> None:
    """The RootDSE decides: AD capability, 389-DS vendor, OpenLDAP root DSE class."""
    assert server_kind({"supportedcapabilities": ["1.2.840.113556.1.4.800"]}) is (
        ServerKind.ACTIVE_DIRECTORY
    )
    assert server_kind({"vendorname": ["389 Project"]}) is ServerKind.DS389
    assert server_kind({"objectclass": ["top", "OpenLDAProotDSE"]}) is ServerKind.OPENLDAP
    assert server_kind({}) is ServerKind.OTHER
    assert default_filter(ServerKind.ACTIVE_DIRECTORY) == (
        "(&(objectCategory=person)(objectClass=user))"
    )


@pytest.mark.parametrize(
    ("message", "reference"),
    [
        ("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563",
         "ldap-bind-invalid-credentials"),
        ("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 533, v4563",
         "ldap-bind-account-disabled"),
        ("... data 775, v2580", "ldap-bind-account-locked"),
        ("... data 532, v2580", "ldap-bind-password-expired"),
        ("", "ldap-bind-invalid-credentials"),
    ],
)  # fmt: skip
def test_ad_bind_sub_codes(message: str, reference: str) -> None:
    """invalidCredentials is split by AD's `data XXX` sub-code into named errors (exit 3)."""
    error = bind_error({"result": 49, "message": message}, "ldaps://dc1:636", None)
    assert error.reference == reference
    assert error.exit_code == ExitCode.UNREACHABLE


def test_stronger_auth_required_hint() -> None:
    """Result 8 on a simple bind says AD needs LDAPS or StartTLS."""
    error = bind_error({"result": 8, "message": "Transport encryption required."}, "x", None)
    assert error.reference == "ldap-bind-needs-tls"
    assert "LDAPS or StartTLS" in (error.hint or "")


@pytest.mark.parametrize(
    ("code", "reference"),
    [
        (50, "ldap-insufficient-rights"),
        (4, "ldap-size-limit-exceeded"),
        (3, "ldap-time-limit-exceeded"),
        (32, "ldap-base-not-found"),
        (10, "ldap-referral"),
        (80, "ldap-search-failed"),
    ],
)
def test_search_result_codes(code: int, reference: str) -> None:
    """Failed searches become named errors."""
    assert result_error(code, "", ("ldap://other/dc=x",), "ldap://h:389").reference == reference


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("socket connection error while opening: [Errno 111] Connection refused",
         "ldap-connection-refused"),
        ("socket ssl wrapping error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
         "ldap-tls-untrusted"),
        ("invalid server address", "ldap-host-unknown"),
        ("socket connection error while opening: timed out", "ldap-timeout"),
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number", "ldap-tls-failed"),
    ],
)  # fmt: skip
def test_exception_mapping(text: str, reference: str) -> None:
    """ldap3/socket messages map to named errors."""
    assert wrap_exception(OSError(text), "ldap://h:389", None).reference == reference


def test_object_class_definition_parsed() -> None:
    """RFC 4512 objectClass definitions: names, superior, MUST and MAY lists."""
    parsed = parse_object_class(
        "( 2.16.840.1.113730.3.2.2 NAME 'inetOrgPerson' SUP organizationalPerson STRUCTURAL"
        " MAY ( audio $ businessCategory $ employeeNumber ) )"
    )
    assert parsed["name"] == ["inetOrgPerson"]
    assert parsed["sup"] == ["organizationalPerson"]
    assert parsed["must"] == []
    assert parsed["may"] == ["audio", "businessCategory", "employeeNumber"]


class _Fake:
    """A minimal RecordSource for the save tests."""

    source = SourceKind.DIRECTORY
    kind = "ldap"
    location = "ldaps://dc1:636"

    def __init__(self, records: list[Record]) -> None:
        self._records = records
        self.stats = ReadStats()

    def records(self):  # type: ignore[no-untyped-def]
        for record in self._records:
            self.stats.records += 1
            yield record
        self.stats.skip("referral not followed", "ldap://x")

    def summary(self) -> InputSummary:
        return InputSummary(
            self.kind, self.source, self.location, self.stats.records, dict(self.stats.skipped)
        )


RECORDS = [
    Record("CN=A,OU=Staff,DC=c", {"mail": ("a@c",), "cn": ("Ä",)}, "Staff", {"disabled": "true"}),
    Record("CN=B,DC=c", {"employeeID": ("007", "008")}, None),
]


def test_saved_records_round_trip(tmp_path: Path) -> None:
    """Saved records read back identical, with the skip counts of the scan."""
    path = tmp_path / "people.jsonl.gz"
    fake = _Fake(RECORDS)
    assert list(save_records(fake.records(), path, fake)) == RECORDS
    source = open_directory(str(path))
    assert isinstance(source, SavedRecords)
    assert list(source.records()) == RECORDS
    assert source.stats.records == 2
    assert source.stats.skipped["referral not followed"] == 1
    assert source.saved_from == "ldaps://dc1:636"


def test_interrupted_save_leaves_no_file(tmp_path: Path) -> None:
    """A scan stopped half-way leaves no file behind, not even the partial one."""
    path = tmp_path / "people.jsonl.gz"
    fake = _Fake(RECORDS)
    stream = save_records(fake.records(), path, fake)
    next(stream)
    stream.close()
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_truncated_saved_file_refused(tmp_path: Path) -> None:
    """A saved file without its trailer is refused with exit 4."""
    path = tmp_path / "cut.jsonl.gz"
    header = {"format": "authprobe-records", "version": 1, "source": "directory", "kind": "ldap"}
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps(header) + "\n")
        out.write(json.dumps({"ref": "CN=A", "attrs": {"mail": ["a@c"]}}) + "\n")
    with pytest.raises(InputError) as caught:
        list(SavedRecords(path).records())
    assert caught.value.reference == "saved-records-malformed"


def test_open_directory_dispatch(tmp_path: Path) -> None:
    """URLs, .ldif and .csv go to their readers; other schemes and missing files are errors."""
    assert isinstance(open_directory("ldaps://dc1.college.ca"), LdapDirectory)
    ldif = tmp_path / "x.ldif"
    ldif.write_text("dn: uid=a,dc=c\nobjectClass: person\n")
    assert isinstance(open_directory(str(ldif)), LdifFile)
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("DN,objectClass\n")
    assert isinstance(open_directory(str(csv_file)), AdCsvExport)
    with pytest.raises(UsageError):
        open_directory("https://college.ca/people")
    with pytest.raises(InputError):
        open_directory(str(tmp_path / "absent.ldif"))


def test_csvde_export(tmp_path: Path) -> None:
    """csvde: `;`-joined multi-values, X'hex' GUIDs, computers and groups skipped."""
    path = tmp_path / "users.csv"
    path.write_text(
        "DN,objectClass,sAMAccountName,employeeID,objectGUID,proxyAddresses,userAccountControl\n"
        f'"CN=Ann,OU=Staff,DC=c",top;person;organizationalPerson;user,ann,00042,'
        f"X'{GUID_BYTES.hex()}',SMTP:ann@c;smtp:a@c,514\n"
        '"CN=PC1,OU=Computers,DC=c",top;person;user;computer,PC1$,,,,4096\n'
        '"CN=G,DC=c",top;group,g,,,,\n',
        encoding="utf-8",
    )
    source = AdCsvExport(path)
    records = list(source.records())
    assert [r.ref for r in records] == ["CN=Ann,OU=Staff,DC=c"]
    ann = records[0]
    assert ann.attrs["employeeID"] == ("00042",)
    assert ann.attrs["objectGUID"] == (GUID_TEXT,)
    assert ann.attrs["proxyAddresses"] == ("SMTP:ann@c", "smtp:a@c")
    assert ann.info["disabled"] == "true"
    assert ann.population == "Staff"
    assert source.stats.skipped["not a person entry"] == 2


def test_export_csv_from_powershell(tmp_path: Path) -> None:
    """Get-ADUser | Export-Csv: #TYPE line, Enabled column, GUID text, collections counted."""
    path = tmp_path / "users.csv"
    path.write_bytes(
        (
            "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n"
            '"DistinguishedName","Enabled","ObjectClass","ObjectGUID","SamAccountName",'
            '"proxyAddresses"\r\n'
            f'"CN=Ann,OU=Staff,DC=c","False","user","{GUID_TEXT}","ann",'
            '"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"\r\n'
            f'"CN=Bob,OU=Staff,DC=c","True","user","{{{GUID_TEXT.upper()}}}","bob",""\r\n'
        ).encode("utf-8-sig")
    )
    source = AdCsvExport(path)
    records = list(source.records())
    assert [r.attrs["SamAccountName"] for r in records] == [("ann",), ("bob",)]
    assert records[0].info.get("disabled") == "true"
    assert records[1].info.get("disabled") is None
    assert records[1].attrs["ObjectGUID"] == (GUID_TEXT,)
    assert "proxyAddresses" not in records[0].attrs
    assert source.stats.skipped["multi-valued property not exported by Export-Csv"] == 1


class _FakeConnection:
    """Answers every search with `count` person entries and the given result (ldap3 shapes)."""

    session_security = None
    socket = None

    def __init__(self, count: int, result: dict[str, object], values: int = 1) -> None:
        self.count = count
        self._result = result
        self.values = values
        self.response: list[dict[str, object]] = []
        self.result: dict[str, object] = {}

    def search(self, *args: object, **kwargs: object) -> bool:
        self.response = [
            {
                "type": "searchResEntry",
                "dn": f"uid=u{i},ou=P,dc=x",
                "raw_attributes": {
                    "objectClass": [b"person"],
                    "uid": [f"u{i}".encode()],
                    "memberOf": [f"cn=g{j}".encode() for j in range(self.values)],
                },
            }
            for i in range(self.count)
        ]
        self.result = self._result
        return True


def _scan(connection: _FakeConnection, *, paged: bool) -> list[str]:
    from authprobe.sources.directory_files.entries import EntryConverter
    from authprobe.sources.ldap.search import PagedSearch, ScanFacts

    directory = LdapDirectory(LdapSettings("ldap://h"), fast=False)
    facts = ScanFacts(paged=paged, base="dc=x", filter="(objectClass=person)")
    search = PagedSearch(connection, directory, facts, EntryConverter(ReadStats()))  # type: ignore[arg-type]
    records = list(search.run())
    assert len(records) == connection.count
    return facts.truncated


def test_unpaged_1000_is_probable_truncation() -> None:
    """Without paging, exactly 1000 entries (or sizeLimitExceeded) is reported; 999 is not."""
    assert _scan(_FakeConnection(1000, {"result": 0}), paged=False)
    assert _scan(_FakeConnection(1500, {"result": 0}), paged=False)
    assert _scan(_FakeConnection(700, {"result": 4}), paged=False)
    assert _scan(_FakeConnection(999, {"result": 0}), paged=False) == []


def test_paging_ignored_by_the_server_is_reported() -> None:
    """Paging asked, no paged control in the reply and exactly 1000 entries: reported."""
    assert _scan(_FakeConnection(1000, {"result": 0}), paged=True)
    done = {"result": 0, "controls": {"1.2.840.113556.1.4.319": {"value": {"cookie": b""}}}}
    assert _scan(_FakeConnection(1000, done), paged=True) == []


def test_1500_values_without_range_reported() -> None:
    """An attribute with exactly 1500 values and no ;range= option is probably cut (MaxValRange)."""
    truncated = _scan(_FakeConnection(2, {"result": 0}, values=1500), paged=False)
    assert len(truncated) == 2
    assert "memberOf has exactly 1500 values" in truncated[0]


def test_a_peer_that_does_not_speak_ldap_is_a_named_error() -> None:
    """A port that answers HTTP instead of LDAP is `ldap-not-ldap` (exit 3), not a traceback."""
    import socket
    import threading

    from authprobe.errors import ExitCode, SourceUnreachable
    from authprobe.sources.ldap.connection import connect
    from authprobe.sources.ldap.settings import LdapSettings

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def answer() -> None:
        connection, _ = listener.accept()
        connection.recv(4096)
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        connection.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    settings = LdapSettings(
        url=f"ldap://127.0.0.1:{port}", user="cn=x", password="pw", connect_timeout=3, timeout=3
    )
    with pytest.raises(SourceUnreachable) as caught:
        connect(settings)
    thread.join(5)
    listener.close()
    assert caught.value.exit_code == ExitCode.UNREACHABLE


def test_csv_columns_decided_once_keep_first_spelling_and_secrets(tmp_path: Path) -> None:
    """CSV columns: the spelling is the first non-empty cell's column, secrets are never read,
    GUIDs written as text still become GUIDs, on every row (decided once per column)."""
    path = tmp_path / "users.csv"
    path.write_text(
        "DN,objectClass,Mail,mail,unicodePwd,objectGUID\n"
        f'"CN=A,DC=c",person,,a@c,secret1,{{{GUID_TEXT}}}\n'
        f'"CN=B,DC=c",person,B@c,b@c,secret2,{GUID_TEXT.upper()}\n',
        encoding="utf-8",
    )
    source = AdCsvExport(path)
    first, second = source.records()
    assert first.attrs["mail"] == ("a@c",)
    assert second.attrs["mail"] == ("B@c", "b@c")
    assert "Mail" not in second.attrs
    assert [r.attrs["objectGUID"] for r in (first, second)] == [(GUID_TEXT,), (GUID_TEXT,)]
    assert source.stats.withheld["password attribute not read"] == 2
