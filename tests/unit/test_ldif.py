"""The LDIF reader: RFC 2849 syntax, person filtering, binary values, errors with file:line."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from authprobe.errors import ExitCode, InputError
from authprobe.model import Record
from authprobe.sources.directory_files.ldif import LdifFile

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "ldap"
GUID_BYTES = bytes.fromhex("67452301ab89efcd0123456789abcdef")
GUID_TEXT = "01234567-89ab-cdef-0123-456789abcdef"


def _b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


def read(tmp_path: Path, text: str | bytes) -> tuple[list[Record], LdifFile]:
    path = tmp_path / "export.ldif"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    source = LdifFile(path)
    return list(source.records()), source


def test_plain_entries_and_version(tmp_path: Path) -> None:
    """Two person entries after `version: 1` give two records with their values and OU."""
    records, source = read(
        tmp_path,
        "version: 1\n\n"
        "dn: uid=ann,ou=Students,dc=c\nobjectClass: inetOrgPerson\nuid: ann\nmail: a@c\n\n"
        "dn: uid=bob,ou=Staff,dc=c\nobjectClass: person\nuid: bob\nmail: b@c\nmail: b2@c\n",
    )
    assert [r.ref for r in records] == ["uid=ann,ou=Students,dc=c", "uid=bob,ou=Staff,dc=c"]
    assert records[0].attrs["uid"] == ("ann",)
    assert records[1].attrs["mail"] == ("b@c", "b2@c")
    assert "dn" not in records[0].attrs
    assert [r.population for r in records] == ["Students", "Staff"]
    assert source.stats.records == 2
    assert source.summary().records == 2


def test_folded_lines_comments_and_crlf(tmp_path: Path) -> None:
    """Continuation lines join (one space dropped), comments vanish, CRLF endings work."""
    records, _ = read(
        tmp_path,
        "# exported\r\n# folded comment\r\n  still comment\r\n"
        "dn: uid=ann,ou=P,\r\n dc=c\r\nobjectClass: person\r\n"
        "description: a long\r\n  value\r\n#inside\r\ncn: Ann\r\n",
    )
    assert len(records) == 1
    assert records[0].ref == "uid=ann,ou=P,dc=c"
    assert records[0].attrs["description"] == ("a long value",)
    assert records[0].attrs["cn"] == ("Ann",)


def test_base64_text_dn_and_values(tmp_path: Path) -> None:
    """`dn::` and `attr::` base64 values that are UTF-8 text become text (spaces kept)."""
    records, _ = read(
        tmp_path,
        f"dn:: {_b64('uid=zoë,ou=P,dc=c')}\nobjectClass: person\nsn:: {_b64(' Zoë ')}\n",
    )
    assert records[0].ref == "uid=zoë,ou=P,dc=c"
    assert records[0].attrs["sn"] == (" Zoë ",)


def test_object_guid_decoded_and_binary_skipped(tmp_path: Path) -> None:
    """objectGUID becomes UUID text + immutableId; a photo and unknown binary are counted."""
    photo = _b64(bytes([0xFF, 0xD8, 0xFF, 0xE0]))
    mystery = _b64(bytes([0xFF, 0xFE, 0x00]))
    records, source = read(
        tmp_path,
        f"dn: CN=Ann,OU=Staff,DC=c\nobjectClass: user\nobjectGUID:: {_b64(GUID_BYTES)}\n"
        f"jpegPhoto:: {photo}\nmystery:: {mystery}\n",
    )
    attrs = records[0].attrs
    assert attrs["objectGUID"] == (GUID_TEXT,)
    assert attrs["objectGUID;immutableId"] == (_b64(GUID_BYTES),)
    assert "jpegPhoto" not in attrs
    assert "mystery" not in attrs
    assert source.stats.skipped["binary value not profiled"] == 2


def test_passwords_never_read(tmp_path: Path) -> None:
    """userPassword is dropped and counted, never put in a record."""
    records, source = read(
        tmp_path, "dn: uid=a,dc=c\nobjectClass: person\nuserPassword: secret\nuid: a\n"
    )
    assert "userPassword" not in records[0].attrs
    assert source.stats.withheld["password attribute not read"] == 1
    assert not source.stats.skipped  # the entry was read: nothing was skipped


def test_scan_says_passwords_were_left_out_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ldap scan` of entries with passwords: every entry read, none skipped, no
    records-skipped finding; the JSON lists the password values under left_out."""
    from authprobe.cli.app import main

    entries = "".join(
        f"dn: uid=u{i},dc=c\nobjectClass: person\nuid: u{i}\nuserPassword: pw{i}\n\n"
        for i in range(3)
    )
    path = tmp_path / "p.ldif"
    path.write_text(entries, encoding="utf-8")
    assert main(["ldap", "scan", str(path), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (read,) = data["inputs"]
    assert read["records"] == 3
    assert read["skipped"] == {}
    assert read["left_out"] == {"password attribute not read": 3}
    assert "records-skipped" not in {f["code"] for f in data["findings"]}
    assert "pw1" not in json.dumps(data)


def test_options_and_first_spelling(tmp_path: Path) -> None:
    """Options are dropped from names; the first spelling in the file is used for all entries."""
    records, _ = read(
        tmp_path,
        "dn: uid=a,dc=c\nobjectClass: person\nemployeeID: 001\ncn;lang-fr: Anne\ncn: Ann\n\n"
        "dn: uid=b,dc=c\nobjectclass: person\nEMPLOYEEID: 002\n",
    )
    assert records[0].attrs["cn"] == ("Anne", "Ann")
    assert records[1].attrs == {"objectClass": ("person",), "employeeID": ("002",)}


def test_non_person_entries_counted(tmp_path: Path) -> None:
    """Containers, groups and computers are skipped under `not a person entry`."""
    records, source = read(
        tmp_path,
        "dn: dc=c\nobjectClass: domain\n\n"
        "dn: cn=g,dc=c\nobjectClass: groupOfNames\n\n"
        "dn: CN=PC1,DC=c\nobjectClass: top\nobjectClass: person\nobjectClass: user\n"
        "objectClass: computer\n\n"
        "dn: uid=a,dc=c\nobjectClass: top\nobjectClass: posixAccount\n\n"
        "dn: uid=e,dc=c\nobjectClass: eduPerson\n",
    )
    assert [r.ref for r in records] == ["uid=a,dc=c", "uid=e,dc=c"]
    assert source.stats.skipped["not a person entry"] == 3


def test_changetype_add_accepted_others_skipped(tmp_path: Path) -> None:
    """ldifde `changetype: add` entries are read; modify/delete records are counted and skipped."""
    records, source = read(
        tmp_path,
        "dn: uid=a,dc=c\nchangetype: add\nobjectClass: person\nuid: a\n\n"
        "dn: uid=b,dc=c\nchangetype: modify\nreplace: mail\nmail: x@c\n-\n\n"
        "dn: uid=c,dc=c\nchangetype: delete\n",
    )
    assert [r.ref for r in records] == ["uid=a,dc=c"]
    assert source.stats.skipped["changetype modify not applied"] == 1
    assert source.stats.skipped["changetype delete not applied"] == 1


def test_url_values_not_followed(tmp_path: Path) -> None:
    """`attr:< URL` values are counted, never fetched."""
    records, source = read(
        tmp_path, "dn: uid=a,dc=c\nobjectClass: person\njpegPhoto:< file:///etc/passwd\n"
    )
    assert "jpegPhoto" not in records[0].attrs
    assert source.stats.skipped["URL value not followed"] == 1


def test_disabled_accounts_marked(tmp_path: Path) -> None:
    """userAccountControl with bit 2 marks the record; exclude_disabled skips and counts it."""
    text = (
        "dn: CN=A,DC=c\nobjectClass: user\nuserAccountControl: 514\n\n"
        "dn: CN=B,DC=c\nobjectClass: user\nuserAccountControl: 512\n"
    )
    records, source = read(tmp_path, text)
    assert [r.info.get("disabled") for r in records] == ["true", None]
    assert source.disabled == 1
    excluding = LdifFile(tmp_path / "export.ldif", exclude_disabled=True)
    assert [r.ref for r in excluding.records()] == ["CN=B,DC=c"]
    assert excluding.stats.skipped["disabled account excluded"] == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (b"dn: uid=a,dc=c\nobjectClass: person\nno colon here\n", 3),
        (b"dn: uid=a,dc=c\nobjectClass: person\nsn:: ***notbase64\n", 3),
        (b" continuation first\ndn: uid=a,dc=c\n", 1),
        (b"dn: uid=a,dc=c\nobjectClass: person\nsn: \xff\xfe\n", 3),
        (b"dn: uid=a,dc=c\nobjectClass: person\n\n\n continuation after blank\n", 5),
        (b"objectClass: person\n", 1),
    ],
)
def test_malformed_lines_exit_4_with_file_and_line(tmp_path: Path, text: bytes, line: int) -> None:
    """A malformed line is an InputError `ldif-malformed` naming file:line (exit 4)."""
    with pytest.raises(InputError) as caught:
        read(tmp_path, text)
    assert caught.value.reference == "ldif-malformed"
    assert caught.value.exit_code == ExitCode.UNREADABLE
    assert caught.value.location == f"{tmp_path / 'export.ldif'}:{line}"


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    """A missing file is an InputError, not a traceback."""
    with pytest.raises(InputError):
        list(LdifFile(tmp_path / "absent.ldif").records())


