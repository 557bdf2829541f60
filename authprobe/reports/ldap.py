"""The JSON of `ldap probe`, `ldap scan` and `ldap lookup`.

`ldap probe` and `ldap lookup` carry no `meta` block (schema_version 1 as published).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from authprobe.model import FieldProfile, Finding
from authprobe.reports.envelope import envelope, ldap_scan_meta
from authprobe.reports.findings import finding_to_dict
from authprobe.reports.json import input_to_dict, profile_to_dict
from authprobe.reports.mask import reveal_reference
from authprobe.sources import RecordSource
from authprobe.sources.directory_files.entra import EntraExport
from authprobe.sources.ldap.directory import LdapDirectory, LookupResult
from authprobe.sources.ldap.probe import ServerFacts
from authprobe.wording import plural


def probe_to_dict(facts: ServerFacts) -> dict[str, Any]:
    """`ldap probe --format json`: what the server is and offers."""
    tls = facts.tls
    return envelope(
        None,
        {
            "location": facts.location,
            "kind": facts.kind.value,
            "vendor": facts.vendor,
            "version": facts.version,
            "naming_contexts": list(facts.naming_contexts),
            "default_base": facts.default_base,
            "paged_results": facts.paged_results,
            "controls": list(facts.controls),
            "sasl_mechanisms": list(facts.sasl_mechanisms),
            "bound_as": facts.bound_as or None,
            "who_am_i": facts.who_am_i,
            "tls": None
            if tls is None
            else {
                "protocol": tls.protocol,
                "cipher": tls.cipher,
                "verified": tls.verified,
                "subject": tls.subject,
                "issuer": tls.issuer,
                "not_after": tls.not_after,
            },
            "person_classes": list(facts.person_classes),
            "person_attributes": list(facts.person_attributes),
        },
    )


def scan_facts_to_dict(source: RecordSource) -> dict[str, Any] | None:
    """How a directory was read (a live search, an Entra export; None for a file)."""
    if isinstance(source, EntraExport):
        return source.scan_facts()
    if not isinstance(source, LdapDirectory):
        return None
    facts = source.facts
    return {
        "server_kind": facts.kind.value,
        "base": facts.base,
        "filter": facts.filter,
        "scope": facts.scope,
        "paged": facts.paged,
        "page_size": facts.page_size,
        "pages": facts.pages,
        "largest_page": facts.largest_page,
        "entries": facts.entries,
        "referrals": len(facts.referrals),
        "ranged_fetches": facts.ranged_fetches,
        "disabled": facts.disabled,
    }


def ldap_scan_to_dict(
    source: RecordSource,
    profiles: list[FieldProfile],
    findings: list[Finding],
    started: datetime,
    finished: datetime,
    *,
    show_values: bool,
) -> dict[str, Any]:
    """`ldap scan --format json`: the input, the scan's facts, the profiles and findings."""
    return envelope(
        ldap_scan_meta(started, finished, show_values=show_values),
        {
            "inputs": [input_to_dict(source.summary())],
            "scan": scan_facts_to_dict(source),
            "profiles": [profile_to_dict(p, show_values=show_values) for p in profiles],
            "findings": [finding_to_dict(f, show_values=show_values) for f in findings],
        },
    )


def lookup_to_dict(
    result: LookupResult, shown_filter: str, verdict: str, *, show_values: bool
) -> dict[str, Any]:
    """`ldap lookup --format json` (`shown_filter`: the filter with the value typed masked
    unless `show_values`)."""
    return envelope(
        None,
        {
            "base": result.base,
            "filter": shown_filter,
            "matches": len(result.entries),
            "ok": result.ok,
            "entries": [reveal_reference(r.ref, show_values) for r in result.entries],
            "verdict": verdict,
        },
    )


def scan_line(source: RecordSource, records: int, location: str, elapsed: float) -> str:
    """`2,502 person entries read from URL in 0.1 s (OpenLDAP; base ...; 3 pages ...)`."""
    if isinstance(source, EntraExport):
        facts = source.scan_facts()
        what = "Graph JSON" if facts["format"] == "entra-json" else "CSV"
        pages = f"; {plural(facts['pages'], 'page')}" if facts["pages"] else ""
        files = f" in {facts['files']:,} files" if facts["files"] > 1 else ""
        return (
            f"{plural(records, 'user')} read from {location} in {elapsed:.1f} s (Microsoft Entra "
            "ID "
            f"{what}{pages}{files}; {plural(facts['guests'], 'guest')}, {facts['disabled']:,} "
            "disabled)"
        )
    line = (
        f"{plural(records, 'person entry', 'person entries')} read from {location} in "
        f"{elapsed:.1f} s"
    )
    ldap = scan_facts_to_dict(source)
    if ldap:
        line += (
            f" ({ldap['server_kind']}; base {ldap['base']}; {plural(ldap['pages'], 'page')} of at "
            f"most {ldap['page_size']}; filter {ldap['filter']})"
        )
    return line
