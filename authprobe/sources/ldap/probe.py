"""`ldap probe`: what a server is, how we are connected, and what a person entry may hold."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from typing import Any, Final

import ldap3
from ldap3.core import exceptions as ldap_exc

from authprobe.sources.ldap.ber import PAGED_RESULTS_OID
from authprobe.sources.ldap.connection import (
    ServerKind,
    close,
    connect,
    default_base,
    read_root_dse,
    server_kind,
)
from authprobe.sources.ldap.failures import wrap_exception
from authprobe.sources.ldap.settings import BindMethod, LdapSettings, parse_url


def _first(root: dict[str, list[str]], name: str) -> str | None:
    values = root.get(name)
    return values[0] if values else None


@dataclass(frozen=True)
class TlsFacts:
    """The TLS session of a connection."""

    protocol: str
    cipher: str
    verified: bool
    subject: str | None = None
    issuer: str | None = None
    not_after: str | None = None


@dataclass(frozen=True)
class ServerFacts:
    """What `ldap probe` reports about a server."""

    location: str
    kind: ServerKind
    vendor: str | None
    version: str | None
    naming_contexts: tuple[str, ...]
    default_base: str | None
    paged_results: bool
    controls: tuple[str, ...]
    sasl_mechanisms: tuple[str, ...]
    bound_as: str
    who_am_i: str | None
    tls: TlsFacts | None
    person_attributes: tuple[str, ...]
    person_classes: tuple[str, ...]


def _tls_facts(connection: ldap3.Connection, settings: LdapSettings) -> TlsFacts | None:
    sock = connection.socket
    if not isinstance(sock, ssl.SSLSocket):
        return None
    cipher = sock.cipher()
    facts: dict[str, str | None] = {"subject": None, "issuer": None, "not_after": None}
    peer = sock.getpeercert()
    if peer:
        facts["subject"] = _x509_name(peer.get("subject", ()))
        facts["issuer"] = _x509_name(peer.get("issuer", ()))
        not_after = peer.get("notAfter")
        facts["not_after"] = str(not_after) if not_after else None
    else:
        der = sock.getpeercert(binary_form=True)
        if der:
            facts.update(_x509_from_der(der))
    return TlsFacts(
        protocol=sock.version() or "",
        cipher=cipher[0] if cipher else "",
        verified=not settings.insecure,
        **facts,
    )


def _x509_name(name: Any) -> str:
    parts = []
    for rdn in name:
        for key, value in rdn:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def _x509_from_der(der: bytes) -> dict[str, str | None]:
    """Subject, issuer and expiry of an unverified certificate (needs `cryptography`)."""
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography comes with python3-saml's deps
        return {}
    cert = x509.load_der_x509_certificate(der)
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_after": cert.not_valid_after_utc.isoformat(),
    }


_SCHEMA_FIELD: Final = {
    "name": "NAME",
    "sup": "SUP",
    "must": "MUST",
    "may": "MAY",
}


def parse_object_class(definition: str) -> dict[str, list[str]]:
    """An RFC 4512 objectClass definition -> {"name": [...], "sup": [...], "must", "may"}."""
    out: dict[str, list[str]] = {}
    for key, keyword in _SCHEMA_FIELD.items():
        match = re.search(rf"\s{keyword}\s+(\([^)]*\)|'[^']*'|\S+)", definition)
        if not match:
            out[key] = []
            continue
        text = match.group(1).strip("()")
        names = re.split(r"[\s$]+", text.replace("'", " "))
        out[key] = [name for name in names if name]
    return out


PERSON_SCHEMA_CLASSES: Final = ("person", "organizationalPerson", "inetOrgPerson", "user")


def person_attributes(
    connection: ldap3.Connection, root: dict[str, list[str]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Attributes the schema allows on person entries: (classes found, attribute names)."""
    subschema = (root.get("subschemasubentry") or [""])[0]
    if not subschema:
        return (), ()
    ok = connection.search(subschema, "(objectClass=*)", ldap3.BASE, attributes=["objectClasses"])
    if not ok or not connection.response:
        return (), ()
    raw = connection.response[0].get("raw_attributes", {}).get("objectClasses", [])
    classes: dict[str, dict[str, list[str]]] = {}
    for value in raw:
        parsed = parse_object_class(value.decode("utf-8", "replace"))
        for name in parsed["name"]:
            classes[name.lower()] = parsed
    wanted = [name for name in (*PERSON_SCHEMA_CLASSES, "eduPerson") if name.lower() in classes]
    attributes: dict[str, str] = {}
    seen: set[str] = set()
    stack = [name.lower() for name in wanted]
    while stack:
        name = stack.pop()
        if name in seen or name not in classes:
            continue
        seen.add(name)
        parsed = classes[name]
        for attribute in (*parsed["must"], *parsed["may"]):
            attributes.setdefault(attribute.lower(), attribute)
        stack.extend(sup.lower() for sup in parsed["sup"])
    return tuple(wanted), tuple(sorted(attributes.values(), key=str.lower))


WHO_AM_I = "1.3.6.1.4.1.4203.1.11.3"
"""The "Who am I?" extended operation (RFC 4532)."""


def _who_am_i(connection: ldap3.Connection) -> str:
    """The identity the server says this connection has; an anonymous bind is answered with an
    empty identity (RFC 4532), which is an answer, not a missing one."""
    try:
        answer = connection.extend.standard.who_am_i()
    except ldap_exc.LDAPException:
        return "(the server did not answer)"
    if (connection.result or {}).get("result") not in (0, None):
        return "(the server did not answer)"
    return str(answer) if answer else "anonymous (the server answers with an empty identity)"


def probe(settings: LdapSettings) -> ServerFacts:
    """Connect, bind and describe the server (RootDSE, TLS, who am I, person schema)."""
    url = parse_url(settings.url)
    connection = connect(settings)
    try:
        root = read_root_dse(connection, url.display)
        who: str | None = None  # the server does not offer the extension
        if WHO_AM_I in root.get("supportedextension", []):
            who = _who_am_i(connection)
        classes, attributes = person_attributes(connection, root)
        controls = tuple(root.get("supportedcontrol", []))
        return ServerFacts(
            location=url.display,
            kind=server_kind(root),
            vendor=_first(root, "vendorname"),
            version=_first(root, "vendorversion"),
            naming_contexts=tuple(root.get("namingcontexts", [])),
            default_base=url.base or default_base(root),
            paged_results=PAGED_RESULTS_OID in controls,
            controls=controls,
            sasl_mechanisms=tuple(root.get("supportedsaslmechanisms", [])),
            bound_as=settings.user or "" if settings.method is not BindMethod.ANONYMOUS else "",
            who_am_i=who,
            tls=_tls_facts(connection, settings),
            person_attributes=attributes,
            person_classes=classes,
        )
    except (ldap_exc.LDAPException, OSError) as exc:
        raise wrap_exception(exc, url.display, settings) from exc
    finally:
        close(connection)
