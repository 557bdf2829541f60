"""Benchmark: `authprobe saml metadata` on a federation aggregate of N IdPs, each output format.

    .venv/bin/python bench/saml_metadata.py [--idps 200000] [--formats json,table,md]

Writes the aggregate with tests/saml_aggregate.py (every entity an IdP with a signing
certificate, endpoints, attributes, scope and display name), then runs, each in a fresh child
process, `authprobe saml metadata AGGREGATE -f FORMAT -o /dev/null`, and prints the CPU seconds
(user + system) and the peak RSS of each child, next to the same run on a 10-IdP aggregate (the
floor: interpreter, libraries). Streaming means the peak does not grow with N.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import saml_aggregate, saml_helpers

CHILD = """
import resource, sys
from authprobe.cli.app import main
code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(f"{usage.ru_utime + usage.ru_stime:.1f} {usage.ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def measure(path: Path, fmt: str) -> tuple[float, int]:
    """CPU seconds and peak RSS (kB) of one `saml metadata` run in a child process."""
    args = ["saml", "metadata", str(path), "-f", fmt, "-o", "/dev/null"]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{fmt}: exit {done.returncode}\n{done.stderr[-2000:]}")
    cpu, rss = done.stderr.strip().splitlines()[-1].split()
    return float(cpu), int(rss)


def main() -> None:
    """Generate, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idps", type=int, default=200_000)
    parser.add_argument("--formats", default="json,table,md")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        pair = saml_helpers.make_keypair(folder, "fed")
        body = "".join(line for line in pair.cert_pem.splitlines() if "-----" not in line)
        floor = saml_aggregate.write_aggregate(folder / "floor.xml", 10, body)
        big = saml_aggregate.write_aggregate(folder / "big.xml", options.idps, body)
        print(f"aggregate: {options.idps:,} IdPs, {big.stat().st_size / 2**20:,.0f} MB")
        for fmt in options.formats.split(","):
            floor_cpu, floor_rss = measure(floor, fmt)
            cpu, rss = measure(big, fmt)
            print(
                f"{fmt:<6} {cpu:7.1f} s CPU, peak RSS {rss / 1024:7.1f} MB "
                f"(10 IdPs: {floor_cpu:.1f} s, {floor_rss / 1024:.1f} MB)"
            )


if __name__ == "__main__":
    main()
