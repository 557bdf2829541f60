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
import shutil
import subprocess
import sys
import tempfile
import zipfile
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
    cases.extend(_file_cases(demo))
    cases.extend(_build_cases())
    if CORPUS.is_dir():
        cases.extend(_corpus_cases())
        cases.extend(_corpus_file_cases())
    return cases


def _file_cases(demo: list[str]) -> list[tuple[str, list[str]]]:
    """Reports written with -o, the CSVs beside them, --fail-on, an authprobe.toml, and an
    unwritable -o (`{tmp}`: the case's own empty folder, `{work}`: the prepared inputs)."""
    sis, ldif, alma = (
        str(DEMO / "sis.zip"),
        str(DEMO / "directory.ldif"),
        str(DEMO / "alma-users.zip"),
    )
    cases: list[tuple[str, list[str]]] = []
    for fmt in FORMATS:
        cases.append(
            (
                f"file-sis-scan.{fmt}",
                [
                    "sis",
                    "scan",
                    sis,
                    "-f",
                    fmt,
                    "-o",
                    f"{{tmp}}/r.{fmt}",
                    "--findings-csv",
                    "{tmp}/findings.csv",
                ],
            )
        )
        cases.append(
            (
                f"file-alma-scan.{fmt}",
                [
                    "alma",
                    "scan",
                    alma,
                    "-f",
                    fmt,
                    "-o",
                    f"{{tmp}}/r.{fmt}",
                    "--findings-csv",
                    "{tmp}/findings.csv",
                    "--show-values",
                ],
            )
        )
    for fmt in ("json", "table"):
        cases.append(
            (
                f"file-ldap-scan.{fmt}",
                [
                    "ldap",
                    "scan",
                    ldif,
                    "-f",
                    fmt,
                    "-o",
                    f"{{tmp}}/r.{fmt}",
                    "--save",
                    "{tmp}/people.jsonl.gz",
                ],
            )
        )
    for fmt in (*FORMATS, "html"):
        cases.append(
            (
                f"file-recommend.{fmt}",
                [
                    *demo,
                    "-f",
                    fmt,
                    "-o",
                    f"{{tmp}}/r.{fmt}",
                    "--exceptions-csv",
                    "{tmp}/exceptions.csv",
                    "--preflight-csv",
                    "{tmp}/preflight.csv",
                ],
            )
        )
    for level in ("error", "warning", "info", "never"):
        cases.append(
            (f"fail-on-{level}-sis-scan", ["sis", "scan", sis, "-f", "json", "--fail-on", level])
        )
        cases.append(
            (f"fail-on-{level}-ldap-scan", ["ldap", "scan", ldif, "-f", "json", "--fail-on", level])
        )
        cases.append((f"fail-on-{level}-recommend", [*demo, "-f", "json", "--fail-on", level]))
    cases.append(("config-recommend", ["recommend", "-c", "{work}/authprobe.toml"]))
    cases.append(
        (
            "config-recommend-cli-wins",
            [
                "recommend",
                "-c",
                "{work}/authprobe.toml",
                "-f",
                "json",
                "--fail-on",
                "error",
                "-o",
                "{tmp}/cli.json",
            ],
        )
    )
    cases.append(("config-recommend-bad", ["recommend", "-c", "{work}/bad.toml"]))
    for name, argv in (
        ("sis-scan", ["sis", "scan", sis, "-f", "json"]),
        ("ldap-scan", ["ldap", "scan", ldif, "-f", "json"]),
        ("ldap-scan-table", ["ldap", "scan", ldif]),
        ("recommend", [*demo, "-f", "json"]),
        ("recommend-table", demo),
        ("sis-csv", ["sis", "scan", sis, "--findings-csv", "/nonexistent/f.csv"]),
    ):
        cases.append((f"unwritable-{name}", [*argv, "-o", "/nonexistent/out"]))
    return cases


def _build_cases() -> list[tuple[str, list[str]]]:
    """`sis build` and `sis diff` of the demo college's exports (this term, next term)."""
    this, built = "{work}/this/authprobe.toml", "{work}/this/sis-built.zip"
    cases: list[tuple[str, list[str]]] = []
    for fmt in FORMATS:
        cases.append(
            (
                f"sis-build.{fmt}",
                [
                    "sis",
                    "build",
                    "-c",
                    this,
                    "-o",
                    "{tmp}/out.zip",
                    "-f",
                    fmt,
                    "--allow-partial",
                    "--findings-csv",
                    "{tmp}/findings.csv",
                ],
            )
        )
        cases.append(
            (
                f"sis-build-refused.{fmt}",
                ["sis", "build", "-c", this, "-o", "{tmp}/out.zip", "-f", fmt],
            )
        )
        cases.append(
            (
                f"sis-build-report.{fmt}",
                [
                    "sis",
                    "build",
                    "-c",
                    this,
                    "-o",
                    "{tmp}/out.zip",
                    "-f",
                    fmt,
                    "--allow-partial",
                    "--report",
                    f"{{tmp}}/r.{fmt}",
                    "--show-values",
                ],
            )
        )
        cases.append(
            (
                f"sis-diff.{fmt}",
                [
                    "sis",
                    "diff",
                    built,
                    "{work}/next/sis-built.zip",
                    "-f",
                    fmt,
                    "--crosswalk-csv",
                    "{tmp}/crosswalk.csv",
                ],
            )
        )
        cases.append(
            (
                f"sis-diff-file.{fmt}",
                [
                    "sis",
                    "diff",
                    built,
                    "{work}/next/sis-built.zip",
                    "-f",
                    fmt,
                    "-o",
                    f"{{tmp}}/r.{fmt}",
                    "--show-values",
                    "--fail-on",
                    "never",
                ],
            )
        )
    cases.append(("sis-diff-same.json", ["sis", "diff", built, built, "-f", "json"]))
    return cases


