"""Benchmark: `sis build` of a million CSV rows and `sis diff` of two million-user extracts,
each against the floor the issue names, measured in the same run.

    .venv/bin/python bench/sis_build_diff.py [--rows 1000000] [--keep DIR] [--reuse]

Generates a registrar CSV and an HR CSV (`--rows` rows in all; 5 % of the people are in both,
merged by a person key), a user group code table and an authprobe.toml, and a second pair of
exports for the next term (2 % of the people with a new student number, 1 % dropped, 1 % new,
0.5 % with a recycled card). Then, each in a fresh process:

1. `sis build` of this term's exports; `sis scan` of its output: target build ≤ 2 × scan;
2. `sis build` of the next term's exports (not timed against a target);
3. `sis scan OLD NEW` (one scan of both extracts) and `sis diff OLD NEW`: target diff ≤ 2.5 ×
   scan, and the diff's peak memory < 2 GB.

Prints wall seconds, CPU seconds and peak memory of each, and the ratios. Nothing here is a
timed test.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUTHPROBE = [sys.executable, "-m", "authprobe"]
CONFIG = """[build]
output = "{output}"
match_id = "primary_id"
person_key = "person"
user_groups = "user-groups.csv"
purge = "expiry_date + 1 year"

[[build.sources]]
name = "registrar"
paths = ["{prefix}registrar.csv"]
map = ["person=PersonKey", "primary_id=StudentNo", "identifier:BARCODE=Card",
       "identifier:NET_ID=NetID", "first_name=Given", "last_name=Family", "birth_date=DOB",
       "email=Email", "user_group=Program"]
expiry = "TermEnd + 1 year"

[[build.sources]]
name = "hr"
paths = ["{prefix}hr.csv"]
map = ["person=PersonKey", "primary_id=EmployeeNo", "identifier:BARCODE=Card",
       "identifier:NET_ID=NetID", "first_name=First", "last_name=Last", "birth_date=Born",
       "email=Mail", "user_group=Class", "expiry_date=Review"]
"""
FIRST = ("Ann", "Bob", "Chloé", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jules", "Kai")
LAST = ("Lee", "Martin", "Nguyễn", "Okafor", "Patel", "Quinn", "Roy", "Singh", "Tremblay")


def _person(rng: random.Random, i: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "key": f"K{i:08d}",
        "number": f"{100000000 + i}",
        "card": f"2{i:012d}",
        "netid": f"{first[0].lower()}{i}",
        "first": first,
        "last": last,
        "dob": f"{rng.randrange(1950, 2008)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "email": f"u{i}@college.ca",
    }


def people(rows: int, seed: int) -> list[dict[str, str]]:
    """The people behind `rows` rows (5 % of them are in both exports)."""
    rng = random.Random(seed)
    return [_person(rng, i) for i in range(rows - rows // 20)]


def next_term(everyone: list[dict[str, str]], seed: int) -> list[dict[str, str] | None]:
    """The same people next term: new numbers, drops, new people, recycled cards."""
    rng = random.Random(seed)
    n = len(everyone)
    out: list[dict[str, str] | None] = [dict(p) for p in everyone]
    for i in rng.sample(range(n), n // 50):
        person = out[i]
        assert person is not None
        person["number"] = f"9{person['number']}"
    dropped = rng.sample(range(n), n // 100)
    for i in dropped:
        out[i] = None
    for k, i in enumerate(dropped[: n // 200]):  # a new person gets a dropped person's card
        newcomer = _person(rng, n + k)
        newcomer["card"] = everyone[i]["card"]
        newcomer["dob"] = "1949-01-01"
        out.append(newcomer)
    out.extend(_person(rng, n + n // 200 + k) for k in range(n // 100 - n // 200))
    return out


def write_exports(
    folder: Path, prefix: str, term: list[dict[str, str] | None], split: int, both: int
) -> None:
    """registrar.csv (the people before `split`) and hr.csv (the rest and the `both` people
    before `split`)."""
    total = len(term)
    with (folder / f"{prefix}registrar.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("PersonKey", "StudentNo", "Card", "NetID", "Given", "Family", "DOB",
                         "Email", "Program", "TermEnd"))  # fmt: skip
        for p in term[:split]:
            if p is not None:
                writer.writerow((p["key"], p["number"], p["card"], p["netid"], p["first"],
                                 p["last"], p["dob"], p["email"], "UG", "2026-08-31"))  # fmt: skip
    with (folder / f"{prefix}hr.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("PersonKey", "EmployeeNo", "Card", "NetID", "First", "Last", "Born",
                         "Mail", "Class", "Review"))  # fmt: skip
        for p in term[split - both : total]:
            if p is not None:
                writer.writerow((p["key"], p["number"], p["card"], p["netid"], p["first"],
                                 p["last"], p["dob"], p["email"], "ADM", "2027-08-31"))  # fmt: skip
    (folder / f"{prefix}authprobe.toml").write_text(
        CONFIG.format(prefix=prefix, output=f"{prefix}extract.zip"), encoding="utf-8"
    )


def generate(folder: Path, rows: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    everyone = people(rows, 18)
    both = rows // 20
    split = int(len(everyone) * 0.7)
    write_exports(folder, "", list(everyone), split, both)
    write_exports(folder, "next-", next_term(everyone, 19), split, both)
    with (folder / "user-groups.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("sis", "alma"), ("UG", "STUDENT"), ("ADM", "STAFF")])


def run(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    wait4 = getattr(os, "wait4", None)
    if wait4 is None:
        process.wait()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    else:
        _, status, usage = wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if process.returncode not in (0, 1):
        assert process.stderr is not None
        raise SystemExit(f"{command} failed: {process.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def show(label: str, figures: tuple[float, float, float]) -> None:
    wall, cpu, peak = figures
    print(f"{label:<34} {wall:7.1f} s wall {cpu:7.1f} s CPU   peak {peak:7.0f} MiB", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse the files in --keep")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="authprobe-build-"))
    try:
        if not (args.reuse and (folder / "next-hr.csv").exists()):
            started = time.perf_counter()
            generate(folder, args.rows)
            print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
        print(f"rows: {args.rows:,}")
        build = run([*AUTHPROBE, "sis", "build", "-c", "authprobe.toml"], folder)
        show("sis build (this term)", build)
        scan_one = run([*AUTHPROBE, "sis", "scan", "extract.zip", "--fail-on", "never"], folder)
        show("sis scan of its output", scan_one)
        following = [*AUTHPROBE, "sis", "build", "-c", "next-authprobe.toml"]
        show("sis build (next term)", run(following, folder))
        both = [*AUTHPROBE, "sis", "scan", "extract.zip", "next-extract.zip", "--fail-on", "never"]
        scan_both = run(both, folder)
        show("sis scan OLD NEW (one scan of both)", scan_both)
        diff = run([*AUTHPROBE, "sis", "diff", "extract.zip", "next-extract.zip",
                    "--fail-on", "never"], folder)  # fmt: skip
        show("sis diff OLD NEW", diff)
        print(
            f"build/scan: {build[0] / scan_one[0]:.2f}x (target <= 2.0x); "
            f"diff/scan-of-both: {diff[0] / scan_both[0]:.2f}x (target <= 2.5x); "
            f"diff peak {diff[2]:.0f} MiB (target < 2048)"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
