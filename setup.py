"""The optional C accelerator of the live LDAP scan (everything else is in pyproject.toml).

`authprobe/sources/ldap/_bercount.c` is `ber_count.count_entry` in C. `optional=True`: without
a C compiler and Python's headers the install still succeeds, and the scan runs the pure-Python
`ber_count.count_entry` (the same results, about 1.4x slower on 100,000 entries;
bench/ldap_scan.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "authprobe.sources.ldap._bercount",
            ["authprobe/sources/ldap/_bercount.c"],
            optional=True,
        )
    ]
)
