"""The optional C accelerators (everything else is in pyproject.toml).

`authprobe/sources/ldap/_bercount.c` is `ber_count.count_entry` in C: without it the live LDAP
scan runs the pure-Python `ber_count.count_entry` (the same results, about 1.4x slower on
100,000 entries; bench/ldap_scan.py).

`authprobe/sources/directory_files/_ldif.c` splits LDIF exports into lines and entries and
builds the plain entries' attributes (`ldif_fast.py`): without it the LDIF reader runs its
Python reference (the same results, slower; bench/ldif_read.py).

`authprobe/analysis/_columns.c` is `LoadColumns.add`'s loop (the pre-flight) and, with
`_columns_index.c`, `SideIndex.add`'s (the cross-check): without it the Python loops run (the
same columns; bench/preflight.py, bench/crosscheck.py).

`authprobe/sources/sis/_userxml.c` reads Alma user XML with the system libxml2's SAX2 push
parser (no tree): the records of `user_xml.UserReader`, about 2x faster (bench/user_xml.py). It
needs libxml2's headers (Debian: libxml2-dev); without them the reader uses lxml.

`authprobe/analysis/_profile.c` is the per-value work of the field profiles
(`analysis/profile.py`): without it the Python code runs (the same profiles, slower;
bench/profile_fast.py).

`authprobe/analysis/crosscheck/_steps.c` normalises and hashes each value for the
cross-check's pair discovery as it is collected: without it the discovery runs its polars
kernels (the same pairs; bench/crosscheck.py).

All are `optional=True`: without a C compiler, Python's or libxml2's headers the install still
succeeds, and authprobe runs the Python reference paths.
"""

import shlex
import subprocess

from setuptools import Extension, setup


def _libxml2_include_dirs() -> list[str]:
    """libxml2's include directory, from pkg-config or xml2-config, else Debian's."""
    for command in (["pkg-config", "--cflags", "libxml-2.0"], ["xml2-config", "--cflags"]):
        try:
            flags = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        dirs = [flag[2:] for flag in shlex.split(flags) if flag.startswith("-I")]
        if dirs:
            return dirs
    return ["/usr/include/libxml2"]


setup(
    ext_modules=[
        Extension(
            "authprobe.sources.ldap._bercount",
            ["authprobe/sources/ldap/_bercount.c"],
            optional=True,
        ),
        Extension(
            "authprobe.sources.directory_files._ldif",
            ["authprobe/sources/directory_files/_ldif.c"],
            optional=True,
        ),
        Extension(
            "authprobe.analysis._columns",
            ["authprobe/analysis/_columns.c", "authprobe/analysis/_columns_index.c"],
            depends=[
                "authprobe/analysis/_columns.h",
                "authprobe/_ascii.h",
                "authprobe/_arrow_in.h",
                "authprobe/_arrow_out.h",
            ],
            optional=True,
        ),
        Extension(
            "authprobe.sources.sis._userxml",
            ["authprobe/sources/sis/_userxml.c"],
            depends=["authprobe/_ascii.h"],
            include_dirs=_libxml2_include_dirs(),
            libraries=["xml2"],
            optional=True,
        ),
        Extension(
            "authprobe.analysis.crosscheck._steps",
            [
                "authprobe/analysis/crosscheck/_steps.c",
                "authprobe/analysis/crosscheck/_steps_columns.c",
                "authprobe/analysis/crosscheck/_steps_members.c",
            ],
            depends=[
                "authprobe/analysis/crosscheck/_steps.h",
                "authprobe/_ascii.h",
                "authprobe/_arrow_in.h",
                "authprobe/_arrow_out.h",
            ],
            optional=True,
        ),
        Extension(
            "authprobe.analysis._profile",
            ["authprobe/analysis/_profile.c", "authprobe/analysis/_profile_columns.c"],
            depends=[
                "authprobe/analysis/_profile.h",
                "authprobe/_ascii.h",
                "authprobe/_arrow_in.h",
            ],
            optional=True,
        ),
    ]
)
