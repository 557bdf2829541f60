"""A search sent through ldap3, its answer decoded here, straight from the socket's bytes.

ldap3 stays the protocol layer: it encodes the request and sends it. The answer (entries,
references, the final result with the paged cookie) is framed and decoded by `ber`, which turns
an entry into a DN and text values without the dictionaries ldap3 builds (10-25x faster on a
large scan). Attribute types seen once as plain text are decoded straight into the entry from
then on (`text_names`); a fast profile may count whole entries without building them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ldap3
from ldap3.operation.search import search_operation

from authprobe.errors import SourceUnreachable
from authprobe.sources.directory_files.entries import EntryConverter
from authprobe.sources.ldap import ber
from authprobe.sources.ldap.limits import MAX_VALUE_RANGE
from authprobe.sources.ldap.request import Page, Request, cut_values, next_range
from authprobe.sources.ldap.settings import LDAP3_SCOPES, Scope

if TYPE_CHECKING:
    from authprobe.sources.ldap.fast_profile import FastProfile
    from authprobe.sources.ldap.search import ScanFacts

Entry = tuple[str, dict[str, list[str]], list[tuple[str, str]]]


class RawSearch:
    """Searches over one connection, answers decoded by `ber` (see the module docstring)."""

    def __init__(
        self,
        connection: ldap3.Connection,
        facts: ScanFacts,
        converter: EntryConverter,
        location: str,
        timeout: float,
    ) -> None:
        self.connection = connection
        self.facts = facts
        self.converter = converter
        self.location = location
        self.timeout = timeout
        self.reader = ber.MessageReader(self._recv)
        self.text_names: dict[bytes, str] = {}  # attribute types known to hold plain text

    def _recv(self, size: int) -> bytes:
        sock = self.connection.socket
        if sock is None:
            raise EOFError("the connection is closed")
        data: bytes = sock.recv(size)
        return data

    def search(
        self, request: Request, into: Page, fast: FastProfile | None = None
    ) -> tuple[ber.Result, bytes | None]:
        """Run one search request; append (dn, attrs, ranged) to `into`; return the result and
        the paged cookie (None when the server sent none).

        With `fast`, entries are counted by it while it can; from the first entry it cannot
        take, the rest of the page goes to `into` (so records keep the server's order)."""
        message_id = self._send(request)
        try:
            return self._answer(message_id, into, fast)
        except TimeoutError as exc:
            raise SourceUnreachable(
                "ldap-timeout",
                f"The server did not answer within {self.timeout:.0f} s.",
                location=self.location,
                hint="Raise --timeout, narrow --base/--filter, or try off-peak.",
            ) from exc
        except EOFError as exc:
            raise SourceUnreachable(
                "ldap-connection-lost",
                "The server closed the connection in the middle of the search.",
                location=self.location,
                hint="Retry; check the server's limits for the service account.",
            ) from exc
        except ber.BerError as exc:
            raise SourceUnreachable(
                "ldap-protocol-error",
                f"The server sent a message that is not valid LDAP: {exc}.",
                location=self.location,
                hint="Check the port is an LDAP port; report this with --debug output.",
            ) from exc
        finally:
            outstanding = getattr(self.connection.strategy, "_outstanding", None)
            if isinstance(outstanding, dict):
                outstanding.pop(message_id, None)

    def _send(self, request: Request) -> int:
        """Encode and send the search request (ldap3); its message id."""
        operation = search_operation(
            search_base=request.base,
            search_filter=request.filter,
            search_scope=LDAP3_SCOPES[Scope(request.scope)],
            dereference_aliases=ldap3.DEREF_NEVER,
            attributes=list(request.attributes),
            size_limit=0,
            time_limit=0,
            types_only=False,
            auto_escape=True,
            auto_encode=True,
            schema=None,
            validator=None,
            check_names=False,
        )
        sock = self.connection.socket
        if sock is not None:
            sock.settimeout(self.timeout)
        message_id: int = self.connection.strategy.send(
            "searchRequest", operation, request.controls
        )
        return message_id

    def _answer(
        self, message_id: int, into: Page, fast: FastProfile | None
    ) -> tuple[ber.Result, bytes | None]:
        """Read the messages answering `message_id` until its SearchResultDone."""
        for message in self.reader.messages():
            if message.message_id != message_id:
                if message.message_id == 0:
                    raise SourceUnreachable(
                        "ldap-connection-lost",
                        "The server ended the session (notice of disconnection).",
                        location=self.location,
                        hint="Retry; if it keeps happening, ask for the server's limits.",
                    )
                continue
            op = message.op
            if op == ber.SEARCH_RESULT_ENTRY:
                if fast is not None and not into:
                    if fast.entry(message.data, message.op_start, message.op_end):
                        continue
                    fast = None
                into.append(self._entry(message))
            elif op == ber.SEARCH_RESULT_REFERENCE:
                for uri in ber.parse_reference(message.data, message.op_start, message.op_end):
                    self.facts.referrals.append(uri)
                    self.converter.stats.skip("referral not followed", uri)
            elif op == ber.SEARCH_RESULT_DONE:
                return _done(message)
        raise EOFError("unreachable")  # pragma: no cover - messages() only ends by raising

    def _entry(self, message: ber.Message) -> Entry:
        """One SearchResultEntry: the plain-text attributes decoded at once, the others added
        one by one by the converter (and, once seen as plain text, decoded at once next time)."""
        converter = self.converter
        text_names = self.text_names
        raw_dn, attrs, others = ber.decode_entry(
            message.data, message.op_start, message.op_end, text_names
        )
        dn = raw_dn.decode("utf-8", "replace")
        ranged: list[tuple[str, str]] = []
        for name, values in others:
            text_name = converter.add_raw(attrs, name, values, dn)
            if ";range=" in text_name.lower():
                following = next_range(text_name)
                if following:
                    ranged.append((text_name, following))
            else:
                cut = cut_values(dn, text_name, len(values))
                if cut is not None:
                    self.facts.truncated.append(cut)
                if converter.is_text(name) and len(values) < MAX_VALUE_RANGE:
                    text_names[name] = converter.spell(text_name)
        return dn, attrs, ranged


def _done(message: ber.Message) -> tuple[ber.Result, bytes | None]:
    """The SearchResultDone: the result, and the paged-results cookie if the server sent one."""
    data = message.data
    result = ber.parse_result(data, message.op_start, message.op_end)
    cookie = None
    if message.controls_start >= 0:
        for control in ber.parse_controls(data, message.controls_start, message.controls_end):
            if control.oid == ber.PAGED_RESULTS_OID and control.value is not None:
                cookie = ber.parse_paged_value(control.value)[1]
    return result, cookie
