"""How `oidc discover` and `oidc decode` (and `oidc test-rp`) results look: JSON and Markdown.

The JSON follows the other commands (`schema_version` 1, a `meta` block); the Markdown is built
from the JSON data, so the two never disagree. Claim values about a person are masked unless
`show_values`; protocol claims (iss, aud, exp, ...), endpoints, algorithms and keys describe the
provider or the token, not a person, and are shown as they are. The terminal view is in
`cli/oidc_terminal.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from authprobe.reports.envelope import document_meta, envelope, iso_z
from authprobe.reports.findings import finding_to_dict
from authprobe.reports.mask import reveal
from authprobe.reports.md import VALUES_SHOWN, md_findings, md_table
from authprobe.sources.oidc.discovery import Discovery
from authprobe.sources.oidc.keys import KeyFact, KeySetFacts
from authprobe.sources.oidc.token import Claim, IdToken, claim_facts

ALMA_CLAIM_NOTE = (
    "Which claim Alma's OpenID Connect profile matches is not published: confirm with Ex Libris "
    "which claim it uses, then make sure the SIS loads that value."
)


when = iso_z
"""ISO 8601 in UTC with a Z (None stays None)."""


def masked(value: Any, show_values: bool) -> Any:
    """A claim value with every string and number masked (booleans and nulls kept)."""
    if show_values or value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return reveal(value, False)
    if isinstance(value, int | float):
        return reveal(str(value), False)
    if isinstance(value, list):
        return [masked(item, False) for item in value]
    if isinstance(value, dict):
        return {key: masked(item, False) for key, item in value.items()}
    return reveal(str(value), False)


def claim_value(claim: Claim, show_values: bool) -> Any:
    """The value to show: protocol claims as sent, the others masked unless show_values."""
    return claim.value if claim.protocol else masked(claim.value, show_values)


def value_text(value: Any) -> str:
    """A JSON value as one line of text (strings as they are)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def matching_candidates(token: IdToken) -> list[Claim]:
    """Claims that could carry a matching ID: about the person, a single text, not opaque."""
    return [
        claim
        for claim in token.claims
        if not claim.protocol
        and not claim.opaque
        and claim.time is None
        and isinstance(claim.value, str | int)
        and not isinstance(claim.value, bool)
        and claim.name not in NOT_IDENTIFIERS
    ]


NOT_IDENTIFIERS = frozenset(
    {"name", "given_name", "family_name", "middle_name", "nickname", "picture", "profile",
     "website", "gender", "birthdate", "zoneinfo", "locale", "address", "phone_number",
     "ipaddr", "login_hint", "groups", "roles", "wids"}
)  # fmt: skip


def key_to_dict(key: KeyFact, now: datetime) -> dict[str, Any]:
    """One JWK's facts."""
    cert = key.certificate
    return {
        "kid": key.kid,
        "kty": key.kty,
        "alg": key.alg,
        "use": key.use,
        "curve": key.curve,
        "size": key.size,
        "usable": key.usable,
        "problem": key.problem,
        "certificate": None
        if cert is None
        else {
            "subject": cert.subject,
            "issuer": cert.issuer,
            "not_before": when(cert.not_before),
            "not_after": when(cert.not_after),
            "days_left": (cert.not_after - now).days,
            "key_type": cert.key_type,
            "key_size": cert.key_size,
            "signature_hash": cert.signature_hash,
            "fingerprint_sha256": cert.fingerprint_sha256,
        },
        "certificate_matches_key": key.certificate_matches,
        "note": key.note or None,
    }


def keys_to_dict(keys: KeySetFacts | None, now: datetime) -> dict[str, Any] | None:
    """A JWKS's facts (None when no keys were read)."""
    if keys is None:
        return None
    return {
        "location": keys.location,
        "keys": [key_to_dict(k, now) for k in keys.keys],
        "usable": len(keys.verification_keys()),
        "set_aside": keys.unsupported,
        "findings": [finding_to_dict(f, show_values=True) for f in keys.findings],
    }


