"""A captured login in words, for every format: the protocol's name, and which directory entry
logged in (masked unless values are shown)."""

from __future__ import annotations

from authprobe.model import LoginPerson
from authprobe.reports.mask import reveal_reference

LOGIN_NAMES = {"saml": "SAML", "oidc": "OpenID Connect", "cas": "CAS"}


def login_person_sentence(person: LoginPerson, *, show_values: bool = False) -> str:
    """Which entry logged in with one login, in one sentence."""
    login = LOGIN_NAMES.get(person.protocol, person.protocol)
    if person.ref is not None:
        return (
            f"The {login} login is {reveal_reference(person.ref, show_values)}: the only entry "
            f"holding its most specific released values ({person.released_values_held} of them)."
        )
    if not person.entries:
        return (
            f"No directory entry holds a value the {login} login released: the person who "
            "logged in is not found."
        )
    return (
        f"The person who logged in ({login}) cannot be told apart: {person.entries:,} "
        "directory entries hold the same released values."
    )
