"""The one reader of Alma's user XML: a complete `<user>` element turned into a `Record`.

Fields (`Record.attrs`): `primary_id` (raw, unstripped: whitespace problems stay visible),
`identifier:<ID_TYPE>` per `user_identifier` type, `email` (the preferred address, else the first)
and `email:all`. Names, `user_group`, `status`, dates go to `Record.info`; `user_group` is the
population.
"""

from __future__ import annotations

import sys
from typing import Any

from lxml import etree

from authprobe.errors import at_line
from authprobe.model import ReadStats, Record

USER_CHILDREN = frozenset(
    {
        "account_type", "birth_date", "campus_code", "cataloger_level", "contact_info",
        "expiry_date", "external_id", "fees", "first_name", "force_password_change", "full_name",
        "gender", "is_researcher", "job_category", "job_description", "last_name",
        "last_patron_activity_date", "library_notices", "linking_id", "loans", "middle_name",
        "password", "pin_number", "pref_first_name", "pref_last_name", "pref_middle_name",
        "pref_name_suffix", "preferred_language", "primary_id", "proxy_for_users", "purge_date",
        "record_type", "requests", "researcher", "rs_libraries", "source_institution_code",
        "source_link_id", "status", "status_date", "user_blocks", "user_group",
        "user_identifiers", "user_notes", "user_roles", "user_statistics", "user_title",
        "web_site_url",
    }
)  # fmt: skip
"""The children of `<user>` that Alma's rest_user.xsd declares (anything else is unknown)."""

INFO_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "user_group",
    "status",
    "record_type",
    "account_type",
    "job_category",
    "campus_code",
    "external_id",
    "expiry_date",
    "purge_date",
    "birth_date",
)
"""Leaf children of `<user>` copied into `Record.info` when not empty."""

_TRUE = frozenset({"true", "1"})
EMPTY_IDENTIFIER = "empty_identifiers"
"""`Record.info` key: the id_types of the record's identifiers whose <value> is empty."""
SKIP_NO_ID_TYPE = "user_identifier without id_type (value ignored)"
"""`ReadStats` reason: a user_identifier with a value but no id_type."""


_LEAF_PRIMARY = "primary_id"
_IDENTIFIERS = "\x00identifiers"
_CONTACT = "\x00contact"
_intern = sys.intern


class _Tags:
    """Element names in the file's namespace (Clark notation `{ns}name`), or plain."""

    def __init__(self, namespace: str | None) -> None:
        def q(name: str) -> str:
            return f"{{{namespace}}}{name}" if namespace else name

        self.user = q("user")
        self.id_type = q("id_type")
        self.value = q("value")
        self.emails = q("emails")
        self.email_address = q("email_address")
        self.preferred = q("preferred")
        # what to do with each child of <user>: a field name, a marker, or "" (known, not read)
        self.kinds: dict[str, str] = {q(name): "" for name in USER_CHILDREN}
        self.kinds.update({q(name): name for name in INFO_FIELDS})
        self.kinds[q("primary_id")] = _LEAF_PRIMARY
        self.kinds[q("user_identifiers")] = _IDENTIFIERS
        self.kinds[q("contact_info")] = _CONTACT


_TAGS_CACHE: dict[str | None, _Tags] = {}


def tags_for(namespace: str | None) -> _Tags:
    tags = _TAGS_CACHE.get(namespace)
    if tags is None:
        tags = _TAGS_CACHE[namespace] = _Tags(namespace)
    return tags


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else "?"


class UserReader:
    """Turns one complete `<user>` element into a `Record` (direct children, one level down)."""

    def __init__(self, tags: _Tags, stats: ReadStats, label: str) -> None:
        self.tags = tags
        self.stats = stats
        self.label = label

    def read(self, user: Any) -> Record:
        kinds = self.tags.kinds
        info: dict[str, str] = {}
        attrs: dict[str, tuple[str, ...]] = {}
        unknown: list[str] = []
        primary = None
        for child in user:
            kind = kinds.get(child.tag)
            if kind is None:
                if isinstance(child.tag, str):  # not a comment or a processing instruction
                    unknown.append(_local(child.tag))
            elif kind is _LEAF_PRIMARY:
                primary = child.text
            elif kind is _IDENTIFIERS:
                self._identifiers(child, attrs, info)
            elif kind is _CONTACT:
                self._emails(child, attrs, info)
            elif kind:
                text = child.text
                if text is not None:
                    text = text.strip()
                    if text:
                        info[kind] = text
        if primary is not None and primary.strip():
            attrs["primary_id"] = (primary,)
        if unknown:
            info["unknown_elements"] = ",".join(unknown)
        group = info.get("user_group")
        if group is not None:
            group = info["user_group"] = _intern(group)
        return Record(f"{self.label}:{_start_line(user)}", attrs, group, info)

    def _identifiers(
        self, container: Any, attrs: dict[str, tuple[str, ...]], info: dict[str, str]
    ) -> None:
        tags = self.tags
        for identifier in container:
            id_type = value = None
            for child in identifier:
                tag = child.tag
                if tag == tags.id_type:
                    id_type = child.text
                elif tag == tags.value:
                    value = child.text
            if not isinstance(identifier.tag, str):
                continue  # a comment
            id_type = (id_type or "").strip()
            if value is None or not value.strip():
                # Alma rejects the whole record ("Mandatory field is missing: User identifier
                # value"): the lint reports it as an error
                empty = info.get(EMPTY_IDENTIFIER)
                name = id_type or "(no id_type)"
                info[EMPTY_IDENTIFIER] = f"{empty},{name}" if empty else name
                continue
            if not id_type:
                self.stats.skip(SKIP_NO_ID_TYPE, at_line(self.label, identifier.sourceline))
                continue
            key = f"identifier:{id_type}"
            attrs[key] = (*attrs[key], value) if key in attrs else (value,)

    def _emails(
        self, contact_info: Any, attrs: dict[str, tuple[str, ...]], info: dict[str, str]
    ) -> None:
        tags = self.tags
        addresses: list[str] = []
        preferred: list[str] = []
        for emails in contact_info.iterchildren(tags.emails):
            for email in emails:
                address = None
                flag = (email.get("preferred") or "").strip().lower() in _TRUE
                for child in email:
                    tag = child.tag
                    if tag == tags.email_address:
                        address = child.text
                    elif tag == tags.preferred:
                        flag = flag or (child.text or "").strip().lower() in _TRUE
                if address is None or not address.strip():
                    continue
                addresses.append(address)
                if flag:
                    preferred.append(address)
        if addresses:
            attrs["email"] = (preferred[0] if preferred else addresses[0],)
            attrs["email:all"] = tuple(addresses)
        if len(preferred) > 1:
            info["preferred_emails"] = str(len(preferred))


def _start_line(el: Any) -> int:
    """The line of an element's start tag.

    libxml2 stores lines above 65535 outside the node and then answers with the line where the
    element's first text child *ends*; take back the newlines of that leading text.
    """
    line: int = el.sourceline or 0
    if line >= 65535 and el.text:
        line -= el.text.count("\n")
    return line