def discovery_to_dict(discovery: Discovery, now: datetime | None = None) -> dict[str, Any]:
    """`oidc discover --format json`."""
    moment = now or datetime.now(UTC)
    return envelope(
        document_meta("oidc discover"),
        {
            "discovery": {
                "location": discovery.location,
                "url": discovery.url,
                "kind": discovery.kind,
                "issuer": discovery.issuer,
                "authorization_endpoint": discovery.authorization_endpoint,
                "token_endpoint": discovery.token_endpoint,
                "userinfo_endpoint": discovery.userinfo_endpoint,
                "end_session_endpoint": discovery.end_session_endpoint,
                "jwks_uri": discovery.jwks_uri,
                "registration_endpoint": discovery.registration_endpoint,
                "response_types": list(discovery.response_types),
                "response_modes": list(discovery.response_modes),
                "grant_types": list(discovery.grant_types),
                "scopes": list(discovery.scopes),
                "subject_types": list(discovery.subject_types),
                "id_token_signing_algs": list(discovery.id_token_algs),
                "token_endpoint_auth_methods": list(discovery.token_auth_methods),
                "code_challenge_methods": list(discovery.code_challenge_methods),
                "claims": [claim_offer(name) for name in discovery.claims],
                "other_members": discovery.other_members,
                "findings": [finding_to_dict(f, show_values=True) for f in discovery.findings],
            },
            "keys": keys_to_dict(discovery.keys, moment),
        },
    )


def claim_offer(name: str) -> dict[str, Any]:
    """A claim the provider says it supports, with what it usually carries."""
    facts = claim_facts(name, None)
    return {
        "name": name,
        "readable_name": facts.readable_name,
        "directory_attributes": list(facts.directory_attributes),
        "opaque": facts.opaque,
    }


def claim_to_dict(claim: Claim, show_values: bool) -> dict[str, Any]:
    """One claim of a token (value masked unless show_values or a protocol claim)."""
    return {
        "name": claim.name,
        "value": claim_value(claim, show_values),
        "time": when(claim.time),
        "readable_name": claim.readable_name,
        "directory_attributes": list(claim.directory_attributes),
        "opaque": claim.opaque,
        "protocol": claim.protocol,
        "changes_with_name": claim.changes_with_name,
        "note": claim.note or None,
    }


def token_body(token: IdToken, *, show_values: bool) -> dict[str, Any]:
    """The body of `oidc decode --format json` (also `oidc test-rp`)."""
    check = token.signature
    return {
        "location": token.location,
        "input_format": token.input_format,
        "form": token.form,
        "header": token.header,
        "signature": {
            "status": check.status,
            "verified": check.verified,
            "alg": check.alg,
            "kid": check.kid,
            "key": check.key,
            "detail": check.detail,
        },
        "trusted": token.trusted,
        "expired": token.expired,
        "claims": [claim_to_dict(c, show_values) for c in token.claims],
        "matching_id_candidates": [c.name for c in matching_candidates(token)],
        "alma_note": ALMA_CLAIM_NOTE,
        "payload_is_json": token.payload_is_json,
        "payload_text": None
        if token.payload_text is None
        else reveal(token.payload_text, show_values),
        "other_tokens": list(token.other_tokens),
        "findings": [finding_to_dict(f, show_values=True) for f in token.findings],
    }


def token_to_dict(
    token: IdToken, *, show_values: bool = False, command: str = "oidc decode"
) -> dict[str, Any]:
    """`oidc decode --format json`."""
    return envelope(
        document_meta(command, show_values=show_values),
        {"token": token_body(token, show_values=show_values)},
    )


# ---------------------------------------------------------------------------------------------
# markdown (from the JSON data)


