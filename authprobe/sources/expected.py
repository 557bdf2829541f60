"""How many records an input will give, counted before reading it, for a progress bar with a
total, a percentage and the time left.

    expected_records(["people.ldif"])        # entries: lines starting `dn:`
    expected_records(["users.xml", "dir/"])  # `<user>` elements of every XML file
    expected_records(["export.csv"])         # lines after the header

The count is a byte scan (no parsing) of regular files and folders of them, stopping at
`budget` bytes; anything else (a zip, a URL, a saved .jsonl.gz, an encoding other than
ASCII-compatible) gives None and the progress shows a count and a rate only. The figure is an
estimate: non-person entries are counted, a quoted CSV cell may hold a line break.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

CHUNK = 8 << 20
DEFAULT_BUDGET = 4 << 30  # beyond this, counting would cost more than it tells
_PATTERNS = {
    ".ldif": (b"\ndn:", b"dn:"),
    ".ldf": (b"\ndn:", b"dn:"),
    ".xml": (b"<user>", None),
    ".csv": (b"\n", None),
    ".tsv": (b"\n", None),
    ".txt": (b"\n", None),
}


def _count(path: Path, pattern: bytes, head: bytes | None) -> int:
    """Occurrences of `pattern` in the file (a pattern cut by a chunk boundary is found too);
    `head`: one more when the file starts with it (the first `dn:` has no newline before it)."""
    found = 0
    tail = b""
    keep = len(pattern) - 1
    last = b"\n"
    with path.open("rb") as handle:
        first = True
        while chunk := handle.read(CHUNK):
            if first and head is not None and chunk.startswith(head):
                found += 1
            first = False
            data = tail + chunk
            found += data.count(pattern)
            tail = data[-keep:] if keep else b""
            last = chunk[-1:]
    if pattern == b"\n" and last != b"\n":
        found += 1  # a last line without its line break
    return found


def _files(location: str) -> list[Path] | None:
    path = Path(location)
    try:
        if path.is_file():
            return [path]
        if path.is_dir():
            return sorted(p for p in path.iterdir() if p.is_file())
    except OSError:
        return None
    return None


def expected_records(
    locations: Iterable[str | os.PathLike[str]], budget: int = DEFAULT_BUDGET
) -> int | None:
    """The records the inputs are expected to give, or None when that cannot be told cheaply."""
    total, spent = 0, 0
    for location in locations:
        files = _files(os.fspath(location))
        if files is None:
            return None
        for path in files:
            suffix = path.suffix.lower()
            if suffix not in _PATTERNS:
                if len(files) == 1:
                    return None
                continue  # a folder's other files are not read either
            spent += path.stat().st_size
            if spent > budget:
                return None
            pattern, head = _PATTERNS[suffix]
            counted = _count(path, pattern, head)
            total += max(counted - 1, 0) if suffix in (".csv", ".tsv", ".txt") else counted
    return total
