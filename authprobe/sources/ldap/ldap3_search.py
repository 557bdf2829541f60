"""A search sent and decoded by ldap3 (`LdapDirectory(fast=False)`, and when a SASL security
layer wraps the connection so its bytes cannot be read directly). The same pages as
`raw_search`, more slowly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ldap3

from authprobe.sources.directory_files.entries import EntryConverter
from authprobe.sources.ldap import ber
from authprobe.sources.ldap.request import Page, Request, cut_values, next_range
from authprobe.sources.ldap.settings import LDAP3_SCOPES, Scope

if TYPE_CHECKING:
    from authprobe.sources.ldap.fast_profile import FastProfile
    from authprobe.sources.ldap.search import ScanFacts


class Ldap3Search:
    """Searches over one connection, answers decoded by ldap3."""

    def __init__(
        self, connection: ldap3.Connection, facts: ScanFacts, converter: EntryConverter
    ) -> None:
        self.connection = connection
        self.facts = facts
        self.converter = converter

    def search(
        self, request: Request, into: Page, fast: FastProfile | None = None
    ) -> tuple[ber.Result, bytes | None]:
        """Run one search request; append (dn, attrs, ranged) to `into`; return the result and
        the paged cookie (None when the server sent none). `fast` is not used: every entry
        goes to `into`."""
        connection = self.connection
        connection.search(
            request.base,
            request.filter,
            LDAP3_SCOPES[Scope(request.scope)],
            dereference_aliases=ldap3.DEREF_NEVER,
            attributes=list(request.attributes),
            controls=request.controls,
        )
        for item in connection.response or []:
            if item.get("type") == "searchResRef":
                for uri in item.get("uri", []):
                    self.facts.referrals.append(uri)
                    self.converter.stats.skip("referral not followed", uri)
                continue
            if item.get("type") == "searchResEntry":
                into.append(self._entry(item))
        result = connection.result or {}
        cookie = None
        paged = (result.get("controls") or {}).get(ber.PAGED_RESULTS_OID)
        if paged:
            cookie = paged.get("value", {}).get("cookie") or b""
        referrals = tuple(result.get("referrals") or ())
        return ber.Result(
            int(result.get("result", 0)), result.get("dn", ""), result.get("message", ""), referrals
        ), cookie

    def _entry(self, item: Any) -> tuple[str, dict[str, list[str]], list[tuple[str, str]]]:
        """One searchResEntry as ldap3 decoded it (raw values, decoded by the converter)."""
        dn: str = item["dn"]
        attrs: dict[str, list[str]] = {}
        ranged: list[tuple[str, str]] = []
        for name, values in item["raw_attributes"].items():
            text_name = self.converter.add_raw(attrs, name.encode(), list(values), dn)
            if ";range=" in text_name.lower():
                following = next_range(text_name)
                if following:
                    ranged.append((text_name, following))
            else:
                cut = cut_values(dn, text_name, len(values))
                if cut is not None:
                    self.facts.truncated.append(cut)
        return dn, attrs, ranged
