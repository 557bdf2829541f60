"""Benchmark: `authprobe sis scan` against a bare lxml iterparse loop over the same extract.

    .venv/bin/python bench/sis_scan.py [--users 1000000] [--keep DIR]

Generates realistic Alma users (about 1.7 KB each: names, two identifiers, two emails, address,
phone, roles, statistics) into a temporary folder, then runs, each in a fresh child process:

1. the baseline: `for _, el in lxml.etree.iterparse(f, tag="user"): el.clear()` plus deleting
   earlier siblings;
2. the full scan: `authprobe sis scan DIR --format json` (reader, profiles, lint).

It prints both rates (users/s), the ratio (target >= 0.7) and each child's peak memory
(target < 1 GB). Nothing is timed inside the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import compile_bytecode

USERS_PER_FILE = 100_000
GROUPS = ("UGRAD", "GRAD", "STAFF", "FACULTY", "ALUMNI", "GUEST")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")

USER = """<user>
  <record_type desc="Public">PUBLIC</record_type>
  <primary_id>{primary}</primary_id>
  <first_name>{first}</first_name>
  <middle_name/>
  <last_name>{last}</last_name>
  <user_group desc="{group}">{group}</user_group>
  <campus_code desc="Main">MAIN</campus_code>
  <preferred_language>en</preferred_language>
  <birth_date>{birth}</birth_date>
  <expiry_date>{expiry}</expiry_date>
  <purge_date>2031-09-01Z</purge_date>
  <account_type desc="External">EXTERNAL</account_type>
  <external_id>SIS</external_id>
  <status desc="Active">ACTIVE</status>
  <status_date/>
  <contact_info>
    <addresses>
      <address preferred="true"><line1>{street} College St</line1><city>Toronto</city></address>
    </addresses>
    <emails>
      <email preferred="true" segment_type="External">
        <email_address>{login}@college.ca</email_address>
        <email_types><email_type>school</email_type></email_types>
      </email>
      <email preferred="false" segment_type="External">
        <email_address>{login}@example.com</email_address>
        <email_types><email_type>personal</email_type></email_types>
      </email>
    </emails>
    <phones>
      <phone preferred="true"><phone_number>416-555-{phone}</phone_number></phone>
    </phones>
  </contact_info>
  <user_identifiers>
    <user_identifier segment_type="External">
      <id_type desc="Barcode">BARCODE</id_type>
      <value>2{barcode}</value>
      <status>ACTIVE</status>
    </user_identifier>
    <user_identifier segment_type="External">
      <id_type desc="Network ID">NET_ID</id_type>
      <value>{login}</value>
      <status>ACTIVE</status>
    </user_identifier>
  </user_identifiers>
  <user_roles>
    <user_role>
      <status>ACTIVE</status>
      <scope>01COLLEGE_INST</scope>
      <role_type>200</role_type>
    </user_role>
  </user_roles>
</user>
"""


def generate(folder: Path, users: int, seed: int = 7) -> int:
    """Write `users` users in files of USERS_PER_FILE; return the bytes written."""
    rng = random.Random(seed)
    written = 0
    for start in range(0, users, USERS_PER_FILE):
        path = folder / f"users_{start // USERS_PER_FILE:03d}.xml"
        with path.open("w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<users>\n')
            for n in range(start, min(users, start + USERS_PER_FILE)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                out.write(
                    USER.format(
                        primary=f"{n:09d}",
                        first=first,
                        last=last,
                        group=rng.choice(GROUPS),
                        birth=f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                        expiry=f"20{rng.randint(24, 31)}-09-01Z",
                        street=rng.randint(1, 999),
                        login=f"{first[0].lower()}{last.lower()}{n}",
                        phone=f"{rng.randint(0, 9999):04d}",
                        barcode=f"{n:013d}",
                    )
                )
            out.write("</users>\n")
        written += path.stat().st_size
    return written


BASELINE = """
import sys
from pathlib import Path
from lxml import etree
n = 0
for path in sorted(Path(sys.argv[1]).glob("*.xml")):
    with path.open("rb") as f:
        for _, el in etree.iterparse(f, tag="user"):
            n += 1
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
print(n)
"""


def run_child(argv: list[str]) -> tuple[float, int, str]:
    """Run one child process; return (seconds, its own peak RSS in bytes, its stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode not in (0, 1):
            sys.exit(f"child failed ({child.returncode}): {' '.join(argv)}\n{err.read()}")
        return seconds, usage.ru_maxrss * 1024, out.read()


def line(name: str, seconds: float, rate: float, peak: int) -> str:
    """One result line."""
    return f"{name:<16} {seconds:7.1f} s {rate:10,.0f} users/s   peak {peak / 2**20:7,.0f} MiB"


def main() -> None:
    """Generate, run the baseline and the scan, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse the files in --keep")
    args = parser.parse_args()
    print(compile_bytecode())
    folder = args.keep or Path(tempfile.mkdtemp(prefix="authprobe-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.reuse and any(folder.glob("*.xml")):
            size = sum(p.stat().st_size for p in folder.glob("*.xml"))
        else:
            start = time.perf_counter()
            size = generate(folder, args.users)
            print(
                f"generated {args.users:,} users, {size / 1e9:.2f} GB "
                f"({size / args.users:,.0f} bytes/user) in {time.perf_counter() - start:.1f} s"
            )
        python = sys.executable
        base_s, base_peak, base_out = run_child([python, "-c", BASELINE, str(folder)])
        users = int(base_out.strip())
        scan_s, scan_peak, _ = run_child(
            [python, "-m", "authprobe", "sis", "scan", str(folder), "--format", "json",
             "--fail-on", "never", "-o", str(folder / "report.json")]
        )  # fmt: skip
        base_rate, scan_rate = users / base_s, users / scan_s
        print(f"users: {users:,}")
        print(line("bare iterparse", base_s, base_rate, base_peak))
        print(line("authprobe scan", scan_s, scan_rate, scan_peak))
        print(
            f"ratio (scan/bare): {scan_rate / base_rate:.2f}x   (target >= 0.70x, peak < 1024 MiB)"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
