"""The one home of the limits on what authprobe reads, and of the rule that inputs are files.

Every file input (a directory export, a saved scan, an SIS extract, SAML metadata or a captured
login, a certificate, a schema, the configuration file, a password file) is opened here, or at
least checked here first:

- it must be a *regular file* once symbolic links are followed (or standard input, `-`, where a
  command takes it): a character device such as `/dev/zero`, a named pipe (FIFO), a socket or a
  directory is refused with an `InputError` (exit 4) that says what the path is, before a single
  byte is read; a FIFO is never opened for reading (that would wait for a writer forever);
- it has a size budget, checked while reading (a file may grow, and `/proc` files claim a size
  of 0), so a huge or endless input stops with an error naming the file and the limit;
- a line or a single value has its own, smaller budget, so one enormous value cannot take the
  memory of the machine: readers take their lines from `read_lines`.

The two budgets a genuine file could exceed (`Limits`) can be raised for one run with
`authprobe --max-input-size SIZE` and `--max-value-size SIZE` (before the command name) or the
environment variables AUTHPROBE_MAX_INPUT_SIZE and AUTHPROBE_MAX_VALUE_SIZE. The others are
constants: no real password file, configuration file or schema comes near them.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from authprobe.errors import InputError, UnsafeInputError, UsageError, at_line

KIB: Final = 1024
MIB: Final = 1024 * KIB
GIB: Final = 1024 * MIB

DEFAULT_MAX_INPUT_BYTES: Final = 16 * GIB
"""A data file as read (LDIF, CSV, Alma user XML, a saved scan once inflated)."""
DEFAULT_MAX_VALUE_BYTES: Final = 64 * MIB
"""One line, or one (folded) value, of a text input: an LDIF value, a CSV row, a saved record."""
ENTRY_FACTOR: Final = 4
"""An LDIF entry, or a saved record line, may hold this many times the value budget in all."""
GZIP_MAX_RATIO: Final = 200
GZIP_RATIO_FLOOR: Final = 100 * MIB
"""Gzip bomb guard: a `.gz` input may inflate to 200 times its size, and always to 100 MiB (the
SIS zip guard uses the same figures)."""
CONFIG_MAX_BYTES: Final = 1 * MIB
"""`authprobe.toml`."""
PASSWORD_FILE_MAX_BYTES: Final = 4 * KIB
"""`--password-file`: only its first line is read."""
SMALL_FILE_MAX_BYTES: Final = 16 * MIB
"""A certificate, a private key, an XML schema."""

MAX_INPUT_ENV: Final = "AUTHPROBE_MAX_INPUT_SIZE"
MAX_VALUE_ENV: Final = "AUTHPROBE_MAX_VALUE_SIZE"
STDIN: Final = "-"


@dataclass(frozen=True, slots=True)
class Limits:
    """The budgets a genuine input could need raised (see the module docstring)."""

    input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    value_bytes: int = DEFAULT_MAX_VALUE_BYTES

    @property
    def entry_bytes(self) -> int:
        """An LDIF entry or a saved record line in all."""
        return self.value_bytes * ENTRY_FACTOR


_limits = Limits()


def limits() -> Limits:
    """The budgets in force for this run."""
    return _limits


def set_limits(new: Limits) -> None:
    """Set the budgets for this run (the CLI does, from its options, before any input is read)."""
    global _limits
    _limits = new


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": KIB, "m": MIB, "g": GIB, "t": 1024 * GIB}


def parse_size(text: str, option: str) -> int:
    """`64M`, `16G`, `1.5GiB`, `500000` (bytes) -> bytes; anything else is a usage error."""
    match = _SIZE.fullmatch(text)
    value = int(float(match.group(1)) * _UNITS[match.group(2).lower()]) if match else 0
    if value <= 0:
        raise UsageError(
            "size-invalid",
            f"{option} {text!r} is not a size.",
            hint="Write a number of bytes with an optional unit: 64M, 16G, 1.5G (K, M, G, T "
            "are powers of 1024).",
        )
    return value


def show_size(size: int) -> str:
    """`64 MiB`, `16 GiB`, `1.5 GiB`, `4 KiB`, `100 bytes`."""
    for unit, name in ((GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
        if size >= unit:
            return f"{size / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{size} bytes"


# -- what a path is ---------------------------------------------------------------------------


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device (like /dev/zero or a terminal)"
    if stat.S_ISBLK(mode):
        return "a block device (a disk)"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_a_file(path: Path | str, what: str, kind: str, stdin: bool) -> InputError:
    where = "regular files" + (", or standard input given as -" if stdin else "")
    return InputError(
        "input-not-a-file",
        f"The {what} {path} is {kind}; authprobe reads {where}.",
        location=str(path),
        hint="Give the path of the file itself; to read from a device, a pipe or a process, "
        "save its output to a file first (e.g. `command > file`).",
    )


def _os_error(path: Path | str, what: str, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError(
            "input-not-found",
            f"The {what} {path} does not exist.",
            location=str(path),
            hint="Check the path (relative paths start from the current folder).",
        )
    return InputError(
        "input-unreadable",
        f"The {what} {path} cannot be read: {exc.strerror or exc}.",
        location=str(path),
        hint="Check that the file exists and that you may read it (permissions, folder access).",
    )


def check_file(path: Path | str, what: str = "input", *, stdin: bool = False) -> os.stat_result:
    """Raise `InputError` unless `path` is a regular file once links are followed.

    The error says what the path is instead (a character device, a FIFO, a socket, a directory)
    or why it cannot be seen (missing, permission denied). `stdin`: the command also takes `-`
    for standard input (the message says so).
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _os_error(path, what, exc) from exc
    kind = _kind(info.st_mode)
    if kind is not None:
        raise _not_a_file(path, what, kind, stdin)
    return info


