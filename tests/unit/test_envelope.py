"""The envelope of every JSON output: schema_version first, then one meta block, then the body."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from authprobe.reports.envelope import (
    SCHEMA_VERSION,
    document_meta,
    envelope,
    ldap_scan_meta,
    run_meta,
    scan_meta,
    to_json,
)

START = datetime(2026, 9, 1, 8, 0, 0, tzinfo=UTC)
END = datetime(2026, 9, 1, 8, 0, 5, 250000, tzinfo=UTC)


def test_schema_version_and_meta_come_first() -> None:
    """The body's keys follow schema_version and meta, in the body's order."""
    data = envelope({"values_shown": False}, {"b": 1, "a": 2})
    assert list(data) == ["schema_version", "meta", "b", "a"]
    assert data["schema_version"] == SCHEMA_VERSION == 1


def test_no_meta_block_when_none() -> None:
    """ldap probe and lookup publish no meta block."""
    assert list(envelope(None, {"location": "x"})) == ["schema_version", "location"]


def test_the_four_meta_layouts_keep_their_key_order() -> None:
    """Each published layout of schema_version 1 keeps its keys and their order."""
    assert list(run_meta(START, END, show_values=True)) == [
        "authprobe_version", "python_version", "started_at", "finished_at", "values_shown",
    ]  # fmt: skip
    assert list(scan_meta("sis scan", START, END, show_values=False)) == [
        "command", "authprobe_version", "python_version", "started_at", "finished_at",
        "values_shown",
    ]  # fmt: skip
    assert list(ldap_scan_meta(START, END, show_values=False)) == [
        "started_at", "finished_at", "values_shown",
    ]  # fmt: skip
    assert list(document_meta("cas decode")) == [
        "authprobe_version", "python_version", "command", "generated_at", "values_shown",
    ]  # fmt: skip


def test_times_are_written_to_the_second() -> None:
    """started_at/finished_at keep the +00:00 offset; generated_at ends in Z."""
    meta = run_meta(START, END, show_values=False)
    assert meta["started_at"] == "2026-09-01T08:00:00+00:00"
    assert meta["finished_at"] == "2026-09-01T08:00:05+00:00"
    assert document_meta("oidc decode")["generated_at"].endswith("Z")


def test_json_text_is_utf8_indented_with_a_final_newline() -> None:
    """Non-ASCII stays as it is; two-space indent; one trailing newline."""
    text = to_json({"name": "Zoë"})
    assert text == '{\n  "name": "Zoë"\n}\n'
    assert json.loads(text) == {"name": "Zoë"}
