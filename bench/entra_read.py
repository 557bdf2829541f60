"""Benchmark: reading a Microsoft Entra ID export of N users, time and peak memory.

    .venv/bin/python bench/entra_read.py [--users 1000000] [--shape array|pages]

Writes one Graph-like JSON file of N users (`array`: one JSON array, as `Get-MgUser -All |
ConvertTo-Json` writes it; `pages`: Graph pages of 999 users one after another), each user with
the properties a `$select` for authprobe asks for (~560 bytes), then runs, each in a fresh child
process, and prints wall seconds and peak RSS:

1. the floor: `json.load` of the whole file and a loop over the users (what a reader that does
   not stream costs; only for `array`, where it is one document);
2. authprobe's reader: `EntraExport.records()` consumed, nothing else;
3. `authprobe ldap scan FILE --format json`: reading and profiling every attribute.

Memory of (2) must not grow with N: it holds one chunk of text and one user.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,mail)"


def _user(n: int) -> str:
    guid = uuid.UUID(int=n * 2654435761 % (1 << 128))
    immutable = base64.b64encode(guid.bytes_le).decode()
    kind = ("Student", "Staff", "Faculty")[n % 3]
    return (
        f'{{"id":"{uuid.UUID(int=n + 1)}","userPrincipalName":"u{n}@college.example",'
        f'"mail":"first.last{n}@college.example","displayName":"First Last {n}",'
        f'"employeeId":"{n:09d}","employeeType":"{kind}",'
        f'"accountEnabled":{str(n % 50 != 0).lower()},'
        f'"userType":"{"Guest" if n % 97 == 0 else "Member"}",'
        f'"proxyAddresses":["SMTP:first.last{n}@college.example","smtp:u{n}@college.example"],'
        f'"onPremisesSamAccountName":"u{n}","onPremisesImmutableId":"{immutable}",'
        f'"onPremisesExtensionAttributes":{{"extensionAttribute1":"X{n}",'
        f'"extensionAttribute2":null,"extensionAttribute3":null}}}}'
    )


def write(path: Path, users: int, shape: str) -> None:
    """The export, written a block at a time: the parent stays small, so the peak RSS of each
    child (which Linux carries over from the fork) is the child's own."""
    block = 999
    with path.open("w", encoding="utf-8") as out:
        if shape == "array":
            out.write("[\n")
        for start in range(0, users, block):
            end = min(start + block, users)
            text = ",\n".join(_user(n) for n in range(start, end))
            if shape == "array":
                out.write(text + (",\n" if end < users else "\n]\n"))
                continue
            link = (
                f',"@odata.nextLink":"https://graph/users?$skiptoken={end}"' if end < users else ""
            )
            out.write(f'{{"@odata.context":"{CONTEXT}"{link},"value":[{text}]}}\n')


FLOOR = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    users = json.load(f)
print(sum(1 for u in users if u.get("id")))
"""
READER = """
import sys
from authprobe.sources.directory_files.saved import open_directory
source = open_directory(sys.argv[1])
print(sum(1 for _ in source.records()))
"""


def run(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of this child alone (os.wait4), and its last output line."""
    started = time.monotonic()
    child = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    )
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        raise SystemExit(f"{argv[:4]} exited {child.returncode}")
    lines = out.strip().splitlines()
    return wall, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def main() -> None:
    """Write the export and time the three readers, one child process each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--shape", choices=("array", "pages"), default="array")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="authprobe-entra-bench-") as folder:
        path = Path(folder) / "users.json"
        write(path, args.users, args.shape)
        size = path.stat().st_size / (1 << 20)
        print(f"{args.users:,} users, {args.shape}, {size:,.0f} MiB")
        scan_options = ["--format", "json", "-o", str(Path(folder) / "scan.json")]
        runs = [
            ("authprobe records()", [python, "-c", READER, str(path)]),
            ("ldap scan", [python, "-m", "authprobe", "ldap", "scan", str(path), *scan_options]),
        ]
        if args.shape == "array":
            runs.append(("json.load (floor)", [python, "-c", FLOOR, str(path)]))
        for name, argv in runs:
            wall, peak, out = run(argv)
            print(f"{name:20} wall {wall:7.2f} s   peak RSS {peak:8.1f} MiB   {out}")


if __name__ == "__main__":
    main()
