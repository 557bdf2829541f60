"""The Entra ID reader: Graph names, the immutableId join to AD, populations, pages, bad input."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from authprobe.cli.app import main
from authprobe.errors import InputError
from authprobe.model import Record
from authprobe.sources.directory_files.adcsv import AdCsvExport
from authprobe.sources.directory_files.entra import GUESTS, IMMUTABLE_GUID, MEMBERS, EntraExport
from authprobe.sources.directory_files.entra_pages import detect
from authprobe.sources.directory_files.ldif import LdifFile
from authprobe.sources.directory_files.saved import SavedRecords, open_directory
from tests.helpers import write_ldif

CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)"


def _page(users: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"@odata.context": CONTEXT, **meta, "value": users}


def _read(path: Path, **kwargs: Any) -> tuple[EntraExport, list[Record]]:
    source = open_directory(str(path), **kwargs)
    assert isinstance(source, EntraExport)
    return source, list(source.records())


def _write(path: Path, *documents: Any) -> Path:
    path.write_text("\n".join(json.dumps(d) for d in documents), encoding="utf-8")
    return path


def test_immutable_id_joins_the_ad_export(tmp_path: Path) -> None:
    """onPremisesImmutableId decodes to the objectGUID text the LDIF reader gives the AD user."""
    guid = uuid.UUID("0d2a6c84-3e1f-4b7a-9c55-1e2f3a4b5c6d")
    ldif = write_ldif(
        tmp_path / "ad.ldif",
        [{"dn": "CN=Ann,OU=Staff,DC=c", "objectGUID:": base64.b64encode(guid.bytes_le).decode()}],
    )
    entra = _write(
        tmp_path / "entra.json",
        _page(
            [
                {
                    "id": "11111111-2222-3333-4444-555555555555",
                    "userPrincipalName": "ann@c.example",
                    "onPremisesImmutableId": base64.b64encode(guid.bytes_le).decode(),
                }
            ]
        ),
    )
    (ad,) = LdifFile(ldif).records()
    _, (user,) = _read(entra)
    assert ad.attrs["objectGUID"] == (str(guid),)
    assert user.attrs[IMMUTABLE_GUID] == ad.attrs["objectGUID"]
    assert user.attrs["onPremisesImmutableId"] == ad.attrs["objectGUID;immutableId"]


def test_immutable_id_that_is_not_a_guid_is_kept_and_counted(tmp_path: Path) -> None:
    """A sourceAnchor that is not base64 of 16 bytes (an employee number) stays, undecoded."""
    path = _write(tmp_path / "u.json", _page([{"id": "x", "onPremisesImmutableId": "000123"}]))
    source, (user,) = _read(path)
    assert user.attrs["onPremisesImmutableId"] == ("000123",)
    assert IMMUTABLE_GUID not in user.attrs
    assert source.stats.skipped == {
        "onPremisesImmutableId not a base64 GUID (kept, not decoded)": 1
    }


def test_unpaired_surrogate_escapes_are_skipped_and_counted(tmp_path: Path) -> None:
    """JSON may escape half a surrogate pair alone (\\ud800): no valid text, so such a value is
    skipped and counted (in a plain property, a list, a nested object); a property name with one
    is shown escaped; every other value stays, and `recommend` runs to its report."""
    users = [
        {"id": "a", "userPrincipalName": "a@c.example", "displayName": "Ann \ud800"},
        {"id": "b", "userPrincipalName": "b@c.example", "otherMails": ["b@x.org", "\udcff@x"]},
        {"id": "c", "userPrincipalName": "c@c.example", "employeeOrgData": {"division": "\udfff"}},
        {"id": "d", "userPrincipalName": "d@c.example", "we\ud801ird": "v"},
    ]
    path = _write(tmp_path / "u.json", _page(users))  # json.dumps escapes them
    source, records = _read(path)
    assert [r.attrs["userPrincipalName"] for r in records] == [(f"{c}@c.example",) for c in "abcd"]
    assert "displayName" not in records[0].attrs
    assert records[1].attrs["otherMails"] == ("b@x.org",)
    assert not any(name.startswith("employeeOrgData") for name in records[2].attrs)
    assert records[3].attrs["we\\ud801ird"] == ("v",)
    assert source.stats.skipped == {
        "value or name that is not valid Unicode (an unpaired surrogate escape)": 3
    }
    sis = tmp_path / "sis.csv"
    sis.write_text("primary_id,email\n" + "".join(f"{c}1,{c}@c.example\n" for c in "abcd"))
    maps = ["--map", "primary_id=primary_id", "--map", "email=email"]
    out = tmp_path / "r.json"
    code = main(["recommend", "-d", str(path), "-s", str(sis), *maps, "-f", "json", "-o", str(out)])
    assert code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    skipped = [f["message"] for f in report["findings"] if f["code"] == "records-skipped"]
    reason = "value or name that is not valid Unicode (an unpaired surrogate escape)"
    assert skipped == [f"3 items of {path} were skipped: {reason}."]
    assert report["recommendation"]["sis_field"] == "email"


def test_powershell_names_become_graph_names(tmp_path: Path) -> None:
    """ConvertTo-Json's PascalCase, AdditionalProperties and nested objects get Graph's names."""
    user = {
        "Id": "a1",
        "UserPrincipalName": "Ann@c.example",
        "EmployeeId": "000123",
        "OnPremisesExtensionAttributes": {
            "ExtensionAttribute4": "A-4",
            "ExtensionAttribute5": None,
        },
        "ProxyAddresses": ["SMTP:ann@c.example", "smtp:a@c.example"],
        "AccountEnabled": True,
        "AdditionalProperties": {"extension_abc_studentNumber": "S9", "@odata.type": "x"},
        "Identities": [{"SignInType": "userPrincipalName", "IssuerAssignedId": "Ann@c.example"}],
    }
    path = tmp_path / "ps.json"
    path.write_text(json.dumps(user, indent=4), encoding="utf-16")  # PowerShell 5.1's `>`
    _, (record,) = _read(path)
    assert dict(record.attrs) == {
        "id": ("a1",),
        "userPrincipalName": ("Ann@c.example",),
        "employeeId": ("000123",),
        "onPremisesExtensionAttributes.extensionAttribute4": ("A-4",),
        "proxyAddresses": ("SMTP:ann@c.example", "smtp:a@c.example"),
        "accountEnabled": ("true",),
        "extension_abc_studentNumber": ("S9",),
        "identities.signInType": ("userPrincipalName",),
        "identities.issuerAssignedId": ("Ann@c.example",),
    }
    assert record.ref == "users/a1"


@pytest.mark.parametrize(
    ("user", "population"),
    [
        ({"userType": "Guest", "employeeType": "Student"}, GUESTS),
        ({"userType": "Member", "employeeType": "Faculty"}, "Faculty"),
        (
            {"userType": "Member", "onPremisesDistinguishedName": "CN=a,OU=Staff,DC=c,DC=ca"},
            "Staff",
        ),
        ({"userType": "Member"}, MEMBERS),
        ({}, None),
    ],
)
def test_populations(tmp_path: Path, user: dict[str, Any], population: str | None) -> None:
    """Guests first, then employeeType, the OU of the on-premises DN, Members, else none."""
    path = _write(tmp_path / "u.json", _page([{"id": "a", "userPrincipalName": "a@c", **user}]))
    _, (record,) = _read(path)
    assert record.population == population


def test_disabled_marked_or_excluded(tmp_path: Path) -> None:
    """accountEnabled false marks the user disabled; --exclude-disabled leaves it out, counted."""
    users = [
        {"id": "a", "userPrincipalName": "a@c", "accountEnabled": False},
        {"id": "b", "userPrincipalName": "b@c", "accountEnabled": True},
    ]
    path = _write(tmp_path / "u.json", _page(users))
    source, records = _read(path)
    assert [r.info.get("disabled") for r in records] == ["true", None]
    assert [f.count for f in source.findings() if f.code == "directory-disabled-accounts"] == [1]
    source, records = _read(path, exclude_disabled=True)
    assert [r.ref for r in records] == ["users/b"]
    assert source.stats.skipped == {"disabled account excluded": 1}


def test_first_page_only_is_an_error_finding(tmp_path: Path) -> None:
    """Graph Explorer's first page (with @odata.nextLink) alone: an error finding, not silence."""
    link = "https://graph.microsoft.com/v1.0/users?$skiptoken=X1"
    path = _write(tmp_path / "u.json", _page([{"id": "a", "userPrincipalName": "a@c"}], **{
        "@odata.nextLink": link
    }))  # fmt: skip
    source, records = _read(path)
    assert len(records) == 1
    (finding,) = source.findings()
    assert (finding.code, finding.severity.value) == ("entra-next-page-missing", "error")
    assert "page 1 of more" in finding.message


