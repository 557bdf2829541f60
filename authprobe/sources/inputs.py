"""Pick the right reader for what the user named on the command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from authprobe.sources import RecordSource
from authprobe.sources.saved import open_directory

__all__ = ["open_directory", "open_sis"]


def open_sis(paths: Sequence[Path]) -> RecordSource:
    """An SIS extract: Alma user XML files, folders or zips."""
    from authprobe.sources.sis import SisExtract

    return SisExtract(list(paths))
