"""Record every command's output on the demo college and the corpus, and compare two records.

    .venv/bin/python bench/compare_outputs.py record DIR      # run the commands, keep outputs
    .venv/bin/python bench/compare_outputs.py compare A B     # byte-compare two recordings

For a restructuring or an optimisation that must not change behaviour: record before, record
after (same machine), compare. Each case stores stdout, stderr and the exit code of one
`authprobe` run, with timestamps, versions, the checkout's path, temporary folders and elapsed
times normalised. The cases cover every command's JSON, Markdown and table output on the demo
college (fixtures/demo-college) and on ../shared/corpus (SAML metadata and responses, Alma,
LDAP, OIDC, CAS, Entra files), and the error paths of bad input.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo-college"
CORPUS = ROOT.parent / "shared" / "corpus"
FORMATS = ("json", "md", "table")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")
VERSION = re.compile(r'("(?:authprobe|python)_version": )"[^"]*"')
TEMP = re.compile(r"/tmp/[\w.-]+")
ELAPSED = re.compile(r"\b\d+(?:\.\d+)? ?(?:s|ms)\b")
SCAN_TIME = re.compile(r"(?<= in )\d+(?:\.\d+)? s\b")
"""The time in `ldap scan`'s table (`4,820 person entries read from FILE in 0.4 s`)."""


def _cases() -> list[tuple[str, list[str]]]:
    """(name, argv) of every case; corpus cases only when ../shared/corpus is there."""
    demo = [
        "recommend",
        "-d",
        str(DEMO / "directory.ldif"),
        "-s",
        str(DEMO / "sis.zip"),
        "--alma-users",
        str(DEMO / "alma-users.zip"),
    ]
    cases: list[tuple[str, list[str]]] = []
    for fmt in (*FORMATS, "html"):
        cases.append((f"recommend-demo.{fmt}", [*demo, "-f", fmt]))
        cases.append((f"recommend-demo-shown.{fmt}", [*demo, "-f", fmt, "--show-values"]))
    plain = ["recommend", "-d", str(DEMO / "directory.ldif"), "-s", str(DEMO / "sis.zip")]
    cases.append(("recommend-demo-no-alma.json", [*plain, "-f", "json"]))
    for fmt in FORMATS:
        cases.append(
            (f"ldap-scan-demo.{fmt}", ["ldap", "scan", str(DEMO / "directory.ldif"), "-f", fmt])
        )
        cases.append((f"sis-scan-demo.{fmt}", ["sis", "scan", str(DEMO / "sis.zip"), "-f", fmt]))
        cases.append(
            (f"alma-scan-demo.{fmt}", ["alma", "scan", str(DEMO / "alma-users.zip"), "-f", fmt])
        )
    cases.append(("bad-missing-file", ["sis", "scan", str(DEMO / "nope.zip")]))
    cases.append(("bad-usage", ["recommend", "--format", "pdf"]))
    if CORPUS.is_dir():
        cases.extend(_corpus_cases())
    return cases


def _corpus_cases() -> list[tuple[str, list[str]]]:
    cases: list[tuple[str, list[str]]] = []
    commands = {
        "idp-metadata": ("saml", "metadata"),
        "saml-responses": ("saml", "decode"),
        "alma": ("alma", "scan"),
        "ldap": ("ldap", "scan"),
        "cas": ("cas", "decode"),
        "entra": ("ldap", "scan"),
    }
    for folder, command in commands.items():
        for path in sorted((CORPUS / folder).iterdir()):
            if path.suffix in (".pem", ".cer", ".crt", ".xsd", ".schema"):
                continue
            for fmt in ("json", "table"):
                cases.append((f"{folder}-{path.name}.{fmt}", [*command, str(path), "-f", fmt]))
    for path in sorted((CORPUS / "oidc").glob("*openid-configuration.json")):
        cases.append((f"oidc-{path.name}.json", ["oidc", "discover", str(path), "-f", "json"]))
    for path in sorted((CORPUS / "oidc").glob("*.jwt")):
        cases.append((f"oidc-{path.name}.json", ["oidc", "decode", str(path), "-f", "json"]))
    return cases


def normalise(text: str) -> str:
    """Remove what changes between runs: timestamps, versions, paths, temporary folders."""
    text = text.replace(str(ROOT), "<repo>").replace(str(CORPUS.resolve()), "<corpus>")
    text = TIMESTAMP.sub("<timestamp>", text)
    text = VERSION.sub(r'\1"<version>"', text)
    return TEMP.sub("<tmp>", text)


def record(folder: Path) -> int:
    """Run every case and store its normalised stdout, stderr and exit code."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    cases = _cases()
    for index, (name, argv) in enumerate(cases, 1):
        done = subprocess.run(
            [sys.executable, "-m", "authprobe", *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        stdout = SCAN_TIME.sub("<elapsed>", normalise(done.stdout))
        (folder / f"{name}.out").write_text(stdout, encoding="utf-8")
        stderr = ELAPSED.sub("<elapsed>", normalise(done.stderr))
        (folder / f"{name}.err").write_text(stderr, encoding="utf-8")
        (folder / f"{name}.code").write_text(f"{done.returncode}\n", encoding="utf-8")
        print(f"[{index}/{len(cases)}] {name}: exit {done.returncode}", file=sys.stderr)
    (folder / "cases.json").write_text(json.dumps([n for n, _ in cases], indent=1), "utf-8")
    return 0


def compare(first: Path, second: Path) -> int:
    """Byte-compare two recordings; print the first lines of each difference."""
    names = sorted({p.name for p in first.iterdir()} | {p.name for p in second.iterdir()})
    different = 0
    for name in names:
        a, b = first / name, second / name
        if not a.exists() or not b.exists():
            print(f"only in one recording: {name}")
            different += 1
            continue
        if a.read_bytes() != b.read_bytes():
            different += 1
            diff = difflib.unified_diff(
                a.read_text("utf-8").splitlines(keepends=True),
                b.read_text("utf-8").splitlines(keepends=True),
                str(a),
                str(b),
            )
            print("".join(list(diff)[:30]))
    print(f"{len(names)} files compared, {different} differ")
    return 1 if different else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("record").add_argument("folder", type=Path)
    both = sub.add_parser("compare")
    both.add_argument("first", type=Path)
    both.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.action == "record":
        return record(args.folder)
    return compare(args.first, args.second)


if __name__ == "__main__":
    raise SystemExit(main())
