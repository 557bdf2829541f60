"""The JSON of `ldap probe`, `ldap scan` and `ldap lookup`.

`ldap probe` and `ldap lookup` carry no `meta` block (schema_version 1 as published).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from authprobe.model import FieldProfile, Finding
from authprobe.reports.envelope import envelope, ldap_scan_meta
from authprobe.reports.findings import finding_to_dict, findings_markdown_table
from authprobe.reports.json import input_to_dict, profile_to_dict
from authprobe.reports.mask import reveal_reference
from authprobe.reports.md import VALUES_SHOWN, fields_markdown_table, md_table
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


def probe_rows(facts: ServerFacts) -> list[tuple[str, str]]:
    """What `ldap probe` shows, row by row (the terminal table and the Markdown)."""
    tls = facts.tls
    return [
        ("server", f"{facts.kind.value}" + (f" ({facts.vendor})" if facts.vendor else "")),
        ("naming contexts", "\n".join(facts.naming_contexts) or "-"),
        ("default base", facts.default_base or "-"),
        ("paged results", "yes" if facts.paged_results else "NO (scans may be truncated)"),
        ("SASL mechanisms", ", ".join(facts.sasl_mechanisms) or "-"),
        ("bound as", facts.bound_as or "anonymous"),
        ("who am I", facts.who_am_i or "(not supported)"),
        (
            "TLS",
            "none (plain LDAP)"
            if tls is None
            else f"{tls.protocol} {tls.cipher}; certificate {tls.subject or '?'}, issued by "
            f"{tls.issuer or '?'}, expires {tls.not_after or '?'}"
            + ("" if tls.verified else " [NOT VERIFIED]"),
        ),
        ("person classes", ", ".join(facts.person_classes) or "-"),
        (
            f"person attributes ({len(facts.person_attributes)})",
            ", ".join(facts.person_attributes) or "(schema not readable)",
        ),
    ]


def probe_markdown(facts: ServerFacts) -> str:
    """`ldap probe --format md`."""
    rows: list[list[object]] = [[name, value] for name, value in probe_rows(facts)]
    return "\n".join([f"# LDAP server {facts.location}", "", *md_table(["fact", "value"], rows)])


def ldap_scan_markdown(
    source: RecordSource,
    profiles: list[FieldProfile],
    findings: list[Finding],
    elapsed: float,
    *,
    show_values: bool,
) -> str:
    """`ldap scan --format md`: the scan line, what was skipped, the findings (DNs masked
    unless `show_values`) and the field profiles."""
    summary = source.summary()
    lines = ["# Directory scan", ""]
    if show_values:
        lines += [VALUES_SHOWN, ""]
    lines += [scan_line(source, summary.records, summary.location, elapsed) + ".", ""]
    lines += [f"- skipped: {n:,} × {reason}" for reason, n in sorted(summary.skipped.items())]
    lines += [f"- left out on purpose: {n:,} × {why}" for why, n in summary.withheld.items()]
    masked = [
        replace(f, examples=tuple(reveal_reference(e, show_values) for e in f.examples))
        for f in findings
    ]
    return (
        "\n".join(lines).rstrip("\n")
        + "\n\n## Findings\n\n"
        + findings_markdown_table(masked)
        + "\n## Fields\n\n"
        + fields_markdown_table(profiles)
    )


def lookup_markdown(
    result: LookupResult, shown_filter: str, verdict: str, *, show_values: bool
) -> str:
    """`ldap lookup --format md`: the search, the entries found (masked) and the verdict."""
    entries = [f"- `{reveal_reference(r.ref, show_values)}`" for r in result.entries]
    return "\n".join(
        [
            "# LDAP login lookup",
            "",
            f"Search base `{result.base}`, filter `{shown_filter}`: "
            f"{plural(len(result.entries), 'matching entry', 'matching entries')}.",
            "",
            *entries,
            *([""] if entries else []),
            f"**{verdict}**",
            "",
        ]
    )
