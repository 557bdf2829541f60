"""vocab: attribute Names as IdPs send them -> readable names and directory attributes."""

from __future__ import annotations

import pytest

from authprobe import vocab


@pytest.mark.parametrize(
    ("name", "friendly", "directory"),
    [
        ("urn:oid:2.16.840.1.113730.3.1.3", "employeeNumber", ("employeeNumber",)),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName", ("eduPersonPrincipalName",)),
        ("urn:oid:0.9.2342.19200300.100.1.1", "uid", ("uid",)),
        ("urn:oid:0.9.2342.19200300.100.1.3", "mail", ("mail",)),
        ("urn:oid:1.3.6.1.4.1.25178.1.2.9", "schacHomeOrganization", ("schacHomeOrganization",)),
        ("urn:mace:dir:attribute-def:employeeNumber", "employeeNumber", ("employeeNumber",)),
        (
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
            "UPN",
            ("userPrincipalName",),
        ),
        (
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname",
            "Windows account name (DOMAIN\\user)",
            ("sAMAccountName",),
        ),
        ("user.employeeid", "employee ID", ("employeeID",)),
        (
            "user.onpremisessamaccountname",
            "on-premises sAMAccountName (synced users only)",
            ("sAMAccountName", "onPremisesSamAccountName"),
        ),
    ],
)
def test_known_names(name: str, friendly: str, directory: tuple[str, ...]) -> None:
    """OIDs, SAML1 names, Microsoft claim URIs and Entra names map to a name and an attribute."""
    info = vocab.lookup(name)
    assert info is not None
    assert info.friendly_name == friendly
    assert info.directory_attributes == directory


def test_lookup_is_case_insensitive() -> None:
    """Claim URIs arrive with varying case; the lookup does not care."""
    info = vocab.lookup("HTTP://schemas.xmlsoap.org/ws/2005/05/identity/claims/EmailAddress")
    assert info is not None
    assert info.directory_attributes == ("mail",)


def test_targeted_and_pairwise_ids_are_opaque() -> None:
    """eduPersonTargetedID and pairwise-id are flagged opaque; eduPersonUniqueId is not."""
    assert vocab.lookup("urn:oid:1.3.6.1.4.1.5923.1.1.1.10").opaque  # type: ignore[union-attr]
    assert vocab.lookup("urn:oasis:names:tc:SAML:attribute:pairwise-id").opaque  # type: ignore[union-attr]
    assert not vocab.lookup("urn:oid:1.3.6.1.4.1.5923.1.1.1.13").opaque  # type: ignore[union-attr]


def test_name_derived_values_are_flagged() -> None:
    """mail, UPN and eppn change with a person's name; employeeNumber does not."""
    assert vocab.lookup("urn:oid:0.9.2342.19200300.100.1.3").changes_with_name  # type: ignore[union-attr]
    assert vocab.lookup("user.userprincipalname").changes_with_name  # type: ignore[union-attr]
    assert not vocab.lookup("urn:oid:2.16.840.1.113730.3.1.3").changes_with_name  # type: ignore[union-attr]


def test_names_for_directory_attribute() -> None:
    """Every Name that carries employeeNumber: its OID, its SAML1 name, the plain name."""
    names = set(vocab.names_for_directory_attribute("EMPLOYEENUMBER"))
    assert names == {
        "urn:oid:2.16.840.1.113730.3.1.3",
        "urn:mace:dir:attribute-def:employeeNumber",
        "employeeNumber",
    }


def test_unknown_names_fall_back() -> None:
    """An unknown Name reads as its FriendlyName, else the last part of its URI."""
    assert vocab.lookup("https://college.test/claims/studentid") is None
    assert vocab.friendly_name("https://college.test/claims/studentid") == "studentid"
    assert vocab.friendly_name("urn:x:y:studentNo") == "studentNo"
    assert vocab.friendly_name("https://college.test/a", "Student number") == "Student number"


def test_carries_uses_friendly_name_for_unknown_names() -> None:
    """An unknown Name sent with FriendlyName employeeNumber carries employeeNumber."""
    assert vocab.carries("https://college.test/a", "employeeNumber", "employeeNumber")
    assert not vocab.carries("https://college.test/a", "employeeNumber", None)
    assert vocab.carries("user.employeeid", "employeeid")


@pytest.mark.parametrize(
    ("name", "graph_attribute"),
    [
        ("user.onpremisessamaccountname", "onPremisesSamAccountName"),
        ("user.onpremisesimmutableid", "onPremisesImmutableId"),
        ("user.onpremisessecurityidentifier", "onPremisesSecurityIdentifier"),
        ("user.objectid", "id"),
        ("http://schemas.microsoft.com/identity/claims/objectidentifier", "id"),
        ("user.extensionattribute7", "onPremisesExtensionAttributes.extensionAttribute7"),
        ("user.employeeid", "employeeId"),
        ("user.mail", "mail"),
    ],
)
def test_entra_sources_carry_graph_attributes(name: str, graph_attribute: str) -> None:
    """An Entra claim source carries the attribute as a Graph export names it."""
    assert vocab.carries(name, graph_attribute)


def test_extension_attribute_keeps_its_ad_name() -> None:
    """user.extensionattribute3 still carries AD's extensionAttribute3, not another number."""
    assert vocab.carries("user.extensionattribute3", "extensionAttribute3")
    assert not vocab.carries("user.extensionattribute3", "extensionAttribute13")
