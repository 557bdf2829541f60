"""The Alma SIS XML reader: files, folders, zips, fields, populations and bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from authprobe.errors import InputError, UnsafeInputError
from authprobe.model import Record, SourceKind
from authprobe.sources.sis import xml_files
from authprobe.sources.sis.extract import SisExtract
from tests.unit.test_sis_factory import (
    User,
    user_start_lines,
    users_document,
    write_users,
    write_zip,
)

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "alma"


def read(*paths: Path) -> list[Record]:
    return list(SisExtract(list(paths)).records())


def test_fields_of_one_user(tmp_path: Path) -> None:
    """primary_id, identifier:<type>, email (preferred) and email:all come from a <user>."""
    user = User(
        primary_id="S123",
        identifiers=[("BARCODE", "2900001"), ("UNIV_ID", "000123")],
        emails=[("first@x.ca", False), ("pref@x.ca", True)],
        user_group="STAFF",
        birth_date="1990-01-02",
        expiry_date="2030-01-01",
    )
    [record] = read(write_users(tmp_path / "u.xml", [user]))
    assert record.attrs == {
        "primary_id": ("S123",),
        "identifier:BARCODE": ("2900001",),
        "identifier:UNIV_ID": ("000123",),
        "email": ("pref@x.ca",),
        "email:all": ("first@x.ca", "pref@x.ca"),
    }
    assert record.population == "STAFF"
    assert record.info["birth_date"] == "1990-01-02"
    assert record.info["expiry_date"] == "2030-01-01"
    assert record.info["first_name"] == "Ada"
    assert record.info["status"] == "ACTIVE"  # the user's, not the role's INACTIVE


def test_first_email_when_none_is_preferred(tmp_path: Path) -> None:
    """Without a preferred email, `email` is the first address."""
    user = User(emails=[("a@x.ca", False), ("b@x.ca", False)])
    [record] = read(write_users(tmp_path / "u.xml", [user]))
    assert record.attrs["email"] == ("a@x.ca",)


def test_preferred_as_child_element(tmp_path: Path) -> None:
    """<preferred>true</preferred> as a child element marks the preferred email too."""
    user = User(emails=[("a@x.ca", False), ("b@x.ca", True)], preferred_as_element=True)
    [record] = read(write_users(tmp_path / "u.xml", [user]))
    assert record.attrs["email"] == ("b@x.ca",)


def test_several_preferred_emails_are_counted_in_info(tmp_path: Path) -> None:
    """A user with two preferred emails keeps the first as `email` and says how many."""
    user = User(emails=[("a@x.ca", True), ("b@x.ca", True)])
    [record] = read(write_users(tmp_path / "u.xml", [user]))
    assert record.attrs["email"] == ("a@x.ca",)
    assert record.info["preferred_emails"] == "2"


def test_several_values_of_one_type_become_a_tuple(tmp_path: Path) -> None:
    """Two BARCODE identifiers on one user give a two-value tuple."""
    user = User(identifiers=[("BARCODE", "1"), ("BARCODE", "2")])
    [record] = read(write_users(tmp_path / "u.xml", [user]))
    assert record.attrs["identifier:BARCODE"] == ("1", "2")


def test_primary_id_keeps_whitespace(tmp_path: Path) -> None:
    """A primary_id with surrounding spaces is kept raw, so lint can see the spaces."""
    [record] = read(write_users(tmp_path / "u.xml", [User(primary_id=" S1 ")]))
    assert record.attrs["primary_id"] == (" S1 ",)


@pytest.mark.parametrize("primary_id", [None, "", "   "])
def test_user_without_primary_id_is_still_yielded(tmp_path: Path, primary_id: str | None) -> None:
    """A user with a missing, empty or blank primary_id is a record without that key."""
    records = read(write_users(tmp_path / "u.xml", [User(primary_id=primary_id), User()]))
    assert len(records) == 2
    assert "primary_id" not in records[0].attrs
    assert records[1].attrs["primary_id"] == ("P0001",)


def test_empty_elements_give_no_keys(tmp_path: Path) -> None:
    """Empty user_group, names and emails are simply absent (population None)."""
    user = User(user_group="", first_name="", emails=[("", True)])
    [record] = read(write_users(tmp_path / "u.xml", [user]))
    assert record.population is None
    assert "first_name" not in record.info
    assert "email" not in record.attrs
    assert "email:all" not in record.attrs


def test_identifier_without_value_is_kept_for_the_lint(tmp_path: Path) -> None:
    """An identifier with an empty value is not a field value; its type is kept in the record's
    info (Alma rejects such a record: the lint reports it as an error)."""
    extract = SisExtract(
        [write_users(tmp_path / "u.xml", [User(identifiers=[("BARCODE", ""), ("X", "1")])])]
    )
    [record] = list(extract.records())
    assert "identifier:BARCODE" not in record.attrs
    assert record.info["empty_identifiers"] == "BARCODE"
    assert not extract.stats.skipped


def test_refs_are_file_and_line_of_the_user_start(tmp_path: Path) -> None:
    """Each record's ref is file:line of its <user> start tag."""
    path = write_users(tmp_path / "u.xml", [User(), User(), User()])
    lines = user_start_lines(path.read_text())
    assert [r.ref for r in read(path)] == [f"{path}:{n}" for n in lines]


