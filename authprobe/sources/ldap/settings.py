"""Where and how to reach a directory: the LDAP URL, the bind, TLS, the search scope.

`LdapSettings` is what every connection is made from; `parse_url` splits an ldap:// or ldaps://
URL and refuses one with credentials in it (`redact_url` is what may be shown).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

import ldap3

from authprobe.errors import UsageError


class BindMethod(StrEnum):
    """How to authenticate."""

    ANONYMOUS = "anonymous"
    SIMPLE = "simple"
    NTLM = "ntlm"
    GSSAPI = "gssapi"


class Scope(StrEnum):
    """Search scope."""

    BASE = "base"
    ONE = "one"
    SUB = "sub"


LDAP3_SCOPES: Final = {
    Scope.BASE: ldap3.BASE,
    Scope.ONE: ldap3.LEVEL,
    Scope.SUB: ldap3.SUBTREE,
}


@dataclass(frozen=True)
class LdapSettings:
    """Where and how to connect. The password is never shown (repr=False)."""

    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    bind: BindMethod | None = None  # None: simple when a user is given, else anonymous
    starttls: bool = False
    ca_file: Path | None = None
    tls_name: str | None = None
    insecure: bool = False
    connect_timeout: float = 10.0
    timeout: float = 120.0

    @property
    def method(self) -> BindMethod:
        """The bind method actually used."""
        if self.bind is not None:
            return self.bind
        return BindMethod.SIMPLE if self.user else BindMethod.ANONYMOUS


@dataclass(frozen=True)
class LdapUrl:
    """An ldap:// or ldaps:// URL, split; `display` has no credentials."""

    scheme: str
    host: str
    port: int
    base: str | None

    @property
    def display(self) -> str:
        """`ldaps://host:636` (the base DN, if any, after a slash)."""
        text = f"{self.scheme}://{self.host}:{self.port}"
        return f"{text}/{self.base}" if self.base else text


def refuse_credentials(url: str) -> None:
    """Refuse an LDAP URL with a user or password in it (`ldap://cn=admin:secret@host`).

    ldap3 would ignore them and bind anonymously (a silent wrong answer), and a password on the
    command line is visible to every user of the machine; the message never repeats it.
    """
    if "@" not in urlsplit(url).netloc:
        return
    raise UsageError(
        "ldap-url-credentials",
        "This LDAP URL holds a user name or a password (before the @); authprobe never takes "
        "credentials from a URL: the bind would silently be anonymous, and a password on the "
        "command line is visible to every user of this machine.",
        location=redact_url(url),
        hint="Remove them from the URL. Give the bind user with --user (or AUTHPROBE_LDAP_USER, "
        "or [directory] user in authprobe.toml) and the password with AUTHPROBE_LDAP_PASSWORD, "
        "--password-file FILE, or at the prompt. If that password was real, change it: it may "
        "be in your shell history.",
    )


def parse_url(url: str) -> LdapUrl:
    """Split an LDAP URL (RFC 4516: the path is the base DN); refuse other schemes and URLs
    with credentials in them."""
    refuse_credentials(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise UsageError(
            "ldap-url-invalid",
            f"Not an LDAP URL: {redact_url(url)}.",
            hint="Use ldap://HOST[:389] (with --starttls for TLS) or ldaps://HOST[:636].",
        )
    try:
        port = parts.port or (636 if scheme == "ldaps" else 389)
    except ValueError:
        raise UsageError("ldap-url-invalid", f"Bad port in {redact_url(url)}.") from None
    base = unquote(parts.path.lstrip("/")) or None
    host = parts.hostname
    return LdapUrl(scheme, host, port, base)


def redact_url(url: str) -> str:
    """The URL without user:password@ (safe to print)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def settings_from_environment(url: str) -> LdapSettings:
    """Settings for `recommend --directory URL`: AUTHPROBE_LDAP_USER, AUTHPROBE_LDAP_PASSWORD,
    AUTHPROBE_LDAP_CA_FILE, AUTHPROBE_LDAP_TLS_NAME, AUTHPROBE_LDAP_STARTTLS=1."""
    refuse_credentials(url)
    env = os.environ
    ca = env.get("AUTHPROBE_LDAP_CA_FILE")
    return LdapSettings(
        url=url,
        user=env.get("AUTHPROBE_LDAP_USER") or None,
        password=env.get("AUTHPROBE_LDAP_PASSWORD") or None,
        starttls=env.get("AUTHPROBE_LDAP_STARTTLS", "") not in ("", "0"),
        ca_file=Path(ca) if ca else None,
        tls_name=env.get("AUTHPROBE_LDAP_TLS_NAME") or None,
    )
