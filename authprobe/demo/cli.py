"""`python -m authprobe.demo --write FOLDER`: regenerate the demo college's files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import authprobe.demo as package
from authprobe.demo.college import DEMO
from authprobe.demo.generator import generate
from authprobe.demo.writers import write_college


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m authprobe.demo --write FOLDER`: regenerate the demo college's files."""
    parser = argparse.ArgumentParser(prog="python -m authprobe.demo", description=package.__doc__)
    parser.add_argument("--write", type=Path, required=True, metavar="FOLDER")
    args = parser.parse_args(argv)
    write_college(generate(DEMO), args.write)
    return 0
