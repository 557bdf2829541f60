"""Pick the right reader for what the user named on the command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from authprobe import runtime
from authprobe.sources import RecordSource
from authprobe.sources.directory_files.saved import open_directory

__all__ = ["open_alma_users", "open_directory", "open_sis"]


def open_sis(
    paths: Sequence[Path], mapping: Sequence[str] = (), *, plan: runtime.ReadPlan | None = None
) -> RecordSource:
    """An SIS extract: Alma user XML files, folders or zips (read as `plan` says), or CSV/TSV
    files whose columns `mapping` names (`primary_id=StudentNo`, `identifier:BARCODE=Card`)."""
    from authprobe.sources.sis.csv_extract import parse_mapping
    from authprobe.sources.sis.extract import open_extract

    return open_extract(list(paths), parse_mapping(mapping) if mapping else None, plan=plan)


def open_alma_users(paths: Sequence[Path], mapping: Sequence[str] = ()) -> RecordSource:
    """The users already in Alma: Alma user XML (Export Users job, Users API; files, folders,
    zips) or CSV/TSV files whose columns `mapping` names (`--alma-map`)."""
    from authprobe.sources.sis.alma_users import open_alma_users as open_users
    from authprobe.sources.sis.csv_extract import parse_mapping

    return open_users(list(paths), parse_mapping(mapping, option="--alma-map") if mapping else None)
