"""`ldap` commands against a real Active Directory: a Samba AD DC with 2,502 generated users."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from authprobe.analysis.profile import SourceProfiler, profile_records
from authprobe.cli.app import main
from authprobe.errors import SourceUnreachable
from authprobe.model import Record, SourceKind
from authprobe.sources.directory_files.saved import open_directory
from authprobe.sources.ldap.ad import guid_text_to_bytes
from authprobe.sources.ldap.connection import ServerKind
from authprobe.sources.ldap.directory import LdapDirectory, lookup
from authprobe.sources.ldap.probe import probe
from authprobe.sources.ldap.settings import BindMethod, LdapSettings
from tests.integration.samba_dc import SambaDc

pytestmark = pytest.mark.integration


def service(dc: SambaDc, **changes: object) -> LdapSettings:
    """The read-only service account over LDAPS, trusting the fixture's CA."""
    settings = LdapSettings(
        dc.ldaps_url,
        user=dc.service_upn,
        password=dc.service_password,
        ca_file=dc.certs.ca_file,
        tls_name=dc.tls_name,
    )
    return replace(settings, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def people(samba_dc: SambaDc) -> tuple[LdapDirectory, list[Record]]:
    """One scan of OU=People (the generated users), kept for several tests."""
    source = LdapDirectory(service(samba_dc), base=samba_dc.ou)
    return source, list(source.records())


def test_all_users_read_with_paging(
    samba_dc: SambaDc, people: tuple[LdapDirectory, list[Record]]
) -> None:
    """Every generated user is read, in pages of at most 1000 (Samba does not enforce it)."""
    source, records = people
    assert len(records) == len(samba_dc.users)
    assert source.facts.kind is ServerKind.ACTIVE_DIRECTORY
    assert source.facts.filter == "(&(objectCategory=person)(objectClass=user))"
    assert source.facts.pages == math.ceil(len(samba_dc.users) / 1000)
    assert source.facts.largest_page == 1000


def test_guid_and_sid_decoded_exactly(
    samba_dc: SambaDc, people: tuple[LdapDirectory, list[Record]]
) -> None:
    """objectGUID and objectSid equal Samba's own decoding (ndr_unpack) for every user."""
    _, records = people
    assert len(samba_dc.truth) == len(records)
    for record in records:
        sam = record.attrs["sAMAccountName"][0]
        truth = samba_dc.truth[sam]
        assert record.attrs["objectGUID"] == (truth["guid"],)
        assert record.attrs["objectSid"] == (truth["sid"],)
    first = records[0]
    guid = first.attrs["objectGUID"][0]
    import base64

    assert first.attrs["objectGUID;immutableId"] == (
        base64.b64encode(guid_text_to_bytes(guid)).decode(),
    )


def test_disabled_accounts_counted_exactly(
    samba_dc: SambaDc, people: tuple[LdapDirectory, list[Record]]
) -> None:
    """Disabled accounts (userAccountControl bit 2) are marked and counted exactly."""
    source, records = people
    planted = sum(1 for user in samba_dc.users if user.disabled)
    assert source.facts.disabled == planted
    assert sum(1 for r in records if r.info.get("disabled") == "true") == planted
    excluding = LdapDirectory(service(samba_dc), base=samba_dc.ou, exclude_disabled=True)
    assert sum(1 for _ in excluding.records()) == len(samba_dc.users) - planted
    assert excluding.stats.skipped["disabled account excluded"] == planted


@pytest.mark.parametrize("exclude", [False, True])
def test_profile_into_equals_profiling_the_records(samba_dc: SambaDc, exclude: bool) -> None:
    """The scan's direct counting gives the profiles and counts of `records()` on AD
    (binary identifiers, disabled accounts marked or excluded)."""
    fast = LdapDirectory(service(samba_dc), base=samba_dc.ou, exclude_disabled=exclude)
    profiler = SourceProfiler(SourceKind.DIRECTORY)
    fast.profile_into(profiler)
    slow = LdapDirectory(service(samba_dc), base=samba_dc.ou, exclude_disabled=exclude)
    assert profiler.result() == profile_records(slow.records(), SourceKind.DIRECTORY)
    assert (fast.facts, fast.stats) == (slow.facts, slow.stats)
    planted = sum(1 for user in samba_dc.users if user.disabled)
    assert fast.stats.records == len(samba_dc.users) - (planted if exclude else 0)


def test_employee_ids_keep_leading_zeros_and_duplicates(
    samba_dc: SambaDc, people: tuple[LdapDirectory, list[Record]]
) -> None:
    """employeeID is text with its leading zeros; planted duplicates are all there."""
    _, records = people
    got = Counter(r.attrs["employeeID"][0] for r in records if "employeeID" in r.attrs)
    want = Counter(u.employee_id for u in samba_dc.users if u.employee_id)
    assert got == want
    assert got["00000097"] == 2


def test_plain_simple_bind_refused(samba_dc: SambaDc) -> None:
    """A simple bind over plain LDAP is refused with the AD hint (exit 3)."""
    with pytest.raises(SourceUnreachable) as caught:
        probe(service(samba_dc, url=samba_dc.ldap_url))
    assert caught.value.reference == "ldap-bind-needs-tls"
    assert "LDAPS or StartTLS" in (caught.value.hint or "")


def test_starttls_works(samba_dc: SambaDc) -> None:
    """StartTLS on 389 upgrades the connection and the bind succeeds."""
    facts = probe(service(samba_dc, url=samba_dc.ldap_url, starttls=True))
    assert facts.tls is not None
    assert facts.kind is ServerKind.ACTIVE_DIRECTORY
    assert samba_dc.base in facts.naming_contexts
    assert facts.default_base == samba_dc.base
    assert "employeeID" in facts.person_attributes


def test_untrusted_certificate(samba_dc: SambaDc) -> None:
    """Without the CA, LDAPS fails with ldap-tls-untrusted."""
    with pytest.raises(SourceUnreachable) as caught:
        probe(service(samba_dc, ca_file=None))
    assert caught.value.reference == "ldap-tls-untrusted"


def test_wrong_password_52e(samba_dc: SambaDc) -> None:
    """A wrong password is AD's data 52e: ldap-bind-invalid-credentials."""
    with pytest.raises(SourceUnreachable) as caught:
        probe(service(samba_dc, password="wrong-password"))
    assert caught.value.reference == "ldap-bind-invalid-credentials"
    assert "52e" in caught.value.message


def test_disabled_account_533(samba_dc: SambaDc) -> None:
    """Binding as a disabled account is AD's data 533: ldap-bind-account-disabled."""
    with pytest.raises(SourceUnreachable) as caught:
        probe(service(samba_dc, user="svc-disabled@college.test"))
    assert caught.value.reference == "ldap-bind-account-disabled"


def test_down_level_logon_name(samba_dc: SambaDc) -> None:
    """DOMAIN\\user works as the simple-bind name."""
    facts = probe(service(samba_dc, user="COLLEGE\\svc-reader", bind=BindMethod.SIMPLE))
    assert facts.kind is ServerKind.ACTIVE_DIRECTORY


def test_referral_at_domain_root_counted(samba_dc: SambaDc) -> None:
    """A subtree scan at the domain root counts the referral to Configuration, not an error."""
    source = LdapDirectory(service(samba_dc))
    records = list(source.records())
    assert len(records) >= len(samba_dc.users)
    assert any("CN=Configuration" in uri for uri in source.facts.referrals)
    assert source.stats.skipped["referral not followed"] == len(source.facts.referrals)


def test_lookup_sam_account_name(samba_dc: SambaDc) -> None:
    """Alma-style login search on sAMAccountName finds exactly one entry."""
    result = lookup(service(samba_dc), "s00042", "sAMAccountName")
    assert [r.attrs["sAMAccountName"] for r in result.entries] == [("s00042",)]
    assert result.ok


def test_cli_scan_json(
    samba_dc: SambaDc, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ldap scan ldaps://... --format json` reports pages, disabled and employeeID exactly."""
    monkeypatch.setenv("AUTHPROBE_LDAP_PASSWORD", samba_dc.service_password)
    code = main(
        [
            "ldap", "scan", samba_dc.ldaps_url, "-u", samba_dc.service_upn,
            "--ca-file", str(samba_dc.certs.ca_file), "--tls-name", samba_dc.tls_name,
            "--base", samba_dc.ou, "--format", "json",
        ]
    )  # fmt: skip
    out = capsys.readouterr()
    assert code == 0
    data = json.loads(out.out)
    planted = sum(1 for user in samba_dc.users if user.disabled)
    assert data["scan"]["disabled"] == planted
    assert data["inputs"][0]["records"] == len(samba_dc.users)
    employee = next(p for p in data["profiles"] if p["field"] == "employeeID")
    with_id = [u.employee_id for u in samba_dc.users if u.employee_id]
    assert employee["present"] == len(with_id)
    assert employee["duplicate_values"] == len(with_id) - len(set(with_id))
    assert samba_dc.service_password not in out.out + out.err


def test_save_stores_the_object_guid_even_with_attribute_limits(
    samba_dc: SambaDc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-a sAMAccountName --save`: every saved user holds its objectGUID (Samba's own
    decoding), the key `recommend --previous` pairs snapshots by; AD ignores the key names it
    does not have (entryUUID, nsUniqueId, ipaUniqueID)."""
    monkeypatch.setenv("AUTHPROBE_LDAP_PASSWORD", samba_dc.service_password)
    saved = tmp_path / "users.jsonl.gz"
    code = main(
        [
            "ldap", "scan", samba_dc.ldaps_url, "-u", samba_dc.service_upn,
            "--ca-file", str(samba_dc.certs.ca_file), "--tls-name", samba_dc.tls_name,
            "--base", samba_dc.ou, "-a", "sAMAccountName", "--save", str(saved),
        ]
    )  # fmt: skip
    assert code == 0
    records = list(open_directory(str(saved)).records())
    assert len(records) == len(samba_dc.users)
    for record in records:
        truth = samba_dc.truth[record.attrs["sAMAccountName"][0]]
        assert record.attrs["objectGUID"] == (truth["guid"],)


def test_ranged_retrieval_is_followed(samba_dc: SambaDc) -> None:
    """Asked in ranges of two, objectClass comes back in chunks that are all fetched."""
    ranged = LdapDirectory(
        service(samba_dc),
        base=samba_dc.ou,
        search_filter="(sAMAccountName=s0000*)",
        attributes=("sAMAccountName", "objectClass;range=0-1"),
    )
    records = list(ranged.records())
    assert len(records) == 10
    assert ranged.facts.ranged_fetches == 10
    for record in records:
        assert record.attrs["objectClass"] == ("top", "person", "organizationalPerson", "user")


def test_ntlm_bind_fails_with_a_named_error(samba_dc: SambaDc) -> None:
    """Samba does not speak ldap3's NTLM (Sicily) bind: a named error with a hint, no traceback."""
    settings = service(samba_dc, user="COLLEGE\\svc-reader", bind=BindMethod.NTLM)
    with pytest.raises(SourceUnreachable) as caught:
        probe(settings)
    assert caught.value.reference in ("ldap-connection-lost", "ldap-ntlm-unavailable")
    assert caught.value.hint
