"""The optional C accelerators, loaded one way, and the switches that turn them off.

Each accelerator (`sources/ldap/_bercount.c`, `sources/sis/_userxml.c`,
`sources/directory_files/_ldif.c`, `analysis/_profile.c`, `analysis/_columns.c`,
`analysis/crosscheck/_steps.c`) is built at
install when a C compiler and the headers are there; without it, or when the user turns it off,
the Python code it is tested against runs. `AUTHPROBE_PURE_PYTHON=1` turns every one off; each
also has a switch of its own (to compare one path with the other).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

PURE_ALL = "AUTHPROBE_PURE_PYTHON"
"""The environment variable that turns every C path off."""


def load(name: str) -> ModuleType | None:
    """The compiled module `name`, or None when it was not built."""
    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - depends on the install (no C compiler)
        return None


def pure(switch: str | None = None) -> bool:
    """Whether the user turned every C path off, or this one (its environment `switch`)."""
    return bool(os.environ.get(PURE_ALL) or (switch is not None and os.environ.get(switch)))
