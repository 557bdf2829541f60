"""The real Graph responses of ../shared/corpus/entra: users read, the group listing refused.

Expected figures were read from the files themselves (the `value` arrays, their `id`s and the
non-null extensionAttributes), not from authprobe's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authprobe.cli.app import main
from authprobe.errors import InputError
from authprobe.sources.directory_files.entra import EntraExport
from authprobe.sources.directory_files.saved import open_directory

ENTRA = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "entra"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not ENTRA.is_dir(), reason="../shared/corpus is absent"),
]

USERS = {
    "graph_docs_list_users_default.json": [
        "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0",
        "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e",
    ],
    "mslearn_users_select_onprem_extension_attributes.json": [
        "6e03a2db-564a-47ec-ba51-d0cd38af069a"
    ],
    "mslearn_users_filter_extension_attributes_count.json": [
        "6e03a2db-564a-47ec-ba51-d0cd38af069a"
    ],
}


def _files() -> list[str]:
    return sorted(p.name for p in ENTRA.iterdir() if p.is_file()) if ENTRA.is_dir() else []


@pytest.mark.parametrize("name", _files())
def test_every_file_reads_or_is_refused_cleanly(name: str) -> None:
    """Each users file gives its users by Graph id; the group entity is `entra-not-users`."""
    source = open_directory(str(ENTRA / name))
    assert isinstance(source, EntraExport)
    if name in USERS:
        assert [r.ref for r in source.records()] == [f"users/{i}" for i in USERS[name]]
        assert source.findings() == []
    else:
        with pytest.raises(InputError) as info:
            list(source.records())
        assert info.value.reference == "entra-not-users"


def test_default_property_set() -> None:
    """The default listing: null properties are absent, mail present on one user of two."""
    source = open_directory(str(ENTRA / "graph_docs_list_users_default.json"))
    room, admin = list(source.records())
    assert room.attrs["mail"] == ("Adams@contoso.com",)
    assert "mail" not in admin.attrs
    assert "givenName" not in room.attrs
    assert admin.attrs["businessPhones"] == ("425-555-0100",)
    assert "businessPhones" not in room.attrs  # an empty list
    assert room.population is None  # no userType selected: nothing to say


def test_extension_attributes_under_their_graph_names() -> None:
    """extensionAttribute13-15 are set, the twelve null ones are absent."""
    source = open_directory(str(ENTRA / "mslearn_users_filter_extension_attributes_count.json"))
    (adele,) = source.records()
    extensions = {k: v for k, v in adele.attrs.items() if k.startswith("onPremisesExtension")}
    prefix = "onPremisesExtensionAttributes.extensionAttribute"
    assert extensions == {
        f"{prefix}13": ("www.linkedin.com/in/adelevanceonlinkedIn",),
        f"{prefix}14": ("AdeleV",),
        f"{prefix}15": ("AwesomeAdele",),
    }


def test_odata_count_met() -> None:
    """@odata.count 1 and one user read: no incomplete-export finding."""
    source = open_directory(str(ENTRA / "mslearn_users_filter_extension_attributes_count.json"))
    assert isinstance(source, EntraExport)
    list(source.records())
    assert source.scan_facts()["odata_count"] == 1
    assert source.findings() == []


def test_group_listing_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    """`ldap scan` of the group entity: exit 4, a one-paragraph error, no traceback."""
    assert main(["ldap", "scan", str(ENTRA / "mslearn_group_entity_not_users.json")]) == 4
    err = capsys.readouterr().err
    assert "entra-not-users" in err
    assert "listing of groups" in err
    assert "Traceback" not in err