def test_user_records_root_and_default_namespace(tmp_path: Path) -> None:
    """<userRecords> roots and a default namespace are read like <users>."""
    a = write_users(tmp_path / "a.xml", [User(primary_id="A")], root="userRecords")
    b = write_users(tmp_path / "b.xml", [User(primary_id="B")], xmlns="http://example.org/alma")
    records = read(a, b)
    assert [r.attrs["primary_id"] for r in records] == [("A",), ("B",)]
    assert records[1].population == "STUDENT"


def test_folder_reads_every_xml_sorted(tmp_path: Path) -> None:
    """A folder gives every *.xml in name order (other files ignored)."""
    write_users(tmp_path / "b.xml", [User(primary_id="B1"), User(primary_id="B2")])
    write_users(tmp_path / "a.xml", [User(primary_id="A1")])
    (tmp_path / "notes.txt").write_text("not xml")
    extract = SisExtract([tmp_path])
    ids = [r.attrs["primary_id"][0] for r in extract.records()]
    assert ids == ["A1", "B1", "B2"]
    summary = extract.summary()
    assert (summary.records, summary.files, summary.kind) == (3, 2, "sis-xml")
    assert summary.source is SourceKind.SIS


def test_zip_members_in_stored_order_with_zip_refs(tmp_path: Path) -> None:
    """A zip gives its XML members in the order stored (the order Alma loads them, which
    decides who of two records holding one identifier loads); refs are zip!member:line."""
    doc_b = users_document([User(primary_id="B1")])
    zpath = write_zip(
        tmp_path / "x.zip",
        {"b.xml": doc_b, "a.xml": users_document([User(primary_id="A1")]), "readme.txt": "hi"},
    )
    extract = SisExtract([zpath])
    records = list(extract.records())
    assert [r.attrs["primary_id"][0] for r in records] == ["B1", "A1"]
    assert records[0].ref == f"{zpath}!b.xml:{user_start_lines(doc_b)[0]}"
    assert extract.stats.skipped["zip member that is not .xml (ignored)"] == 1


def test_several_inputs_of_each_kind(tmp_path: Path) -> None:
    """Files, folders and zips can be mixed; every user of every input is read once."""
    folder = tmp_path / "f"
    folder.mkdir()
    write_users(folder / "1.xml", [User(primary_id=f"F{i}") for i in range(3)])
    single = write_users(tmp_path / "s.xml", [User(primary_id="S")])
    z1 = write_zip(tmp_path / "1.zip", {"m.xml": users_document([User(primary_id="Z1")] * 2)})
    z2 = write_zip(tmp_path / "2.zip", {"m.xml": users_document([User(primary_id="Z2")])})
    extract = SisExtract([folder, single, z1, z2])
    assert len(list(extract.records())) == 3 + 1 + 2 + 1
    assert extract.stats.files == 4
    assert extract.location == f"{folder}, {single}, {z1}, {z2}"


def test_unknown_children_of_user_are_listed_in_info(tmp_path: Path) -> None:
    """Elements rest_user.xsd does not declare under <user> are named in info."""
    user = User(extra=["<favourite_colour>blue</favourite_colour>", "<shoe_size/>"])
    [record, plain] = read(write_users(tmp_path / "u.xml", [user, User()]))
    assert record.info["unknown_elements"] == "favourite_colour,shoe_size"
    assert "unknown_elements" not in plain.info


def test_line_numbers_beyond_65535(tmp_path: Path) -> None:
    """Line numbers stay right in long files (libxml2 once capped them at 65535)."""
    users = [User(primary_id=f"P{i}") for i in range(12_000)]
    path = write_users(tmp_path / "big.xml", users)
    lines = user_start_lines(path.read_text())
    assert lines[-1] > 65535
    records = read(path)
    assert records[-1].ref == f"{path}:{lines[-1]}"


