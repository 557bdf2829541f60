"""The options that say how to reach an LDAP server, declared once for `ldap probe|scan|lookup`
and for `recommend --directory ldap://...` (same names, same meaning), and how they merge with
the environment and authprobe.toml."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer

from authprobe.errors import UsageError
from authprobe.sources.ldap.settings import BindMethod, LdapSettings

PASSWORD_ENV = "AUTHPROBE_LDAP_PASSWORD"  # noqa: S105 - a variable name, not a password
INSECURE_WARNING = (
    "[bold red]WARNING: --insecure: the server certificate is NOT verified. Anyone on the "
    "network path can impersonate the server and read the password and the data. Use "
    "--ca-file instead outside of tests.[/]"
)

UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        help="Bind as this account: a DN, user@domain (UPN) or DOMAIN\\user. The password comes "
        f"from {PASSWORD_ENV}, --password-file or a prompt (never the command line).",
        envvar="AUTHPROBE_LDAP_USER",
    ),
]
BindOpt = Annotated[
    BindMethod | None,
    typer.Option("--bind", help="anonymous, simple, ntlm or gssapi (default: simple with --user)."),
]
PasswordFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        help="Read the bind password from this file's first line (a regular file of at most "
        "4 KiB).",
        readable=False,  # checked by read_password_file (exit 4), not by Click (exit 2)
    ),
]
StartTlsOpt = Annotated[
    bool, typer.Option("--starttls", help="Upgrade an ldap:// connection with StartTLS.")
]
CaFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-file",
        help="PEM file of the CA(s) to trust for the server certificate.",
        readable=False,
    ),
]
TlsNameOpt = Annotated[
    str | None,
    typer.Option(
        "--tls-name",
        help="The name the server certificate must carry (when the URL "
        "uses an IP address or another name).",
    ),
]
InsecureOpt = Annotated[
    bool,
    typer.Option("--insecure", help="Do NOT verify the server certificate (testing only)."),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait for the server (connect: 10 s max).")
]
BaseOpt = Annotated[
    str | None, typer.Option("--base", "-b", help="Search base DN (default: the server's).")
]
FilterOpt = Annotated[
    str | None,
    typer.Option(
        "--filter",
        help="Person filter (default: AD (&(objectCategory=person)(objectClass=user)); "
        "others (|(objectClass=inetOrgPerson)(objectClass=person))).",
    ),
]


@dataclass(frozen=True, slots=True)
class LdapFlags:
    """The connection options given on the command line (None / False: not given)."""

    user: str | None = None
    bind: BindMethod | None = None
    starttls: bool = False
    ca_file: Path | None = None
    tls_name: str | None = None
    insecure: bool = False
    base: str | None = None
    search_filter: str | None = None

    def given(self) -> list[str]:
        """The options given, as the user typed them (for an error message)."""
        names = (
            ("--user", self.user), ("--bind", self.bind), ("--starttls", self.starttls),
            ("--ca-file", self.ca_file), ("--tls-name", self.tls_name),
            ("--insecure", self.insecure), ("--base", self.base),
            ("--filter", self.search_filter),
        )  # fmt: skip
        return [name for name, value in names if value]

    def refuse_without_url(self, directory: str) -> None:
        """Connection options for a directory that is a file: a usage error (exit 2), so that
        nobody believes a --filter was applied to an export."""
        if self.given():
            raise UsageError(
                "ldap-options-without-url",
                f"{', '.join(self.given())} "
                f"{'applies' if len(self.given()) == 1 else 'apply'} to an ldap(s):// directory "
                "only; "
                f"{directory} is a file.",
                hint="Filter the export when you make it, or give --directory ldap://HOST.",
            )

    def over(self, settings: LdapSettings) -> LdapSettings:
        """`settings` (from the environment and authprobe.toml) with these options on top: the
        command line wins."""
        return replace(
            settings,
            user=self.user or settings.user,
            bind=self.bind or settings.bind,
            starttls=self.starttls or settings.starttls,
            ca_file=self.ca_file or settings.ca_file,
            tls_name=self.tls_name or settings.tls_name,
            insecure=self.insecure or settings.insecure,
        )
