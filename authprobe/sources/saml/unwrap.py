"""Getting the SAML XML out of whatever a user pasted or saved.

Raw XML; the base64 `SAMLResponse` POST value; a `SAMLResponse=` query or form string, or a whole
callback URL (URL-encoded; HTTP-Redirect deflate); an HTML page holding the response (an
auto-submit form, or escaped XML as a test-mode page shows it). The XML found is parsed later,
by `xmlsafe`, never here.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import sys
import urllib.parse
import zlib
from pathlib import Path

from authprobe import runtime
from authprobe.errors import InputError, UnsafeInputError, UsageError
from authprobe.sources.saml import tracer

MAX_INPUT = 20 * 1024 * 1024


_B64 = re.compile(rb"^[A-Za-z0-9+/=_\-\s]+$")
_EMBEDDED = re.compile(
    r"<((?:[A-Za-z_][\w.-]*:)?)(Response|Assertion)\b[^>]*>.*?</\1\2\s*>", re.DOTALL
)
_FORM_VALUE = re.compile(
    r"""name\s*=\s*["']SAMLResponse["'][^>]*?value\s*=\s*["']([^"']+)["']"""
    r"""|value\s*=\s*["']([^"']+)["'][^>]*?name\s*=\s*["']SAMLResponse["']""",
    re.IGNORECASE | re.DOTALL,
)


def not_a_message(location: str, why: str) -> InputError:
    return InputError(
        "saml-not-a-message",
        f"This is not a SAML message: {why}",
        location=location,
        hint="Paste the SAML Response XML, the base64 SAMLResponse value from the browser's "
        "POST (SAML-tracer, developer tools) or the page Alma's test mode shows.",
    )


def _from_base64(text: bytes, location: str, what: str) -> tuple[bytes, str]:
    compact = re.sub(rb"\s+", b"", text)
    if b"%" in compact:
        compact = urllib.parse.unquote_to_bytes(compact)
    if not compact or not _B64.match(compact):
        raise not_a_message(location, f"the {what} is neither XML nor base64")
    padded = compact + b"=" * (-len(compact) % 4)
    try:
        if b"-" in compact or b"_" in compact:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise not_a_message(location, f"the {what} is not valid base64") from exc
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return raw, "base64"
    inflated = _inflate(raw, location, what)
    if inflated.lstrip().startswith(b"<"):
        return inflated, "base64+deflate"
    raise not_a_message(location, f"the {what} decodes to something that is not XML")


def too_large(location: str, subject: str = "The message") -> InputError:
    """The message (or what it inflates to) is over `MAX_INPUT`."""
    return UnsafeInputError(
        "saml-message-too-large",
        f"{subject} is larger than {MAX_INPUT // (1024 * 1024)} MB, the limit for a SAML message "
        "(a login response is a few kB); reading stopped there.",
        location=location,
        hint="Check that this is the captured login and not another file; a Redirect-binding "
        "value that inflates this far is a decompression bomb.",
    )


def _inflate(raw: bytes, location: str, what: str) -> bytes:
    """Raw-deflate `raw` (Redirect binding), stopping as soon as the output passes MAX_INPUT."""
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(raw, MAX_INPUT + 1)
    except zlib.error as exc:
        raise not_a_message(location, f"the {what} decodes to binary data, not XML") from exc
    if len(out) > MAX_INPUT or inflater.unconsumed_tail:
        raise too_large(location, f"The {what}, inflated (Redirect-binding deflate),")
    return out


def _from_html(text: str, location: str) -> tuple[bytes, str]:
    form = _FORM_VALUE.search(text)
    if form:
        value = html.unescape(form.group(1) or form.group(2))
        raw, _ = _from_base64(value.encode("ascii", "replace"), location, "SAMLResponse value")
        return raw, "html"
    for candidate in (text, html.unescape(text)):
        match = _EMBEDDED.search(candidate)
        if match:
            return match.group(0).encode("utf-8"), "html"
    raise not_a_message(location, "an HTML page without a SAML response in it")


def extract_xml(data: bytes, location: str, *, index: int | None = None) -> tuple[bytes, str]:
    """The SAML XML inside `data`, and the input format it came in (for a SAML-tracer export,
    which of its messages: the last Response, or message `index`)."""
    if len(data) > MAX_INPUT:
        raise too_large(location)
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise InputError("saml-message-empty", "The input is empty.", location=location)
    if tracer.is_tracer_export(body):
        messages = tracer.traced_messages(body, location)
        chosen, note = tracer.choose(messages, index, location)
        xml, _ = extract_xml(chosen.message, location)
        return xml, note
    if index is not None:
        raise UsageError(
            "saml-index-not-tracer",
            "--index picks a message of a SAML-tracer export; this input holds one message.",
            hint="Leave --index out, or give the JSON file SAML-tracer exported.",
        )
    head = body[:4096].lower()
    if body.startswith(b"<"):
        if b"<html" in head or b"<!doctype html" in head or b"<body" in head:
            return _from_html(body.decode("utf-8", "replace"), location)
        return body, "xml"
    if b"samlresponse=" in body[:65536].lower():
        text = body.decode("utf-8", "replace").strip()
        query = text.split("?", 1)[1] if "?" in text.split("SAMLResponse=", 1)[0] else text
        values = urllib.parse.parse_qs(query, keep_blank_values=True).get("SAMLResponse")
        if not values or not values[0]:
            raise not_a_message(location, "SAMLResponse= is empty")
        value = values[0].replace(" ", "+")  # a '+' that was not URL-encoded
        raw, fmt = _from_base64(value.encode("ascii", "replace"), location, "SAMLResponse value")
        return raw, "form" if fmt == "base64" else f"form+{fmt.split('+', 1)[1]}"
    if b"<" in body:  # XML after some text ("SAML response: <samlp:Response ...")
        match = _EMBEDDED.search(body.decode("utf-8", "replace"))
        if match:
            return match.group(0).encode("utf-8"), "text"
    return _from_base64(body, location, "input")


def read_input(source: str | Path) -> tuple[bytes, str]:
    """The bytes of a file, or of stdin for `-`, never more than the message limit (+1 to tell)."""
    text = str(source)
    if text == "-":
        return sys.stdin.buffer.read(MAX_INPUT + 1), "<stdin>"
    runtime.refuse_special(text, "captured login", stdin=True)  # a FIFO would block
    try:
        with Path(text).open("rb") as handle:
            return handle.read(MAX_INPUT + 1), text
    except OSError as exc:
        raise InputError(
            "saml-message-unreadable",
            f"The file cannot be read: {exc.strerror or exc}",
            location=text,
        ) from exc
