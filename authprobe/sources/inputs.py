"""Pick the right reader for what the user named on the command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from authprobe.errors import InputError, UsageError
from authprobe.sources import RecordSource


def open_directory(spec: str) -> RecordSource:
    """A directory source: an LDIF export (more kinds are added by the LDAP work)."""
    path = Path(spec)
    if "://" in spec:
        raise UsageError(
            "directory-url-unsupported",
            f"Reading a live directory ({spec.split('://')[0]}://) is not available in this build.",
            hint="Export the person entries to LDIF (ldapsearch -LLL or ldifde) and pass the file.",
        )
    if not path.exists():
        raise InputError(
            "input-not-found",
            f"The directory export {spec} does not exist.",
            location=spec,
            hint="Check the path; give an LDIF export of the person entries.",
        )
    from authprobe.sources.ldif import LdifFile

    return LdifFile(path)


def open_sis(paths: Sequence[Path]) -> RecordSource:
    """An SIS extract: Alma user XML files, folders or zips."""
    from authprobe.sources.sis import SisExtract

    return SisExtract(list(paths))
