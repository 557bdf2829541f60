"""Finding the ID token in whatever the user pasted or saved.

A bare token (JWS compact form `header.payload.signature`, or a JWE of five segments, line
breaks allowed); the JSON of a token response (`{"access_token": ..., "id_token": ...}`: only the
ID token is read, the other tokens are named, never shown); a line copied from a browser or an
HTTP log holding `id_token=...` (a fragment, a query or a form body) or `"id_token": "..."`; any
text holding one JWT (`Authorization: Bearer eyJ...`). The token found is decoded later
(`token.decode_token`), never here.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from authprobe.errors import InputError
from authprobe.sources import web
from authprobe.sources.documents import parse_object, read_bytes

MAX_INPUT = 4 * 1024 * 1024
"""A token response or a few lines of a log; a HAR file should be cut to the request first."""
MAX_TOKEN = 256 * 1024
"""An Entra ID token with a few hundred groups is about 10 kB."""
HINT = (
    "Paste the ID token (eyJ...), the JSON the token endpoint returned, or the line of the "
    "browser's or server's log that holds id_token=..."
)
_SEGMENT = r"[A-Za-z0-9_\-]*"
_WHOLE = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT}){{2,4}}$")
_QUERY = re.compile(r"(?:^|[?#&\s;,\"'])id_token=([^&\s\"'#;,<>]+)")
_JSON_MEMBER = re.compile(r"\"id_token\"\s*:\s*\"([^\"]+)\"")
_EMBEDDED = re.compile(r"eyJ[A-Za-z0-9_\-]*\.eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*")
_EMBEDDED_JWE = re.compile(
    r"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"
)
OTHER_TOKENS = ("access_token", "refresh_token")


@dataclass(frozen=True, slots=True)
class TokenInput:
    """The token found, and how it was wrapped."""

    token: str
    input_format: str  # "jwt", "token-response", "log-line", "text"
    location: str
    other_tokens: tuple[str, ...] = ()  # e.g. ("access_token", "refresh_token"): present, unread


def not_a_token(location: str, why: str) -> InputError:
    """The error for input that holds no token."""
    return InputError(
        "oidc-not-a-token", f"This is not an ID token: {why}.", location=location, hint=HINT
    )


def read_input(source: str) -> TokenInput:
    """The token of a file, of stdin (`-`), or of the argument itself (a token, a callback URL
    or a log line holding id_token=...)."""
    if source == "-":
        data = read_bytes(source, what="token input", reference="oidc-token", limit=MAX_INPUT)
        return find_token(data, "<stdin>")
    if _is_file(source):
        data = read_bytes(source, what="token input", reference="oidc-token", limit=MAX_INPUT)
        return find_token(data, source)
    if _WHOLE.match(re.sub(r"\s+", "", source)) or "id_token=" in source:
        return find_token(source.encode("utf-8"), "<argument>")
    raise InputError(
        "oidc-token-unreadable",
        "No such file, and the argument is not a token either.",
        location=source[:80],
        hint=HINT,
    )


def _is_file(source: str) -> bool:
    """True when `source` names an existing file (a long token is not a file name)."""
    if len(source) > 4096 or "\n" in source:
        return False
    try:
        return Path(source).exists()
    except (OSError, ValueError):
        return False


def find_token(data: bytes, location: str) -> TokenInput:
    """The ID token inside `data` (see the module docstring)."""
    if len(data) > MAX_INPUT:
        raise InputError(
            "oidc-token-too-large",
            f"The input is larger than {web.size_text(MAX_INPUT)}.",
            location=location,
            hint=HINT,
        )
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n").rstrip()
    if not body:
        raise InputError("oidc-token-empty", "The input is empty.", location=location, hint=HINT)
    text = body.decode("utf-8", "replace")
    if text.startswith("{"):
        return _from_json(body, location)
    compact = re.sub(r"\s+", "", text)
    if _WHOLE.match(compact):  # the whole input is one token (line breaks allowed)
        return TokenInput(_checked(compact, location), "jwt", location)
    for pattern, fmt in ((_QUERY, "log-line"), (_JSON_MEMBER, "log-line")):
        match = pattern.search(text)
        if match:
            token = urllib.parse.unquote(match.group(1))
            return TokenInput(_checked(token, location), fmt, location)
    for pattern in (_EMBEDDED_JWE, _EMBEDDED):
        match = pattern.search(text)
        if match:
            return TokenInput(_checked(match.group(0), location), "text", location)
    if text.lstrip().startswith("<"):
        raise not_a_token(location, "this is HTML or XML (for a SAML login, use `saml decode`)")
    if compact.count(".") in (1, 3) or compact.count(".") > 4:
        raise not_a_token(
            location,
            f"a JWT has 3 segments (signed) or 5 (encrypted); this has {compact.count('.') + 1}",
        )
    raise not_a_token(location, "no JWT (eyJ...) and no id_token= in it")


def _from_json(body: bytes, location: str) -> TokenInput:
    document = parse_object(
        body, location, what="token response", reference="oidc-token", hint=HINT
    )
    token = document.get("id_token")
    if isinstance(token, str) and token:
        others = tuple(name for name in OTHER_TOKENS if document.get(name))
        return TokenInput(_checked(token, location), "token-response", location, others)
    if "keys" in document or "issuer" in document:
        raise not_a_token(
            location, "this is a JWKS or a discovery document (pass it with --jwks or --discovery)"
        )
    if "error" in document:
        detail = document.get("error_description") or ""
        raise not_a_token(
            location, f"the token endpoint answered an error: {document.get('error')} {detail}"
        )
    names = ", ".join(sorted(str(k) for k in document)[:8]) or "none"
    raise not_a_token(location, f"this JSON has no id_token member (members: {names})")


def _checked(token: str, location: str) -> str:
    compact = re.sub(r"\s+", "", token)
    if len(compact) > MAX_TOKEN:
        raise InputError(
            "oidc-token-too-large",
            f"The token is {len(compact):,} characters long; an ID token is a few kB "
            f"(authprobe reads at most {web.size_text(MAX_TOKEN)}).",
            location=location,
            hint=HINT,
        )
    segments = compact.split(".")
    if len(segments) not in (3, 5):
        raise not_a_token(
            location, f"a JWT has 3 segments (signed) or 5 (encrypted); this has {len(segments)}"
        )
    if not _WHOLE.match(compact):
        raise not_a_token(location, "a JWT holds only base64url characters and dots")
    return compact
