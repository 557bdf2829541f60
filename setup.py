"""The optional C accelerators (everything else is in pyproject.toml).

`authprobe/sources/ldap/_bercount.c` is `ber_count.count_entry` in C (the live LDAP scan);
`authprobe/analysis/_profile.c` is the per-value work of the field profiles
(`analysis/profile.py`). `optional=True`: without a C compiler and Python's headers the install
still succeeds, and the pure-Python code runs instead (the same results, slower: the live scan
about 1.4x on 100,000 entries, bench/ldap_scan.py; the profiles, bench/profile_fast.py).
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
            "authprobe.analysis._profile",
            ["authprobe/analysis/_profile.c"],
            optional=True,
        ),
    ]
)
