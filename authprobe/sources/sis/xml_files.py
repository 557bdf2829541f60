"""The XML documents an extract is made of: files, `*.xml` in folders, members of zips.

Every zip passes the zip bomb guard before a byte is inflated, and is opened once per process
for all of its members (`_Archive`); the members are read in the order stored, the order Alma
loads them in.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from authprobe import runtime
from authprobe.errors import InputError, UnsafeInputError
from authprobe.model import ReadStats

MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
"""Zip bomb guard: a member over 100 MB inflating more than 200×, or 8 GB in all, is refused."""


@dataclass(frozen=True, slots=True)
class XmlInput:
    """One XML document to read: a file, or a member of a zip (`label` is `zip!member`)."""

    label: str
    opener: Callable[[], AbstractContextManager[IO[bytes]]]
    size: int = 0
    """Bytes of XML (uncompressed), to share the inputs between two processes."""
    archive: str | None = None
    """The zip it is a member of (None for a file)."""


def not_found(path: Path) -> InputError:
    runtime.refuse_special(path, "SIS extract")  # a device or a FIFO: say what it is
    return InputError(
        "sis-path-missing",
        "This SIS extract does not exist.",
        location=str(path),
        hint="Check the path; give a user XML file, a folder of them, or a zip.",
    )


def _open_file(path: Path) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    def opener() -> AbstractContextManager[IO[bytes]]:
        return runtime.open_input(path, "SIS extract")

    return opener


def _is_xml_name(name: str) -> bool:
    return name.lower().endswith(".xml")


def _zip_inputs(path: Path, stats: ReadStats) -> list[XmlInput]:
    """The XML members of one zip, in the order stored, after the zip bomb guard."""
    archive = _Archive(path)
    infos = archive.infolist()
    members = []
    total = 0
    for info in infos:
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
            continue
        if not _is_xml_name(name):
            stats.skip("zip member that is not .xml (ignored)", f"{path}!{name}")
            continue
        _refuse_bomb(path, info)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeInputError(
                "sis-zip-too-large",
                f"The XML in this zip would inflate to more than {MAX_TOTAL_BYTES >> 30} GB; "
                "authprobe refuses it as a possible zip bomb (Alma's own limit is a 4 GB zip).",
                location=str(path),
                hint="Split the extract into several zips.",
            )
        members.append(info)
    if not members:
        raise InputError(
            "sis-zip-no-xml",
            "This zip contains no .xml file, so there is no Alma user data to read.",
            location=str(path),
            hint="Alma SIS zips hold the user XML files themselves (not folders of other zips).",
        )
    # in the order stored: Alma loads the members in that order, and the order decides which
    # of two records holding one identifier is loaded (analysis/preflight, rule 2)
    return [
        XmlInput(f"{path}!{info.filename}", archive.opener(info), info.file_size, str(path))
        for info in members
    ]


def zip_member_counts(inputs: Sequence[XmlInput]) -> dict[str, int]:
    """How many XML members of each zip are among `inputs` (zip path -> count)."""
    counts: dict[str, int] = {}
    for item in inputs:
        if item.archive is not None:
            counts[item.archive] = counts.get(item.archive, 0) + 1
    return counts


def _refuse_bomb(path: Path, info: zipfile.ZipInfo) -> None:
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > MAX_MEMBER_BYTES and ratio > MAX_RATIO:
        raise UnsafeInputError(
            "sis-zip-bomb",
            f"The member {info.filename} would inflate {ratio:,.0f}× to "
            f"{info.file_size:,} bytes; authprobe refuses it as a possible zip bomb "
            f"(limit: {MAX_RATIO}× for members over {MAX_MEMBER_BYTES >> 20} MB).",
            location=f"{path}!{info.filename}",
            hint="Real user XML compresses 5-30×; check where this zip came from.",
        )


def _zip_unreadable(path: Path, exc: BaseException) -> InputError:
    return InputError(
        "sis-zip-unreadable",
        f"This zip cannot be read (truncated or not a zip): {exc}",
        location=str(path),
        hint="Copy or download the zip again; `unzip -t` should list it without errors.",
    )


class _Archive:
    """One zip, opened once per process for all of its members.

    Opening a zip reads its whole central directory; doing that again for each member made a
    zip of n members cost n² (10,000 members: minutes). The open `ZipFile` is not shared with a
    forked child (the file offset would be), so each process opens its own, on first use.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._stream: IO[bytes] | None = None
        self._pid = 0
        self._inherited: list[object] = []

    def _read(self) -> tuple[zipfile.ZipFile, IO[bytes]]:
        stream = runtime.open_input(self.path, "SIS zip")
        try:
            return zipfile.ZipFile(stream), stream
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            stream.close()
            raise _zip_unreadable(self.path, exc) from exc

    def open_reader(self) -> zipfile.ZipFile:
        if self._zip is not None and self._pid == os.getpid():
            return self._zip
        if self._zip is not None:  # the parent's, inherited by fork: never touch its file
            self._inherited.append((self._zip, self._stream))
        self._zip, self._stream = self._read()
        self._pid = os.getpid()
        return self._zip

    def infolist(self) -> list[zipfile.ZipInfo]:
        """Every entry of the central directory (the zip is closed again: the members are
        read later, perhaps by another process)."""
        archive, stream = self._read()
        with stream, archive:
            return archive.infolist()

    def opener(self, info: zipfile.ZipInfo) -> Callable[[], AbstractContextManager[IO[bytes]]]:
        """What `XmlInput.opener` calls to read the member `info`."""

        def opener() -> AbstractContextManager[IO[bytes]]:
            return _ZipMember(self, info)

        return opener

    def member(self, info: zipfile.ZipInfo) -> IO[bytes]:
        """The inflating stream of one member."""
        return self.open_reader().open(info)

    def __del__(self) -> None:
        if self._zip is not None and self._pid == os.getpid():
            self._zip.close()
            if self._stream is not None:
                self._stream.close()


