"""The demo college: a deterministic synthetic college whose right answer is known by construction.

See `authprobe.demo.generator`.
"""

from authprobe.demo.alma import alma_xml
from authprobe.demo.generator import (
    DEMO,
    LDIF_WIDTH,
    ZIP_DATE,
    College,
    CollegeFiles,
    CollegeSpec,
    DirectoryStyle,
    Kind,
    Person,
    PrimaryId,
    Problem,
    generate,
    ldif,
    main,
    sis_zip,
    truth_json,
    write_college,
)

__all__ = [
    "DEMO",
    "LDIF_WIDTH",
    "ZIP_DATE",
    "College",
    "CollegeFiles",
    "CollegeSpec",
    "DirectoryStyle",
    "Kind",
    "Person",
    "PrimaryId",
    "Problem",
    "alma_xml",
    "generate",
    "ldif",
    "main",
    "sis_zip",
    "truth_json",
    "write_college",
]
