"""Writing a demo college as a college would hand it over: the directory's LDIF export, the
Alma SIS extract zip, the users already in Alma, and truth.json; fixed zip dates, so the same
college always gives the same bytes."""

from __future__ import annotations

import base64
import io
import json
import random
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from authprobe.demo.alma import alma_xml
from authprobe.demo.college import College, CollegeFiles, Person, SisRecord

LDIF_WIDTH = 76
ZIP_DATE = (2026, 1, 15, 6, 0, 0)


def _sis_xml(root: str, records: Iterable[SisRecord], shuffled: bool) -> bytes:
    """One SIS XML file; `shuffled` writes identifiers before contact_info (order is free)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root}>"]
    for record in records:
        head = ["  <user>", '    <record_type desc="Public">PUBLIC</record_type>']
        if record.primary_id_element == "value":
            head.append(f"    <primary_id>{escape(record.primary_id or '')}</primary_id>")
        elif record.primary_id_element == "empty":
            head.append("    <primary_id></primary_id>")
        head += [
            f"    <first_name>{escape(record.first_name)}</first_name>",
            f"    <last_name>{escape(record.last_name)}</last_name>",
            f"    <user_group>{record.user_group}</user_group>",
            '    <status desc="Active">ACTIVE</status>',
            f"    <expiry_date>{record.expiry_date}</expiry_date>",
            f"    <birth_date>{record.birth_date}Z</birth_date>",
        ]
        contact = ["    <contact_info>", "      <emails>"]
        for email in record.emails:
            pref = (
                ""
                if email.preferred is None
                else f" preferred={quoteattr(str(email.preferred).lower())}"
            )
            contact += [
                f'        <email{pref} segment_type="External">',
                f"          <email_address>{escape(email.address)}</email_address>",
                f"          <email_types><email_type>{email.email_type}</email_type></email_types>",
                "        </email>",
            ]
        contact += ["      </emails>", "    </contact_info>"]
        ids = ["    <user_identifiers>"]
        for id_type, value in record.identifiers:
            ids += [
                '      <user_identifier segment_type="External">',
                f"        <id_type>{id_type}</id_type>",
                f"        <value>{escape(value)}</value>",
                "        <status>ACTIVE</status>",
                "      </user_identifier>",
            ]
        ids.append("    </user_identifiers>")
        out += head + (ids + contact if shuffled else contact + ids) + ["  </user>"]
    out.append(f"</{root}>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _people(college: College, shuffle: int | None) -> list[Person]:
    """The people in file order: as generated, or shuffled by the seed `shuffle`."""
    people = list(college.people)
    if shuffle is not None:
        random.Random(shuffle).shuffle(people)
    return people


def _zipped(name: str, data: bytes) -> bytes:
    """One member in a zip with a fixed date, so the bytes never change."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def sis_zip(college: College, shuffle: int | None = None) -> bytes:
    """The SIS extract: one XML member per feed, fixed dates, so the bytes never change."""
    members: dict[str, list[SisRecord]] = {}
    for person in _people(college, shuffle):
        if person.sis is not None:
            members.setdefault(person.sis.member, []).append(person.sis)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(college.spec.zip_folder + name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            data = _sis_xml(college.spec.sis_root, members[name], shuffled=name == "guests.xml")
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def _ldif_line(name: str, value: str | bytes) -> str:
    """`name: value`, or `name:: base64` for binary and unsafe text (RFC 2849)."""
    if isinstance(value, str) and value.isascii() and _safe(value):
        line = f"{name}: {value}"
    else:
        data = value if isinstance(value, bytes) else value.encode("utf-8")
        line = f"{name}:: {base64.b64encode(data).decode('ascii')}"
    return _fold(line)


def _safe(value: str) -> bool:
    unsafe_start = value[:1] in (" ", ":", "<")
    return not unsafe_start and not value.endswith(" ") and not any(c in value for c in "\0\r\n")


def _fold(line: str) -> str:
    """Fold at LDIF_WIDTH characters: continuation lines start with one space."""
    if len(line) <= LDIF_WIDTH:
        return line
    parts = [line[:LDIF_WIDTH]]
    rest = line[LDIF_WIDTH:]
    while rest:
        parts.append(" " + rest[: LDIF_WIDTH - 1])
        rest = rest[LDIF_WIDTH - 1 :]
    return "\n".join(parts)


def ldif(college: College, shuffle: int | None = None) -> bytes:
    """The directory export: containers first, then every person entry."""
    blocks = ["version: 1"]
    for dn, container_attrs in college.containers:
        blocks.append(
            "\n".join([_ldif_line("dn", dn)] + [_ldif_line(n, v) for n, v in container_attrs])
        )
    for person in _people(college, shuffle):
        entry = person.directory
        if entry is None:
            continue
        lines = [_ldif_line("dn", entry.dn)]
        lines += [_ldif_line(name, value) for name, values in entry.attrs for value in values]
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks) + "\n"
    return text.replace("\n", college.spec.ldif_newline).encode("ascii")


ALMA_FILE = "alma-users.zip"


def truth_json(college: College) -> bytes:
    """truth.json, with a stable layout."""
    return (json.dumps(college.truth, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_college(college: College, folder: Path, *, shuffle: int | None = None) -> CollegeFiles:
    """Write directory.ldif, sis.zip and truth.json into `folder` (created if needed).

    `shuffle` writes the same people in another (seeded) order: the truth does not change.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = CollegeFiles(
        folder / "directory.ldif",
        folder / "sis.zip",
        folder / "truth.json",
        folder / ALMA_FILE if college.alma else None,
    )
    files.directory.write_bytes(ldif(college, shuffle))
    files.sis.write_bytes(sis_zip(college, None if shuffle is None else shuffle + 1))
    files.truth.write_bytes(truth_json(college))
    if files.alma is not None:
        users = list(college.alma)
        if shuffle is not None:
            random.Random(shuffle + 2).shuffle(users)
        files.alma.write_bytes(_zipped("alma-users.xml", alma_xml(users)))
    return files
