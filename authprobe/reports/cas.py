"""The JSON and Markdown of `cas decode` (the Markdown is built from the JSON data)."""

from __future__ import annotations

from typing import Any

from authprobe.reports.envelope import document_meta, envelope
from authprobe.reports.findings import finding_to_dict
from authprobe.reports.mask import reveal
from authprobe.reports.md import VALUES_SHOWN, md_findings, md_table
from authprobe.sources.cas.response import CasAttribute, CasResponse

USER_NOTE = "Alma takes the user identifier from cas:user."


def attribute_values(attribute: CasAttribute, show_values: bool) -> list[str]:
    """An attribute's values: protocol attributes as sent, the others masked unless asked."""
    if attribute.protocol:
        return list(attribute.values)
    return [reveal(v, show_values) for v in attribute.values]


def response_to_dict(response: CasResponse, *, show_values: bool = False) -> dict[str, Any]:
    """`cas decode --format json`."""
    return envelope(
        document_meta("cas decode", show_values=show_values),
        {
            "cas": {
                "location": response.location,
                "input_format": response.input_format,
                "protocol": response.protocol,
                "success": response.success,
                "user": reveal(response.user, show_values) if response.user else None,
                "user_note": USER_NOTE,
                "attributes": [
                    {
                        "name": a.name,
                        "values": attribute_values(a, show_values),
                        "readable_name": a.readable_name,
                        "directory_attributes": list(a.directory_attributes),
                        "protocol": a.protocol,
                    }
                    for a in response.attributes
                ],
                "attribute_style": response.attribute_style,
                "failure_code": response.failure_code,
                "failure_description": response.failure_description,
                "proxy_granting_ticket": response.proxy_granting_ticket,
                "proxies": list(response.proxies),
                "findings": [finding_to_dict(f, show_values=True) for f in response.findings],
            },
        },
    )


def response_to_markdown(data: dict[str, Any]) -> str:
    """`cas decode --format md` (from the JSON data)."""
    cas = data["cas"]
    lines = ["# CAS validation response", ""]
    if data["meta"]["values_shown"]:
        lines += [VALUES_SHOWN, ""]
    lines.append(f"- Input: `{cas['location']}` ({cas['input_format']}, {cas['protocol']})")
    if cas["success"]:
        lines.append(f"- cas:user: `{cas['user'] or ''}` — {cas['user_note']}")
    else:
        lines.append(
            f"- Failure: `{cas['failure_code'] or '(no code)'}` {cas['failure_description'] or ''}"
        )
    if cas["attributes"]:
        lines += ["", f"## Attributes ({len(cas['attributes'])})", ""]
        lines += md_table(
            ["name (as sent)", "readable name", "directory attribute", "values"],
            [
                [
                    f"`{a['name']}`",
                    a["readable_name"],
                    ", ".join(a["directory_attributes"]),
                    "\n".join(a["values"]),
                ]
                for a in cas["attributes"]
            ],
        )
    if cas["findings"]:
        lines += ["", "## Findings", "", *md_findings(cas["findings"])]
    return "\n".join(lines) + "\n"
