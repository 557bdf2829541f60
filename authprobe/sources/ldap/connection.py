"""Opening a connection (TLS, StartTLS, bind) and reading what the server says about itself.

Every ldap3 failure leaves this module as a `SourceUnreachable` (exit 3) with a named reference,
the URL (never credentials) and a hint (`failures`).
"""

from __future__ import annotations

import contextlib
import ssl
from enum import StrEnum
from typing import Any, Final

import ldap3
from ldap3.core import exceptions as ldap_exc
from ldap3.core.tls import check_hostname

from authprobe import runtime
from authprobe.errors import AuthprobeError, SourceUnreachable, UsageError
from authprobe.sources.ldap.failures import bind_error, wrap_exception
from authprobe.sources.ldap.settings import BindMethod, LdapSettings, LdapUrl, parse_url

AD_CAPABILITY: Final = "1.2.840.113556.1.4.800"
AD_PERSON_FILTER: Final = "(&(objectCategory=person)(objectClass=user))"
LDAP_PERSON_FILTER: Final = "(|(objectClass=inetOrgPerson)(objectClass=person))"
ROOT_DSE_ATTRIBUTES: Final = (
    "namingContexts",
    "defaultNamingContext",
    "supportedControl",
    "supportedExtension",
    "supportedCapabilities",
    "supportedSASLMechanisms",
    "supportedLDAPVersion",
    "vendorName",
    "vendorVersion",
    "subschemaSubentry",
    "dnsHostName",
    "objectClass",
    "configContext",
    "domainControllerFunctionality",
)


class ServerKind(StrEnum):
    """What the RootDSE says the server is."""

    ACTIVE_DIRECTORY = "Active Directory"
    OPENLDAP = "OpenLDAP"
    DS389 = "389 Directory Server"
    OTHER = "other"


def _tls(settings: LdapSettings) -> ldap3.Tls:
    if settings.ca_file is not None and not settings.ca_file.is_file():
        runtime.refuse_special(settings.ca_file, "CA file")  # a device or a FIFO: say so
        raise UsageError(
            "ldap-ca-file-missing",
            f"The CA file {settings.ca_file} does not exist.",
            hint="Give the PEM file of the CA that signed the server's certificate.",
        )
    return ldap3.Tls(
        validate=ssl.CERT_NONE if settings.insecure else ssl.CERT_REQUIRED,
        ca_certs_file=str(settings.ca_file) if settings.ca_file else None,
        valid_names=[settings.tls_name] if settings.tls_name else None,
    )


def _bind_arguments(settings: LdapSettings, location: str) -> dict[str, Any]:
    method = settings.method
    if method is BindMethod.ANONYMOUS:
        return {"authentication": ldap3.ANONYMOUS}
    if method is BindMethod.GSSAPI:
        try:
            import gssapi  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            raise UsageError(
                "ldap-gssapi-unavailable",
                "Kerberos (GSSAPI) binds need the Python `gssapi` package, which is not installed.",
                location=location,
                hint="pip install gssapi (needs the MIT Kerberos libraries), run kinit, then retry;"
                " or use --bind simple over LDAPS.",
            ) from None
        return {"authentication": ldap3.SASL, "sasl_mechanism": ldap3.KERBEROS}
    if not settings.user:
        raise UsageError(
            "ldap-user-missing",
            f"A {method.value} bind needs --user.",
            hint="Give the service account as a DN, user@domain (UPN) or DOMAIN\\user.",
        )
    if not settings.password:
        raise UsageError(
            "ldap-password-missing",
            "No password for the bind.",
            hint="Set AUTHPROBE_LDAP_PASSWORD, use --password-file FILE, or run in a terminal"
            " to be prompted. Passwords are never taken from the command line.",
        )
    if method is BindMethod.NTLM:
        if "\\" not in settings.user:
            raise UsageError(
                "ldap-ntlm-user",
                "NTLM binds need the user as DOMAIN\\user.",
                hint="Write the user as DOMAIN\\user (quote the backslash in the shell).",
            )
        return {"authentication": ldap3.NTLM, "user": settings.user, "password": settings.password}
    return {"authentication": ldap3.SIMPLE, "user": settings.user, "password": settings.password}


def _unopened(settings: LdapSettings, url: LdapUrl) -> ldap3.Connection:
    """The ldap3 server and connection objects for `settings` (nothing is sent yet)."""
    use_tls = url.scheme == "ldaps" or settings.starttls
    server = ldap3.Server(
        url.host,
        port=url.port,
        use_ssl=url.scheme == "ldaps",
        tls=_tls(settings) if use_tls else None,
        get_info=ldap3.NONE,
        connect_timeout=max(1, int(settings.connect_timeout)),
    )
    return ldap3.Connection(
        server,
        auto_bind=ldap3.AUTO_BIND_NONE,
        raise_exceptions=False,
        read_only=True,
        receive_timeout=max(1, int(settings.timeout)),
        auto_referrals=False,
        return_empty_attributes=False,
        **_bind_arguments(settings, url.display),
    )


