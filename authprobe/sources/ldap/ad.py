"""Active Directory's binary values turned into the text people and IdPs use.

`objectGUID` and `mS-DS-ConsistencyGuid` are 16 bytes in little-endian GUID order: shown as a
UUID (`uuid.UUID(bytes_le=...)`) and as the base64 "immutableId" Entra Connect uses as the
sourceAnchor. `objectSid` is shown as `S-1-5-21-...`. Photos and certificates are binary too, but
they are not identifiers: readers skip them and count them.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Final

IMMUTABLE_ID_SUFFIX: Final = ";immutableId"
"""A GUID's base64 form is reported as an extra attribute, e.g. `objectGUID;immutableId`."""

USER_ACCOUNT_CONTROL: Final = "useraccountcontrol"
ACCOUNTDISABLE: Final = 0x2


class BinaryValueError(ValueError):
    """A binary value does not have the layout its attribute promises."""


def guid_to_text(raw: bytes) -> str:
    """16 bytes in AD's little-endian GUID order -> `xxxxxxxx-xxxx-...` (lower case), the text
    of `uuid.UUID(bytes_le=raw)` (built directly: four times faster)."""
    if len(raw) != 16:
        raise BinaryValueError(f"a GUID has 16 bytes, not {len(raw)}")
    h = (raw[3::-1] + raw[5:3:-1] + raw[7:5:-1] + raw[8:]).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def guid_to_immutable_id(raw: bytes) -> str:
    """16 GUID bytes -> the base64 text Entra ID calls immutableId (`base64(bytes_le)`)."""
    if len(raw) != 16:
        raise BinaryValueError(f"a GUID has 16 bytes, not {len(raw)}")
    return base64.b64encode(raw).decode("ascii")


