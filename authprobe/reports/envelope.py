"""The envelope of every JSON output: `schema_version`, one `meta` block, then the body.

    data = envelope(scan_meta("sis scan", started, finished, show_values=False), body)
    text = to_json(data)                      # UTF-8, two-space indent, trailing newline

Every command's JSON is built here. schema_version 1 was published before this module, and its
`meta` block has four layouts, which stay byte for byte as they are (tools read them):

- `run_meta` (recommend): versions, then start and finish;
- `scan_meta` (sis scan, alma scan, sis build, sis diff): the command first, then as `recommend`;
- `ldap_scan_meta` (ldap scan): start, finish and values_shown only;
- `document_meta` (saml metadata/decode/test-sp, oidc discover/decode/test-rp, cas decode): the
  command after the versions and one `generated_at` time (UTC, with a Z).

`ldap probe` and `ldap lookup` have no `meta` block (`envelope(None, body)`). A schema_version 2
would give them all the `scan_meta` layout.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from typing import Any

from authprobe import __version__

SCHEMA_VERSION = 1


def iso_z(value: datetime | None) -> str | None:
    """ISO 8601 to the second, UTC written `Z` (None stays None)."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _seconds(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _versions() -> dict[str, Any]:
    return {"authprobe_version": __version__, "python_version": platform.python_version()}


def run_meta(started: datetime, finished: datetime, *, show_values: bool) -> dict[str, Any]:
    """`recommend`'s meta block: versions and timestamps (normalised away by the golden tests)."""
    return {
        **_versions(),
        "started_at": _seconds(started),
        "finished_at": _seconds(finished),
        "values_shown": show_values,
    }


def scan_meta(
    command: str, started: datetime, finished: datetime | None = None, *, show_values: bool
) -> dict[str, Any]:
    """The meta block of `sis scan`, `alma scan`, `sis build`, `sis diff` (finished: now)."""
    return {"command": command, **run_meta(started, finished or now(), show_values=show_values)}


def ldap_scan_meta(started: datetime, finished: datetime, *, show_values: bool) -> dict[str, Any]:
    """The meta block of `ldap scan`: timestamps only."""
    return {
        "started_at": _seconds(started),
        "finished_at": _seconds(finished),
        "values_shown": show_values,
    }


def document_meta(command: str, *, show_values: bool = False) -> dict[str, Any]:
    """The meta block of the saml, oidc and cas commands: versions, command and time."""
    return {
        **_versions(),
        "command": command,
        "generated_at": iso_z(now()),
        "values_shown": show_values,
    }


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def envelope(meta: dict[str, Any] | None, body: dict[str, Any]) -> dict[str, Any]:
    """`{"schema_version": 1, "meta": meta, **body}` (no `meta` key when `meta` is None)."""
    head: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if meta is not None:
        head["meta"] = meta
    return {**head, **body}


def envelope_head(meta: dict[str, Any]) -> str:
    """The start of `to_json(envelope(meta, body))` up to the body's first key, for a writer
    that streams the body (`saml metadata` of a federation aggregate)."""
    return (
        '{\n  "schema_version": '
        + str(SCHEMA_VERSION)
        + ',\n  "meta": '
        + nested_json(meta, 1)
        + ",\n"
    )


def to_json(data: Any) -> str:
    """The JSON text of every output: UTF-8, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def nested_json(value: Any, level: int) -> str:
    """`value` as `to_json` writes it `level` levels deep in a document (for streaming)."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)
