"""Reading a small JSON document (discovery document, JWKS, token response, CAS JSON) from a
file, stdin or a URL, with a size cap, and a clear refusal of what is plainly not JSON (an HTML
login page, XML, a PEM file).

    document = read_json("https://idp/.well-known/openid-configuration", what="discovery
                         document", reference="oidc-discovery")
    document.data (a dict), document.location (path or redacted URL), document.url (or None)
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authprobe import runtime
from authprobe.errors import InputError
from authprobe.sources import web

MAX_DOCUMENT = 5 * 1024 * 1024
"""A discovery document is a few kB and the largest JWKS seen (Entra ID) about 20 kB."""
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """A JSON object read from somewhere."""

    data: dict[str, Any]
    location: str  # the path, `<stdin>`, or the URL without credentials
    url: str | None = None  # the URL it was fetched from (None for a file)


def read_bytes(
    source: str,
    *,
    what: str,
    reference: str,
    limit: int = MAX_DOCUMENT,
    hint: str = "Check the path (a URL must start with https://).",
) -> bytes:
    """The bytes of a file (or stdin for `-`), at most `limit`; InputError otherwise (`hint`:
    what to do when the file cannot be opened)."""
    if source == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        runtime.refuse_special(source, what, stdin=True)  # a FIFO would block: regular files
        try:
            with Path(source).open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(
                f"{reference}-unreadable",
                f"The {what} cannot be read: {exc.strerror or exc}",
                location=source,
                hint=hint,
            ) from exc
    if len(data) > limit:
        raise InputError(
            f"{reference}-too-large",
            f"The {what} is larger than {web.size_text(limit)}; that is not what it should be.",
            location="<stdin>" if source == "-" else source,
        )
    return data


def read_json(
    source: str,
    *,
    what: str,
    reference: str,
    hint: str,
    timeout: float = web.FETCH_TIMEOUT,
    limit: int = MAX_DOCUMENT,
) -> JsonDocument:
    """A JSON object from a path, `-` or an http(s) URL (see the module docstring)."""
    if web.is_url(source):
        data = web.fetch(
            source,
            what=what,
            reference=reference,
            max_bytes=limit,
            timeout=timeout,
            accept="application/json",
        )
        location, url = web.redact_url(source), source
    else:
        data = read_bytes(source, what=what, reference=reference, limit=limit)
        location, url = ("<stdin>" if source == "-" else source), None
    return JsonDocument(
        parse_object(data, location, what=what, reference=reference, hint=hint), location, url
    )


def parse_object(
    data: bytes, location: str, *, what: str, reference: str, hint: str
) -> dict[str, Any]:
    """`data` as a JSON object; a clear InputError for HTML, XML, PEM, empty or broken JSON."""
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise InputError(f"{reference}-empty", f"The {what} is empty.", location=location)
    head = body[:4096].lower()
    if body.startswith(b"<"):
        if b"<html" in head or b"<!doctype html" in head or b"<body" in head or b"<form" in head:
            raise InputError(
                f"{reference}-html",
                f"This is an HTML page (a login or error page?), not a {what}.",
                location=location,
                hint=hint,
            )
        raise InputError(
            f"{reference}-not-json",
            f"This is XML, not a {what} (JSON).",
            location=location,
            hint=hint,
        )
    if body.startswith(b"-----BEGIN"):
        raise InputError(
            f"{reference}-not-json",
            f"This is a PEM file, not a {what}.",
            location=location,
            hint=hint,
        )
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{reference}-not-json",
            f"The {what} is not UTF-8 text (byte {exc.start}).",
            location=location,
            hint=hint,
        ) from exc
    except (json.JSONDecodeError, ValueError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        raise InputError(
            f"{reference}-not-json",
            f"The {what} is not valid JSON: {detail}.",
            location=f"{location}:{line}" if line else location,
            hint=hint,
        ) from exc
    except RecursionError as exc:
        raise InputError(
            f"{reference}-too-deep", f"The {what} is nested too deeply.", location=location
        ) from exc
    if not isinstance(value, dict):
        raise InputError(
            f"{reference}-not-object",
            f"The {what} is JSON but not an object ({type(value).__name__}).",
            location=location,
            hint=hint,
        )
    if _depth(value) > MAX_DEPTH:
        raise InputError(
            f"{reference}-too-deep", f"The {what} is nested too deeply.", location=location
        )
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def text(value: Any) -> str | None:
    """A JSON string member (None when absent or not a string)."""
    return value if isinstance(value, str) else None


def strings(value: Any) -> tuple[str, ...]:
    """A JSON array of strings (non-strings dropped; a lone string becomes one item)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()
