"""Active Directory binary values: GUIDs, immutableIds, SIDs, userAccountControl."""

from __future__ import annotations

import pytest

from authprobe.sources.ldap import ad

# 01234567-89ab-cdef-0123-456789abcdef stored little-endian (first three groups byte-swapped).
GUID_TEXT = "01234567-89ab-cdef-0123-456789abcdef"
GUID_BYTES = bytes.fromhex("67452301ab89efcd0123456789abcdef")
# S-1-5-21-1-2-3-500: revision 1, 5 sub-authorities, authority 5 (big-endian, 6 bytes).
SID_TEXT = "S-1-5-21-1-2-3-500"
SID_BYTES = bytes.fromhex("010500000000000515000000010000000200000003000000f4010000")


def test_guid_little_endian_to_uuid_text() -> None:
    """objectGUID bytes are read in AD's little-endian order."""
    assert ad.guid_to_text(GUID_BYTES) == GUID_TEXT


def test_guid_immutable_id_is_base64_of_the_stored_bytes() -> None:
    """The immutableId is base64 of the 16 bytes as stored, and converts back to the UUID."""
    immutable = ad.guid_to_immutable_id(GUID_BYTES)
    assert immutable == "Z0UjAauJ780BI0VniavN7w=="
    assert ad.immutable_id_to_guid(immutable) == GUID_TEXT


def test_guid_text_to_bytes_roundtrip() -> None:
    """UUID text converts back to the bytes AD stores."""
    assert ad.guid_text_to_bytes(GUID_TEXT) == GUID_BYTES


def test_guid_wrong_length_refused() -> None:
    """A GUID that is not 16 bytes is an error, not a wrong UUID."""
    with pytest.raises(ad.BinaryValueError):
        ad.guid_to_text(GUID_BYTES[:15])


def test_sid_to_text() -> None:
    """objectSid: revision, big-endian authority, little-endian sub-authorities."""
    assert ad.sid_to_text(SID_BYTES) == SID_TEXT


def test_sid_text_roundtrip() -> None:
    """S-1-5-... text converts back to the binary SID."""
    assert ad.sid_text_to_bytes(SID_TEXT) == SID_BYTES


def test_sid_length_must_match_count() -> None:
    """A SID whose length disagrees with its sub-authority count is refused."""
    with pytest.raises(ad.BinaryValueError):
        ad.sid_to_text(SID_BYTES[:-1])


def test_registry_is_case_insensitive_and_ignores_options() -> None:
    """Attribute names match whatever their case or options."""
    assert ad.is_binary_identifier("OBJECTGUID")
    assert ad.is_binary_identifier("mS-DS-ConsistencyGuid")
    assert ad.is_binary_identifier("objectSid")
    assert not ad.is_binary_identifier("jpegPhoto")
    assert ad.is_binary_attribute("userCertificate;binary")
    assert ad.is_binary_attribute("thumbnailPhoto")
    assert not ad.is_binary_attribute("mail")
    assert ad.is_secret("userPassword")
    assert ad.is_secret("unicodePwd")


def test_decode_identifier_adds_immutable_id_for_guids() -> None:
    """A GUID attribute yields the UUID text and the immutableId under a suffixed name."""
    pairs = ad.decode_identifier("objectGUID", GUID_BYTES)
    assert pairs == [
        ("objectGUID", GUID_TEXT),
        ("objectGUID;immutableId", "Z0UjAauJ780BI0VniavN7w=="),
    ]
    assert ad.decode_identifier("objectSid", SID_BYTES) == [("objectSid", SID_TEXT)]


@pytest.mark.parametrize(
    ("value", "disabled"),
    [("512", False), ("514", True), ("66050", True), ("66048", False), ("x", False)],
)
def test_user_account_control_disabled_bit(value: str, disabled: bool) -> None:
    """Bit 2 (ACCOUNTDISABLE) of userAccountControl marks a disabled account."""
    assert ad.is_disabled(value) is disabled
