"""Benchmark: `authprobe recommend` end to end, against the cost of reading its input files.

    .venv/bin/python bench/recommend_e2e.py [--people 100000,1000000] [--runs 3] [--keep DIR]
                                            [--reuse] [--only recommend,ldap,sis,sis-files,csv]

For each size of `--people` (default: a 100,000-person college, then a 1,000,000-person
consortium), generates a college like the other benchmarks' data: an LDIF export of
inetOrgPerson + eduPerson entries (about 1.2 KB each, tests/integration/slapd.py's generator),
the SIS extract as one Alma user XML file (about 1.7 KB per user, bench/sis_scan.py's) and the
same users split into 20 XML files, and the same two as CSV exports (a directory CSV with DN,
uid, mail, employeeNumber, ...; an SIS CSV with primary_id, BARCODE, NET_ID, email,
user_group). The SIS primary_id is the directory's employeeNumber, so the answer is known.

Then runs, interleaved `--runs` times, each in a fresh process, and prints the medians of wall
time, CPU seconds (user + system, children included) and peak memory, and the ratios:

- floor: `xmllint --stream --noout` on the SIS XML, plus a plain Python split of the LDIF into
  entries and attribute lines (the cost of reading the files, issue 16);
- `recommend -d people.ldif -s users.xml --format json` against that floor (target <= 3x);
- `ldap scan people.ldif` against the plain split alone (target <= 2x);
- `sis scan users.xml` against `xmllint --stream` (target <= 2x);
- `sis scan` of the folder of 20 files against `xmllint --stream` of the 20 files (target <= 2x);
- `recommend -d people.csv -s users.csv --map ...` against a plain `csv.reader` pass over both.

Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import compile_bytecode  # noqa: E402 - the repository on sys.path
from bench.sis_scan import FIRST, GROUPS, LAST, USER  # noqa: E402 - the repository on sys.path
from tests.integration.slapd import generate_people, person_ldif  # noqa: E402

BASE = "dc=example,dc=org"
FILES = 20
"""The many-files SIS extract: the same users in this many XML files."""
AUTHPROBE = [sys.executable, "-m", "authprobe"]
SPLIT_LDIF = """
import sys
entries = attributes = 0
with open(sys.argv[1], encoding="utf-8") as ldif:
    for line in ldif:
        if line == "\\n":
            entries += 1
        elif line[0] not in " #":
            name, _, value = line.partition(":")
            attributes += 1
print(entries, attributes)
"""
READ_CSV = """
import csv, sys
rows = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", newline="") as table:
        for row in csv.reader(table):
            rows += 1
