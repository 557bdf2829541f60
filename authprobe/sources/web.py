"""Fetching a document over HTTP(S): a timeout, verified TLS, a size cap, no downgrade.

    data = fetch("https://idp.college.ca/.well-known/openid-configuration",
                 what="discovery document", reference="oidc-discovery", max_bytes=5 << 20)

Used for SAML metadata, OpenID Connect discovery documents and JWKS. TLS is always verified
(the system's trust store); a redirect from https: to http: is refused, so a verified fetch can
never end on an unverified page. Failures are `SourceUnreachable` (exit 3) with references
`<reference>-http-error`, `-not-http`, `-unreachable`, also when they happen half-way through
the body, `-cut` for a body shorter than announced and `-too-slow` past `FETCH_DEADLINE`; a body
over `max_bytes` is `InputError` `<reference>-too-large` (exit 4), found while reading. The URL
in every location is redacted. `open_url` gives the body as a stream (a large document is parsed
as it arrives); `fetch` reads it whole.
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
"""Seconds a whole download may take (a server that drips bytes is cut off)."""
DEFAULT_HINT = (
    "Check the URL, the network and the server's TLS certificate, "
    "or download the file and pass its path."
)


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


def size_text(size: int) -> str:
    """`512 MB`, `64 kB` (for limits in messages)."""
    if size >= 1 << 20:
        return f"{size / (1 << 20):g} MB"
    return f"{size / 1024:g} kB"


class _NoDowngrade(urllib.request.HTTPRedirectHandler):
    """Follow redirects, except from https: to http: (that would drop TLS verification)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if req.full_url.lower().startswith("https:") and newurl.lower().startswith("http:"):
            raise urllib.error.URLError(
                f"the server redirects from https: to http: ({redact_url(newurl)}), refused"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _unreachable(
    exc: BaseException, shown: str, what: str, reference: str, hint: str
) -> SourceUnreachable:
    """A network failure (at the start or half-way through the body) as ours."""
    if isinstance(exc, urllib.error.HTTPError):
        return SourceUnreachable(
            f"{reference}-http-error",
            f"The {what} URL answered HTTP {exc.code} {exc.reason}.",
            location=shown,
            hint="Check the URL with campus IT; some servers publish it only to known hosts.",
        )
    if isinstance(exc, http.client.HTTPException):
        return SourceUnreachable(
            f"{reference}-not-http",
            f"The {what} URL did not answer in HTTP ({type(exc).__name__}).",
            location=shown,
            hint="Check the host and port: something other than a web server answered there.",
        )
    reason = getattr(exc, "reason", exc)
    return SourceUnreachable(
        f"{reference}-unreachable",
        f"The {what} URL cannot be fetched: {reason}",
        location=shown,
        hint=hint,
    )


class _Body(io.RawIOBase):
    """A response body: failures as ours, cut at `max_bytes` and at the deadline."""

    def __init__(
        self, response: Any, shown: str, what: str, reference: str, max_bytes: int, hint: str
    ) -> None:
        self._response = response
        self._shown = shown
        self._what = what
        self._reference = reference
        self._max = max_bytes
        self._hint = hint
        self._deadline = time.monotonic() + FETCH_DEADLINE
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if time.monotonic() > self._deadline:
            raise SourceUnreachable(
                f"{self._reference}-too-slow",
                f"The {self._what} download took more than {FETCH_DEADLINE:.0f} seconds.",
                location=self._shown,
                hint="Download it (curl -o) and pass the file.",
            )
        try:
            count: int = self._response.readinto(buffer)
        except (OSError, http.client.HTTPException) as exc:
            raise _unreachable(exc, self._shown, self._what, self._reference, self._hint) from exc
        missing = getattr(self._response, "length", None)
        if count == 0 and len(buffer) and missing:  # http.client does not raise on a short body
            raise SourceUnreachable(
                f"{self._reference}-cut",
                f"The connection closed after {self._total} bytes of the {self._what}, "
                f"{missing} bytes short of the length the server announced.",
                location=self._shown,
                hint="Try again; if it repeats, download it and pass the file.",
            )
        self._total += count
        if self._total > self._max:
            raise InputError(
                f"{self._reference}-too-large",
                f"The {self._what} is larger than {size_text(self._max)}; reading stopped there.",
                location=self._shown,
            )
        return count


@contextmanager
def open_url(
    url: str,
    *,
    what: str,
    reference: str,
    max_bytes: int,
    timeout: float = FETCH_TIMEOUT,
    accept: str | None = None,
    hint: str = DEFAULT_HINT,
) -> Iterator[IO[bytes]]:
    """GET `url` and give its body as a binary stream, read as it arrives (module docstring)."""
    shown = redact_url(url)
    headers = {"User-Agent": "authprobe"}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoDowngrade()
    )
    try:
        response = opener.open(request, timeout=timeout)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise _unreachable(exc, shown, what, reference, hint) from exc
    with response:
        body = _Body(response, shown, what, reference, max_bytes, hint)
        yield io.BufferedReader(body, buffer_size=1 << 16)


def fetch(
    url: str,
    *,
    what: str,
    reference: str,
    max_bytes: int,
    timeout: float = FETCH_TIMEOUT,
    accept: str | None = None,
    hint: str = DEFAULT_HINT,
) -> bytes:
    """GET `url` whole (see `open_url`); `what` names the document in messages."""
    with open_url(
        url,
        what=what,
        reference=reference,
        max_bytes=max_bytes,
        timeout=timeout,
        accept=accept,
        hint=hint,
    ) as body:
        return body.read()
