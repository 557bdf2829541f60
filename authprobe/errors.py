"""The one error family of authprobe and the exit codes the CLI maps it to.

A *failure* (cannot read a file, cannot reach a server) is an `AuthprobeError`. A problem found
*in* the data (a duplicate, a case collision) is a `Finding` in the report, not an error.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """Documented exit codes (README, "Exit codes")."""

    OK = 0
    FINDINGS = 1  # findings at or above --fail-on
    USAGE = 2  # bad options or arguments
    UNREACHABLE = 3  # source unreachable, authentication or TLS failed
    UNREADABLE = 4  # input unreadable, malformed or unsafe
    INTERNAL = 70  # a bug in authprobe (EX_SOFTWARE); --debug shows the traceback
    INTERRUPTED = 130  # Ctrl-C
    CLOSED_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE, as a shell reports it)


class AuthprobeError(Exception):
    """A failure with a short `reference`, a message, where it happened and what to do."""

    exit_code: ClassVar[ExitCode] = ExitCode.UNREADABLE

    def __init__(
        self,
        reference: str,
        message: str,
        *,
        location: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.reference = reference
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        parts = [self.message]
        if self.location:
            parts.append(f"({self.location})")
        return " ".join(parts)


class UsageError(AuthprobeError):
    """The command line or the configuration file asks for something impossible."""

    exit_code = ExitCode.USAGE


class InputError(AuthprobeError):
    """A file or message cannot be read: missing, malformed, wrong encoding, truncated."""

    exit_code = ExitCode.UNREADABLE


class UnsafeInputError(InputError):
    """Input refused on purpose: DTDs, entities, zip bombs, oversized trees."""


class SourceUnreachable(AuthprobeError):
    """A server cannot be reached or refuses us: connection, TLS, bind, rights, limits."""

    exit_code = ExitCode.UNREACHABLE


def at_line(path: object, line: int | None = None) -> str:
    """Format a location as `file:line` (or just `file`)."""
    return f"{path}:{line}" if line else str(path)