def test_complete_pages_have_no_finding(tmp_path: Path) -> None:
    """Two pages, the second without a next link: complete, no finding."""
    first = _page([{"id": "a", "userPrincipalName": "a@c"}], **{"@odata.nextLink": "n1"})
    second = _page([{"id": "b", "userPrincipalName": "b@c"}])
    source, records = _read(_write(tmp_path / "u.json", first, second))
    assert [r.ref for r in records] == ["users/a", "users/b"]
    assert source.findings() == []


def test_count_larger_than_read_is_an_error_finding(tmp_path: Path) -> None:
    """@odata.count 3 with 2 users read (a middle page lost): the export is incomplete."""
    first = _page([{"id": "a"}], **{"@odata.count": 3, "@odata.nextLink": "n1"})
    last = _page([{"id": "c"}])
    source, _ = _read(_write(tmp_path / "u.json", first, last))
    (finding,) = source.findings()
    assert finding.code == "entra-next-page-missing"
    assert "@odata.count says 3 objects, 2 were read" in finding.message


def test_page_saved_twice_is_a_warning(tmp_path: Path) -> None:
    """The same page twice (same next link): a warning, the users read twice."""
    first = _page([{"id": "a"}], **{"@odata.nextLink": "n1"})
    source, records = _read(_write(tmp_path / "u.json", first, first, _page([{"id": "b"}])))
    assert len(records) == 3
    assert [f.code for f in source.findings()] == ["entra-page-repeated"]