def immutable_id_to_guid(immutable_id: str) -> str:
    """An Entra immutableId (base64 of the GUID bytes) -> the UUID text of the same object."""
    try:
        raw = binascii.a2b_base64(immutable_id, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise BinaryValueError(f"not base64: {immutable_id!r}") from exc
    return guid_to_text(raw)


def guid_text_to_bytes(text: str) -> bytes:
    """UUID text -> the 16 bytes AD stores (used to search `objectGUID=\\xx\\xx...`)."""
    return uuid.UUID(text).bytes_le


def sid_to_text(raw: bytes) -> str:
    """A binary SID -> `S-1-5-21-...` (revision, 48-bit authority, little-endian sub-IDs)."""
    if len(raw) < 8:
        raise BinaryValueError(f"a SID has at least 8 bytes, not {len(raw)}")
    revision = raw[0]
    count = raw[1]
    if len(raw) != 8 + 4 * count:
        raise BinaryValueError(f"a SID with {count} sub-authorities has {8 + 4 * count} bytes")
    authority = int.from_bytes(raw[2:8], "big")
    subs = [int.from_bytes(raw[8 + 4 * i : 12 + 4 * i], "little") for i in range(count)]
    return "-".join(["S", str(revision), str(authority), *map(str, subs)])


def sid_text_to_bytes(text: str) -> bytes:
    """`S-1-5-21-...` -> the binary SID (the inverse of `sid_to_text`)."""
    parts = text.split("-")
    if len(parts) < 3 or parts[0].upper() != "S":
        raise BinaryValueError(f"not a SID: {text!r}")
    try:
        revision, authority, *subs = (int(part) for part in parts[1:])
    except ValueError as exc:
        raise BinaryValueError(f"not a SID: {text!r}") from exc
    out = bytes([revision, len(subs)]) + authority.to_bytes(6, "big")
    return out + b"".join(sub.to_bytes(4, "little") for sub in subs)


Decoder = Callable[[bytes], str]

_GUID_ATTRIBUTES: Final = frozenset(
    {
        "objectguid",
        "ms-ds-consistencyguid",
        "msds-consistencyguid",
        "msexchmailboxguid",
        "msexcharchiveguid",
    }
)
_SID_ATTRIBUTES: Final = frozenset({"objectsid", "sidhistory", "securityidentifier"})

BINARY_IDENTIFIERS: Final[dict[str, Decoder]] = {
    **dict.fromkeys(_GUID_ATTRIBUTES, guid_to_text),
    **dict.fromkeys(_SID_ATTRIBUTES, sid_to_text),
}
"""Binary attributes that are identifiers, by lower-cased name, with their text decoder."""

BINARY_NOT_IDENTIFIERS: Final = frozenset(
    {
        "jpegphoto",
        "thumbnailphoto",
        "thumbnaillogo",
        "photo",
        "audio",
        "usercertificate",
        "usersmimecertificate",
        "cacertificate",
        "crosscertificatepair",
        "certificaterevocationlist",
        "authorityrevocationlist",
        "userpkcs12",
        "msexchmailboxsecuritydescriptor",
        "ntsecuritydescriptor",
        "msds-generationid",
        "logonhours",
        "userparameters",
        "msexchsafesendershash",
        "msexchblockedsendershash",
        "msexchsaferecipientshash",
        "msds-keycredentiallink",
        "mspki-credentialroamingtokens",
        "replpropertymetadata",
        "dsasignature",
        "msexchumspokenname",
        "terminalserver",
        "msrtcsip-userroutinggroupid",
    }
)
"""Binary attributes that are not identifiers (photos, certificates, security descriptors)."""

SECRET_ATTRIBUTES: Final = frozenset(
    {
        "userpassword",
        "unicodepwd",
        "dbcspwd",
        "ntpwdhistory",
        "lmpwdhistory",
        "supplementalcredentials",
        "sambantpassword",
        "sambalmpassword",
        "sambapasswordhistory",
        "authpassword",
        "ms-mcs-admpwd",
        "mslaps-password",
        "mslaps-encryptedpassword",
    }
)
"""Password attributes: never read into a record, never profiled, never shown."""


def base_name(attribute: str) -> str:
    """`userCertificate;binary` -> `userCertificate`; `cn;lang-fr` -> `cn` (options dropped)."""
    return attribute.split(";", 1)[0]


def is_binary_identifier(attribute: str) -> bool:
    """True for objectGUID, objectSid and the other binary attributes decoded to text."""
    return base_name(attribute).lower() in BINARY_IDENTIFIERS


def is_binary_attribute(attribute: str) -> bool:
    """True for every attribute known to hold binary values (identifiers or not)."""
    name = base_name(attribute).lower()
    return name in BINARY_IDENTIFIERS or name in BINARY_NOT_IDENTIFIERS


def is_secret(attribute: str) -> bool:
    """True for password hashes and similar secrets (never read, never shown)."""
    return base_name(attribute).lower() in SECRET_ATTRIBUTES


def is_guid_attribute(attribute: str) -> bool:
    """True for objectGUID, mS-DS-ConsistencyGuid and other GUID-valued attributes."""
    return base_name(attribute).lower() in _GUID_ATTRIBUTES


def decode_identifier(attribute: str, raw: bytes) -> list[tuple[str, str]]:
    """A binary identifier -> `(attribute, text)` pairs: the canonical text, plus for GUIDs the
    immutableId form under `<attribute>;immutableId`.

    Raises `BinaryValueError` when the bytes do not fit the attribute (wrong length).
    """
    decoder = BINARY_IDENTIFIERS[base_name(attribute).lower()]
    pairs = [(attribute, decoder(raw))]
    if is_guid_attribute(attribute):
        pairs.append((attribute + IMMUTABLE_ID_SUFFIX, guid_to_immutable_id(raw)))
    return pairs


def is_disabled(user_account_control: str) -> bool:
    """True when AD's userAccountControl has the ACCOUNTDISABLE bit (2) set."""
    try:
        return bool(int(user_account_control.strip()) & ACCOUNTDISABLE)
    except ValueError:
        return False
