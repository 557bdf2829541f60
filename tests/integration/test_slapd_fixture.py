"""The slapd fixture: a real server answers, and ldap3 reads back what the LDIF reader reads."""

from __future__ import annotations

from pathlib import Path

import ldap3
import pytest

from authprobe.sources.directory_files.ldif import LdifFile
from tests.integration.conftest import SlapdFactory
from tests.integration.slapd import generate_people, people_ldif

pytestmark = pytest.mark.integration

BASE = "dc=example,dc=org"


def test_ldap3_reads_what_the_ldif_reader_reads(
    slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    """Entries loaded into slapd, read back with ldap3, equal the LDIF reader's records."""
    people = generate_people(12, ous=("Students", "Staff"))
    text = "".join(people_ldif(people, BASE))
    ldif = tmp_path / "people.ldif"
    ldif.write_text(text, encoding="utf-8")
    server = slapd_factory(ldif, ous=("Students", "Staff"))

    connection = ldap3.Connection(
        ldap3.Server(server.url, get_info=ldap3.NONE),
        server.admin_dn,
        server.admin_password,
        auto_bind=True,
    )
    connection.search(BASE, "(objectClass=inetOrgPerson)", attributes=["*"])
    from_server = {
        entry["dn"].lower(): {
            name.lower(): sorted(v.decode() for v in values)
            for name, values in entry["raw_attributes"].items()
        }
        for entry in connection.response
        if entry["type"] == "searchResEntry"
    }
    connection.unbind()

    from_file = {
        record.ref.lower(): {name.lower(): sorted(values) for name, values in record.attrs.items()}
        for record in LdifFile(ldif).records()
    }
    assert len(from_server) == 12
    assert from_server == from_file
    ann = from_server[f"uid=u000000,ou=students,{BASE}"]
    assert ann["employeenumber"] == ["000000000"]
    assert ann["mail"] == ["u000000@college.example"]
