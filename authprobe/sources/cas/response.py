"""A CAS ticket-validation response, as the service (Alma) receives it.

    response = read_response("validate.xml")
    response.success, response.user, response.attributes[i].name / .values,
    response.failure_code, response.failure_description, response.findings

Accepted: the XML of CAS 2.0 `/serviceValidate` and `/proxyValidate` and of CAS 3.0
`/p3/serviceValidate` (`cas:attributes`, also the RubyCAS style with attributes directly in
`cas:authenticationSuccess`, and the name/value style `<cas:attribute name= value=>`), the JSON
form (`format=JSON`), a CAS 1.0 `/validate` answer (`yes` / user name), and those wrapped in a
log line or an HTTP response. The XML goes through `xmlsafe` (no DTDs, no entities). A failure
(`cas:authenticationFailure`) is read and reported as a finding with its code. Alma takes the
user identifier from `cas:user`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from authprobe import vocab, xmlsafe
from authprobe.errors import InputError
from authprobe.model import Finding, Severity
from authprobe.sources.documents import parse_object, read_bytes
from authprobe.wording import plural

CAS = "http://www.yale.edu/tp/cas"
SOURCE = "cas-response"
MAX_INPUT = 4 * 1024 * 1024
HINT = (
    "Pass what the CAS server answered to /serviceValidate or /p3/serviceValidate (the XML "
    "<cas:serviceResponse>, or its JSON form with format=JSON)."
)
PROTOCOL_ATTRIBUTES = frozenset(
    {
        "isFromNewLogin", "authenticationDate", "longTermAuthenticationRequestTokenUsed",
        "authenticationMethod", "successfulAuthenticationHandlers", "credentialType",
        "samlAuthenticationStatementAuthMethod", "clientIpAddress", "serverIpAddress",
        "userAgent", "isRemembered", "attraStyle",
    }
)  # fmt: skip
"""Attributes about the authentication event, not the person: shown unmasked."""
_SUCCESS_FIXED = frozenset({"user", "attributes", "proxyGrantingTicket", "proxies"})
_EMBEDDED = re.compile(
    r"<((?:[A-Za-z_][\w.-]*:)?)serviceResponse\b.*?</\1serviceResponse\s*>", re.DOTALL
)


@dataclass(frozen=True, slots=True)
class CasAttribute:
    """One released attribute: name as sent, values, what it usually carries."""

    name: str
    values: tuple[str, ...]
    readable_name: str
    directory_attributes: tuple[str, ...]
    protocol: bool  # about the authentication, not the person (shown unmasked)


@dataclass(frozen=True, slots=True)
class CasResponse:
    """A decoded CAS validation response."""

    location: str
    input_format: str  # "xml", "json", "cas1", "text" (XML inside other text)
    protocol: str  # "CAS 1.0", "CAS 2.0", "CAS 3.0 (attributes)", "CAS 3.0 JSON"
    success: bool
    user: str | None
    attributes: tuple[CasAttribute, ...]
    attribute_style: str | None  # "cas:attributes", "RubyCAS", "name-value", "JSON"
    failure_code: str | None
    failure_description: str | None
    proxy_granting_ticket: bool  # a PGTIOU is present (its value is never shown)
    proxies: tuple[str, ...]
    findings: tuple[Finding, ...] = ()

    def attribute(self, name: str) -> CasAttribute | None:
        """The attribute sent with this name (case-insensitive), or None."""
        wanted = name.casefold()
        return next((a for a in self.attributes if a.name.casefold() == wanted), None)


def not_a_response(location: str, why: str) -> InputError:
    """The error for input that is no CAS validation response."""
    return InputError(
        "cas-not-a-response",
        f"This is not a CAS validation response: {why}.",
        location=location,
        hint=HINT,
    )


def read_response(source: str) -> CasResponse:
    """Read a CAS validation response from a file, or from stdin when `source` is `-`."""
    data = read_bytes(
        source,
        what="CAS response",
        reference="cas-response",
        limit=MAX_INPUT,
        hint="Check the path; save the CAS server's answer to a file, or pipe it in with -.",
    )
    return decode_response(data, "<stdin>" if source == "-" else source)


def decode_response(data: bytes, location: str) -> CasResponse:
    """Decode a CAS validation response (see the module docstring)."""
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n").rstrip()
    if not body:
        raise InputError("cas-response-empty", "The CAS response is empty.", location=location)
    head = body[:4096].lower()
    if body.startswith(b"{"):
        document = parse_object(
            body, location, what="CAS response", reference="cas-response", hint=HINT
        )
        return _from_json(document, location)
    if body.startswith(b"<"):
        if b"<html" in head or b"<!doctype html" in head:
            raise not_a_response(location, "an HTML page (the CAS login page?)")
        return _from_xml(body, location, "xml")
    text = body.decode("utf-8", "replace")
    first, _, rest = text.partition("\n")
    if first.strip() in ("yes", "no"):
        return _cas1(first.strip() == "yes", rest.strip().splitlines(), location)
    match = _EMBEDDED.search(text)
    if match:
        return _from_xml(match.group(0).encode("utf-8"), location, "text")
    raise not_a_response(location, "no <cas:serviceResponse> and no JSON serviceResponse in it")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Any) -> str:
    """All text of an element (XPath string-value, comments excluded), trimmed."""
    return str(element.xpath("string()")).strip()


def _from_xml(xml: bytes, location: str, input_format: str) -> CasResponse:
    root = xmlsafe.parse_bytes(xml, location)
    tag = _local(root.tag)
    if tag == "Envelope" or "SAML" in str(root.tag) or tag == "Response":
        raise not_a_response(
            location,
            "this is a SAML message (CAS /samlValidate answers in SAML 1.1); Alma validates "
            "with CAS 2.0/3.0 serviceValidate",
        )
    if tag != "serviceResponse":
        raise not_a_response(location, f"the XML root is <{tag}>, not <cas:serviceResponse>")
    findings: list[Finding] = []
    if not str(root.tag).startswith(f"{{{CAS}}}"):
        findings.append(
            _finding(
                "cas-namespace",
                Severity.WARNING,
                None,
                f"The response is not in the CAS namespace ({CAS}): a CAS client may ignore it.",
            )
        )
    children = [child for child in root if isinstance(child.tag, str)]
    kinds = {_local(child.tag): child for child in children}
    if "authenticationFailure" in kinds:
        failure = kinds["authenticationFailure"]
        return _failure(
            location, input_format, "CAS 2.0/3.0", failure.get("code"), _text(failure), findings
        )
    if "authenticationSuccess" not in kinds:
        found = ", ".join(sorted(kinds)) or "nothing"
        raise not_a_response(
            location,
            f"it holds {found}, not cas:authenticationSuccess or cas:authenticationFailure "
            "(a proxy-ticket answer is not a login)",
        )
    return _success_xml(kinds["authenticationSuccess"], location, input_format, findings)


def _success_xml(
    success: Any, location: str, input_format: str, findings: list[Finding]
) -> CasResponse:
    user_element = next((c for c in success if _local(c.tag) == "user"), None)
    user = _text(user_element) if user_element is not None else None
    pairs: list[tuple[str, str]] = []
    style: str | None = None
    for child in success:
        name = _local(child.tag)
        if name == "attributes":
            style = "cas:attributes"
            pairs.extend(_attribute_pairs(child))
        elif name and name not in _SUCCESS_FIXED:
            style = style or "RubyCAS"
            pairs.append((name, _text(child)))
    proxies = tuple(
        _text(proxy)
        for child in success
        if _local(child.tag) == "proxies"
        for proxy in child
        if _local(proxy.tag) == "proxy"
    )
    pgt = any(_local(c.tag) == "proxyGrantingTicket" for c in success)
    protocol = "CAS 3.0 (attributes)" if pairs else "CAS 2.0"
    return _success(location, input_format, protocol, user, pairs, style, pgt, proxies, findings)


def _attribute_pairs(attributes: Any) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for child in attributes:
        name = _local(child.tag)
        if not name:
            continue
        if name == "attribute" and child.get("name") is not None:  # name/value style
            pairs.append((str(child.get("name")), str(child.get("value") or _text(child))))
        else:
            pairs.append((name, _text(child)))
    return pairs


def _from_json(document: dict[str, Any], location: str) -> CasResponse:
    response = document.get("serviceResponse")
    if not isinstance(response, dict):
        raise not_a_response(location, "the JSON has no serviceResponse object")
    failure = response.get("authenticationFailure")
    if isinstance(failure, dict):
        code = failure.get("code")
        return _failure(
            location,
            "json",
            "CAS 3.0 JSON",
            str(code) if code else None,
            str(failure.get("description") or ""),
            [],
        )
    success = response.get("authenticationSuccess")
    if not isinstance(success, dict):
        raise not_a_response(
            location,
            "serviceResponse holds neither authenticationSuccess nor authenticationFailure",
        )
    user = success.get("user")
    pairs: list[tuple[str, str]] = []
    attributes = success.get("attributes")
    if isinstance(attributes, dict):
        for name, value in attributes.items():
            items = value if isinstance(value, list) else [value]
            pairs.extend((str(name), _json_text(item)) for item in items)
    proxies = tuple(str(p) for p in success.get("proxies") or [] if isinstance(p, str))
    return _success(
        location,
        "json",
        "CAS 3.0 JSON",
        str(user) if user is not None else None,
        pairs,
        "JSON" if pairs else None,
        bool(success.get("proxyGrantingTicket")),
        proxies,
        [],
    )


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _cas1(valid: bool, lines: list[str], location: str) -> CasResponse:
    if not valid:
        return _failure(location, "cas1", "CAS 1.0", None, "the ticket was not valid (no)", [])
    user = lines[0].strip() if lines else None
    return _success(location, "cas1", "CAS 1.0", user, [], None, False, (), [])


def _finding(code: str, severity: Severity, field: str | None, message: str) -> Finding:
    return Finding(code, severity, SOURCE, field, 1, message)


def _failure(
    location: str,
    input_format: str,
    protocol: str,
    code: str | None,
    description: str,
    findings: list[Finding],
) -> CasResponse:
    text = " ".join(description.split())
    findings.append(
        _finding(
            "cas-authentication-failure",
            Severity.ERROR,
            "authenticationFailure",
            f"The CAS server refused the ticket ({code or 'no code'}): {text or 'no description'}"
            ". A failed validation names no user: capture the answer to a fresh ticket (a "
            "service ticket is valid once, for a few seconds).",
        )
    )
    return CasResponse(
        location,
        input_format,
        protocol,
        False,
        None,
        (),
        None,
        code,
        text or None,
        False,
        (),
        tuple(findings),
    )


def _success(
    location: str,
    input_format: str,
    protocol: str,
    user: str | None,
    pairs: list[tuple[str, str]],
    style: str | None,
    pgt: bool,
    proxies: tuple[str, ...],
    findings: list[Finding],
) -> CasResponse:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    attributes = tuple(_attribute(name, values) for name, values in grouped.items())
    response = CasResponse(
        location, input_format, protocol, True, user, attributes, style, None, None, pgt, proxies
    )
    return replace(response, findings=(*findings, *success_findings(response)))


def _attribute(name: str, values: list[str]) -> CasAttribute:
    info = vocab.lookup(name)
    return CasAttribute(
        name=name,
        values=tuple(values),
        readable_name=info.friendly_name if info else name,
        directory_attributes=info.directory_attributes if info else (),
        protocol=name in PROTOCOL_ATTRIBUTES,
    )


def success_findings(response: CasResponse) -> list[Finding]:
    """What is noteworthy in a successful validation."""
    out: list[Finding] = []
    user = response.user
    if not user:
        out.append(
            _finding(
                "cas-user-missing",
                Severity.ERROR,
                "user",
                "The success names no user (cas:user is missing or empty): Alma has nothing "
                "to look up.",
            )
        )
    elif "@" in user:
        out.append(
            _finding(
                "cas-user-email",
                Severity.INFO,
                "user",
                "cas:user is an email-style value: it changes when a person's name changes; "
                "an assigned number or username ranks higher as a matching ID.",
            )
        )
    if not response.attributes and response.protocol != "CAS 1.0":
        out.append(
            _finding(
                "cas-no-attributes",
                Severity.INFO,
                "attributes",
                "The response carries only cas:user. Alma takes the user from cas:user; to see "
                "other values, validate with CAS 3.0 (/p3/serviceValidate) and ask for attribute "
                "release.",
            )
        )
    if response.attribute_style == "RubyCAS":
        out.append(
            _finding(
                "cas-attributes-rubycas",
                Severity.INFO,
                "attributes",
                "Attributes sit directly in cas:authenticationSuccess (the old RubyCAS style), "
                "not in cas:attributes.",
            )
        )
    if response.proxies:
        out.append(
            _finding(
                "cas-proxied",
                Severity.INFO,
                "proxies",
                f"The ticket was validated through "
                f"{plural(len(response.proxies), 'proxy', 'proxies')}: this is "
                "a proxy ticket, not the login of a browser.",
            )
        )
    return out