def _open(connection: ldap3.Connection, settings: LdapSettings, url: LdapUrl) -> None:
    """Open the socket, StartTLS if asked, and check the certificate name --tls-name gives."""
    connection.open(read_server_info=False)
    if settings.starttls and url.scheme == "ldap":
        try:
            started = connection.start_tls(read_server_info=False)
            said = (connection.result or {}).get("message") or ""
        except ldap_exc.LDAPStartTLSError as exc:  # e.g. a server without TLS: protocolError
            started, said = False, str(exc)
        if not started:
            raise SourceUnreachable(
                "ldap-starttls-failed",
                f"The server refused StartTLS. {said}".strip(),
                location=url.display,
                hint="Use ldaps://HOST:636, or ask the administrators to enable StartTLS.",
            )
    use_tls = url.scheme == "ldaps" or settings.starttls
    if settings.tls_name and use_tls and not settings.insecure:
        # ldap3 accepts the URL's host OR the extra names; --tls-name means the
        # certificate must carry exactly this name.
        check_hostname(connection.socket, settings.tls_name, None)


def connect(settings: LdapSettings) -> ldap3.Connection:
    """Open, (StartTLS,) and bind; every failure is a SourceUnreachable with a hint."""
    url = parse_url(settings.url)
    location = url.display
    connection = _unopened(settings, url)
    try:
        _open(connection, settings, url)
        bound = connection.bind(read_server_info=False)
    except AuthprobeError:
        close(connection)
        raise
    except (ldap_exc.LDAPException, OSError, ValueError) as exc:
        close(connection)
        raise wrap_exception(exc, location, settings) from exc
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        # ldap3 fails this way when the peer answers with something that is not LDAP
        close(connection)
        raise SourceUnreachable(
            "ldap-not-ldap",
            f"The server at {location} did not answer in LDAP ({type(exc).__name__}).",
            location=location,
            hint="Check the host and port (389 for ldap://, 636 for ldaps://): another kind "
            "of service answered there.",
        ) from exc
    if not bound:
        result = dict(connection.result or {})
        close(connection)
        raise bind_error(result, location, settings)
    return connection


def close(connection: ldap3.Connection) -> None:
    """Unbind and close, whatever state the connection is in (errors are ignored)."""
    with contextlib.suppress(ldap_exc.LDAPException, OSError):
        connection.unbind()


def read_root_dse(connection: ldap3.Connection, location: str) -> dict[str, list[str]]:
    """The RootDSE attributes, as text (names lower-cased)."""
    try:
        ok = connection.search(
            "", "(objectClass=*)", ldap3.BASE, attributes=[*ROOT_DSE_ATTRIBUTES, "+"]
        )
    except (ldap_exc.LDAPException, OSError) as exc:
        raise wrap_exception(exc, location, None) from exc
    if not ok or not connection.response:
        return {}
    raw = connection.response[0].get("raw_attributes", {})
    return {
        name.lower(): [value.decode("utf-8", "replace") for value in values]
        for name, values in raw.items()
    }


def server_kind(root: dict[str, list[str]]) -> ServerKind:
    """Active Directory, OpenLDAP, 389-DS or other, from RootDSE facts."""
    if AD_CAPABILITY in root.get("supportedcapabilities", []):
        return ServerKind.ACTIVE_DIRECTORY
    vendor = " ".join(root.get("vendorname", [])).lower()
    if "389" in vendor or "fedora" in vendor or "red hat" in vendor or "netscape" in vendor:
        return ServerKind.DS389
    classes = {value.lower() for value in root.get("objectclass", [])}
    if "openldaprootdse" in classes or "configcontext" in root or "openldap" in vendor:
        return ServerKind.OPENLDAP
    return ServerKind.OTHER


def default_filter(kind: ServerKind) -> str:
    """The person filter used when --filter is not given."""
    if kind is ServerKind.ACTIVE_DIRECTORY:
        return AD_PERSON_FILTER
    return LDAP_PERSON_FILTER


def default_base(root: dict[str, list[str]]) -> str | None:
    """defaultNamingContext (AD), else the first naming context."""
    for name in ("defaultnamingcontext", "namingcontexts"):
        values = root.get(name)
        if values:
            return values[0]
    return None
