"""The demo college: a deterministic synthetic college whose right answer is known by construction.

`generate(spec)` draws people from one seeded `random.Random` and plants the problems the spec
asks for (missing numbers, a shared mail, a case-only collision, name changes, upper-cased
usernames); `write_college(college, folder)` writes what a college would hand over — an LDIF
export of its directory (Active Directory or OpenLDAP/eduPerson style) and an Alma SIS extract
zip — plus `truth.json`, the right matching ID and its exact figures, counted from the
generator's own bookkeeping (which person got which value), never from authprobe's analysis.

Nothing depends on the clock, hash seeds or dict/set iteration order, and zip members carry a
fixed date, so the same spec always gives the same bytes. `python -m authprobe.demo --write
fixtures/demo-college` regenerates the committed demo files.
"""

# The parts: `college` (the spec and the people), `names`, `records` (a person as each source
# holds them), `generator`, `truth`, `writers` (LDIF, SIS zip, truth.json), `cli`; `alma` (the
# users already in Alma) and `sis_csv` (the registrar's and HR's CSV files for `sis build`).

from authprobe.demo.alma import alma_xml
from authprobe.demo.cli import main
from authprobe.demo.college import (
    DEMO,
    College,
    CollegeFiles,
    CollegeSpec,
    DirectoryStyle,
    Kind,
    Person,
    PrimaryId,
    Problem,
)
from authprobe.demo.generator import generate
from authprobe.demo.writers import LDIF_WIDTH, ZIP_DATE, ldif, sis_zip, truth_json, write_college

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
