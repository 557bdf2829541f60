"""The users already in Alma, read by the SIS readers: an XML export or a CSV/TSV export."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from authprobe import runtime
from authprobe.model import SourceKind
from authprobe.sources.sis.csv_extract import SisCsv
from authprobe.sources.sis.extract import SisExtract, open_reader


class AlmaUsers(SisExtract):
    """The users already in Alma: the user XML of Alma's Export Users job or of the Users API
    (`<users>`/`<user>`, or one `<user>`), read by the same reader as the SIS extract."""

    source = SourceKind.ALMA
    kind = "alma-xml"


class AlmaCsv(SisCsv):
    """The users already in Alma as a CSV/TSV export (an Alma Analytics users report, the old
    ILS patron file used for the migration), columns mapped to Alma fields (`--alma-map`)."""

    source = SourceKind.ALMA
    kind = "alma-csv"
    map_option = "--alma-map"


def open_alma_users(
    paths: Sequence[Path],
    mapping: dict[str, str] | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    plan: runtime.ReadPlan | None = None,
) -> SisExtract | SisCsv:
    """The users already in Alma: an XML export (files, folders, zips), read as `plan` says, or
    CSV/TSV files."""
    return open_reader(paths, mapping, delimiter, encoding, (AlmaUsers, AlmaCsv), plan)