# -- bad input ---------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    """A path that does not exist is an InputError naming it."""
    with pytest.raises(InputError) as info:
        SisExtract([tmp_path / "nope.xml"])
    assert info.value.reference == "sis-path-missing"
    assert str(tmp_path / "nope.xml") in (info.value.location or "")


def test_non_utf8_file(tmp_path: Path) -> None:
    """cp1252 bytes in a file declared UTF-8 are refused with file and line."""
    path = tmp_path / "u.xml"
    text = users_document([User(), User(last_name="Müller")])
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(InputError) as info:
        read(path)
    assert info.value.reference == "sis-not-utf8"
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "Müller" in s)
    assert info.value.location == f"{path}:{line}"


def test_declared_non_utf8_encoding(tmp_path: Path) -> None:
    """A file declaring ISO-8859-1 is refused: Alma loads UTF-8 only."""
    path = tmp_path / "u.xml"
    text = users_document([User()]).replace("UTF-8", "ISO-8859-1")
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError) as info:
        read(path)
    assert info.value.reference == "sis-not-utf8"


def test_truncated_zip(tmp_path: Path) -> None:
    """A zip cut in half is an InputError naming the zip."""
    zpath = write_zip(tmp_path / "x.zip", {"a.xml": users_document([User()] * 50)})
    data = zpath.read_bytes()
    zpath.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        read(zpath)
    assert info.value.reference == "sis-zip-unreadable"
    assert info.value.location == str(zpath)


def test_corrupt_zip_member(tmp_path: Path) -> None:
    """A member whose compressed bytes are damaged is an InputError naming zip!member."""
    text = users_document([User(primary_id=f"P{i}") for i in range(200)])
    zpath = write_zip(tmp_path / "x.zip", {"a.xml": text})
    data = bytearray(zpath.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 40] = b"\x00" * 40
    zpath.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        read(zpath)
    assert (info.value.location or "").startswith(f"{zpath}!a.xml")


