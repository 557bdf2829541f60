"""Fetching a document over HTTP(S): a timeout, verified TLS, a size cap, no downgrade.

    data = fetch("https://idp.college.ca/.well-known/openid-configuration",
                 what="discovery document", reference="oidc-discovery", max_bytes=5 << 20)

Used for SAML metadata, OpenID Connect discovery documents and JWKS. TLS is always verified
(the system's trust store); a redirect from https: to http: is refused, so a verified fetch can
never end on an unverified page. Failures are `SourceUnreachable` (exit 3) with references
`<reference>-http-error`, `-not-http`, `-unreachable`; a body over `max_bytes` is
`InputError` `<reference>-too-large` (exit 4). The URL in every location is redacted.
"""

from __future__ import annotations

import http.client
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import IO, Any

from authprobe.errors import InputError, SourceUnreachable

FETCH_TIMEOUT = 20.0


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


def fetch(
    url: str,
    *,
    what: str,
    reference: str,
    max_bytes: int,
    timeout: float = FETCH_TIMEOUT,
    accept: str | None = None,
    hint: str = "Check the URL, the network and the server's TLS certificate, "
    "or download the file and pass its path.",
) -> bytes:
    """GET `url` (see the module docstring); `what` names the document in messages."""
    shown = redact_url(url)
    headers = {"User-Agent": "authprobe"}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoDowngrade()
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise SourceUnreachable(
            f"{reference}-http-error",
            f"The {what} URL answered HTTP {exc.code} {exc.reason}.",
            location=shown,
            hint="Check the URL with campus IT; some servers publish it only to known hosts.",
        ) from exc
    except http.client.HTTPException as exc:
        raise SourceUnreachable(
            f"{reference}-not-http",
            f"The {what} URL did not answer in HTTP ({type(exc).__name__}).",
            location=shown,
            hint="Check the host and port: something other than a web server answered there.",
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceUnreachable(
            f"{reference}-unreachable",
            f"The {what} URL cannot be fetched: {reason}",
            location=shown,
            hint=hint,
        ) from exc
    if len(data) > max_bytes:
        raise InputError(
            f"{reference}-too-large",
            f"The {what} is larger than {size_text(max_bytes)}.",
            location=shown,
        )
    return data
