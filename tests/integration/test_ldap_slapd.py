"""`ldap probe|scan|lookup` against a real OpenLDAP slapd (5,000+ people, LDAPS, size limit)."""

from __future__ import annotations

import json
import math
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import ldap3
import pytest

from authprobe.analysis.profile import SourceProfiler, profile_records
from authprobe.cli.app import main
from authprobe.errors import ExitCode, SourceUnreachable
from authprobe.model import Record, SourceKind
from authprobe.reports.mask import mask
from authprobe.sources.directory_files.ldif import LdifFile
from authprobe.sources.directory_files.saved import SavedRecords, open_directory
from authprobe.sources.ldap.directory import LdapDirectory, lookup
from authprobe.sources.ldap.probe import probe
from authprobe.sources.ldap.settings import LdapSettings
from tests.integration.conftest import SlapdFactory
from tests.integration.slapd import Slapd, free_port, generate_people, people_ldif

pytestmark = pytest.mark.integration

BASE = "dc=example,dc=org"
PEOPLE = 5000
OUS = ("Students", "Staff")
# Two people share the login name `dup` (in different OUs): Alma's LDAP login must refuse it.
EXTRA = (
    f"dn: uid=dup,ou=Students,{BASE}\nobjectClass: inetOrgPerson\nuid: dup\ncn: Dup One\n"
    f"sn: One\nmail: dup1@college.example\n\n"
    f"dn: uid=dup,ou=Staff,{BASE}\nobjectClass: inetOrgPerson\nuid: dup\ncn: Dup Two\n"
    f"sn: Two\nmail: dup2@college.example\n\n"
    f"dn: ou=Partner,{BASE}\nobjectClass: referral\nobjectClass: extensibleObject\n"
    f"ou: Partner\nref: ldap://partner.invalid/ou=People,dc=partner,dc=invalid\n\n"
)
TOTAL = PEOPLE + 2


@pytest.fixture(scope="module")
def ldif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The people as an LDIF file (the truth the server is loaded from)."""
    path = tmp_path_factory.mktemp("ldif") / "people.ldif"
    with path.open("w", encoding="utf-8") as out:
        for chunk in people_ldif(generate_people(PEOPLE, ous=OUS), BASE, extra=True):
            out.write(chunk)
        out.write(EXTRA)
    return path


@pytest.fixture(scope="module")
def server(slapd_factory: SlapdFactory, ldif: Path) -> Slapd:
    """slapd with LDAPS and the reader account limited to 1000 entries per unpaged search."""
    return slapd_factory(ldif, ous=OUS, tls=True, size_limit=1000)


def reader(server: Slapd, **changes: object) -> LdapSettings:
    settings = LdapSettings(server.url, user=server.reader_dn, password=server.reader_password)
    return replace(settings, **changes)  # type: ignore[arg-type]


def by_ref(records: list[Record]) -> dict[str, dict[str, list[str]]]:
    return {r.ref.lower(): {k.lower(): sorted(v) for k, v in r.attrs.items()} for r in records}


def test_scan_reads_every_entry_in_pages(server: Slapd) -> None:
    """All 5,002 people are read in pages of at most 1000 (6 pages), despite the size limit."""
    source = LdapDirectory(reader(server))
    records = list(source.records())
    assert len(records) == TOTAL
    assert len({r.ref for r in records}) == TOTAL
    assert source.facts.pages == math.ceil(TOTAL / 1000)
    assert source.facts.largest_page == 1000
    assert source.facts.truncated == []
    assert source.summary().records == TOTAL


def test_unpaged_search_is_cut_by_the_server(server: Slapd) -> None:
    """The fixture's limit is real: an unpaged search as the reader stops at 1000."""
    connection = ldap3.Connection(
        ldap3.Server(server.url, get_info=ldap3.NONE),
        server.reader_dn,
        server.reader_password,
        auto_bind=True,
    )
    connection.search(BASE, "(objectClass=inetOrgPerson)", attributes=["uid"])
    assert len(connection.entries) == 1000
    assert connection.result["result"] == 4  # sizeLimitExceeded
    connection.unbind()