class _ZipMember(AbstractContextManager[IO[bytes]]):
    """Opens one member of an `_Archive`; closes it (the zip stays open for the next one)."""

    def __init__(self, archive: _Archive, info: zipfile.ZipInfo) -> None:
        self._archive = archive
        self._info = info
        self._stream: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        label = f"{self._archive.path}!{self._info.filename}"
        try:
            self._stream = self._archive.member(self._info)
        except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
            raise zip_read_error(label, exc) from exc
        except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
            raise InputError(
                "sis-zip-unsupported",
                f"This zip member cannot be read: {exc}",
                location=label,
                hint="Zip the XML again without a password, with ordinary (deflate) compression.",
            ) from exc
        return self._stream

    def __exit__(self, *exc: object) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def zip_read_error(label: str, exc: BaseException) -> InputError:
    return InputError(
        "sis-zip-unreadable",
        f"This zip member cannot be decompressed (truncated or corrupt zip): {exc}",
        location=label,
        hint="Copy or download the zip again; `unzip -t` should list it without errors.",
    )


def expand_inputs(paths: Sequence[Path], stats: ReadStats | None = None) -> list[XmlInput]:
    """Every XML document behind `paths`: files, `*.xml` in folders (sorted), zip members."""
    stats = stats if stats is not None else ReadStats()
    inputs: list[XmlInput] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and _is_xml_name(p.name))
            zips = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".zip")
            if not found and not zips:
                raise InputError(
                    "sis-folder-no-xml",
                    "This folder contains no .xml or .zip file.",
                    location=str(path),
                    hint="Point at the folder holding the Alma user XML files.",
                )
            inputs.extend(XmlInput(str(p), _open_file(p), p.stat().st_size) for p in found)
            for zpath in zips:
                inputs.extend(_zip_inputs(zpath, stats))
        elif path.is_file():
            if _is_zip(path):
                inputs.extend(_zip_inputs(path, stats))
            else:
                inputs.append(XmlInput(str(path), _open_file(path), path.stat().st_size))
        else:
            raise not_found(path)
    return inputs


def _is_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    with runtime.open_input(path, "SIS extract") as stream:
        return stream.read(4) == b"PK\x03\x04"