def refuse_special(path: Path | str, what: str = "input", *, stdin: bool = False) -> None:
    """Raise `InputError` if `path` exists but is neither a regular file nor a directory (a
    device, a FIFO, a socket), or cannot be looked at; a missing path is the caller's to say.
    `stdin`: the command also reads standard input given as `-` (the message says so)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _os_error(path, what, exc) from exc
    kind = _kind(mode)
    if kind is not None and not stat.S_ISDIR(mode):
        raise _not_a_file(path, what, kind, stdin)


# -- reading within a budget ------------------------------------------------------------------


def too_large(
    path: Path | str, what: str, limit: int, *, value: bool = False, whole: str = ""
) -> InputError:
    """The error for an input (or, with `value`, one line or value) over its budget.

    `whole`: what the limit applies to when it is not one value (`record line`, `entry`): the
    limit is then `ENTRY_FACTOR` times the value budget, as the message says.
    """
    if value:
        part = f"A single {whole}" if whole else "A single line or value"
        times = f" ({ENTRY_FACTOR} times the value budget)" if whole else ""
        return InputError(
            "input-value-too-large",
            f"{part} of the {what} is larger than {show_size(limit)}{times}, more than "
            "authprobe holds in memory at once.",
            location=str(path),
            hint="If the file is genuine, raise the value budget: authprobe --max-value-size "
            f"SIZE (before the command name) or {MAX_VALUE_ENV}=SIZE.",
        )
    return InputError(
        "input-too-large",
        f"The {what} {path} is larger than {show_size(limit)}, authprobe's budget for one input.",
        location=str(path),
        hint="If the file is genuine, raise the limit: authprobe --max-input-size SIZE (before "
        f"the command name) or {MAX_INPUT_ENV}=SIZE.",
    )


class _Budget(io.RawIOBase):
    """A binary stream that raises `error` rather than read past byte `limit` of `inner`."""

    def __init__(
        self,
        inner: IO[bytes] | io.BufferedIOBase,
        limit: int,
        error: InputError,
        *,
        under: IO[bytes] | None = None,
    ) -> None:
        super().__init__()
        self._inner = inner
        self._under = under  # closed with `inner` (the compressed file under a GzipFile)
        self._limit = limit
        self._error = error
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        # ask for one byte more than the budget allows, to tell "exactly at" from "over"
        want = min(len(view), max(self._limit - self._position, 0) + 1)
        count = self._inner.readinto(view[:want])  # type: ignore[union-attr]
        if self._position + count > self._limit:
            raise self._error
        self._position += count
        return int(count)

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._position = self._inner.seek(offset, whence)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                if self._under is not None:
                    self._under.close()
        super().close()


def _open_fd(path: Path | str, what: str, stdin: bool) -> tuple[int, os.stat_result]:
    """Open `path` read-only without ever blocking, and refuse anything but a regular file."""
    check_file(path, what, stdin=stdin)  # refuse a FIFO before opening it at all
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _os_error(path, what, exc) from exc
    info = os.fstat(fd)  # the file opened, should it have been swapped after the check
    kind = _kind(info.st_mode)
    if kind is not None:
        os.close(fd)
        raise _not_a_file(path, what, kind, stdin)
    return fd, info


def _open_budgeted(
    path: Path | str, what: str, limit: int, stdin: bool
) -> tuple[IO[bytes], os.stat_result]:
    fd, info = _open_fd(path, what, stdin)
    error = too_large(path, what, limit)
    if info.st_size > limit:
        os.close(fd)
        raise error
    raw = io.FileIO(fd, "rb", closefd=True)
    return io.BufferedReader(_Budget(raw, limit, error), buffer_size=256 * KIB), info


def open_input(
    path: Path | str, what: str = "input", *, limit: int | None = None, stdin: bool = False
) -> IO[bytes]:
    """A buffered binary stream over the regular file `path`, within `limit` bytes.

    `limit` defaults to the input budget of this run; a file already larger is refused before
    it is read, and one that grows past it while being read stops with the same error.
    """
    budget = limits().input_bytes if limit is None else limit
    return _open_budgeted(path, what, budget, stdin)[0]


def open_gzip(path: Path | str, what: str = "input") -> IO[bytes]:
    """The inflated content of the gzip file `path`, within the gzip bomb guard and the budget.

    Inflating is streamed in small chunks; it stops as soon as more than `GZIP_MAX_RATIO` times
    the compressed size (at least `GZIP_RATIO_FLOOR`) or more than the input budget came out.
    """
    budget = limits().input_bytes
    compressed, info = _open_budgeted(path, what, budget, False)
    ratio_cap = max(GZIP_RATIO_FLOOR, GZIP_MAX_RATIO * info.st_size)
    if ratio_cap < budget:
        error: InputError = UnsafeInputError(
            "gzip-bomb",
            f"The {what} {path} inflates to more than {show_size(ratio_cap)}, over "
            f"{GZIP_MAX_RATIO} times its {show_size(info.st_size)}; authprobe refuses it as a "
            "possible gzip bomb.",
            location=str(path),
            hint="Real exports compress 5-30 times; check where this file came from.",
        )
    else:
        error = too_large(path, f"{what} (inflated)", budget)
    inflated = gzip.GzipFile(fileobj=compressed, mode="rb")
    budget_stream = _Budget(inflated, min(ratio_cap, budget), error, under=compressed)
    return io.BufferedReader(budget_stream, buffer_size=256 * KIB)


def read_small(path: Path | str, what: str, limit: int) -> bytes:
    """The whole of a small regular file (configuration, password, certificate, schema)."""
    fd, info = _open_fd(path, what, False)
    with io.FileIO(fd, "rb", closefd=True) as stream:
        data = b"" if info.st_size > limit else stream.read(limit + 1)
    if info.st_size > limit or len(data) > limit:
        raise InputError(
            "input-too-large",
            f"The {what} {path} is larger than {show_size(limit)}; no genuine one is that big.",
            location=str(path),
            hint="Check that the path names the right file.",
        )
    return data


def line_batches(
    stream: IO[bytes],
    path: Path | str,
    what: str,
    limit: int,
    *,
    whole: str = "",
    first_line: int = 0,
) -> Iterator[list[bytes]]:
    """The lines of a binary stream, without their `\\n`, a list per chunk read.

    The stream is read in chunks of at most 256 KiB and split at `\\n` (a `\\r` before it is
    kept); a line longer than `limit` stops the reading with `input-value-too-large` at its line
    number, having held at most `limit` + one chunk of it in memory. Lists, not single lines, so
    that a reader's loop over millions of lines stays a plain loop. `first_line`: the lines of
    the file before the stream's start (a stream over the second part of a file).
    """
    size = max(1, min(limit, 256 * KIB))
    read = stream.read
    number = first_line  # lines handed out so far

    def over() -> InputError:
        return too_large(at_line(path, number + 1), what, limit, value=True, whole=whole)

    parts: list[bytes] = []  # the pieces of an unfinished line
    held = 0
    while chunk := read(size):
        if parts:
            end = chunk.find(b"\n")
            if end < 0:
                parts.append(chunk)
                held += len(chunk)
                if held > limit:
                    raise over()
                continue
            parts.append(chunk[:end])
            chunk = chunk[end + 1 :]
            line = b"".join(parts)
            parts, held = [], 0
            if len(line) > limit:
                raise over()
            number += 1
            yield [line]
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if lines:  # each shorter than a chunk, so within the limit
            number += len(lines)
            yield lines
        if tail:
            parts, held = [tail], len(tail)
    if parts:
        line = b"".join(parts)
        if len(line) > limit:
            raise over()
        yield [line]


def read_lines(
    stream: IO[bytes], path: Path | str, what: str, limit: int, *, whole: str = ""
) -> Iterator[bytes]:
    """The lines of a binary stream without their `\\n`, none longer than `limit`."""
    for batch in line_batches(stream, path, what, limit, whole=whole):
        yield from batch


def read_text_lines(stream: IO[str], path: Path | str, what: str, limit: int) -> Iterator[str]:
    """The lines of a text stream (with their line ends), none longer than `limit` characters.

    Lines end as the stream's `newline` setting says (`\\r`, `\\n` or `\\r\\n` with
    `newline=""`, as the csv module wants); only `limit` + 1 characters of a longer line are read
    before `input-value-too-large` stops the reading.
    """
    number = 0
    readline = stream.readline
    while line := readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise too_large(at_line(path, number), what, limit, value=True)
        yield line
