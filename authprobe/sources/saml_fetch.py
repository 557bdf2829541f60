"""Metadata over https: a GET with verified TLS, a timeout, a size cap and a deadline, streamed.

    with open_url(url) as body:     # a binary stream of at most MAX_FETCH bytes
        ...
    fetch(url) -> bytes             # the same, read whole

Network failures (DNS, connection, TLS, HTTP errors, a stall past the timeout, a download past
the deadline) are `SourceUnreachable` (exit 3), also when they happen half-way through the body;
a body larger than MAX_FETCH is `InputError` (exit 4). User and password are never shown.
"""

from __future__ import annotations

import http.client
import io
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from authprobe.errors import InputError, SourceUnreachable

FETCH_TIMEOUT = 20.0
"""Seconds a connection or a single read may stall."""
FETCH_DEADLINE = 600.0
"""Seconds the whole download may take (a server that drips bytes is cut off)."""
MAX_FETCH = 512 * 1024 * 1024
"""Largest metadata document fetched (eduGAIN's aggregate is about a tenth of this)."""


def is_url(source: str) -> bool:
    """True for an http(s) URL (anything else is a path)."""
    return source.lower().startswith(("http://", "https://"))


def redact_url(url: str) -> str:
    """The URL without user:password@ (for error locations)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=host)
    return urllib.parse.urlunsplit(parts)


def _unreachable(shown: str, exc: BaseException) -> SourceUnreachable:
    if isinstance(exc, urllib.error.HTTPError):
        return SourceUnreachable(
            "saml-metadata-http-error",
            f"The metadata URL answered HTTP {exc.code} {exc.reason}.",
            location=shown,
            hint="Check the URL with campus IT; some IdPs publish metadata only to known hosts.",
        )
    if isinstance(exc, http.client.HTTPException):
        return SourceUnreachable(
            "saml-metadata-not-http",
            f"The metadata URL did not answer in HTTP ({type(exc).__name__}).",
            location=shown,
            hint="Check the host and port: something other than a web server answered there.",
        )
    reason = getattr(exc, "reason", exc)
    return SourceUnreachable(
        "saml-metadata-unreachable",
        f"The metadata URL cannot be fetched: {reason}",
        location=shown,
        hint="Check the URL, the network and the server's TLS certificate, "
        "or download the file and pass its path.",
    )


class _Body(io.RawIOBase):
    """The response body: network errors as ours, cut at `limit` bytes and at the deadline."""

    def __init__(self, response: Any, shown: str, limit: int, deadline: float) -> None:
        self._response = response
        self._shown = shown
        self._limit = limit
        self._deadline = deadline
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if time.monotonic() > self._deadline:
            raise SourceUnreachable(
                "saml-metadata-too-slow",
                f"The metadata download took more than {FETCH_DEADLINE:.0f} seconds.",
                location=self._shown,
                hint="Download the file (curl -o) and pass its path.",
            )
        try:
            count: int = self._response.readinto(buffer)
        except (OSError, http.client.HTTPException) as exc:
            raise _unreachable(self._shown, exc) from exc
        missing = getattr(self._response, "length", None)
        if count == 0 and len(buffer) and missing:  # http.client does not raise on a short body
            raise SourceUnreachable(
                "saml-metadata-cut",
                f"The connection closed after {self._total} bytes, {missing} bytes short of the "
                "length the server announced.",
                location=self._shown,
                hint="Try again; if it repeats, download the file and pass its path.",
            )
        self._total += count
        if self._total > self._limit:
            raise InputError(
                "saml-metadata-too-large",
                f"The metadata document is larger than {self._limit:,} bytes "
                f"({self._limit / 2**20:.0f} MB); reading stopped there.",
                location=self._shown,
                hint="Check the URL: no IdP metadata, nor a federation aggregate, is that large.",
            )
        return count


@contextmanager
def open_url(
    url: str, *, timeout: float = FETCH_TIMEOUT, limit: int = MAX_FETCH
) -> Iterator[IO[bytes]]:
    """GET `url` (verified TLS, `timeout`) and give its body as a capped binary stream."""
    shown = redact_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": "authprobe"})  # noqa: S310
    context = ssl.create_default_context()
    try:
        response = urllib.request.urlopen(request, timeout=timeout, context=context)  # noqa: S310
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise _unreachable(shown, exc) from exc
    with response:
        body = _Body(response, shown, limit, time.monotonic() + FETCH_DEADLINE)
        yield io.BufferedReader(body, buffer_size=1 << 16)


def fetch(url: str, *, timeout: float = FETCH_TIMEOUT, limit: int = MAX_FETCH) -> bytes:
    """GET `url` whole (see `open_url`)."""
    with open_url(url, timeout=timeout, limit=limit) as body:
        return body.read()