def test_page_size_option_is_honoured(server: Slapd) -> None:
    """--page-size 300 gives ceil(5002/300) pages of at most 300 entries."""
    source = LdapDirectory(reader(server), page_size=300)
    assert sum(1 for _ in source.records()) == TOTAL
    assert source.facts.pages == math.ceil(TOTAL / 300)
    assert source.facts.largest_page == 300


def test_fast_decoder_equals_ldap3_decoding(server: Slapd) -> None:
    """The raw BER path and ldap3's own decoding give identical records."""
    fast = list(LdapDirectory(reader(server), page_size=1000).records())
    slow = list(LdapDirectory(reader(server), page_size=1000, fast=False).records())
    assert fast == slow


@pytest.mark.parametrize(
    ("page_size", "search_filter"), [(1000, None), (300, None), (1000, "(objectClass=*)")]
)
def test_profile_into_equals_profiling_the_records(
    server: Slapd, page_size: int, search_filter: str | None
) -> None:
    """Counting straight from the replies gives the profiles, facts and counts of `records()`
    (also when containers and a referral object, which are not people, come in between)."""
    fast = LdapDirectory(reader(server), page_size=page_size, search_filter=search_filter)
    profiler = SourceProfiler(SourceKind.DIRECTORY)
    fast.profile_into(profiler)
    slow = LdapDirectory(reader(server), page_size=page_size, search_filter=search_filter)
    expected = profile_records(slow.records(), SourceKind.DIRECTORY)
    assert profiler.result() == expected
    assert (fast.facts, fast.stats) == (slow.facts, slow.stats)
    assert fast.stats.records == TOTAL
    assert {p.field for p in expected} >= {"uid", "mail", "objectClass", "description"}


def test_server_records_equal_the_ldif_reader(server: Slapd, ldif: Path) -> None:
    """What the server returns equals what the LDIF reader reads from the loaded file."""
    from_server = by_ref(list(LdapDirectory(reader(server)).records()))
    from_file = by_ref(list(LdifFile(ldif).records()))
    assert from_server == from_file


def test_referral_counted_not_followed(server: Slapd) -> None:
    """The referral object under the base is counted as a finding, never followed."""
    source = LdapDirectory(reader(server))
    list(source.records())
    # slapd adds the scope to the URI (RFC 4511 4.5.3: continuation references).
    assert source.facts.referrals == ["ldap://partner.invalid/ou=People,dc=partner,dc=invalid??sub"]
    assert source.stats.skipped["referral not followed"] == 1
    codes = {f.code: f.count for f in source.findings()}
    assert codes["ldap-referrals-not-followed"] == 1


def test_ldaps_and_starttls_with_the_ca(server: Slapd) -> None:
    """LDAPS and StartTLS both work when the fixture's CA is trusted."""
    assert server.ldaps_url is not None
    over_ldaps = reader(server, url=server.ldaps_url, ca_file=server.ca_file)
    assert sum(1 for _ in LdapDirectory(over_ldaps).records()) == TOTAL
    facts = probe(reader(server, starttls=True, ca_file=server.ca_file))
    assert facts.tls is not None
    assert facts.tls.verified
    assert facts.tls.protocol.startswith("TLS")


def test_untrusted_certificate_is_a_named_error(server: Slapd) -> None:
    """Without the CA, LDAPS fails with ldap-tls-untrusted (exit 3)."""
    assert server.ldaps_url is not None
    with pytest.raises(SourceUnreachable) as caught:
        list(LdapDirectory(reader(server, url=server.ldaps_url)).records())
    assert caught.value.reference == "ldap-tls-untrusted"
    assert caught.value.exit_code == ExitCode.UNREACHABLE


def test_certificate_name_mismatch_is_a_named_error(server: Slapd) -> None:
    """A certificate that does not carry the expected name fails with ldap-tls-name-mismatch."""
    assert server.ldaps_url is not None
    settings = reader(
        server, url=server.ldaps_url, ca_file=server.ca_file, tls_name="wrong.example"
    )
    with pytest.raises(SourceUnreachable) as caught:
        probe(settings)
    assert caught.value.reference == "ldap-tls-name-mismatch"


