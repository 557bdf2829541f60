"""Benchmarks (run as scripts: `.venv/bin/python bench/<name>.py`; none runs in the tests)."""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "authprobe"


def compile_bytecode() -> str:
    """Compile authprobe's modules to bytecode before anything is timed, and say so.

    An installed copy runs from bytecode: `pip install` compiles it, and Python caches it on a
    module's first import. A checkout installed in editable mode on a machine that sets
    PYTHONDONTWRITEBYTECODE (as these VMs do) would otherwise compile every module again in
    every timed run (0.3-0.4 s a command), which is not what a user waits for."""
    compileall.compile_dir(PACKAGE, quiet=1)
    return "authprobe's bytecode compiled first (as pip install does)"
