"""The optional C accelerators (everything else is in pyproject.toml).

`authprobe/sources/ldap/_bercount.c` is `ber_count.count_entry` in C (the live LDAP scan);
`authprobe/analysis/_columns.c` is `LoadColumns.add`'s loop (the pre-flight);
`authprobe/analysis/_profile.c` is the per-value work of the field profiles
(`analysis/profile.py`). `optional=True`: without a C compiler and Python's headers the install
still succeeds, and the Python code, the reference each is tested against, runs instead (the
same results, slower; bench/ldap_scan.py, bench/preflight.py, bench/profile_fast.py).
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
            "authprobe.analysis._columns",
            ["authprobe/analysis/_columns.c"],
            optional=True,
        ),
        Extension(
            "authprobe.analysis._profile",
            ["authprobe/analysis/_profile.c"],
            optional=True,
        ),
    ]
)
