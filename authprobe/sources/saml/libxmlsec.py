"""The one door to xmlsec, the C library that verifies XML signatures and decrypts XML.

libxml2 and xmlsec write their complaints straight to file descriptor 2, past Python. Every call
here runs inside `quiet()`: for its duration fd 2 points at a scratch file and xmlsec's error
trace is on; what the libraries wrote is read back (at most 64 kB) and turned into a reason
authprobe can state — "data and digest do not match" becomes "the content was changed after
signing", an unknown algorithm URI is named — so no raw library text reaches the user. The
redirection is process-wide: while a call runs (milliseconds), anything another thread writes to
stderr goes to the scratch file too; calls are serialised by a lock.

    verify(signature, pem)              -> Verification (ok, why, detail)
    decrypt(wrapper, sp_key, location)  -> the element inside an EncryptedAssertion /
                                           EncryptedID / EncryptedAttribute, decrypted in place
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from authprobe.errors import InputError

DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
TRACE_LIMIT = 64 * 1024
_LOCK = threading.RLock()
_UNKNOWN_HREF = re.compile(r"FindByHref.*?href=(\S+)")
_XML_ERROR = re.compile(r"xml error: \d+: (.+)$")
_NAMESPACE = re.compile(r"Namespace prefix (\S+) (?:on|for) (\S+) (?:is )?not defined")


@contextmanager
def quiet() -> Iterator[list[str]]:
    """Collect what C code writes to fd 2 (and xmlsec's trace) instead of letting it through."""
    import xmlsec

    lines: list[str] = []
    with _LOCK:
        sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 at all: nothing can leak there
            yield lines
            return
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            trace = getattr(xmlsec, "enable_debug_trace", None)
            if trace is not None:
                trace(True)
            try:
                yield lines
            finally:
                if trace is not None:
                    trace(False)
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                lines.extend(sink.read(TRACE_LIMIT).decode("utf-8", "replace").splitlines())


def unknown_algorithm(trace: list[str]) -> str | None:
    """The algorithm URI xmlsec did not recognise, if that is what failed."""
    for line in trace:
        match = _UNKNOWN_HREF.search(line)
        if match:
            return match.group(1)
    return None


def namespace_problem(trace: list[str]) -> str | None:
    """`prefix saml on Assertion` when libxml2 met an undeclared namespace prefix."""
    for line in trace:
        match = _NAMESPACE.search(line)
        if match:
            return f"the namespace prefix {match.group(1)} (on <{match.group(2)}>) is not declared"
    return None


def xml_problem(trace: list[str]) -> str | None:
    """libxml2's complaint when decrypted content is not well-formed (an undefined entity, ...)."""
    for line in trace:
        match = _XML_ERROR.search(line)
        if match:
            return match.group(1).strip().rstrip(".")
    return None


@dataclass(frozen=True, slots=True)
class Verification:
    """xmlsec's verdict on one signature with one key."""

    ok: bool
    why: str  # verified, digest (content changed), signature (other key), algorithm, other
    detail: str


def add_ids(root: Any) -> None:
    """Tell xmlsec that `ID` attributes are XML IDs (SAML's convention)."""
    import xmlsec

    with quiet():
        xmlsec.tree.add_ids(root, ["ID"])


def verify(signature: Any, pem: str) -> Verification:
    """Verify `signature` with the public key of the certificate `pem`."""
    import xmlsec

    with quiet() as trace:
        try:
            context = xmlsec.SignatureContext()
            context.key = xmlsec.Key.from_memory(
                pem.encode(), xmlsec.constants.KeyDataFormatCertPem
            )
            context.verify(signature)
            failure: xmlsec.Error | None = None
        except xmlsec.Error as exc:
            failure = exc
    if failure is None:
        return Verification(True, "verified", "verified")
    href = unknown_algorithm(trace)
    if href is not None:
        return Verification(False, "algorithm", href)
    text = "\n".join(trace)
    if "data and digest do not match" in text:
        return Verification(False, "digest", "the signed content was changed after signing")
    if isinstance(failure, xmlsec.VerificationError):
        return Verification(False, "signature", "made with another key")
    return Verification(False, "other", _last_reason(trace) or str(failure))


def _last_reason(trace: list[str]) -> str:
    """The innermost xmlsec reason (`error=...:` text) of a trace, without file/line noise."""
    for line in trace:
        if "error=" in line:
            reason = line.rsplit(":error=", 1)[-1].split(":", 1)[-1].strip(" :")
            if reason:
                return reason
    return ""


def decrypt(wrapper: Any, sp_key: str, location: str) -> Any:
    """Decrypt the EncryptedData of an Encrypted* `wrapper` where it stands, in its document.

    Prefixes declared on the Response (or anywhere above) resolve as the IdP meant them. The
    document is changed: the decrypted element replaces the EncryptedData inside `wrapper` and is
    returned. Callers that still need the encrypted form pass a copy.
    """
    import xmlsec

    data = wrapper.find(f"{{{XENC}}}EncryptedData")
    what = _local(wrapper.tag)
    if data is None:
        raise InputError(
            "saml-encrypted-malformed",
            f"The {what} has no EncryptedData.",
            location=location,
        )
    _inline_retrieved_key(wrapper, data)
    with quiet() as trace:
        try:
            manager = xmlsec.KeysManager()
            manager.add_key(
                xmlsec.Key.from_memory(sp_key.encode(), xmlsec.constants.KeyDataFormatPem, None)
            )
            plain = xmlsec.EncryptionContext(manager).decrypt(data)
            failure: xmlsec.Error | None = None
        except xmlsec.Error as exc:
            failure, plain = exc, None
        except IndexError:  # python-xmlsec when the plaintext holds no element at all
            failure, plain = None, None
    problem = namespace_problem(trace) or xml_problem(trace)
    if failure is not None or problem is not None or not _is_element(plain):
        raise _decrypt_failed(what, location, failure, problem, trace)
    return plain


def _decrypt_failed(
    what: str, location: str, failure: Exception | None, problem: str | None, trace: list[str]
) -> InputError:
    if problem is not None:
        return InputError(
            "saml-decrypt-failed",
            f"The {what} decrypts, but its content is not well-formed XML: {problem}.",
            location=location,
            hint="This is a fault of the IdP's encryption; show it to campus IT.",
        )
    if failure is None:
        return InputError(
            "saml-decrypt-failed",
            f"The {what} decrypts to something that is not an XML element.",
            location=location,
        )
    href = unknown_algorithm(trace)
    if href:
        cause = f"it uses the algorithm {href}, which xmlsec does not know"
    elif any("key is not found" in line for line in trace):
        cause = (
            "the encrypted session key does not open with this key: it was encrypted for another"
        )
    else:
        cause = _last_reason(trace) or str(failure)
    return InputError(
        "saml-decrypt-failed",
        f"The {what} cannot be decrypted with the SP key given ({cause}).",
        location=location,
        hint="Pass the private key of the service provider the IdP encrypted for "
        "(--sp-key); the IdP's own keys cannot decrypt.",
    )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _is_element(node: object) -> bool:
    return node is not None and isinstance(getattr(node, "tag", None), str)


def _inline_retrieved_key(wrapper: Any, data: Any) -> None:
    """Move an EncryptedKey referenced by RetrievalMethod into the KeyInfo (as Okta sends it)."""
    key_info = data.find(f"{{{DS}}}KeyInfo")
    if key_info is None:
        return
    for method in key_info.findall(f"{{{DS}}}RetrievalMethod"):
        uri = (method.get("URI") or "").lstrip("#")
        for key in wrapper.findall(f"{{{XENC}}}EncryptedKey"):
            if key.get("Id") == uri:
                key_info.append(key)
