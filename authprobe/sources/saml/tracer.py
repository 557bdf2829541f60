"""A SAML-tracer export: the SAML messages a browser add-on recorded during a login.

SAML-tracer (Firefox, Chrome) exports a JSON document `{"requests": [...], "timestamp": ...}`;
each request has its `method`, `url`, `get` and `post` parameters (`[name, value]` pairs) and,
when it carried a SAML message, `saml`: the message already decoded to XML (a POST
`SAMLResponse` base64-decoded, a Redirect one inflated). Older exports name the request `id`
and give headers as pairs; the message fields are the same. With the export's privacy filters
the `post` values may be hashed, but `saml` is kept.

`traced_messages` lists the SAML messages in the order recorded; `choose` picks the one to show:
the last SAML Response (the login's answer) unless an index is given. Nothing here parses the
XML: `saml_input`/`xmlsafe` do, as for any other capture.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from authprobe.errors import InputError, UsageError
from authprobe.wording import plural

SAML_PARAMETERS = ("SAMLResponse", "SAMLRequest")
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")
_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"(?:requests|timestamp)"')


@dataclass(frozen=True, slots=True)
class TracedMessage:
    """One SAML message of the export."""

    index: int  # 1-based, among the export's SAML messages
    method: str
    url: str
    kind: str  # the root element's name: Response, AuthnRequest, LogoutRequest, ...
    message: bytes  # the XML (or, without a decoded `saml`, the raw parameter value)

    def describe(self) -> str:
        """`#3: Response (POST https://alma.exlibrisgroup.com/...)`."""
        return f"#{self.index}: {self.kind} ({self.method} {self.url})"


def is_tracer_export(data: bytes) -> bool:
    """Whether `data` looks like a SAML-tracer export (a JSON object with `requests`)."""
    return bool(_HEAD.match(data[:256])) or (
        data.lstrip()[:1] == b"{" and b'"requests"' in data[:4096]
    )


def _kind(xml: str) -> str:
    cleaned = re.sub(r"<\?.*?\?>|<!--.*?-->", "", xml, flags=re.DOTALL)
    match = _ROOT.search(cleaned)
    return match.group(1) if match else "unknown"


def _parameter(request: dict[str, Any], name: str) -> str | None:
    for collection in ("post", "get"):
        for pair in request.get(collection) or ():
            if isinstance(pair, list) and len(pair) >= 2 and pair[0] == name:
                value = pair[1]
                return value if isinstance(value, str) else None
    return None


def _message(request: dict[str, Any]) -> tuple[str, bytes] | None:
    """(kind, message bytes) of one request, or None when it carries no SAML message."""
    saml = request.get("saml")
    if isinstance(saml, str) and saml.strip().startswith("<"):
        return _kind(saml), saml.encode("utf-8")
    for name in SAML_PARAMETERS:
        value = _parameter(request, name)
        if value:
            kind = "Response" if name == "SAMLResponse" else "Request"
            return kind, value.encode("utf-8")
    return None


def not_an_export(location: str, why: str) -> InputError:
    return InputError(
        "saml-tracer-unreadable",
        f"This SAML-tracer export cannot be read: {why}.",
        location=location,
        hint="Export the trace again from SAML-tracer (its Export button) and give that .json "
        "file, or paste the SAML Response XML itself.",
    )


def traced_messages(data: bytes, location: str) -> list[TracedMessage]:
    """Every SAML message of the export, in the order the browser sent them."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise not_an_export(location, f"it is not valid JSON ({exc})") from exc
    requests = document.get("requests") if isinstance(document, dict) else None
    if not isinstance(requests, list):
        raise not_an_export(location, 'it has no "requests" list')
    messages: list[TracedMessage] = []
    for request in requests:
        if not isinstance(request, dict):
            continue
        found = _message(request)
        if found is None:
            continue
        kind, message = found
        messages.append(
            TracedMessage(
                index=len(messages) + 1,
                method=str(request.get("method") or "?"),
                url=str(request.get("url") or "?").split("?", 1)[0],
                kind=kind,
                message=message,
            )
        )
    if not messages:
        raise InputError(
            "saml-tracer-no-message",
            f"This SAML-tracer export holds {plural(len(requests), 'request')} but no SAML "
            "message.",
            location=location,
            hint="Start SAML-tracer before logging in, log in through the IdP, then export.",
        )
    return messages


def choose(
    messages: list[TracedMessage], index: int | None, location: str
) -> tuple[TracedMessage, str]:
    """The message to show (the last Response unless `index`), and a sentence saying which."""
    listing = "; ".join(m.describe() for m in messages)
    if index is not None:
        if not 1 <= index <= len(messages):
            raise UsageError(
                "saml-tracer-index",
                f"--index {index}: this SAML-tracer export holds "
                f"{plural(len(messages), 'SAML message')}: {listing}.",
                hint="Give an --index between 1 and the number of messages.",
            )
        chosen = messages[index - 1]
    else:
        responses = [m for m in messages if m.kind == "Response"]
        if not responses:
            raise InputError(
                "saml-tracer-no-response",
                f"This SAML-tracer export holds no SAML Response, only: {listing}.",
                location=location,
                hint="Capture the whole login (until you are back in Alma or Primo), or pick a "
                "message with --index N.",
            )
        chosen = responses[-1]
    note = (
        f"SAML-tracer export with {plural(len(messages), 'SAML message')}; showing "
        f"{chosen.describe()}."
    )
    if len(messages) > 1:
        note += " --index N shows another: " + listing + "."
    return chosen, note