def test_insecure_skips_verification(server: Slapd) -> None:
    """--insecure connects without the CA and says the certificate was not verified."""
    assert server.ldaps_url is not None
    facts = probe(reader(server, url=server.ldaps_url, insecure=True))
    assert facts.tls is not None
    assert not facts.tls.verified


def test_wrong_password_is_a_named_error(server: Slapd) -> None:
    """A wrong password gives ldap-bind-invalid-credentials."""
    with pytest.raises(SourceUnreachable) as caught:
        probe(reader(server, password="wrong"))
    assert caught.value.reference == "ldap-bind-invalid-credentials"


def test_refused_connection_is_a_named_error() -> None:
    """Nothing listening: ldap-connection-refused."""
    with pytest.raises(SourceUnreachable) as caught:
        probe(LdapSettings(f"ldap://127.0.0.1:{free_port()}"))
    assert caught.value.reference == "ldap-connection-refused"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for sock in held:
        sock.close()
    listener.close()


def test_silent_server_times_out(silent_server: int) -> None:
    """A server that never answers gives ldap-timeout within the timeout."""
    settings = LdapSettings(f"ldap://127.0.0.1:{silent_server}", timeout=1, connect_timeout=1)
    with pytest.raises(SourceUnreachable) as caught:
        probe(settings)
    assert caught.value.reference == "ldap-timeout"


def test_missing_base_is_a_named_error(server: Slapd) -> None:
    """A base that does not exist gives ldap-base-not-found."""
    with pytest.raises(SourceUnreachable) as caught:
        list(LdapDirectory(reader(server), base=f"ou=Nowhere,{BASE}").records())
    assert caught.value.reference == "ldap-base-not-found"


def test_lookup_unique_and_ambiguous(server: Slapd) -> None:
    """One match for a unique uid; two for `dup`, which Alma would refuse."""
    one = lookup(reader(server), "u000042", "uid")
    assert [r.ref for r in one.entries] == [f"uid=u000042,ou=Students,{BASE}"]
    assert one.ok
    two = lookup(reader(server), "dup", "uid")
    assert len(two.entries) == 2
    assert not two.ok
    none = lookup(reader(server), "nobody*)(uid=*", "uid")
    assert none.entries == ()


def test_probe_describes_openldap(server: Slapd) -> None:
    """probe: OpenLDAP, the naming context, paging, who am I and eduPerson attributes."""
    facts = probe(reader(server))
    assert facts.kind.value == "OpenLDAP"
    assert facts.naming_contexts == (BASE,)
    assert facts.paged_results
    assert facts.who_am_i == f"dn:{server.reader_dn}"
    assert "eduPersonPrincipalName" in facts.person_attributes
    assert "employeeNumber" in facts.person_attributes
    assert facts.tls is None


