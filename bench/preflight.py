"""Benchmark: what the pre-flight (`--alma-users`) adds to a `recommend` run.

    .venv/bin/python bench/preflight.py [--users 1000000] [--runs 2] [--keep DIR] [--reuse]

Generates a college of `--users` people: an SIS extract (Alma user XML, 10 files) where every
record carries primary_id and three identifier types (UNIV_ID, BARCODE, NET_ID); the same number
of users already in Alma (migrated by number, by barcode, under old cards, internal staff,
alumni) with the same types; and a directory CSV export (sAMAccountName, employeeID, mail).

Then runs, interleaved, each in a fresh process:
1. `authprobe recommend -d people.csv -s sis/ --format json` (the floor of this benchmark),
2. the same with `--alma-users alma/`,
and prints the medians of wall time, CPU seconds (user + system of the child) and peak memory,
and the differences. Target (issue 12): the pre-flight adds under 15 s CPU and under 1.5 GB.
Nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PER_FILE = 100_000
ROOT = Path(__file__).resolve().parents[1]
AUTHPROBE = [sys.executable, "-m", "authprobe"]

SIS_USER = """<user>
<record_type>PUBLIC</record_type><primary_id>{number}</primary_id>
<first_name>{first}</first_name><last_name>{last}</last_name><user_group>{group}</user_group>
<birth_date>{birth}</birth_date><expiry_date>2027-08-31Z</expiry_date>
<purge_date>2029-08-31Z</purge_date>
<contact_info><emails><email preferred="true"><email_address>{login}@college.ca</email_address>
</email></emails></contact_info>
<user_identifiers>
<user_identifier><id_type>UNIV_ID</id_type><value>U{number}</value></user_identifier>
<user_identifier><id_type>BARCODE</id_type><value>{barcode}</value></user_identifier>
<user_identifier><id_type>NET_ID</id_type><value>{login}</value></user_identifier>
</user_identifiers>
</user>
"""
ALMA_USER = """<user>
<record_type>PUBLIC</record_type><primary_id>{primary}</primary_id>
<first_name>{first}</first_name><last_name>{last}</last_name><user_group>{group}</user_group>
<account_type>{account}</account_type><birth_date>{birth}</birth_date>
<expiry_date>2027-08-31Z</expiry_date><purge_date>2029-08-31Z</purge_date>
<contact_info><emails><email preferred="true"><email_address>{mail}</email_address>
</email></emails></contact_info>
<user_identifiers>{identifiers}</user_identifiers>
</user>
"""
IDENTIFIER = "<user_identifier><id_type>{type}</id_type><value>{value}</value></user_identifier>"


def _identifiers(pairs: list[tuple[str, str]]) -> str:
    return "".join(IDENTIFIER.format(type=t, value=v) for t, v in pairs)


def generate(folder: Path, users: int, seed: int = 12) -> None:
    """The SIS extract, the Alma export and the directory CSV of `users` people."""
    rng = random.Random(seed)
    (folder / "sis").mkdir(parents=True)
    (folder / "alma").mkdir()
    numbers = rng.sample(range(10**8, 10**9), users)
    with (folder / "people.csv").open("w", encoding="utf-8") as directory:
        directory.write("DN,sAMAccountName,employeeID,mail\n")
        for start in range(0, users, PER_FILE):
            sis_lines = ["<?xml version='1.0' encoding='UTF-8'?>\n<users>\n"]
            alma_lines = ["<?xml version='1.0' encoding='UTF-8'?>\n<users>\n"]
            for i in range(start, min(users, start + PER_FILE)):
                number = str(numbers[i])
                person = {
                    "number": number,
                    "first": f"Given{i % 5000}",
                    "last": f"Family{i // 5000}",
                    "group": ("STUDENT", "STAFF", "FACULTY")[i % 3],
                    "birth": f"19{60 + i % 45}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "login": f"u{i:07d}",
                    "barcode": f"2{i:013d}",
                }
                sis_lines.append(SIS_USER.format(**person))
                alma_lines.append(_alma_user(rng, i, person))
                directory.write(
                    f'"CN=u{i:07d},OU=People,DC=college,DC=ca",u{i:07d},{number},'
                    f"u{i:07d}@college.ca\n"
                )
            sis_lines.append("</users>\n")
            alma_lines.append("</users>\n")
            name = f"users-{start // PER_FILE:03d}.xml"
            (folder / "sis" / name).write_text("".join(sis_lines), encoding="utf-8")
            (folder / "alma" / name).write_text("".join(alma_lines), encoding="utf-8")


def _alma_user(rng: random.Random, i: int, person: dict[str, str]) -> str:
    """Migrated by number (70 %), by barcode with UNIV_ID (15 %), under an old card (5 %),
    internal staff (1 %), alumni (9 %): three identifier types each, as the SIS has."""
    draw = rng.random()
    account, mail = "EXTERNAL", f"{person['login']}@college.ca"
    if draw < 0.70:
        primary = person["number"]
        pairs = [("BARCODE", person["barcode"]), ("NET_ID", person["login"])]
        pairs.append(("UNIV_ID", "U" + person["number"]))
    elif draw < 0.85:
        primary = person["barcode"]
        pairs = [("UNIV_ID", "U" + person["number"]), ("NET_ID", person["login"])]
        pairs.append(("BARCODE", f"9{i:013d}"))
    elif draw < 0.90:
        primary = f"OLD{i:09d}"
        pairs = [("BARCODE", f"8{i:013d}"), ("UNIV_ID", f"X{i}"), ("NET_ID", f"old{i}")]
        mail = f"old{i}@oldils.example"
    elif draw < 0.91:
        primary, account = person["number"], "INTERNAL"
        pairs = [("BARCODE", f"7{i:013d}"), ("UNIV_ID", f"I{i}"), ("NET_ID", f"int{i}")]
    else:
        primary = f"A{i:09d}"
        pairs = [("BARCODE", f"6{i:013d}"), ("UNIV_ID", f"AL{i}"), ("NET_ID", f"alum{i}")]
        mail = f"alum{i}@alumni.college.ca"
        person = {**person, "first": "Alum", "last": f"Ni{i}", "birth": "1950-01-01"}
    return ALMA_USER.format(
        primary=primary,
        first=person["first"],
        last=person["last"],
        group=person["group"],
        account=account,
        birth=person["birth"],
        mail=mail,
        identifiers=_identifiers(pairs),
    )


def run(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of one child process."""
    wait4 = getattr(os, "wait4", None)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    parser.add_argument("--reuse", action="store_true", help="reuse the data in --keep DIR")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="authprobe-preflight-"))
    if not (args.reuse and (folder / "people.csv").exists()):
        if folder.exists():
            shutil.rmtree(folder)
        started = time.perf_counter()
        generate(folder, args.users)
        print(f"generated {args.users:,} people in {time.perf_counter() - started:.0f} s")
    base = [*AUTHPROBE, "recommend", "-d", str(folder / "people.csv"), "-s", str(folder / "sis")]
    base += ["--format", "json"]
    with_alma = [*base, "--alma-users", str(folder / "alma")]
    results: dict[str, list[tuple[float, float, float]]] = {"without": [], "with": []}
    for _ in range(args.runs):
        results["without"].append(run(base))
        results["with"].append(run(with_alma))
    medians = {
        name: tuple(statistics.median(r[i] for r in rows) for i in range(3))
        for name, rows in results.items()
    }
    print(f"{'run':<26}{'wall s':>10}{'CPU s':>10}{'peak MB':>10}")
    for name, label in (("without", "recommend"), ("with", "recommend --alma-users")):
        wall, cpu, peak = medians[name]
        print(f"{label:<26}{wall:>10.1f}{cpu:>10.1f}{peak:>10.0f}")
    wall = medians["with"][0] - medians["without"][0]
    cpu = medians["with"][1] - medians["without"][1]
    peak = medians["with"][2] - medians["without"][2]
    print(f"{'pre-flight adds':<26}{wall:>10.1f}{cpu:>10.1f}{peak:>10.0f}")
    print(f"target: under 15 s CPU ({cpu:.1f}) and under 1,536 MB ({peak:.0f})")
    if not args.keep:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