def test_streams_without_loading_the_file(tmp_path: Path) -> None:
    """Records come one at a time: the first is available before the file is fully read."""
    path = tmp_path / "big.ldif"
    with path.open("w") as out:
        for i in range(3000):
            out.write(f"dn: uid=u{i},ou=P,dc=c\nobjectClass: person\nuid: u{i}\n\n")
    source = LdifFile(path)
    iterator = source.records()
    first = next(iterator)
    assert first.attrs["uid"] == ("u0",)
    assert source.stats.records == 1
    assert sum(1 for _ in iterator) == 2999


corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")


@corpus
@pytest.mark.corpus
def test_corpus_futurama_fry() -> None:
    """Fry: one person; the JPEG photo and password are skipped, ten attributes remain."""
    source = LdifFile(CORPUS / "futurama_people_fry.ldif")
    records = list(source.records())
    assert len(records) == 1
    attrs = records[0].attrs
    assert sorted(attrs) == sorted(
        [
            "objectClass",
            "cn",
            "sn",
            "description",
            "displayName",
            "employeeType",
            "givenName",
            "mail",
            "ou",
            "uid",
        ]
    )
    assert attrs["mail"] == ("fry@planetexpress.com",)
    assert len(attrs["objectClass"]) == 4
    assert source.stats.skipped["binary value not profiled"] == 1
    assert source.stats.withheld["password attribute not read"] == 1
    assert records[0].population == "people"