def test_folder_of_pages_in_natural_order(tmp_path: Path) -> None:
    """page2.json is read before page10.json; another file in the folder is counted."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in (1, 2, 10):
        link = {"@odata.nextLink": f"n{n}"} if n != 10 else {}
        _write(folder / f"page{n}.json", _page([{"id": f"u{n}"}], **link))
    (folder / "notes.txt").write_text("exported 2025-01-10")
    source, records = _read(folder)
    assert [r.ref for r in records] == ["users/u1", "users/u2", "users/u10"]
    assert source.summary().files == 3
    assert source.stats.skipped == {"file in the folder that is not .json": 1}


def test_members_listing_skips_groups(tmp_path: Path) -> None:
    """A directoryObjects listing (group members): nested groups are counted, users read."""
    page = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
        "value": [
            {"@odata.type": "#microsoft.graph.user", "id": "a", "userPrincipalName": "a@c"},
            {"@odata.type": "#microsoft.graph.group", "id": "g", "displayName": "Staff"},
        ],
    }
    source, records = _read(_write(tmp_path / "m.json", page))
    assert [r.ref for r in records] == ["users/a"]
    assert source.stats.skipped == {"not a user (#microsoft.graph.group)": 1}


def test_groups_without_context_are_refused(tmp_path: Path) -> None:
    """`Get-MgGroup | ConvertTo-Json` (no @odata.context): no users, a clear error."""
    groups = [{"Id": "g1", "DisplayName": "Staff", "GroupTypes": [], "SecurityEnabled": True}]
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(groups))
    with pytest.raises(InputError) as info:
        _read(path)
    assert info.value.reference == "entra-no-users"
    assert "a group" in info.value.message


def test_admin_center_csv(tmp_path: Path) -> None:
    """The Download users CSV: objectId is id, accountEnabled False is disabled, Guest a guest."""
    path = tmp_path / "exportUsers_2025-1-10.csv"
    path.write_text(
        "userPrincipalName,displayName,objectId,userType,accountEnabled,directorySynced\n"
        "ann@c.example,Ann,id-1,Member,True,True\n"
        "bob_x.example#EXT#@c.onmicrosoft.com,Bob,id-2,Guest,False,\n",
        encoding="utf-8-sig",
    )
    source, (ann, bob) = _read(path)
    assert source.kind == "entra-csv"
    assert (ann.ref, ann.population, ann.attrs["accountEnabled"]) == (
        "users/id-1",
        MEMBERS,
        ("true",),
    )
    assert (bob.population, bob.info) == (GUESTS, {"disabled": "true"})


def test_export_csv_type_names_are_counted(tmp_path: Path) -> None:
    """Get-MgUser | Export-Csv: collections written as type names are counted, not profiled."""
    path = tmp_path / "mg.csv"
    path.write_text(
        "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\n"
        '"Id","UserPrincipalName","ProxyAddresses","ExtensionAttribute3"\n'
        '"a","a@c","System.String[]","X3"\n'
    )
    source, (user,) = _read(path)
    assert dict(user.attrs) == {
        "id": ("a",),
        "userPrincipalName": ("a@c",),
        "onPremisesExtensionAttributes.extensionAttribute3": ("X3",),
    }
    assert source.stats.skipped == {
        "property written by Export-Csv as its type name, not its values": 1
    }


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ann@c.example,Ann,id-1,Member,True\n", "users.csv"),  # Entra download without header
        ("CN=Ann,OU=Staff,DC=c,ann,True\n", "ad.csv"),  # Get-ADUser without header
    ],
)
def test_csv_without_header_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, name: str
) -> None:
    """A CSV whose first row is data: exit 4 `csv-header-missing`, never a traceback."""
    path = tmp_path / name
    path.write_text(text * 3)
    assert main(["ldap", "scan", str(path)]) == 4
    err = capsys.readouterr().err
    assert "csv-header-missing" in err
    assert f"{path}:1" in err
    assert "Traceback" not in err


def test_cut_short_json_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Graph JSON cut short: exit 4 `json-malformed` naming file:line, no traceback."""
    path = tmp_path / "users.json"
    path.write_text('{"value": [\n{"id": "a"},\n{"id": "b"')
    assert main(["ldap", "scan", str(path)]) == 4
    err = capsys.readouterr().err
    assert "json-malformed" in err
    assert f"{path}:3" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("in_folder", [False, True])