def _corpus_file_cases() -> list[tuple[str, list[str]]]:
    """Markdown and -o of the saml, oidc and cas commands; --fail-on on them."""
    cases: list[tuple[str, list[str]]] = []
    metadata = str(CORPUS / "idp-metadata" / "shibboleth_samltest_id_idp_metadata.xml")
    aggregate = str(CORPUS / "idp-metadata" / "fed_swamid_test_1.0_aggregate.xml")
    responses = sorted((CORPUS / "saml-responses").iterdir())
    response = str(next(p for p in responses if p.suffix == ".xml"))
    token = str(CORPUS / "oidc" / "rfc7515_A2_rs256.jwt")
    discovery = str(CORPUS / "oidc" / "dockyard_keycloak_openid-configuration.json")
    cas = str(CORPUS / "cas" / "apereo_spec_p3_success_custom_attributes.xml")
    commands = {
        "saml-metadata": ["saml", "metadata", metadata],
        "saml-metadata-aggregate": ["saml", "metadata", aggregate],
        "saml-decode": ["saml", "decode", response],
        "saml-decode-shown": ["saml", "decode", response, "--show-values"],
        "oidc-discover": ["oidc", "discover", discovery],
        "oidc-decode": ["oidc", "decode", token],
        "oidc-decode-shown": ["oidc", "decode", token, "--show-values"],
        "cas-decode": ["cas", "decode", cas],
        "cas-decode-shown": ["cas", "decode", cas, "--show-values"],
    }
    for name, argv in commands.items():
        for fmt in FORMATS:
            cases.append((f"corpus-{name}.{fmt}", [*argv, "-f", fmt]))
            cases.append(
                (f"corpus-file-{name}.{fmt}", [*argv, "-f", fmt, "-o", f"{{tmp}}/r.{fmt}"])
            )
        for level in ("warning", "info", "never"):
            cases.append(
                (f"corpus-fail-on-{level}-{name}", [*argv, "-f", "json", "--fail-on", level])
            )
        cases.append((f"corpus-unwritable-{name}", [*argv, "-f", "json", "-o", "/nonexistent/out"]))
        cases.append((f"corpus-format-html-{name}", [*argv, "-f", "html"]))
    return cases


def _prepare(work: Path) -> None:
    """The inputs the cases share: the demo's SIS exports of two terms, built; two configs."""
    run = [sys.executable, "-m"]
    for term, extra in (("this", []), ("next", ["--next-term"])):
        subprocess.run(
            [*run, "authprobe.demo.sis_csv", "--write", str(work / term), *extra],
            check=True,
            cwd=ROOT,
        )
        subprocess.run(
            [
                *run,
                "authprobe",
                "sis",
                "build",
                "-c",
                str(work / term / "authprobe.toml"),
                "--allow-partial",
                "--fail-on",
                "never",
                "-f",
                "json",
            ],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
    here = "cases/config-recommend"  # the case's folder: what it writes is recorded
    (work / "authprobe.toml").write_text(
        f'[directory]\nsource = "{DEMO / "directory.ldif"}"\n'
        f'[sis]\npaths = ["{DEMO / "sis.zip"}"]\n'
        f'[alma]\nusers = ["{DEMO / "alma-users.zip"}"]\n'
        '[report]\nformat = "md"\nfail_on = "warning"\nshow_values = true\n'
        f'output = "{here}/report.md"\nexceptions_csv = "{here}/exceptions.csv"\n',
        encoding="utf-8",
    )
    (work / "bad.toml").write_text('[report]\nformat = "pdf"\n', encoding="utf-8")


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
    work = Path(tempfile.mkdtemp(prefix="compare-"))
    _prepare(work)
    for index, (name, argv) in enumerate(cases, 1):
        tmp = work / "cases" / name
        tmp.mkdir(parents=True)
        argv = [a.replace("{tmp}", str(tmp)).replace("{work}", str(work)) for a in argv]
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
        if any(tmp.iterdir()):
            files = SCAN_TIME.sub("<elapsed>", normalise(_files(tmp)))
            (folder / f"{name}.files").write_text(files, encoding="utf-8")
        print(f"[{index}/{len(cases)}] {name}: exit {done.returncode}", file=sys.stderr)
    (folder / "cases.json").write_text(json.dumps([n for n, _ in cases], indent=1), "utf-8")
    shutil.rmtree(work)
    return 0


def _files(folder: Path) -> str:
    """What a case wrote into its folder: each file's name and text (a zip: each member's)."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        parts.append(f"=== {path.relative_to(folder)} ({oct(path.stat().st_mode & 0o777)})\n")
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    parts.append(f"--- {member}\n{archive.read(member).decode('utf-8')}\n")
        elif path.name.endswith(".gz"):
            import gzip

            parts.append(gzip.decompress(path.read_bytes()).decode("utf-8"))
        else:
            parts.append(path.read_text("utf-8"))
    return "".join(parts)


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
