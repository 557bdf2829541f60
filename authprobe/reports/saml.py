"""The JSON and Markdown of `saml decode` (and `saml test-sp`).

Identifier values (NameID, attribute values) are masked unless `show_values`; entityIDs,
attribute Names, endpoints and certificates describe the IdP, not a person, and are shown as is.
The Markdown is built from the JSON data, so the two never disagree.
"""

from __future__ import annotations

from typing import Any

from authprobe import vocab
from authprobe.reports.envelope import document_meta, envelope
from authprobe.reports.envelope import iso_z as _when
from authprobe.reports.findings import finding_to_dict
from authprobe.reports.mask import reveal
from authprobe.reports.md import VALUES_SHOWN
from authprobe.reports.md import md_findings as _md_findings
from authprobe.reports.md import md_table as _md_table
from authprobe.sources.saml.message import Assertion, Attribute


def attribute_to_dict(attribute: Attribute, show_values: bool) -> dict[str, Any]:
    """One released attribute (values masked unless show_values)."""
    return {
        "name": attribute.name,
        "name_format": attribute.name_format,
        "friendly_name": attribute.friendly_name,
        "readable_name": attribute.readable_name,
        "directory_attributes": list(
            vocab.directory_attributes(attribute.name, attribute.friendly_name)
        ),
        "values": [reveal(v, show_values) for v in attribute.values],
        "nil_values": attribute.nil_values,
    }


def assertion_to_dict(login: Assertion, *, show_values: bool = False) -> dict[str, Any]:
    """The body of `saml decode --format json` (also used by `saml test-sp --save`)."""
    nameid = login.nameid
    return {
        "location": login.location,
        "input_format": login.input_format,
        "message": login.message,
        "response": {
            "id": login.response_id,
            "issuer": login.response_issuer,
            "destination": login.destination,
            "in_response_to": login.in_response_to,
            "issue_instant": _when(login.issue_instant),
            "status": login.status,
            "status_message": login.status_message,
        },
        "assertion": {
            "id": login.assertion_id,
            "issuer": login.issuer,
            "encrypted": login.encrypted,
            "decrypted": login.decrypted,
            "not_before": _when(login.not_before),
            "not_on_or_after": _when(login.not_on_or_after),
            "audiences": list(login.audiences),
            "recipient": login.recipient,
            "authn_instant": _when(login.authn_instant),
            "authn_context": login.authn_context,
            "session_index": login.session_index,
        },
        "nameid": None
        if nameid is None
        else {
            "value": reveal(nameid.value, show_values) if nameid.value else None,
            "format": nameid.format,
            "format_short": nameid.format_short,
            "name_qualifier": nameid.name_qualifier,
            "sp_name_qualifier": nameid.sp_name_qualifier,
            "encrypted": nameid.encrypted,
            "opaque": nameid.opaque,
        },
        "attributes": [attribute_to_dict(a, show_values) for a in login.attributes],
        "encrypted_attributes": login.encrypted_attributes,
        "signatures": [
            {
                "element": s.element,
                "element_id": s.element_id,
                "algorithm": s.algorithm,
                "digest_algorithm": s.digest_algorithm,
                "verified": s.verified,
                "certificate": s.certificate,
                "detail": s.detail,
            }
            for s in login.signatures
        ],
        "trusted": login.trusted,
        "trust_detail": login.trust_detail,
        "findings": [finding_to_dict(f, show_values=True) for f in login.findings],
    }


def decode_to_dict(
    login: Assertion, *, show_values: bool = False, command: str = "saml decode"
) -> dict[str, Any]:
    """`saml decode --format json`."""
    return envelope(
        document_meta(command, show_values=show_values),
        {"login": assertion_to_dict(login, show_values=show_values)},
    )


def decode_to_markdown(data: dict[str, Any]) -> str:
    """`saml decode --format md` from `decode_to_dict` output (values already masked or not)."""
    login = data["login"]
    response, assertion, nameid = login["response"], login["assertion"], login["nameid"]
    lines = ["# SAML login", ""]
    if data["meta"]["values_shown"]:
        lines += [VALUES_SHOWN, ""]
    lines += [
        f"- Message: {login['message']} ({login['input_format']})",
        f"- Issuer: {assertion['issuer'] or response['issuer']}",
        f"- Audience: {', '.join(assertion['audiences']) or '(none)'}",
        f"- Valid: {assertion['not_before']} to {assertion['not_on_or_after']}",
    ]
    if assertion["encrypted"]:
        lines.append("- Assertion: encrypted (pass --sp-key to decrypt)")
    elif nameid is not None:
        lines.append(f"- NameID: `{nameid['value']}` ({nameid['format_short']})")
        lines.append(f"  - Format: `{nameid['format'] or '(none sent: unspecified)'}`")
        for key, label in (
            ("name_qualifier", "NameQualifier"),
            ("sp_name_qualifier", "SPNameQualifier"),
        ):
            if nameid[key]:
                lines.append(f"  - {label}: `{nameid[key]}`")
    lines += [f"- Trust: {login['trust_detail']}", ""]
    if login["attributes"]:
        lines += [f"## Attributes released ({len(login['attributes'])})", ""]
        lines += _md_table(
            ["Name (exactly as sent)", "NameFormat", "FriendlyName", "readable name", "values"],
            [
                [
                    f"`{a['name']}`",
                    f"`{a['name_format']}`" if a["name_format"] else "",
                    a["friendly_name"] or "",
                    a["readable_name"],
                    "\n".join(a["values"]),
                ]
                for a in login["attributes"]
            ],
        )
    if login["findings"]:
        lines += ["", "## Findings", "", *_md_findings(login["findings"])]
    return "\n".join(lines) + "\n"