@pytest.fixture
def password_env(server: Slapd, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHPROBE_LDAP_PASSWORD", server.reader_password)


@pytest.mark.usefixtures("password_env")
def test_save_and_reload(server: Slapd, tmp_path: Path) -> None:
    """--save writes every record; the saved file reads back identical, via open_directory."""
    saved = tmp_path / "people.jsonl.gz"
    code = main(["ldap", "scan", server.url, "-u", server.reader_dn, "--save", str(saved)])
    assert code == 0
    source = open_directory(str(saved))
    assert isinstance(source, SavedRecords)
    again = list(source.records())
    live = list(LdapDirectory(reader(server), attributes=("*", "entryUUID")).records())
    assert again == live  # every user attribute, and the operational entryUUID (the key)
    assert source.stats.skipped["referral not followed"] == 1


@pytest.mark.usefixtures("password_env")
def test_save_stores_the_immutable_key_even_with_attribute_limits(
    server: Slapd, tmp_path: Path
) -> None:
    """`-a uid --save`: every saved entry holds uid and its entryUUID (operational, not in
    `*`, not asked for), so `recommend --previous` can pair it with a later snapshot."""
    saved = tmp_path / "uids.jsonl.gz"
    code = main(
        ["ldap", "scan", server.url, "-u", server.reader_dn, "-a", "uid", "--save", str(saved)]
    )
    assert code == 0
    records = list(open_directory(str(saved)).records())
    assert len(records) == TOTAL
    assert all(set(record.attrs) == {"uid", "entryUUID"} for record in records)
    assert len({record.attrs["entryUUID"][0] for record in records}) == TOTAL


@pytest.mark.usefixtures("password_env")
def test_filter_matching_no_one_is_an_error_finding(
    server: Slapd, capsys: pytest.CaptureFixture[str]
) -> None:
    """A filter that matches no person: `0 person entries read`, exit 1 (findings)."""
    argv = ["ldap", "scan", server.url, "-u", server.reader_dn, "--format", "json"]
    code = main([*argv, "--filter", "(uid=nobody-by-this-name)"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    first = data["findings"][0]
    assert (first["code"], first["severity"]) == ("no-person-entries", "error")
    assert "0 person entries read — check the filter or the export" in first["message"]


@pytest.mark.usefixtures("password_env")
def test_cli_scan_json(server: Slapd, capsys: pytest.CaptureFixture[str]) -> None:
    """`ldap scan --format json`: records, pages and profiles match the loaded data."""
    code = main(["ldap", "scan", server.url, "-u", server.reader_dn, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0
    data = json.loads(out.out)
    assert data["inputs"][0]["records"] == TOTAL
    assert data["scan"]["pages"] == math.ceil(TOTAL / 1000)
    employee = next(p for p in data["profiles"] if p["field"] == "employeeNumber")
    assert employee["present"] == PEOPLE
    assert employee["distinct"] == PEOPLE
    assert server.reader_password not in out.out + out.err


def test_cli_untrusted_certificate_exit_3(
    server: Slapd, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI turns an untrusted certificate into exit 3 with a hint; no password shown."""
    monkeypatch.setenv("AUTHPROBE_LDAP_PASSWORD", "s3cret-Value")
    assert server.ldaps_url is not None
    code = main(["ldap", "probe", server.ldaps_url, "-u", server.reader_dn])
    err = capsys.readouterr().err
    assert code == 3
    assert "ldap-tls-untrusted" in err
    assert "--ca-file" in err
    assert "s3cret-Value" not in err


def test_cli_lookup_exit_codes(server: Slapd, capsys: pytest.CaptureFixture[str]) -> None:
    """lookup exits 0 for one match and 1 for two (anonymous bind)."""
    assert main(["ldap", "lookup", server.url, "u000001", "--attribute", "uid"]) == 0
    assert main(["ldap", "lookup", server.url, "dup", "--attribute", "uid"]) == 1
    assert "2 matching entries" in capsys.readouterr().out


def test_cli_lookup_masks_the_typed_value_one_way(
    server: Slapd, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """lookup shows the typed value masked the same way in the table, the JSON filter and a
    -o FILE, and never the value itself (even when LDAP escaping changes its spelling)."""
    typed = "u0000(42)*"
    masked = mask(typed)
    assert main(["ldap", "lookup", server.url, typed, "-a", "uid"]) == 1
    table = capsys.readouterr().out
    assert masked in table
    assert "u0000" not in table
    out = tmp_path / "lookup.json"
    assert (
        main(["ldap", "lookup", server.url, typed, "-a", "uid", "-f", "json", "-o", str(out)]) == 1
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["filter"].endswith(f"(uid={masked}))")
    assert "u0000" not in out.read_text(encoding="utf-8")
    shown = tmp_path / "lookup.txt"
    assert main(["ldap", "lookup", server.url, "u000042", "-a", "uid", "-o", str(shown)]) == 0
    text = shown.read_text(encoding="utf-8")
    assert "1 matching entry" in text
    assert "u000042" not in text
    assert capsys.readouterr().out == ""


def test_cli_wrong_password_exit_3(
    server: Slapd, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong password: exit 3, named reference, the password never printed."""
    monkeypatch.setenv("AUTHPROBE_LDAP_PASSWORD", "Wrong-Pass-123")
    code = main(["ldap", "scan", server.url, "-u", server.reader_dn])
    captured = capsys.readouterr()
    assert code == 3
    assert "ldap-bind-invalid-credentials" in captured.err
    assert "Wrong-Pass-123" not in captured.err + captured.out


def test_tls_check_uses_system_context_names(server: Slapd) -> None:
    """Sanity: the fixture's certificate verifies with Python's own TLS for 127.0.0.1."""
    assert server.ca_file is not None
    assert server.tls_port is not None
    context = ssl.create_default_context(cafile=str(server.ca_file))
    with (
        socket.create_connection(("127.0.0.1", server.tls_port)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version()


@pytest.mark.usefixtures("password_env")
def test_cli_scan_selected_attributes(server: Slapd, capsys: pytest.CaptureFixture[str]) -> None:
    """--attribute limits what is read and profiled."""
    code = main(
        ["ldap", "scan", server.url, "-u", server.reader_dn, "--format", "json",
         "-a", "objectClass", "-a", "uid", "-a", "employeeNumber"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["field"] for p in data["profiles"]] == ["objectClass", "uid", "employeeNumber"]
    assert data["inputs"][0]["records"] == TOTAL


@pytest.fixture(scope="module")
def plain_server(slapd_factory: SlapdFactory, ldif: Path) -> Slapd:
    """slapd without any TLS (no certificate, no LDAPS port)."""
    return slapd_factory(ldif, ous=OUS, tls=False)


def test_anonymous_who_am_i_is_an_answer(plain_server: Slapd) -> None:
    """An anonymous bind: the server answers "who am I" with an empty identity, shown as
    anonymous, not as "(not supported)"."""
    facts = probe(LdapSettings(plain_server.url))
    assert facts.who_am_i is not None
    assert facts.who_am_i.startswith("anonymous")


def test_starttls_refused_is_its_documented_reference(
    plain_server: Slapd, capsys: pytest.CaptureFixture[str]
) -> None:
    """--starttls against a server without TLS: ldap-starttls-failed (exit 3), as the README
    documents, not ldap-tls-failed."""
    assert main(["ldap", "probe", plain_server.url, "--starttls"]) == 3
    err = capsys.readouterr().err
    assert "[ldap-starttls-failed]" in err
    assert "ldaps://" in err


def test_ldaps_to_a_plain_port_says_why_in_words(
    plain_server: Slapd, capsys: pytest.CaptureFixture[str]
) -> None:
    """ldaps:// to a port that speaks plain LDAP: ldap-tls-failed with the TLS library's
    sentence, never a Python tuple such as ("('socket ssl wrapping error ...',)",)."""
    port = plain_server.url.rstrip("/").rsplit(":", 1)[1]
    assert main(["ldap", "probe", f"ldaps://127.0.0.1:{port}"]) == 3
    err = capsys.readouterr().err
    assert "[ldap-tls-failed]" in err
    assert "('" not in err
    assert ",)" not in err


def test_probe_and_lookup_write_markdown(server: Slapd, capsys: pytest.CaptureFixture[str]) -> None:
    """`ldap probe -f md` is the fact table; `ldap lookup -f md` the search, the entries (masked)
    and the verdict."""
    assert main(["ldap", "probe", server.url, "-f", "md"]) == 0
    probe_md = capsys.readouterr().out
    assert probe_md.startswith(f"# LDAP server {server.url.rstrip('/')}")
    assert "| fact | value |" in probe_md
    assert "| paged results | yes |" in probe_md
    assert main(["ldap", "lookup", server.url, "dup", "-a", "uid", "-f", "md"]) == 1
    lookup_md = capsys.readouterr().out
    assert lookup_md.startswith("# LDAP login lookup")
    assert "2 matching entries" in lookup_md
    assert "**FAILURE: 2 entries match" in lookup_md
    assert "uid=dup" not in lookup_md
