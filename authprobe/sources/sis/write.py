"""Writing the Alma SIS extract: `<users>` XML in UTF-8, zipped, at most 50 XML files per zip.

Each `<user>` carries `record_type` PUBLIC and `account_type` EXTERNAL, its primary_id and
identifiers, names, user_group, dates, status and the preferred email, in an order that
Alma's `rest_user.xsd` accepts (`<user>` is an `xs:all`: any order; `contact_info` is a sequence
and every `<email>` needs `<email_types>`). Values must already be clean: the builder refuses
or cleans what Alma would reject (analysis/build); characters XML 1.0 cannot hold are refused
here too, so a broken file is never written.

XML text is produced by string templates (a million users in seconds) and compressed in a
second thread (zlib releases the GIL), so building and compressing overlap on two cores.
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from authprobe.buildconfig import MAX_FILES_PER_ZIP
from authprobe.errors import InputError

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters an XML 1.0 document cannot contain."""
_ESCAPE = re.compile("[&<>]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


def _text(value: str) -> str:
    if _ESCAPE.search(value) is None:
        return value
    return _ESCAPE.sub(lambda m: _ENTITIES[m.group(0)], value)


@dataclass(frozen=True, slots=True)
class AlmaUser:
    """One user of the extract, ready to write (dates as YYYY-MM-DD)."""

    primary_id: str
    identifiers: tuple[tuple[str, str], ...]
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    user_group: str = ""
    job_category: str = ""
    campus_code: str = ""
    birth_date: str = ""
    expiry_date: str = ""
    purge_date: str = ""
    status: str = "ACTIVE"
    email: str = ""
    email_type: str = "personal"


def user_xml(user: AlmaUser) -> str:
    """One `<user>` element (two-space indent, one line per child)."""
    out = [
        "  <user>\n    <record_type>PUBLIC</record_type>\n    <primary_id>",
        _text(user.primary_id),
        "</primary_id>\n",
    ]
    for tag, value in (
        ("first_name", user.first_name),
        ("middle_name", user.middle_name),
        ("last_name", user.last_name),
        ("user_group", user.user_group),
        ("job_category", user.job_category),
        ("campus_code", user.campus_code),
    ):
        if value:
            out.append(f"    <{tag}>{_text(value)}</{tag}>\n")
    for tag, value in (
        ("birth_date", user.birth_date),
        ("expiry_date", user.expiry_date),
        ("purge_date", user.purge_date),
    ):
        if value:
            out.append(f"    <{tag}>{value}Z</{tag}>\n")
    out.append("    <account_type>EXTERNAL</account_type>\n")
    out.append(f"    <status>{_text(user.status)}</status>\n")
    if user.email:
        out.append(
            '    <contact_info><emails><email preferred="true"><email_address>'
            f"{_text(user.email)}</email_address><email_types><email_type>"
            f"{_text(user.email_type)}</email_type></email_types></email></emails>"
            "</contact_info>\n"
        )
    if user.identifiers:
        out.append("    <user_identifiers>\n")
        for id_type, value in user.identifiers:
            out.append(
                f"      <user_identifier><id_type>{_text(id_type)}</id_type>"
                f"<value>{_text(value)}</value><status>ACTIVE</status></user_identifier>\n"
            )
        out.append("    </user_identifiers>\n")
    out.append("  </user>\n")
    return "".join(out)


def plan_files(users: int, per_file: int) -> list[int]:
    """How many users each XML file holds: at most `per_file`, at most 50 files (Alma's limit),
    spread evenly; at least one file."""
    files = max(1, -(-users // max(1, per_file)))
    files = min(files, MAX_FILES_PER_ZIP)
    base, extra = divmod(users, files)
    return [base + (1 if i < extra else 0) for i in range(files)]


_DONE = object()


def _compress(
    archive: zipfile.ZipFile, jobs: queue.Queue[object], errors: list[BaseException]
) -> None:
    """The compressing thread: (member name | bytes chunk | None to close) until _DONE."""
    stream = None
    try:
        while (job := jobs.get()) is not _DONE:
            if isinstance(job, str):
                info = zipfile.ZipInfo(job, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                stream = archive.open(info, "w", force_zip64=True)
            elif job is None:
                assert stream is not None
                stream.close()
                stream = None
            else:
                assert stream is not None
                assert isinstance(job, bytes)
                stream.write(job)
    except BaseException as exc:  # handed to the writing thread, which raises it
        errors.append(exc)
        while jobs.get() is not _DONE:
            pass


def write_extract(
    path: Path, users: Iterable[AlmaUser], count: int, *, per_file: int, stem: str = "users"
) -> list[str]:
    """Write `count` users to the zip at `path`; returns the member names written."""
    sizes = plan_files(count, per_file)
    names = member_names(sizes, stem)
    try:
        archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    except OSError as exc:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {exc.strerror or exc}.",
            location=str(path),
            hint="Choose a file in a folder that exists and that you may write to.",
        ) from exc
    jobs: queue.Queue[object] = queue.Queue(maxsize=8)
    errors: list[BaseException] = []
    worker = threading.Thread(target=_compress, args=(archive, jobs, errors), daemon=True)
    worker.start()
    iterator = iter(users)
    try:
        for name, size in zip(names, sizes, strict=True):
            jobs.put(name)
            _write_member(jobs, iterator, size)
            jobs.put(None)
    finally:
        jobs.put(_DONE)
        worker.join()
        archive.close()
    if errors:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {errors[0]}.",
            location=str(path),
            hint="Check the free disk space and the folder's permissions.",
        ) from errors[0]
    return names


def _write_member(jobs: queue.Queue[object], users: Iterable[AlmaUser], size: int) -> None:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<users>\n']
    length = len(parts[0])
    for written, user in enumerate(users, 1):
        text = user_xml(user)
        parts.append(text)
        length += len(text)
        if length >= _CHUNK:
            jobs.put("".join(parts).encode("utf-8"))
            parts, length = [], 0
        if written == size:
            break
    parts.append("</users>\n")
    jobs.put("".join(parts).encode("utf-8"))


def member_names(sizes: Sequence[int], stem: str = "users") -> list[str]:
    """The member names `write_extract` uses for files of these sizes."""
    width = len(str(len(sizes)))
    return [f"{stem}-{i + 1:0{width}d}.xml" for i in range(len(sizes))]
