"""Read part of an extract in a forked child process, so that two cores share a large scan.

`ForkedRecords(read)` forks at once; the child runs `read()` (an iterator of `Record`s that also
fills a `ReadStats`) and spools the records, in batches serialised with `marshal` (about twice
as fast as `pickle` for plain tuples, dicts and strings; `pickle` when a batch holds anything
else), to an anonymous temporary file while the parent does something else (reads the first
files itself, profiles, lints). Iterating `ForkedRecords` then yields the child's records in
their order with their exact contents, and `stats` holds the child's reader statistics once
they are all read. With `info_keys`, each record's `info` keeps only those keys (in their
order): the caller says what it will use, and the rest is never passed between the processes.

The batches go to a file rather than through the pipe so that the child never waits for the
parent: the pipe only carries a short notice per batch (offset and size in the spool), so the
parent's memory stays bounded however far ahead the child is.

An error the child's reader raises (a truncated zip, malformed XML, ...) is sent after the
records that preceded it and raised again in the parent at the same point of the stream, with
the same class, message, location and hint. Without `os.fork` (Windows), `available()` is false
and callers read in-process.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import pickle
import signal
import struct
import tempfile
from collections.abc import Callable, Collection, Iterator
from typing import IO, Any

from authprobe.model import ReadStats, Record

BATCH = 2000
"""Records per pickled batch."""

_NOTICE = struct.Struct("!cQQ")  # kind, offset in the spool, size
_BATCH, _PICKLED, _END, _ERROR = b"B", b"P", b"E", b"X"

Row = tuple[str, Any, Any, Any]
"""A record as spooled: (ref, attrs, population, info)."""


def available() -> bool:
    """Whether this platform can fork (POSIX)."""
    return hasattr(os, "fork")


class ChildFailed(RuntimeError):
    """The reading child died or sent something unreadable (not an input problem)."""


class ForkedRecords:
    """The records `read()` yields, read by a forked child process; iterate once."""

    def __init__(
        self,
        read: Callable[[], Iterator[Record]],
        stats: Callable[[], ReadStats],
        *,
        info_keys: Collection[str] | None = None,
    ) -> None:
        self.stats = ReadStats()
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="authprobe-")  # noqa: SIM115
        read_fd, write_fd = os.pipe()
        gc.collect()
        gc.freeze()  # the child does not copy the parent's objects just to collect them
        try:
            pid = os.fork()
        finally:
            gc.unfreeze()
        if pid == 0:  # pragma: no cover - the child process; checked through the parent
            os.close(read_fd)
            keep = None if info_keys is None else frozenset(info_keys)
            _child(read, stats, keep, self._spool.fileno(), write_fd)
        os.close(write_fd)
        self.pid = pid
        self._notices: IO[bytes] = os.fdopen(read_fd, "rb")
        self._done = False

    def __iter__(self) -> Iterator[Record]:
        try:
            while True:
                kind, payload = self._next()
                if kind in (_BATCH, _PICKLED):
                    # our own child's batches, from an unlinked file only we can read
                    rows = (
                        marshal.loads(payload)  # noqa: S302
                        if kind == _BATCH
                        else pickle.loads(payload)  # noqa: S301
                    )
                    for ref, attrs, population, info in rows:
                        yield Record(ref, attrs, population, info)
                elif kind == _END:
                    self.stats = pickle.loads(payload)  # noqa: S301 - our own child
                    self._done = True
                    return
                else:
                    self._done = True
                    raise _rebuild(pickle.loads(payload))  # noqa: S301 - our own child
        finally:
            self.close()

    def _next(self) -> tuple[bytes, bytes]:
        notice = self._notices.read(_NOTICE.size)
        if len(notice) != _NOTICE.size:
            raise ChildFailed("the process reading the extract stopped unexpectedly")
        kind, offset, size = _NOTICE.unpack(notice)
        payload = os.pread(self._spool.fileno(), size, offset)
        while len(payload) < size:  # pread may return less than asked
            more = os.pread(self._spool.fileno(), size - len(payload), offset + len(payload))
            if not more:
                raise ChildFailed("the spool of the process reading the extract is truncated")
            payload += more
        return kind, payload

    def __del__(self) -> None:
        self.close()  # a reader dropped before it was iterated to the end

    def close(self) -> None:
        """Stop the child (if still reading), reap it and drop the spool."""
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
    read: Callable[[], Iterator[Record]],
    stats: Callable[[], ReadStats],
    keep: frozenset[str] | None,
    spool: int,
    fd: int,
) -> None:  # pragma: no cover - the child process
    """Read every record, spool the batches, then the stats or the error; never return."""
    status = 1
    offset = 0
    gc.disable()  # records form no reference cycles; the collector would only cost time
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it

        def send(kind: bytes, payload: bytes) -> None:
            nonlocal offset
            _write_all(spool, payload)
            _write_all(fd, _NOTICE.pack(kind, offset, len(payload)))
            offset += len(payload)

        def send_rows(rows: list[Row]) -> None:
            try:
                send(_BATCH, marshal.dumps(rows))
            except ValueError:  # something marshal does not take (a str subclass, ...)
                send(_PICKLED, pickle.dumps(rows, pickle.HIGHEST_PROTOCOL))

        rows: list[Row] = []
        try:
            for record in read():
                info = record.info
                if keep is not None and info:
                    info = {key: value for key, value in info.items() if key in keep}
                rows.append((record.ref, record.attrs, record.population, info))
                if len(rows) >= BATCH:
                    send_rows(rows)
                    rows = []
        except Exception as exc:
            if rows:
                send_rows(rows)
            send(_ERROR, _pickled_error(exc))
        else:
            if rows:
                send_rows(rows)
            send(_END, pickle.dumps(stats(), pickle.HIGHEST_PROTOCOL))
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
