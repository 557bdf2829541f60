"""The real Alma files of ../shared/corpus/alma: every file read correctly or rejected cleanly.

Expected figures were read from the files themselves (`grep -n '<user>'`, the <primary_id>,
<user_group> and <id_type> lines), not from authprobe's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authprobe.analysis.lint.rules import Code
from authprobe.analysis.lint.sis_lint import lint_records
from authprobe.errors import AuthprobeError, InputError
from authprobe.sources.sis.extract import SisExtract
from authprobe.sources.sis.schema import load_schema

ALMA = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "alma"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not ALMA.is_dir(), reason="../shared/corpus is absent"),
]

# file -> lines of its <user> start tags (grep -n '<user>')
USERS = {
    "mit_staff_patrons.xml": [3, 93],
    "mit_student_patrons.xml": [3, 98],
    "mit_staff_user_template.xml": [1],
    "mit_student_user_template.xml": [1],
    "pdx_userdata_template.jinja.xml": [4],  # Jinja text inside elements is still XML
}


def _files() -> list[str]:
    if not ALMA.is_dir():
        return []
    return sorted(p.name for p in ALMA.iterdir() if p.is_file())


@pytest.mark.parametrize("name", _files())
def test_every_file_reads_or_is_refused_cleanly(name: str) -> None:
    """Each corpus file gives its users at the right lines, or a clean AuthprobeError."""
    path = ALMA / name
    extract = SisExtract([path])
    if name in USERS:
        refs = [r.ref for r in extract.records()]
        assert refs == [f"{path}:{line}" for line in USERS[name]]
    else:
        with pytest.raises(AuthprobeError) as info:
            list(extract.records())
        assert info.value.reference == "sis-not-user-xml"  # the XSDs: root <xs:schema>


def test_mit_fields() -> None:
    """Staff and student users carry the primary_id, IDs, group and email of the file."""
    records = list(
        SisExtract([ALMA / "mit_staff_patrons.xml", ALMA / "mit_student_patrons.xml"]).records()
    )
    by_id = {r.attrs["primary_id"][0]: r for r in records}
    assert set(by_id) == {
        "STAFF_KRB_NAME@MIT.EDU",
        "2STAFF_KRB_NAME@MIT.EDU",
        "STUDENT_KRB_NAME@MIT.EDU",
        "2STUDENT_KRB_NAME@MIT.EDU",
    }
    student = by_id["STUDENT_KRB_NAME@MIT.EDU"]
    assert student.attrs["identifier:02"] == ("333333333",)
    assert student.attrs["identifier:01"] == ("33333333333333",)
    assert student.population == "32"
    assert student.info["first_name"] == "Jane"
    assert by_id["2STUDENT_KRB_NAME@MIT.EDU"].population is None  # <user_group />
    assert by_id["2STUDENT_KRB_NAME@MIT.EDU"].attrs["identifier:02"] == ("555555555",)


def test_templates_lack_a_primary_id() -> None:
    """The two MIT templates are users without primary_id: the lint says so, twice."""
    templates = [ALMA / "mit_staff_user_template.xml", ALMA / "mit_student_user_template.xml"]
    result = lint_records(SisExtract(templates).records())
    counts = {f.code: f.count for f in result.findings}
    assert counts[Code.PRIMARY_MISSING.value] == 2


def test_alma_schemas_load() -> None:
    """rest_user.xsd and rest_users.xsd load (with their include); the fragment is refused."""
    load_schema(ALMA / "rest_user.xsd")
    load_schema(ALMA / "rest_users.xsd")
    with pytest.raises(InputError) as info:
        load_schema(ALMA / "rest_researcher.xsd")  # uses types defined in rest_user.xsd
    assert info.value.reference == "xsd-unusable"
