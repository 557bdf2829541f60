"""The LDIF reader alone: the C fast path (`_ldif.c`) against the Python reference.

    .venv/bin/python bench/ldif_read.py [--entries 100000] [--runs 3] [FILE.ldif ...]

Without files it writes two exports of `--entries` people into a temporary folder: the
benchmarks' inetOrgPerson entries (`person_ldif(..., extra=True)`, as bench/recommend_e2e.py)
and an Active Directory style export (objectGUID and objectSid in base64, userAccountControl).
Each file is read by `LdifFile.records()` in a fresh process, the C path and
`AUTHPROBE_PURE_LDIF=1` interleaved, `--runs` times; it prints the CPU seconds of the read
(median) and the records per CPU second, and checks both paths counted the same records.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.slapd import generate_people, person_ldif

BASE = "dc=example,dc=org"
READ = """
import sys, time
from pathlib import Path
from authprobe.sources.directory_files.ldif import LdifFile
start = time.process_time()
source = LdifFile(Path(sys.argv[1]))
count = sum(1 for _ in source.records())
print(count, time.process_time() - start)
"""


def write_people(path: Path, entries: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("version: 1\n\n")
        for person in generate_people(entries):
            out.write(person_ldif(person, BASE, extra=True) + "\n")


def write_ad(path: Path, entries: int) -> None:
    sid_prefix = bytes.fromhex("010500000000000515000000") + bytes(12)  # S-1-5-21-0-0-0-i
    with path.open("w", encoding="ascii") as out:
        for i in range(entries):
            guid = base64.b64encode(i.to_bytes(16, "little")).decode()
            sid = base64.b64encode(sid_prefix + i.to_bytes(4, "little")).decode()
            out.write(
                f"dn: CN=User {i},OU=Students,DC=ad,DC=example\nobjectClass: top\n"
                "objectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n"
                f"cn: User {i}\nsn: User\ngivenName: U{i}\nsAMAccountName: u{i:06d}\n"
                f"userPrincipalName: u{i:06d}@ad.example\nmail: u{i:06d}@college.example\n"
                f"employeeID: {i:09d}\nuserAccountControl: {514 if i % 10 == 0 else 512}\n"
                f"objectGUID:: {guid}\nobjectSid:: {sid}\n\n"
            )


def read(path: Path, pure: bool) -> tuple[int, float]:
    env = dict(os.environ)
    env.pop("AUTHPROBE_PURE_LDIF", None)
    if pure:
        env["AUTHPROBE_PURE_LDIF"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", READ, str(path)], env=env, check=True, capture_output=True
    )
    count, seconds = done.stdout.split()
    return int(count), float(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="authprobe-ldif-") as folder:
        files = list(args.files)
        if not files:
            files = [Path(folder) / "people.ldif", Path(folder) / "ad.ldif"]
            write_people(files[0], args.entries)
            write_ad(files[1], args.entries)
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print(f"{'file':<24}{'MB':>8}{'C s':>8}{'Python s':>10}{'C rec/s':>11}{'ratio':>7}")
        for path in files:
            times: dict[bool, list[float]] = {False: [], True: []}
            counts = set()
            for _ in range(args.runs):
                for pure in (False, True):
                    count, seconds = read(path, pure)
                    counts.add(count)
                    times[pure].append(seconds)
            if len(counts) != 1:
                print(f"{path}: the two paths counted different records: {counts}")
                return 1
            fast, reference = statistics.median(times[False]), statistics.median(times[True])
            size = path.stat().st_size / 1e6
            print(
                f"{path.name:<24}{size:>8.1f}{fast:>8.2f}{reference:>10.2f}"
                f"{counts.pop() / fast:>11,.0f}{reference / fast:>6.1f}x"
            )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
