"""Test-only colleges beside the demo: the kinds of data the recommender must get right.

Each is a `CollegeSpec` for `authprobe.demo.generate`, so its truth is counted by construction
like the demo's. `write(spec, folder)` generates one and writes its three files.
"""

from __future__ import annotations

from pathlib import Path

from authprobe.demo import (
    DEMO,
    CollegeFiles,
    CollegeSpec,
    DirectoryStyle,
    PrimaryId,
    generate,
    write_college,
)

MAPLE = CollegeSpec(
    name="maple",
    seed=4101,
    domain="maplecollege.ca",
    style=DirectoryStyle.AD,
    students=1400,
    staff=300,
    faculty=150,
    student_employees=80,
    guests=60,
    service_accounts=20,
    primary_id=PrimaryId.SIS_KEY,  # an internal SIS key: joins nothing
    number_identifier="UNIV_ID",  # the registrar number, also AD employeeID
    directory_number_attribute="employeeID",
    netid_identifier="NET_ID",  # login names, same case: joins exactly but is name-derived
    missing_primary_id=4,
    missing_sis_number=15,
    missing_directory_number=25,
    missing_netid=60,
    shared_mail=1,
    name_changes=10,
)
"""AD-style: the number joins exactly, but it lives in identifier:UNIV_ID, not primary_id."""

CEDAR = CollegeSpec(
    name="cedar",
    seed=5202,
    domain="cedar.edu",
    style=DirectoryStyle.OPENLDAP,
    ou_per_population=False,  # one flat ou=people
    sis_root="userRecords",
    students=1800,
    staff=350,
    faculty=200,
    student_employees=100,
    guests=80,
    service_accounts=30,
    primary_id=PrimaryId.USERNAME_UPPER,  # JSMITH12 in the SIS, jsmith12 in the directory
    directory_number_attribute="employeeNumber",  # HR's number: the SIS does not carry it
    missing_primary_id=6,
    missing_directory_number=10,
    name_changes=10,
    personal_email_share=0.6,
)
"""OpenLDAP/eduPerson: primary_id holds upper-cased login names; eppn would need strip-scope."""

HARBOUR = CollegeSpec(
    name="harbour",
    seed=6303,
    domain="harbour.edu",
    style=DirectoryStyle.OPENLDAP,
    ou_per_population=True,
    students=1100,
    staff=250,
    faculty=120,
    student_employees=60,
    guests=40,
    service_accounts=15,
    primary_id=PrimaryId.EMAIL,  # with case-only collisions: Alma would refuse it
    number_identifier="UNIV_ID",
    directory_number_attribute="employeeNumber",
    missing_sis_number=20,
    missing_directory_number=12,
    email_case_collisions=3,
    name_changes=15,
    shared_mail=1,
)
"""Email as primary_id with case-only collisions; the number is in identifier:UNIV_ID."""

BIRCH = CollegeSpec(
    name="birch",
    seed=7404,
    domain="birch.ac.ca",
    style=DirectoryStyle.AD,
    students=1200,
    staff=260,
    faculty=90,
    student_employees=40,
    guests=90,
    service_accounts=25,
    primary_id=PrimaryId.NUMBER,
    directory_number_attribute="employeeNumber",  # the number in employeeNumber, not employeeID
    netid_identifier="NETID",
    netid_upper_share=1.0,  # every NETID upper-cased
    missing_primary_id=3,
    missing_directory_number=60,
    missing_netid=10,
    email_case_collisions=2,
    name_changes=30,
    zip_folder="alma_sis_export/",  # members inside a folder of the zip
    ldif_newline="\r\n",  # as Windows ldifde writes it
)
"""AD-style with CRLF line ends: primary_id joins employeeNumber exactly; the zip has a folder."""

ASPEN = CollegeSpec(
    name="aspen",
    seed=8505,
    domain="aspen.ca",
    style=DirectoryStyle.AD,
    students=1100,
    staff=450,
    faculty=200,
    student_employees=50,
    guests=50,
    service_accounts=20,
    primary_id=PrimaryId.NUMBER,
    directory_number_attribute="employeeID",
    hr_drops_leading_zeros=True,  # staff and faculty numbers lost their leading zeros in HR
    missing_primary_id=2,
    missing_directory_number=20,
    shared_mail=1,
    name_changes=10,
)
"""AD-style where HR wrote staff numbers without leading zeros: needs strip-leading-zeros."""

COLLEGES = (DEMO, MAPLE, CEDAR, HARBOUR, BIRCH, ASPEN)


def write(spec: CollegeSpec, folder: Path) -> CollegeFiles:
    """Generate the college of `spec` and write its directory.ldif, sis.zip and truth.json."""
    return write_college(generate(spec), folder)