@corpus
@pytest.mark.corpus
def test_corpus_futurama_hermes() -> None:
    """Hermes: one person with two employeeType values."""
    records = list(LdifFile(CORPUS / "futurama_people_hermes.ldif").records())
    assert len(records) == 1
    assert records[0].attrs["employeeType"] == ("Bureaucrat", "Accountant")
    assert records[0].attrs["uid"] == ("hermes",)


@corpus
@pytest.mark.corpus
def test_corpus_openldap_test_ldif() -> None:
    """OpenLDAP's test.ldif: 19 entries, 11 people (OpenLDAPperson + person), 8 others."""
    source = LdifFile(CORPUS / "openldap_tests_test.ldif")
    records = list(source.records())
    assert len(records) == 11
    assert source.stats.skipped["not a person entry"] == 8
    assert source.stats.withheld["password attribute not read"] == 4
    babs = next(r for r in records if r.ref.startswith("cn=Barbara Jensen"))
    assert babs.attrs["sn"] == (" Jensen ",)
    assert babs.attrs["cn"] == ("Barbara Jensen", "Babs Jensen")


@corpus
@pytest.mark.corpus
def test_corpus_peppelinux_eduperson() -> None:
    """Three eduPerson entries with lower-case names; passwords and NT hashes not read."""
    source = LdifFile(CORPUS / "peppelinux_entries_people_extended.ldif")
    records = list(source.records())
    assert [r.attrs["uid"] for r in records] == [("mario",), ("peppe",), ("gino",)]
    assert [len(r.attrs["mail"]) for r in records] == [1, 2, 2]
    assert records[0].attrs["edupersonprincipalname"] == ("rossi@unical",)
    assert source.stats.withheld["password attribute not read"] == 6