def test_zip_without_xml(tmp_path: Path) -> None:
    """A zip holding no .xml is an InputError."""
    zpath = write_zip(tmp_path / "x.zip", {"a.csv": "id\n1\n"})
    with pytest.raises(InputError) as info:
        read(zpath)
    assert info.value.reference == "sis-zip-no-xml"


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    """A member inflating 1000× to over 100 MB is refused as unsafe before it is read."""
    zpath = tmp_path / "bomb.zip"
    chunk = b" " * (1 << 20)
    with (
        zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("a.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(120):
            member.write(chunk)
    with pytest.raises(UnsafeInputError) as info:
        read(zpath)
    assert info.value.reference == "sis-zip-bomb"


def test_zip_total_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Members adding up beyond the total limit are refused as unsafe."""
    monkeypatch.setattr(xml_files, "MAX_TOTAL_BYTES", 1000)
    doc = users_document([User()] * 5)
    assert len(doc) > 500
    zpath = write_zip(tmp_path / "x.zip", {"a.xml": doc, "b.xml": doc})
    with pytest.raises(UnsafeInputError) as info:
        read(zpath)
    assert info.value.reference == "sis-zip-too-large"


def test_dtd_is_refused(tmp_path: Path) -> None:
    """An Alma file with a DOCTYPE is refused as unsafe."""
    path = tmp_path / "u.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE users [<!ENTITY a "aaaa">]>\n'
        "<users><user><primary_id>&a;</primary_id></user></users>\n"
    )
    with pytest.raises(UnsafeInputError) as info:
        read(path)
    assert info.value.location == f"{path}:2"


@pytest.mark.parametrize(
    ("content", "reference"),
    [
        ('<?xml version="1.0"?>\n<catalog><book/></catalog>\n', "sis-not-user-xml"),
        ("id,name\n1,x\n", "sis-not-user-xml"),
        ("", "sis-empty-file"),
    ],
)
def test_not_an_alma_user_file(tmp_path: Path, content: str, reference: str) -> None:
    """Another XML vocabulary, a CSV or an empty file is not an Alma user file."""
    path = tmp_path / "u.xml"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        read(path)
    assert info.value.reference == reference
    assert (info.value.location or "").startswith(str(path))


def test_truncated_xml_names_file_and_line(tmp_path: Path) -> None:
    """An XML file cut mid-user is malformed, reported with file and a line."""
    text = users_document([User(primary_id=f"P{i}") for i in range(5)])
    path = tmp_path / "u.xml"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(InputError) as info:
        read(path)
    assert info.value.reference == "xml-malformed"
    assert (info.value.location or "").startswith(f"{path}:")


# -- real files --------------------------------------------------------------------------------


@pytest.mark.corpus
def test_mit_files_read_cleanly() -> None:
    """The MIT Libraries patron files (<userRecords>, empty elements) give the users they hold."""
    staff, student = CORPUS / "mit_staff_patrons.xml", CORPUS / "mit_student_patrons.xml"
    if not staff.exists():
        pytest.skip("shared corpus absent")
    # counted by hand: each file holds two <user> elements (grep -c '<user>')
    records = read(staff, student)
    assert len(records) == 4
    assert [r.attrs["primary_id"] for r in records] == [
        ("STAFF_KRB_NAME@MIT.EDU",),
        ("2STAFF_KRB_NAME@MIT.EDU",),
        ("STUDENT_KRB_NAME@MIT.EDU",),
        ("2STUDENT_KRB_NAME@MIT.EDU",),
    ]
    first = records[0]
    assert first.attrs["identifier:02"] == ("444444444",)
    assert first.attrs["identifier:01"] == ("44444444444444",)
    assert first.attrs["email"] == ("STAFF_KRB_NAME@MIT.EDU",)
    assert first.population == "27"
    assert records[1].population is None  # <user_group desc=""></user_group>
    assert "email" not in records[1].attrs  # <emails />
    assert records[0].ref == f"{staff}:3"
    assert records[3].ref == f"{student}:98"


@pytest.mark.corpus
def test_mit_template_has_no_primary_id() -> None:
    """The MIT template (a lone <user> with empty values) reads as one user with no IDs."""
    template = CORPUS / "mit_staff_user_template.xml"
    if not template.exists():
        pytest.skip("shared corpus absent")
    extract = SisExtract([template])
    [record] = list(extract.records())
    assert record.attrs == {}
    assert record.info["empty_identifiers"] == "02,01"


def test_comments_and_known_elements_are_not_unknown(tmp_path: Path) -> None:
    """Comments inside <user> and declared elements (full_name) are not reported as unknown."""
    user = User(extra=["<!-- exported by the SIS -->", "<full_name>Ada L</full_name>"])
    [record] = read(write_users(tmp_path / "u.xml", [user]))
    assert "unknown_elements" not in record.info


def test_unknown_elements_in_a_namespaced_file(tmp_path: Path) -> None:
    """With a default namespace, undeclared children are still found by local name."""
    user = User(extra=["<shoe_size>9</shoe_size>"])
    path = write_users(tmp_path / "u.xml", [user], xmlns="urn:example")
    [record] = read(path)
    assert record.info["unknown_elements"] == "shoe_size"


def test_zip_inside_a_folder(tmp_path: Path) -> None:
    """A folder holding a zip reads the zip's XML members too, after the folder's own XML."""
    write_users(tmp_path / "a.xml", [User(primary_id="A")])
    write_zip(tmp_path / "b.zip", {"m.xml": users_document([User(primary_id="Z")])})
    assert [r.attrs["primary_id"][0] for r in read(tmp_path)] == ["A", "Z"]


def test_encrypted_zip_member(tmp_path: Path) -> None:
    """A password-protected member is an InputError naming zip!member, not a traceback."""
    zpath = write_zip(tmp_path / "x.zip", {"a.xml": users_document([User()])})
    data = bytearray(zpath.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 6] |= 0x01  # general purpose flag: encrypted
    data[central + 8] |= 0x01
    zpath.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        read(zpath)
    assert info.value.reference == "sis-zip-unsupported"
    assert info.value.location == f"{zpath}!a.xml"


def test_elements_other_than_user_are_counted_as_skipped(tmp_path: Path) -> None:
    """A <person> among the <user>s (before, between, after) is counted, never silently lost."""
    path = tmp_path / "mixed.xml"
    path.write_text(
        "<users>\n<person/>\n<user><primary_id>1</primary_id></user>\n<!-- a comment -->\n"
        "<person><primary_id>2</primary_id></person>\n<user><primary_id>3</primary_id></user>\n"
        "<guest/>\n</users>\n",
        encoding="utf-8",
    )
    extract = SisExtract([path])
    records = list(extract.records())
    assert [r.attrs["primary_id"] for r in records] == [("1",), ("3",)]
    assert extract.stats.skipped == {"element other than <user> in the user list": 3}
    assert extract.stats.skipped_examples["element other than <user> in the user list"] == [
        f"{path}:2",
        f"{path}:5",
        f"{path}:7",
    ]