def test_empty_json_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], in_folder: bool
) -> None:
    """An empty .json file, alone or as a page of a folder: exit 4 `entra-empty`."""
    path = tmp_path / "page1.json"
    path.write_text("")
    assert main(["ldap", "scan", str(tmp_path if in_folder else path)]) == 4
    assert "entra-empty" in capsys.readouterr().err


def test_detection_leaves_other_exports_alone(tmp_path: Path) -> None:
    """Get-ADUser's CSV (DistinguishedName) and authprobe's saved .jsonl stay with their readers."""
    ad = tmp_path / "ad.csv"
    ad.write_text(
        "DistinguishedName,UserPrincipalName,Enabled,ObjectGUID\n"
        '"CN=a,DC=c",a@c,True,0d2a6c84-3e1f-4b7a-9c55-1e2f3a4b5c6d\n'
    )
    saved = tmp_path / "scan.jsonl"
    saved.write_text('{"format": "authprobe-records", "version": 1, "source": "directory"}\n')
    assert detect(ad) == ""
    assert detect(saved) == ""
    assert isinstance(open_directory(str(ad)), AdCsvExport)
    assert isinstance(open_directory(str(saved)), SavedRecords)
    pages = _write(tmp_path / "export.txt", _page([{"id": "a"}]))  # any name: content decides
    assert detect(pages) == "entra-json"


def test_graph_error_response_is_refused(tmp_path: Path) -> None:
    """A saved Graph error (no permission) is `entra-graph-error` with Graph's code."""
    error = {"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}}
    path = _write(tmp_path / "users.json", error)
    with pytest.raises(InputError) as info:
        _read(path)
    assert info.value.reference == "entra-graph-error"
    assert "Authorization_RequestDenied: Insufficient privileges" in info.value.message


def test_empty_and_odd_keys_are_data_not_crashes(tmp_path: Path) -> None:
    """A key that is empty or an annotation never breaks the reader."""
    path = _write(tmp_path / "u.json", _page([{"id": "a", "": "x", "@odata.etag": "W/1"}]))
    _, (user,) = _read(path)
    assert dict(user.attrs) == {"id": ("a",), "": ("x",)}
