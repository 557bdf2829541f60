"""Work shared with a forked child process, the read plan a reader gets, and GC pauses.

This is the one home of authprobe's speed mechanisms; every reader and the profiler use it:

- `ForkedBatches(produce)` forks at once; the child runs `produce()`, an iterator of batches
  (lists), and spools each batch, serialised with `marshal` (about twice as fast as `pickle`
  for plain tuples, dicts and strings; `pickle` when a batch holds anything else), to an
  anonymous temporary file while this process does its own share of the work. Iterating
  `ForkedBatches` then yields the child's batches in their order with their exact contents,
  and `result` holds what the child's `finish()` returned once they are all read. The SIS
  reader has a child read the last files of a large extract (`sources/sis/extract.py`); the
  profiler has one freeze half of the field profiles (`analysis/profile.py`).
- `ReadPlan`: what a reader is told when it is constructed: whether it may share a large input
  with a child, and which `Record.info` keys its caller reads (the others are not passed
  between the processes).
- `paused_gc()`: the cyclic garbage collector off for a block.

The batches go to a file rather than through the pipe so that the child never waits for the
parent: the pipe only carries a short notice per batch (offset and size in the spool), so the
parent's memory stays bounded however far ahead the child is.

An error the child raises (a truncated zip, malformed XML, ...) is sent after the batches that
preceded it and raised again in the parent at the same point of the stream, with the same
class, message, location and hint. Without `os.fork` (Windows), `can_fork()` is false and
callers do all the work in this process.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import marshal
import os
import pickle
import signal
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Generic, NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_NOTICE = struct.Struct("!cQQ")  # kind, offset in the spool, size
_BATCH, _PICKLED, _END, _ERROR = b"B", b"P", b"E", b"X"


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block; it is back on afterwards (also on
    errors) if it was on.

    Reading, profiling and linting allocate millions of dicts, tuples and strings that form no
    reference cycles; the collector's passes over an ever larger heap cost 10-15 % of a scan
    (measured: bench/sis_scan.py, bench/ldap_scan.py) and free nothing. Reference counting
    still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def give_back_memory() -> bool:
    """Return the memory the C allocator holds free to the system (glibc's `malloc_trim`);
    False where there is no such call (another C library).

    The cross-check's columns are C buffers (`_columns_index.c`); once large ones are let go,
    glibc keeps their pages for reuse (480 MB at a million people, measured), so the memory the
    system sees would not fall. Called after such a release, not in loops (it walks the heap).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # pragma: no cover - not glibc
        return False
    return bool(trim(0))


def can_fork() -> bool:
    """Whether this platform can fork (POSIX); without it, everything runs in this process."""
    return hasattr(os, "fork")


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """How a reader may read, given when it is constructed."""

    parallel: bool = False
    """A large input may be shared with a forked child process (where `can_fork()`)."""
    info_keys: frozenset[str] | None = None
    """The only `Record.info` keys the caller reads: a reader that passes records between
    processes passes only these. None: all of them."""


class ChildFailed(RuntimeError):
    """The child died or sent something unreadable (not an input problem)."""


class ForkedBatches(Generic[T, R]):
    """The batches `produce()` yields, made by a forked child process; iterate once.

    `finish()` runs in the child after the last batch; what it returns is `result` once the
    batches are all read. `doing` names the child in `ChildFailed` messages ("reading the
    extract"). Forking happens in the constructor (an `OSError` if it cannot).
    """

    def __init__(
        self,
        produce: Callable[[], Iterator[list[T]]],
        finish: Callable[[], R],
        *,
        doing: str,
    ) -> None:
        self._result: R
        self._finished = False
        self._doing = doing
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="authprobe-")  # noqa: SIM115
        read_fd, write_fd = os.pipe()
        gc.collect()
        gc.freeze()  # the child does not copy the parent's objects just to collect them
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            self._spool.close()
            raise
        finally:
            gc.unfreeze()
        if pid == 0:  # pragma: no cover - the child process; checked through the parent
            os.close(read_fd)
            _child(produce, finish, self._spool.fileno(), write_fd)
        os.close(write_fd)
        self.pid = pid
        self._notices: IO[bytes] = os.fdopen(read_fd, "rb")
        self._done = False

    def __iter__(self) -> Iterator[list[T]]:
        try:
            while True:
                kind, payload = self._next()
                # our own child's batches, from an unlinked file only we can read
                if kind == _BATCH:
                    yield marshal.loads(payload)  # noqa: S302
                elif kind == _PICKLED:
                    yield pickle.loads(payload)  # noqa: S301
                elif kind == _END:
                    self._result = pickle.loads(payload)  # noqa: S301
                    self._finished = self._done = True
                    return
                else:
                    self._done = True
                    raise _rebuild(pickle.loads(payload))  # noqa: S301
        finally:
            self.close()

    @property
    def result(self) -> R:
        """What `finish()` returned in the child, once every batch is read."""
        if not self._finished:
            raise ChildFailed(f"the process {self._doing} has not finished")
        return self._result

    def _next(self) -> tuple[bytes, bytes]:
        notice = self._notices.read(_NOTICE.size)
        if len(notice) != _NOTICE.size:
            raise ChildFailed(f"the process {self._doing} stopped unexpectedly")
        kind, offset, size = _NOTICE.unpack(notice)
        payload = os.pread(self._spool.fileno(), size, offset)
        while len(payload) < size:  # pread may return less than asked
            more = os.pread(self._spool.fileno(), size - len(payload), offset + len(payload))
            if not more:
                raise ChildFailed(f"the spool of the process {self._doing} is truncated")
            payload += more
        return kind, payload

    def __del__(self) -> None:
        self.close()  # dropped before it was iterated to the end

    def close(self) -> None:
        """Stop the child (if still working), reap it and drop the spool."""
        if self.pid == 0:
            return
        self._notices.close()
        if not self._done:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)
        self.pid = 0
        self._spool.close()


def _rebuild(sent: tuple[type[BaseException], tuple[Any, ...], dict[str, Any]]) -> BaseException:
    """The exception the child raised, with the same class, args and attributes."""
    cls, args, attributes = sent
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(attributes)
    return error


def _child(
    produce: Callable[[], Iterator[list[Any]]],
    finish: Callable[[], Any],
    spool: int,
    fd: int,
) -> NoReturn:  # pragma: no cover - the child process
    """Spool every batch, then `finish()`'s result or the error; never return."""
    status = 1
    offset = 0
    gc.disable()  # what the child makes forms no reference cycles: collecting only costs time
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it

        def send(kind: bytes, payload: bytes) -> None:
            nonlocal offset
            _write_all(spool, payload)
            _write_all(fd, _NOTICE.pack(kind, offset, len(payload)))
            offset += len(payload)

        try:
            for batch in produce():
                try:
                    send(_BATCH, marshal.dumps(batch))
                except ValueError:  # something marshal does not take (a str subclass, ...)
                    send(_PICKLED, pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
        except Exception as exc:
            send(_ERROR, _pickled_error(exc))
        else:
            send(_END, pickle.dumps(finish(), pickle.HIGHEST_PROTOCOL))
        status = 0
    finally:
        os._exit(status)


def _write_all(fd: int, data: bytes) -> None:  # pragma: no cover - child
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pickled_error(exc: Exception) -> bytes:  # pragma: no cover - child
    attributes = {k: v for k, v in vars(exc).items() if _picklable(v)}
    try:
        return pickle.dumps((type(exc), exc.args, attributes), pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps((RuntimeError, (f"{type(exc).__name__}: {exc}",), {}))


def _picklable(value: object) -> bool:  # pragma: no cover - child
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True