@pytest.mark.parametrize(
    "dn",
    [
        "uid=a,ou=Students,ou=People,dc=c",
        "CN=Smith\\, Ann,OU=Staff,DC=c",
        "cn=x,dc=c",
        "OU = Guests ,dc=c",
        "cn=a\\,ou=Fake,ou=Real,dc=c",
    ],
)
def test_population_fast_path_agrees(dn: str) -> None:
    """The reader's population equals population_from_dn for plain and escaped DNs."""
    from authprobe.sources import population_from_dn
    from authprobe.sources.directory_files.entries import _population

    assert _population(dn) == population_from_dn(dn)


def test_entries_without_object_class(tmp_path: Path) -> None:
    """No objectClass (attribute-subset exports): people kept; containers and schema not."""
    records, source = read(
        tmp_path,
        "dn: uid=a,ou=P,dc=c\nuid: a\n\n"
        "dn: ou=P,dc=c\nou: P\n\n"
        "dn: cn=schema\nattributeTypes: ( 1.2.3 NAME 'x' )\n",
    )
    assert [r.ref for r in records] == ["uid=a,ou=P,dc=c"]
    assert source.stats.skipped["not a person entry"] == 2


CORPUS_FILES = sorted(CORPUS.glob("*.ld*")) if CORPUS.is_dir() else []


@corpus
@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_ldif_reads_cleanly(path: Path) -> None:
    """Every LDIF of the corpus is read to the end; everything not yielded is counted."""
    source = LdifFile(path)
    records = list(source.records())
    assert source.stats.records == len(records)
    assert all(r.ref for r in records)
    assert all("userPassword" not in r.attrs for r in records)


def test_values_of_a_known_text_attribute_still_checked(tmp_path: Path) -> None:
    """Once `sn` is known as plain text, its later base64, URL, folded and option-tagged values
    are read as the first time (decided once per name, checked for each value)."""
    text = (
        "dn: uid=a,dc=c\nobjectClass: person\nsn: Plain\n\n"
        f"dn: uid=b,dc=c\nobjectClass: person\nsn:: {_b64('Bäse')}\nSN;lang-fr: Deux\n"
        "sn:< file:///etc/passwd\nsn: Fol\n ded\n\n"
    )
    records, source = read(tmp_path, text)
    assert records[0].attrs["sn"] == ("Plain",)
    assert records[1].attrs["sn"] == ("Bäse", "Deux", "Folded")
    assert source.stats.skipped["URL value not followed"] == 1


def test_text_that_is_not_utf8_after_known_name_is_malformed(tmp_path: Path) -> None:
    """A value of an attribute already read as text that is not UTF-8 is still `ldif-malformed`
    at its line."""
    text = b"dn: uid=a,dc=c\nobjectClass: person\nsn: ok\n\ndn: uid=b,dc=c\nsn: \xff\n"
    with pytest.raises(InputError) as caught:
        read(tmp_path, text)
    assert caught.value.reference == "ldif-malformed"
    assert caught.value.location == f"{tmp_path / 'export.ldif'}:6"


def test_converter_remembers_is_person_for_repeated_classes() -> None:
    """The converter's remembered person check gives `is_person`'s answer for each tuple of
    classes, keeps at most 64 of them, and never keeps a list (a mutable sequence)."""
    from authprobe.model import ReadStats
    from authprobe.sources.directory_files import entries

    converter = entries.EntryConverter(ReadStats())
    tuples = [("person",), ("computer", "user"), ("organizationalUnit",), ("x", "yPerson ")]
    tuples += [(f"c{n}",) for n in range(100)]
    for classes in tuples * 2:
        assert converter._is_person(classes, "cn=a") is entries.is_person(classes, "cn=a")
    assert len(converter._persons) == 64
    fresh = entries.EntryConverter(ReadStats())
    assert fresh._is_person(["person"], "cn=a") is True
    assert fresh._is_person(None, "ou=x") is False
    assert fresh._persons == {}