print(rows)
"""
SIS_MAP = [
    "--map", "primary_id=primary_id", "--map", "identifier:BARCODE=barcode",
    "--map", "identifier:NET_ID=netid", "--map", "email=email", "--map", "user_group=group",
]  # fmt: skip


def generate(folder: Path, people: int, seed: int = 7) -> None:
    """people.ldif, sis/users.xml (one file), people.csv and users.csv."""
    rng = random.Random(seed)
    (folder / "sis").mkdir(parents=True)
    with (
        (folder / "people.ldif").open("w", encoding="utf-8") as ldif,
        (folder / "people.csv").open("w", encoding="utf-8") as dcsv,
    ):
        ldif.write("version: 1\n\n")
        dcsv.write("DN,uid,cn,sn,givenName,mail,employeeNumber,eduPersonPrincipalName\n")
        for person in generate_people(people, seed=seed):
            ldif.write(person_ldif(person, BASE, extra=True) + "\n")
            dcsv.write(
                f'"uid={person.uid},ou={person.ou},{BASE}",{person.uid},'
                f'"{person.given} {person.sn}",{person.sn},{person.given},{person.mail},'
                f"{person.employee_number},{person.uid}@college.example\n"
            )
    with (
        (folder / "sis" / "users.xml").open("w", encoding="utf-8") as xml,
        (folder / "users.csv").open("w", encoding="utf-8") as scsv,
    ):
        xml.write('<?xml version="1.0" encoding="UTF-8"?>\n<users>\n')
        scsv.write("primary_id,barcode,netid,email,group\n")
        for n in range(people):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            login = f"{first[0].lower()}{last.lower()}{n}"
            group = rng.choice(GROUPS)
            xml.write(
                USER.format(
                    primary=f"{n:09d}",
                    first=first,
                    last=last,
                    group=group,
                    birth=f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    expiry=f"20{rng.randint(24, 31)}-09-01Z",
                    street=rng.randint(1, 999),
                    login=login,
                    phone=f"{rng.randint(0, 9999):04d}",
                    barcode=f"{n:013d}",
                )
            )
            scsv.write(f"{n:09d},2{n:013d},{login},{login}@college.ca,{group}\n")
        xml.write("</users>\n")
    split_files(folder / "sis" / "users.xml", folder / "sis-files", people)


def split_files(xml: Path, folder: Path, people: int, files: int = FILES) -> None:
    """The same users as `xml`, in `files` Alma user XML files of about equal size."""
    folder.mkdir()
    per_file = -(-people // files)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<users>\n'
    out = None
    count = number = 0
    with xml.open(encoding="utf-8") as source:
        for line in source:
            if line.startswith(("<?xml", "<users>", "</users>")):
                continue
            if out is None:
                number += 1
                out = (folder / f"users-{number:02d}.xml").open("w", encoding="utf-8")
                out.write(head)
            out.write(line)
            if line.startswith("</user>"):
                count += 1
                if count % per_file == 0:
                    out.write("</users>\n")
                    out.close()
                    out = None
    if out is not None:
        out.write("</users>\n")
        out.close()


def timed(argv: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one child process run to completion."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        assert process.stderr is not None
        raise SystemExit(f"{argv[:4]} exit {code}: {process.stderr.read().decode()[-1500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _sum(*runs: tuple[float, float, float]) -> tuple[float, float, float]:
    return sum(r[0] for r in runs), sum(r[1] for r in runs), max(r[2] for r in runs)


def cases(folder: Path) -> dict[str, Callable[[], tuple[float, float, float]]]:
    """Every measured command (a floor is the sum of the commands that read the files)."""
    ldif, xml = folder / "people.ldif", folder / "sis" / "users.xml"
    dcsv, scsv = folder / "people.csv", folder / "users.csv"
    python = [sys.executable, "-c"]

    def split() -> tuple[float, float, float]:
        return timed([*python, SPLIT_LDIF, str(ldif)])

    def stream() -> tuple[float, float, float]:
        return timed(["xmllint", "--stream", "--noout", str(xml)])

    many = sorted(str(p) for p in (folder / "sis-files").glob("*.xml"))

    return {
        "floor: xmllint --stream + LDIF split": lambda: _sum(stream(), split()),
        "recommend (LDIF + XML)": lambda: timed(
            [*AUTHPROBE, "recommend", "-d", str(ldif), "-s", str(xml), "-f", "json"]
        ),
        "floor: LDIF split": split,
        "ldap scan people.ldif": lambda: timed(
            [*AUTHPROBE, "ldap", "scan", str(ldif), "-f", "json"]
        ),
        "floor: xmllint --stream": stream,
        "sis scan users.xml": lambda: timed([*AUTHPROBE, "sis", "scan", str(xml), "-f", "json"]),
        f"floor: xmllint --stream, {FILES} files": lambda: timed(
            ["xmllint", "--stream", "--noout", *many]
        ),
        f"sis scan sis-files/ ({FILES} files)": lambda: timed(
            [*AUTHPROBE, "sis", "scan", str(folder / "sis-files"), "-f", "json"]
        ),
        "floor: csv.reader of both": lambda: timed([*python, READ_CSV, str(dcsv), str(scsv)]),
        "recommend (CSV + CSV)": lambda: timed(
            [*AUTHPROBE, "recommend", "-d", str(dcsv), "-s", str(scsv), *SIS_MAP, "-f", "json"]
        ),
    }


PAIRS = {
    "recommend": ("recommend (LDIF + XML)", "floor: xmllint --stream + LDIF split", 3.0),
    "ldap": ("ldap scan people.ldif", "floor: LDIF split", 2.0),
    "sis": ("sis scan users.xml", "floor: xmllint --stream", 2.0),
    "sis-files": (
        f"sis scan sis-files/ ({FILES} files)",
        f"floor: xmllint --stream, {FILES} files",
        2.0,
    ),
    "csv": ("recommend (CSV + CSV)", "floor: csv.reader of both", 3.0),
}


def measure(folder: Path, people: int, chosen: list[tuple[str, str, float]], runs: int) -> None:
    """Run the chosen pairs `runs` times, interleaved, and print medians and ratios."""
    commands = cases(folder)
    names = list(dict.fromkeys(n for pair in chosen for n in pair[:2]))
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    print(f"{people:,} people; load average before: {os.getloadavg()[0]:.2f}")
    for _ in range(runs):
        for name in names:
            results[name].append(commands[name]())
    medians = {
        name: tuple(statistics.median(r[i] for r in runs) for i in range(3))
        for name, runs in results.items()
    }
    print(f"{'command':<44}{'wall s':>9}{'CPU s':>9}{'peak MB':>9}")
    for name in names:
        wall, cpu, peak = medians[name]
        print(f"{name:<44}{wall:>9.2f}{cpu:>9.2f}{peak:>9.0f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    for ours, floor, target in chosen:
        wall = medians[ours][0] / medians[floor][0]
        cpu = medians[ours][1] / medians[floor][1]
        print(f"{ours}: {wall:.2f}x the floor's wall time ({cpu:.2f}x CPU); target <= {target}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into DIR/<people> and keep it")
    parser.add_argument("--reuse", action="store_true", help="reuse the data in --keep DIR")
    parser.add_argument(
        "--only", default=",".join(PAIRS), help="comma-separated: " + ",".join(PAIRS)
    )
    args = parser.parse_args()
    print(compile_bytecode())
    if shutil.which("xmllint") is None:
        raise SystemExit("xmllint is not installed (Debian package libxml2-utils)")
    chosen = [PAIRS[name] for name in args.only.split(",")]
    for people in (int(size) for size in args.people.split(",")):
        top = args.keep or Path(tempfile.mkdtemp(prefix="authprobe-e2e-"))
        folder = top / str(people)
        if not (args.reuse and (folder / "people.ldif").exists()):
            if folder.exists():
                shutil.rmtree(folder)
            started = time.perf_counter()
            generate(folder, people)
            print(f"generated {people:,} people in {time.perf_counter() - started:.0f} s")
        measure(folder, people, chosen, args.runs)
        if not args.keep:
            shutil.rmtree(top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
