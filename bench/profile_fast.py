"""Benchmark: the field profiles with the C accelerator (`analysis/_profile.c`) and without.

    .venv/bin/python bench/profile_fast.py [--records 100000] [--runs 3]

Generates directory-like records in memory (about 20 values each, 2 M values for 100,000 records:
unique identifiers, emails, uuids, leading-zero numbers, names with spaces, multi-valued
objectClass and affiliations, a few repeated titles), then times, in this process, CPU seconds
of `SourceProfiler.add` over all records and of `SourceProfiler.result()` (one process, no
fork), alternating the Python path (`profile._FAST = None`, what AUTHPROBE_PURE_PROFILE=1 gives)
and the C path, `--runs` times each. It prints the minimum of each, per value and per distinct
value, and checks that both paths give the same profiles. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import gc
import time
import uuid
from typing import Any

from authprobe.analysis import profile
from authprobe.model import FieldProfile, Record, SourceKind

FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
TITLES = ("Student", "Lecturer", "Professor", "Librarian", "Registrar")


def records(count: int) -> list[Record]:
    """`count` records of about 20 values each (deterministic)."""
    out = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST) - 3]
        attrs = {
            "objectClass": ("inetOrgPerson", "eduPerson"),
            "uid": (f"u{i:07d}",),
            "cn": (f"{first} {last}",),
            "sn": (last,),
            "givenName": (first,),
            "mail": (f"{first.lower()}.{last.lower()}{i}@college.example",),
            "employeeNumber": (f"{i:09d}",),
            "eduPersonPrincipalName": (f"u{i:07d}@College.Example",),
            "eduPersonAffiliation": ("member", "student") if i % 3 else ("member",),
            "entryUUID": (str(uuid.UUID(int=i * 7919 + 12345)),),
            "title": (TITLES[i % len(TITLES)],),
            "carLicense": (f"ON-{i:06d}",),
            "description": (f"Generated person {i} of the profile benchmark",),
            "postalCode": (f"M5S {i % 10}A{i % 7}",),
            "departmentNumber": (f"D{i % 40:02d}",),
            "employeeType": ("student" if i % 4 else "staff",),
            "mobile": (f"+1 647 555 {i % 10000:04d}",),
            "labeledURI": (f"https://college.example/~u{i:07d}",),
            "initials": (f"{first[0]}{last[0]}",),
        }
        out.append(Record(ref=str(i), attrs=attrs))
    return out


def run(items: list[Record], fast: Any) -> tuple[float, float, list[FieldProfile], int]:
    """CPU seconds of add and of result, the profiles, the distinct values."""
    profile._FAST = fast
    profiler = profile.SourceProfiler(SourceKind.DIRECTORY)
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        for record in items:
            profiler.add(record)
        added = time.process_time()
        result = profiler.result()
        frozen = time.process_time()
    finally:
        gc.enable()
    distinct = sum(len(f.counts) for f in profiler.fields.values())
    return added - started, frozen - added, result, distinct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fast = profile._FAST
    if fast is None:
        print(
            "The C accelerator is not built (or AUTHPROBE_PURE_PROFILE is set): nothing to compare."
        )
        return 1
    items = records(args.records)
    values = sum(len(v) for r in items for v in r.attrs.values())
    times: dict[str, list[tuple[float, float]]] = {"python": [], "C": []}
    results = {}
    distinct = 0
    for _ in range(args.runs):
        for name, module in (("python", None), ("C", fast)):
            add, freeze, results[name], distinct = run(items, module)
            times[name].append((add, freeze))
    profile._FAST = fast
    print(f"{args.records:,} records, {values:,} values, {distinct:,} distinct values")
    print(f"CPU seconds, the least of {args.runs} runs:")
    for name, pairs in times.items():
        add = min(p[0] for p in pairs)
        freeze = min(p[1] for p in pairs)
        print(
            f"{name:>6}: add {add:.3f} s ({add / values * 1e9:.0f} ns/value), "
            f"result {freeze:.3f} s ({freeze / distinct * 1e9:.0f} ns/distinct value)"
        )
    same = results["python"] == results["C"]
    print("same profiles:", same)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
