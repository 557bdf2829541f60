"""The optional C accelerators (everything else is in pyproject.toml).

`authprobe/sources/ldap/_bercount.c` is `ber_count.count_entry` in C: without it the live LDAP
scan runs the pure-Python `ber_count.count_entry` (the same results, about 1.4x slower on
100,000 entries; bench/ldap_scan.py).

`authprobe/sources/directory_files/_ldif.c` splits LDIF exports into lines and entries and
builds the plain entries' attributes (`ldif_fast.py`): without it the LDIF reader runs its
Python reference (the same results, slower; docs/performance.md).

Both are `optional=True`: without a C compiler and Python's headers the install still succeeds,
and authprobe runs the Python reference paths.
"""

from setuptools import Extension, setup

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
    ]
)
