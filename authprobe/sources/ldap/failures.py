"""ldap3 exceptions and LDAP result codes turned into named, hinted `SourceUnreachable` errors.

Active Directory explains a failed bind in the diagnostic message (`... data 52e, v4563`): the
sub-code says whether the password is wrong, the account disabled, expired or locked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from authprobe.errors import SourceUnreachable

if TYPE_CHECKING:
    from authprobe.sources.ldap.settings import LdapSettings

TLS_HINT: Final = (
    "AD requires LDAPS or StartTLS for simple binds: use ldaps://HOST:636 or --starttls"
    " (with --ca-file if the CA is private)."
)

# AD bind sub-codes (the `data XXX` of an invalidCredentials diagnostic message).
AD_BIND_CODES: Final[dict[str, tuple[str, str, str]]] = {
    "52e": (
        "ldap-bind-invalid-credentials",
        "The user name or password is wrong (AD data 52e).",
        "Check the service account's password; it is read from AUTHPROBE_LDAP_PASSWORD,"
        " --password-file or the prompt.",
    ),
    "525": (
        "ldap-bind-user-not-found",
        "No such user (AD data 525).",
        "Check --user: a DN, user@domain (UPN) or DOMAIN\\user.",
    ),
    "530": (
        "ldap-bind-logon-hours",
        "The account may not log on at this time (AD data 530).",
        "Ask the AD administrators to lift the logon-hours restriction.",
    ),
    "531": (
        "ldap-bind-workstation",
        "The account may not log on from this workstation (AD data 531).",
        "Ask the AD administrators to allow this host (userWorkstations).",
    ),
    "532": (
        "ldap-bind-password-expired",
        "The account's password has expired (AD data 532).",
        "Have the service account's password reset.",
    ),
    "533": (
        "ldap-bind-account-disabled",
        "The account is disabled (AD data 533).",
        "Ask the AD administrators to enable the service account.",
    ),
    "701": (
        "ldap-bind-account-expired",
        "The account has expired (AD data 701).",
        "Ask the AD administrators to extend the account.",
    ),
    "773": (
        "ldap-bind-password-must-change",
        "The password must be changed before first use (AD data 773).",
        "Log in once interactively to set a new password, or have it reset.",
    ),
    "775": (
        "ldap-bind-account-locked",
        "The account is locked out (AD data 775).",
        "Wait for the lockout to expire or ask the AD administrators to unlock it.",
    ),
}

_DATA_CODE = re.compile(r"data ([0-9a-f]{3,4})", re.IGNORECASE)


def bind_error(
    result: Mapping[str, Any], location: str, settings: LdapSettings | None
) -> SourceUnreachable:
    """A failed bind result -> a named error."""
    code = int(result.get("result") or 0)
    message = str(result.get("message") or "").strip()
    detail = f" Server said: {message}" if message else ""
    if code == 49:
        match = _DATA_CODE.search(message)
        if match and match.group(1).lower() in AD_BIND_CODES:
            reference, text, hint = AD_BIND_CODES[match.group(1).lower()]
            return SourceUnreachable(reference, text, location=location, hint=hint)
        return SourceUnreachable(
            "ldap-bind-invalid-credentials",
            "The user name or password is wrong (invalidCredentials)." + detail,
            location=location,
            hint="Check --user and the password (AUTHPROBE_LDAP_PASSWORD, --password-file or"
            " the prompt).",
        )
    if code in (8, 13):
        return SourceUnreachable(
            "ldap-bind-needs-tls",
            "The server refuses this bind without transport encryption"
            f" ({'strongerAuthRequired' if code == 8 else 'confidentialityRequired'})." + detail,
            location=location,
            hint=TLS_HINT,
        )
    if code == 7:
        return SourceUnreachable(
            "ldap-bind-method-unsupported",
            "The server does not support this authentication method." + detail,
            location=location,
            hint="Try --bind simple over LDAPS, or the method `ldap probe` lists under SASL.",
        )
    if code == 48:
        return SourceUnreachable(
            "ldap-bind-refused",
            "The server refuses this kind of bind (inappropriateAuthentication)." + detail,
            location=location,
            hint="Anonymous access is probably disabled: give --user and a password.",
        )
    if code == 53:
        return SourceUnreachable(
            "ldap-bind-refused",
            "The server is unwilling to perform the bind." + detail,
            location=location,
            hint="Check the account and that the bind is sent over TLS.",
        )
    return SourceUnreachable(
        "ldap-bind-failed",
        f"The bind failed (LDAP result {code})." + detail,
        location=location,
        hint="Check --user, the password and --bind.",
    )


SEARCH_RESULTS: Final[dict[int, tuple[str, str, str]]] = {
    1: (
        "ldap-operations-error",
        "The server refused the search (operationsError).",
        "Active Directory refuses anonymous searches: give --user and a password.",
    ),
    3: (
        "ldap-time-limit-exceeded",
        "The server's time limit ended the search (timeLimitExceeded).",
        "Narrow --base or --filter, or ask for a higher time limit for the account.",
    ),
    4: (
        "ldap-size-limit-exceeded",
        "The server's size limit cut the search even though it was paged"
        " (sizeLimitExceeded): entries are missing.",
        "Ask the administrators to lift the total size limit for paged searches for the"
        " service account (OpenLDAP: limits size.prtotal=unlimited).",
    ),
    11: (
        "ldap-admin-limit-exceeded",
        "An administrative limit ended the search (adminLimitExceeded).",
        "Narrow --base or --filter, or ask for higher limits for the service account.",
    ),
    12: (
        "ldap-control-unsupported",
        "The server does not support a critical control (paged results?).",
        "Check `authprobe ldap probe`: it lists the supported controls.",
    ),
    32: (
        "ldap-base-not-found",
        "The search base does not exist (noSuchObject).",
        "Check --base; `authprobe ldap probe` lists the naming contexts.",
    ),
    34: (
        "ldap-base-invalid",
        "The search base is not a valid DN (invalidDNSyntax).",
        "Write --base as a DN, e.g. OU=People,DC=college,DC=ca.",
    ),
    50: (
        "ldap-insufficient-rights",
        "The account may not read these entries (insufficientAccessRights).",
        "Ask for read access to the person entries for the service account.",
    ),
    51: ("ldap-server-busy", "The server is busy.", "Retry later."),
    52: ("ldap-server-unavailable", "The server is unavailable.", "Retry later."),
    87: (
        "ldap-filter-invalid",
        "The server rejected the filter.",
        "Check --filter (parentheses, attribute names).",
    ),
}
"""Failed search results by LDAP result code: (reference, message, hint); 10 (referral) and
any other code are written by `result_error`."""


def result_error(
    code: int, message: str, referrals: Sequence[str], location: str
) -> SourceUnreachable:
    """A failed search result -> a named error."""
    detail = f" Server said: {message.strip()}" if message.strip() else ""
    if code == 10:
        where = ", ".join(referrals) or "another server"
        return SourceUnreachable(
            "ldap-referral",
            f"The server referred the search to {where}; referrals are not followed.",
            location=location,
            hint="Point the URL at the server that holds --base, or choose a --base this server"
            " holds (see `authprobe ldap probe`).",
        )
    reference, text, hint = SEARCH_RESULTS.get(
        code,
        (
            "ldap-search-failed",
            f"The search failed (LDAP result {code}).",
            "Run with --debug and check the server's logs.",
        ),
    )
    return SourceUnreachable(reference, text + detail, location=location, hint=hint)


def readable(exc: BaseException) -> str:
    """The exception's message as a sentence: ldap3 nests the socket error's text in tuples
    (`("('socket ssl wrapping error: [SSL: ...] EOF ...',)",)`); keep the words only."""
    text = str(exc)
    for _ in range(4):  # each level of nesting is one tuple's repr
        if not (text.startswith("(") and text.endswith(",)")) or len(text) > 2000:
            break
        try:
            inner = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            break
        if not (isinstance(inner, tuple) and len(inner) == 1 and isinstance(inner[0], str)):
            break
        text = inner[0]
    return text


def wrap_exception(
    exc: BaseException, location: str, settings: LdapSettings | None
) -> SourceUnreachable:
    """An ldap3 / socket / TLS exception -> a named error (never a traceback).

    ldap3 and the socket layer say what went wrong only in the exception's text: it is tested
    for certificate problems first, then network problems, then protocol problems.
    """
    text = readable(exc)
    lowered = text.lower()
    name = type(exc).__name__
    found = (
        _certificate_problem(lowered, name, text, location)
        or _network_problem(lowered, location)
        or _protocol_problem(lowered, name, text, location, settings)
    )
    if found is not None:
        return found
    return SourceUnreachable(
        "ldap-connection-failed",
        f"Cannot talk to the server: {text or name}",
        location=location,
        hint="Check the URL, the network path and the TLS options; --debug shows details.",
    )


def _certificate_problem(
    lowered: str, name: str, text: str, location: str
) -> SourceUnreachable | None:
    if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
        if "hostname mismatch" in lowered or "ip address mismatch" in lowered:
            return _name_mismatch(location, text)
        return SourceUnreachable(
            "ldap-tls-untrusted",
            "The server's TLS certificate is not trusted (certificate verify failed).",
            location=location,
            hint="Give --ca-file with the CA that signed the server's certificate; --insecure"
            " skips the check (testing only).",
        )
    if name == "LDAPCertificateError" or (
        "hostname" in lowered and ("match" in lowered or "mismatch" in lowered)
    ):
        return _name_mismatch(location, text)
    return None


def _network_problem(lowered: str, location: str) -> SourceUnreachable | None:
    if (
        "invalid server address" in lowered
        or "name or service not known" in lowered
        or ("getaddrinfo" in lowered or "nodename nor servname" in lowered)
    ):
        return SourceUnreachable(
            "ldap-host-unknown",
            "The server's host name does not resolve.",
            location=location,
            hint="Check the host name in the URL (or use its IP address with --tls-name).",
        )
    if "connection refused" in lowered or "errno 111" in lowered:
        return SourceUnreachable(
            "ldap-connection-refused",
            "The connection was refused: nothing listens on that port.",
            location=location,
            hint="Check host and port: 389 for ldap:// (and --starttls), 636 for ldaps://.",
        )
    if "timed out" in lowered or "timeout" in lowered:
        return SourceUnreachable(
            "ldap-timeout",
            "The server did not answer in time.",
            location=location,
            hint="Check the host is reachable from here (firewall, VPN), or raise --timeout.",
        )
    if "unreachable" in lowered or "no route" in lowered:
        return SourceUnreachable(
            "ldap-host-unreachable",
            "The network cannot reach the server.",
            location=location,
            hint="Check VPN and firewall rules between this machine and the server.",
        )
    return None


def _protocol_problem(
    lowered: str, name: str, text: str, location: str, settings: LdapSettings | None
) -> SourceUnreachable | None:
    if "md4" in lowered or "unsupported hash type" in lowered:
        return SourceUnreachable(
            "ldap-ntlm-unavailable",
            "NTLM needs the MD4 hash, which this system's OpenSSL disables.",
            location=location,
            hint="pip install pycryptodome (ldap3 uses it for MD4), or use --bind simple over"
            " LDAPS.",
        )
    if "ssl" in lowered or "tls" in lowered or "wrong version number" in lowered:
        return SourceUnreachable(
            "ldap-tls-failed",
            f"The TLS handshake failed: {text}",
            location=location,
            hint="Check the port speaks the protocol of the URL: ldaps:// on 636, or ldap:// on"
            " 389 with --starttls.",
        )
    if (
        "terminated" in lowered
        or "closed" in lowered
        or "reset" in lowered
        or ("SessionTerminated" in name or "SocketReceive" in name)
    ):
        ntlm = settings is not None and settings.method.value == "ntlm"
        return SourceUnreachable(
            "ldap-connection-lost",
            "The server closed the connection." + (" (during an NTLM bind)" if ntlm else ""),
            location=location,
            hint=(
                "This server does not accept ldap3's NTLM (Sicily) bind; use --bind simple over"
                " LDAPS or --bind gssapi."
                if ntlm
                else "Retry; if it persists the server may require TLS (try ldaps:// or"
                " --starttls)."
            ),
        )
    return None


def _name_mismatch(location: str, text: str) -> SourceUnreachable:
    return SourceUnreachable(
        "ldap-tls-name-mismatch",
        "The server's certificate does not name the host in the URL.",
        location=location,
        hint="Connect with the name the certificate carries, or give it with --tls-name NAME.",
    )