def discovery_to_markdown(data: dict[str, Any]) -> str:
    """`oidc discover --format md`."""
    document = data["discovery"]
    lines = ["# OpenID Provider", "", f"- Document: `{document['location']}`"]
    for key, label in (
        ("issuer", "Issuer"),
        ("authorization_endpoint", "Authorization endpoint"),
        ("token_endpoint", "Token endpoint"),
        ("userinfo_endpoint", "UserInfo endpoint"),
        ("end_session_endpoint", "End-session endpoint"),
        ("jwks_uri", "JWKS"),
    ):
        if document[key]:
            lines.append(f"- {label}: `{document[key]}`")
    for key, label in (
        ("response_types", "Response types"),
        ("response_modes", "Response modes"),
        ("scopes", "Scopes"),
        ("subject_types", "Subject types"),
        ("id_token_signing_algs", "ID-token signing algorithms"),
        ("code_challenge_methods", "PKCE methods"),
    ):
        if document[key]:
            lines.append(f"- {label}: {', '.join(document[key])}")
    if document["claims"]:
        lines += ["", f"## Claims supported ({len(document['claims'])})", ""]
        lines += md_table(
            ["claim", "readable name", "directory attribute"],
            [
                [f"`{c['name']}`", c["readable_name"], ", ".join(c["directory_attributes"])]
                for c in document["claims"]
            ],
        )
    keys = data["keys"]
    if keys is not None:
        lines += ["", f"## Keys ({len(keys['keys'])}, from `{keys['location']}`)", ""]
        lines += md_table(
            ["kid", "type", "alg", "use", "certificate", "not after", "days left", "usable"],
            [_md_key(k) for k in keys["keys"]],
        )
    findings = [*document["findings"], *(keys["findings"] if keys else [])]
    if findings:
        lines += ["", "## Findings", "", *md_findings(findings)]
    return "\n".join(lines) + "\n"


def _md_key(key: dict[str, Any]) -> list[object]:
    cert = key["certificate"] or {}
    size = key["size"] or ""
    kind = " ".join(str(p) for p in (key["kty"], key["curve"], size) if p)
    return [
        f"`{key['kid']}`" if key["kid"] else "(none)",
        kind,
        key["alg"] or "",
        key["use"] or "",
        cert.get("subject", ""),
        (cert.get("not_after") or "")[:10],
        cert.get("days_left", ""),
        "yes" if key["usable"] else f"no: {key['problem']}",
    ]


def token_to_markdown(data: dict[str, Any]) -> str:
    """`oidc decode --format md` (values already masked or not)."""
    token = data["token"]
    signature = token["signature"]
    lines = ["# ID token", ""]
    if data["meta"]["values_shown"]:
        lines += [VALUES_SHOWN, ""]
    lines += [
        f"- Input: `{token['location']}` ({token['input_format']}, {token['form']})",
        "- Header: " + ", ".join(f"{k}=`{value_text(v)}`" for k, v in token["header"].items()),
        f"- Signature: **{signature['status']}** — {signature['detail']}",
        f"- Expired: {'yes' if token['expired'] else 'no'}",
    ]
    if token["other_tokens"]:
        lines.append(f"- Also in the input (not shown): {', '.join(token['other_tokens'])}")
    if token["claims"]:
        lines += ["", f"## Claims ({len(token['claims'])})", ""]
        lines += md_table(
            ["claim", "value", "readable name", "directory attribute", "note"],
            [
                [
                    f"`{c['name']}`",
                    c["time"] or value_text(c["value"]),
                    c["readable_name"],
                    ", ".join(c["directory_attributes"]),
                    "opaque: never the matching ID" if c["opaque"] else (c["note"] or ""),
                ]
                for c in token["claims"]
            ],
        )
        candidates = ", ".join(f"`{n}`" for n in token["matching_id_candidates"]) or "none"
        lines += [
            "",
            f"Claims that could carry the matching ID: {candidates}. {token['alma_note']}",
        ]
    elif token["payload_text"] is not None:
        lines += ["", "The payload is not a JSON claims set."]
    if token["findings"]:
        lines += ["", "## Findings", "", *md_findings(token["findings"])]
    return "\n".join(lines) + "\n"
