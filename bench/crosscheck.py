"""Benchmark: collect + cross-check + ranking of 1 M SIS records x 1 M directory entries.

    .venv/bin/python bench/crosscheck.py [--records 1000000] [--seed 7] [--runs 3]

Generates, lazily as `Record` objects, N SIS records with 6 identifier fields and N directory
entries with 20 attributes (5 % planted mismatches on each side: upper-case NET_IDs in the SIS;
employeeIDs that lost their leading zero, are missing or unrelated in the directory), then
runs, each in a fresh child process:

1. the baseline: iterate both generators and do nothing with the records;
2. the measured run: `SideIndex.add` for every record of both sides, `shared_identifiers`
   on the SIS side, `crosscheck` and `rank_candidates` on the correspondences (the cross-check
   letting go of the columns that pair with nothing, as `recommend` has it do).

It prints the CPU seconds (user + system, from `getrusage(RUSAGE_CHILDREN)`) of both, their
difference (the cost of the cross-check itself; issue 16's target: <= 10 s at 1 M x 1 M, the
first round's was 30 s) and the peak RSS of the measured child (target < 1.5 GB; it was 2 GB),
plus the winner, as a sanity check of the planted truth. With `--runs N` the two children run
N times, interleaved, and the medians are printed (this shared VM's CPU seconds move by a
second or two from run to run: one run's difference is not a figure).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from authprobe.model import Record
from bench import compile_bytecode

GROUPS = ("UGRAD", "GRAD", "STAFF", "FACULTY", "ALUMNI", "GUEST")
OUS = ("Students", "Staff", "Faculty")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
TITLES = ("Student", "Lecturer", "Analyst", "Librarian", "Technician")
MISMATCH_SHARE = 0.05


def _letters(i: int) -> str:
    """A unique letter suffix (usernames and names without digits, as many colleges issue)."""
    out = ""
    while True:
        i, rest = divmod(i, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[rest]
        if not i:
            return out


def _person(i: int) -> tuple[str, str, str, str]:
    first = FIRST[i % len(FIRST)]
    last = LAST[i // len(FIRST) % len(LAST)]
    number = f"0{10_000_000 + i * 7 % 90_000_000:08d}"
    login = f"{first[0].lower()}{last.lower()}{_letters(i)}"
    return first, last, number, login


def sis_records(n: int, seed: int) -> Iterator[Record]:
    """SIS side: primary_id, BARCODE, NET_ID, UNIV_ID, OTHER_ID_1, email (6 fields)."""
    rng = random.Random(seed)
    for i in range(n):
        first, last, number, login = _person(i)
        planted = rng.random() < MISMATCH_SHARE
        net_id = login.upper() if planted else login
        yield Record(
            ref=f"users.xml:{i + 2}",
            attrs={
                "primary_id": (number,),
                "identifier:BARCODE": (f"2{i:013d}",),
                "identifier:NET_ID": (net_id,),
                "identifier:UNIV_ID": (f"U{i:07d}",),
                "identifier:OTHER_ID_1": (f"{rng.getrandbits(40):x}",),
                "email": (f"{login}@college.ca",),
            },
            population=GROUPS[i % len(GROUPS)],
            info={"first_name": first, "last_name": last},
        )


def directory_records(n: int, seed: int) -> Iterator[Record]:
    """Directory side: 20 attributes of an AD user, employeeID = SIS primary_id."""
    rng = random.Random(seed)
    for i in range(n):
        first, last, number, login = _person(i)
        planted = rng.random() < MISMATCH_SHARE
        kind = rng.randrange(3) if planted else -1
        employee_id = number.lstrip("0") if kind == 0 else number
        if kind == 1:
            employee_id = f"9{rng.getrandbits(30):09d}"
        attrs: dict[str, tuple[str, ...]] = {
            "objectGUID": (str(uuid.UUID(int=rng.getrandbits(128))),),
            "objectSid": (f"S-1-5-21-1004336348-1177238915-682003330-{1000 + i}",),
            "sAMAccountName": (login,),
            "userPrincipalName": (f"{login}@college.ca",),
            "mail": (f"{first}.{last}.{_letters(i)}@college.ca",),
            "proxyAddresses": (
                f"SMTP:{first}.{last}.{_letters(i)}@college.ca",
                f"smtp:{login}@college.ca",
            ),
            "cn": (f"{first} {last} {_letters(i)}",),
            "displayName": (f"{first} {last}",),
            "givenName": (first,),
            "sn": (last,),
            "telephoneNumber": (f"416-555-{i % 10_000:04d}",),
            "mobile": (f"647-{i % 1000:03d}-{rng.randrange(10_000):04d}",),
            "department": (f"Dept {i % 40}",),
            "title": (TITLES[i % len(TITLES)],),
            "description": (f"Account {i}",),
            "physicalDeliveryOfficeName": (f"Room {i % 500}",),
            "company": ("College",),
            "extensionAttribute1": (f"X{rng.getrandbits(32):08x}",),
            "employeeNumber": (f"E{i:07d}",),
        }
        if kind != 2:
            attrs["employeeID"] = (employee_id,)
        yield Record(
            f"CN={first} {last} {_letters(i)},OU={OUS[i % 3]},DC=college,DC=ca", attrs, OUS[i % 3]
        )


def _child(mode: str, n: int, seed: int) -> None:
    if mode == "baseline":
        count = sum(1 for _ in directory_records(n, seed)) + sum(1 for _ in sis_records(n, seed))
        print(f"  baseline: iterated {count:,} records")
        return
    from authprobe.analysis.crosscheck import SideIndex, crosscheck, shared_identifiers
    from authprobe.analysis.recommend import rank_candidates
    from authprobe.model import SourceKind

    directory = SideIndex(SourceKind.DIRECTORY)
    for record in directory_records(n, seed):
        directory.add(record)
    sis = SideIndex(SourceKind.SIS)
    for record in sis_records(n, seed):
        sis.add(record)
    shared = shared_identifiers(
        [sis], lambda name: name == "primary_id" or name.startswith("identifier:")
    )
    for found in shared:
        print(
            f"  shared identifiers: {found.records:,} records' {found.field} value in another field"
        )
    pairs = crosscheck(sis, directory, keep_unpaired=False)
    candidates = rank_candidates(pairs, {})
    for pair in pairs:
        print(
            f"  {pair.sis_field} = {pair.directory_attribute} after "
            f"{'+'.join(pair.normalisation) or 'nothing'}: {pair.matched:,} matched, "
            f"{pair.sis_multiple:,} SIS records with several entries"
        )
    best = candidates[0].correspondence if candidates else None
    if best is not None:
        print(f"  winner: {best.sis_field} = {best.directory_attribute}")


def _cpu() -> tuple[float, int]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def _run(mode: str, n: int, seed: int, quiet: bool) -> float:
    before, _ = _cpu()
    subprocess.run(
        [sys.executable, __file__, "--child", mode, "--records", str(n), "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    after, _ = _cpu()
    return after - before


def main() -> None:
    """Run the baseline and the measured pass, each in a child, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="records per side")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=1, help="interleaved runs (medians)")
    parser.add_argument("--child", choices=("baseline", "measured"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child:
        print(compile_bytecode())
    if args.child:
        _child(args.child, args.records, args.seed)
        return
    n = args.records
    print(f"{n:,} SIS records x {n:,} directory entries (6 x 20 fields)")
    baselines, measures = [], []
    for run in range(args.runs):
        baselines.append(_run("baseline", n, args.seed, quiet=run > 0))
        if not run:  # RUSAGE_CHILDREN's peak is the largest child so far: before any measured
            _, baseline_rss = _cpu()
        measures.append(_run("measured", n, args.seed, quiet=run > 0))
    _, peak = _cpu()  # RUSAGE_CHILDREN: the largest child so far, i.e. a measured one
    baseline, measured = statistics.median(baselines), statistics.median(measures)
    differences = sorted(m - b for b, m in zip(baselines, measures, strict=True))
    runs = f" (median of {args.runs}; each run's: {', '.join(f'{d:.1f}' for d in differences)})"
    print(f"baseline (generate records):          {baseline:7.1f} s CPU")
    print(f"measured (+ collect, cross-check, rank): {measured:7.1f} s CPU")
    print(
        f"cross-check cost (difference):        {measured - baseline:7.1f} s CPU (target <= 10)"
        + (runs if args.runs > 1 else "")
    )
    print(
        f"peak RSS: measured child {peak / 1024:,.0f} MB "
        f"(baseline child {baseline_rss / 1024:,.0f} MB; target < 1536)"
    )


if __name__ == "__main__":
    main()
