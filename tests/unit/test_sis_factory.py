"""Builders of Alma user XML for the SIS tests, and checks that the builders are sound.

Every figure a test asserts comes from what these builders were asked to write.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree


@dataclass
class User:
    """One `<user>` to write; None leaves an element out, "" writes it empty."""

    primary_id: str | None = "P0001"
    identifiers: Sequence[tuple[str, str]] = ()
    emails: Sequence[tuple[str, bool]] = ()  # (address, preferred)
    user_group: str | None = "STUDENT"
    first_name: str | None = "Ada"
    last_name: str | None = "Lovelace"
    birth_date: str | None = None
    expiry_date: str | None = None
    purge_date: str | None = None
    status: str | None = "ACTIVE"
    extra: Sequence[str] = ()  # raw XML children (unknown elements, ...)
    preferred_as_element: bool = False
    roles: bool = True
    attrs: dict[str, str] = field(default_factory=dict)


def _leaf(name: str, value: str | None) -> str:
    if value is None:
        return ""
    if value == "":
        return f"<{name}/>"
    return f"<{name}>{escape(value)}</{name}>"


def user_xml(user: User) -> str:
    """The `<user>` element, children in an unusual order, on several lines."""
    parts = ["<user>"]
    if user.roles:  # a status and a value deeper in the user, before the user-level ones
        parts.append(
            "<user_roles><user_role><status>INACTIVE</status><scope>X</scope>"
            "<role_type>200</role_type><parameters><parameter><type>x</type>"
            "<value>ROLEVALUE</value></parameter></parameters></user_role></user_roles>"
        )
    parts.append(_leaf("last_name", user.last_name))
    parts.append(_leaf("first_name", user.first_name))
    parts.append(_leaf("user_group", user.user_group))
    if user.identifiers:
        parts.append("<user_identifiers>")
        for id_type, value in user.identifiers:
            parts.append(
                "<user_identifier segment_type='External'>"
                f"{_leaf('value', value)}<id_type desc='x'>{escape(id_type)}</id_type>"
                "<status>ACTIVE</status></user_identifier>"
            )
        parts.append("</user_identifiers>")
    parts.append(_leaf("primary_id", user.primary_id))
    if user.emails:
        parts.append("<contact_info><emails>")
        for address, preferred in user.emails:
            if user.preferred_as_element:
                flag = "<preferred>true</preferred>" if preferred else ""
                parts.append(f"<email>{flag}{_leaf('email_address', address)}</email>")
            else:
                parts.append(
                    f"<email preferred='{'true' if preferred else 'false'}'>"
                    f"{_leaf('email_address', address)}<email_types><email_type>work"
                    "</email_type></email_types></email>"
                )
        parts.append("</emails></contact_info>")
    parts.append(_leaf("birth_date", user.birth_date))
    parts.append(_leaf("expiry_date", user.expiry_date))
    parts.append(_leaf("purge_date", user.purge_date))
    parts.append(_leaf("status", user.status))
    parts.extend(user.extra)
    parts.append("</user>")
    return "\n  ".join(p for p in parts if p)


def users_document(users: Iterable[User], root: str = "users", xmlns: str | None = None) -> str:
    """A whole Alma user file."""
    ns = f' xmlns="{xmlns}"' if xmlns else ""
    body = "\n".join(user_xml(u) for u in users)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{ns}>\n{body}\n</{root}>\n'


def write_users(
    path: Path, users: Iterable[User], root: str = "users", xmlns: str | None = None
) -> Path:
    """Write a user file and return its path."""
    path.write_text(users_document(users, root, xmlns), encoding="utf-8")
    return path


def write_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    """A deflated zip holding `members` (name -> text or bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def user_start_lines(text: str) -> list[int]:
    """1-based line numbers of every `<user>` start tag, counted independently of lxml."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith("<user>")]


def test_users_document_is_well_formed_xml() -> None:
    """The builder writes XML that an ordinary parser reads, with one <user> per user given."""
    text = users_document([User(), User(primary_id="", identifiers=[("BARCODE", "1")])])
    root = etree.fromstring(text.encode())
    assert len(root.findall("user")) == 2


def test_user_start_lines_counts_each_user_once() -> None:
    """user_start_lines finds the line of each <user> start tag."""
    text = users_document([User(), User(), User()])
    assert len(user_start_lines(text)) == 3
