"""Benchmark: `authprobe ldap scan` against `ldapsearch -E pr=1000/noprompt` on the same slapd.

    .venv/bin/python bench/ldap_scan.py [--entries 100000] [--runs 5]

Starts its own slapd on 127.0.0.1 (private config, as the integration tests do), loads N
generated inetOrgPerson + eduPerson entries (about 33 attributes, 1.1 KB of LDIF each) with
slapadd, then runs, interleaved, `--runs` times each, every run a fresh child process:

1. the baseline: `ldapsearch -x -LLL -E pr=1000/noprompt -H URL -b BASE FILTER > /dev/null`;
2. authprobe: `authprobe ldap scan URL --format json -o /dev/null` (paged search, values
   counted straight from the replies, the full attribute profile);
3. for comparison, `LdapDirectory(...).records()` consumed: the reader building a `Record` per
   entry (what `recommend --directory URL` and `--save` use), no profile;
4. for comparison, authprobe with AUTHPROBE_PURE_PYTHON=1: the entries walked by the Python
   `ber_count.count_entry` instead of the C accelerator (`authprobe/sources/ldap/_bercount.c`,
   built at install when a C compiler is there; the line "C accelerator" says whether it is).

It prints min / median / max wall seconds and CPU seconds (user + system) of both, authprobe's
peak memory, the ratio of the medians (target: <= 2), and the load average before and after:
other work on the machine stretches wall times, so compare CPU seconds too. Nothing here runs in
the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from authprobe.sources.ldap.ber_count import ACCELERATED  # noqa: E402 - needs the repository on sys.path
from bench import compile_bytecode  # noqa: E402 - the repository on sys.path
from tests.integration.slapd import (  # noqa: E402 - needs the repository on sys.path
    generate_people,
    people_ldif,
    start_slapd,
)

BASE = "dc=example,dc=org"
# The reading alone (connection, paged search, decoding, records), without the profile.
READER = (
    "from authprobe.sources.ldap.directory import LdapDirectory, LdapSettings\n"
    "n = sum(1 for _ in LdapDirectory(LdapSettings({url!r})).records())\n"
    "assert n > 0, n\n"
)
FILTER = "(|(objectClass=inetOrgPerson)(objectClass=person))"


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Run `argv` with stdout to /dev/null: (wall s, CPU s, peak RSS KiB) of that child."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=env)
        assert process.stderr is not None
        _, status, usage = os.wait4(process.pid, 0)
        err = process.stderr.read()
        process.stderr.close()
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({process.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def describe(name: str, runs: list[tuple[float, float, int]]) -> str:
    walls = [r[0] for r in runs]
    cpus = [r[1] for r in runs]
    return (
        f"{name:<12} wall min {min(walls):6.2f}  median {statistics.median(walls):6.2f}  "
        f"max {max(walls):6.2f} s   CPU median {statistics.median(cpus):6.2f} s   "
        f"peak RSS {max(r[2] for r in runs) / 1024:7.1f} MiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(compile_bytecode())
    authprobe = str(ROOT / ".venv" / "bin" / "authprobe")
    with tempfile.TemporaryDirectory(prefix="authprobe-bench-") as folder:
        directory = Path(folder)
        ldif = directory / "people.ldif"
        print(f"generating {args.entries:,} entries ...", flush=True)
        with ldif.open("w", encoding="utf-8") as out:
            for chunk in people_ldif(generate_people(args.entries), BASE, extra=True):
                out.write(chunk)
        print(f"LDIF {ldif.stat().st_size / 1e6:.1f} MB; loading slapd ...", flush=True)
        clock = time.perf_counter()
        server = start_slapd(directory / "slapd", ldif, size_limit=None, timeout=60)
        print(f"slapd ready in {time.perf_counter() - clock:.1f} s at {server.url}", flush=True)
        try:
            baseline_argv = [
                "ldapsearch", "-x", "-LLL", "-E", "pr=1000/noprompt", "-H", server.url,
                "-b", BASE, FILTER,
            ]  # fmt: skip
            scan_argv = [
                authprobe, "ldap", "scan", server.url, "--format", "json", "-o", os.devnull,
            ]  # fmt: skip
            reader_argv = [sys.executable, "-c", READER.format(url=server.url)]
            timed(baseline_argv)  # warm the server's caches once, untimed
            print(f"load average before: {_load()}", flush=True)
            baseline: list[tuple[float, float, int]] = []
            scan: list[tuple[float, float, int]] = []
            reader: list[tuple[float, float, int]] = []
            pure: list[tuple[float, float, int]] = []
            pure_env = {**os.environ, "AUTHPROBE_PURE_PYTHON": "1"}
            for run in range(args.runs):
                baseline.append(timed(baseline_argv))
                scan.append(timed(scan_argv))
                reader.append(timed(reader_argv))
                pure.append(timed(scan_argv, pure_env))
                print(
                    f"run {run + 1}: ldapsearch {baseline[-1][0]:.2f} s, "
                    f"authprobe {scan[-1][0]:.2f} s, records() {reader[-1][0]:.2f} s, "
                    f"pure Python {pure[-1][0]:.2f} s",
                    flush=True,
                )
            print(f"load average after: {_load()}", flush=True)
        finally:
            server.stop()
    print(describe("ldapsearch", baseline))
    print(describe("authprobe", scan))
    print(describe("records()", reader))
    print(describe("pure Python", pure))
    print(f"C accelerator: {'built and used' if ACCELERATED else 'NOT built (pure Python)'}")
    ratio = statistics.median(r[0] for r in scan) / statistics.median(r[0] for r in baseline)
    print(f"ratio (median wall authprobe / ldapsearch): {ratio:.2f}  (target <= 2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
