"""Bounded input: devices, FIFOs and unreadable files refused before a byte is read, gzip bombs,
huge LDIF values, zips of many members and memory that grows with the statistics, not the rows.

The resource cases run the real command in a child process under a memory limit
(`RLIMIT_AS`) and a time limit (`timeout=`): a reader that holds a whole hostile input in memory
dies of MemoryError (exit 70), one that blocks or spins is killed by the timeout; a bounded one
exits 4 with a message naming the file and the limit.
"""

from __future__ import annotations

import base64
import gc
import gzip
import json
import os
import shutil
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from authprobe.analysis.lint.sis_lint import SisLint
from authprobe.cli.app import main
from authprobe.model import Record
from tests.bounded_run import refused, run, small_college
from tests.helpers import write_ldif, write_sis

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"


@pytest.fixture(name="college")
def _college(tmp_path: Path) -> tuple[Path, Path]:
    """A directory export and an SIS extract that join on employeeNumber (20 people)."""
    return small_college(tmp_path)


# -- B2: character devices, FIFOs and the like are refused before a byte is read ------------


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, Path]:
    """A symbolic link to /dev/zero and a FIFO nobody writes to."""
    zero = tmp_path / "login.xml"
    zero.symlink_to("/dev/zero")
    fifo = tmp_path / "fifo.xml"
    os.mkfifo(fifo)
    return {"zero": zero, "fifo": fifo}


SPECIAL_CASES = [
    ("saml decode of a link to /dev/zero", ["saml", "decode", "{zero}"], "character device"),
    ("saml metadata of a FIFO", ["saml", "metadata", "{fifo}"], "named pipe (FIFO)"),
    ("saml decode --cert /dev/zero", ["saml", "decode", "{dir}/s.xml", "--cert", "/dev/zero"],
     "character device"),
    ("ldap scan /dev/zero", ["ldap", "scan", "/dev/zero"], "character device"),
    ("ldap scan of a FIFO", ["ldap", "scan", "{fifo}"], "named pipe (FIFO)"),
    ("--password-file /dev/zero",
     ["ldap", "probe", "ldap://127.0.0.1:9", "-u", "cn=x", "--password-file", "/dev/zero"],
     "character device"),
    ("sis scan /dev/zero", ["sis", "scan", "/dev/zero"], "character device"),
    ("sis scan of a FIFO", ["sis", "scan", "{fifo}"], "named pipe (FIFO)"),
    ("sis scan --xsd /dev/zero", ["sis", "scan", "{dir}/s.xml", "--xsd", "/dev/zero"],
     "character device"),
    ("recommend --config /dev/zero", ["recommend", "-c", "/dev/zero"], "character device"),
    ("recommend --previous of a FIFO",
     ["recommend", "-d", "{dir}/d.ldif", "-s", "{dir}/s.xml", "--previous", "{fifo}"],
     "named pipe (FIFO)"),
    ("recommend --sis of a FIFO", ["recommend", "-d", "{dir}/d.ldif", "-s", "{fifo}"],
     "named pipe (FIFO)"),
    ("oidc decode of a FIFO", ["oidc", "decode", "{fifo}"], "named pipe (FIFO)"),
    ("oidc discover of a FIFO", ["oidc", "discover", "{fifo}"], "named pipe (FIFO)"),
    ("cas decode of a FIFO", ["cas", "decode", "{fifo}"], "named pipe (FIFO)"),
    ("alma scan of a FIFO", ["alma", "scan", "{fifo}"], "named pipe (FIFO)"),
    ("recommend --alma-users /dev/zero",
     ["recommend", "-d", "{dir}/d.ldif", "-s", "{dir}/s.xml", "--alma-users", "/dev/zero"],
     "character device"),
    ("recommend --cas-response of a FIFO",
     ["recommend", "-d", "{dir}/d.ldif", "-s", "{dir}/s.xml", "--cas-response", "{fifo}"],
     "named pipe (FIFO)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "kind"), [case[1:] for case in SPECIAL_CASES], ids=[c[0] for c in SPECIAL_CASES]
)
def test_devices_and_fifos_are_refused(
    college: tuple[Path, Path], specials: dict[str, Path], args: list[str], kind: str
) -> None:
    """Every file input accepts regular files only: a device or a FIFO is exit 4, named."""
    names = {"zero": specials["zero"], "fifo": specials["fifo"], "dir": college[0].parent}
    stderr = refused(run([a.format(**names) for a in args]), "input-not-a-file")
    assert kind in stderr
    assert "regular files" in stderr


def test_sis_scan_says_what_a_device_is(capsys: pytest.CaptureFixture[str]) -> None:
    """`sis scan /dev/null` names a character device; it does not say "does not exist"."""
    assert main(["sis", "scan", "/dev/null"]) == 4
    err = capsys.readouterr().err
    assert "character device" in err
    assert "does not exist" not in err


# -- B7: an unreadable file is exit 4 (not Click's usage error) -----------------------------


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A folder every user may enter (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="authprobe-bounds-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@contextmanager
def _unprivileged() -> Iterator[None]:
    """Run as `nobody` (effective uid) when we are root, for whom mode 000 means nothing."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.mark.parametrize("command", ["sis scan", "recommend"])
def test_unreadable_file_is_exit_4(
    public_dir: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file without read permission (mode 000) is exit 4 naming it, in sis scan and recommend."""
    ldif = write_ldif(public_dir / "d.ldif", [{"dn": "uid=a,ou=X,dc=c", "uid": "a"}])
    sis = write_sis(public_dir / "s.xml", [{"primary_id": "a"}])
    args = ["sis", "scan", str(sis)]
    if command == "recommend":
        args = ["recommend", "-d", str(ldif), "-s", str(sis)]
    assert main(args) in (0, 1)  # readable: it runs (and every module it needs is loaded)
    capsys.readouterr()
    sis.chmod(0)
    with _unprivileged():
        code = main(args)
    err = capsys.readouterr().err
    assert code == 4, err
    assert "error [input-unreadable]" in err
    assert str(sis) in err
    assert "Permission denied" in err


# -- B1: a gzip bomb of a saved snapshot -----------------------------------------------------


def _gzip_members(path: Path, member: bytes, count: int) -> Path:
    """A gzip file of `count` copies of one compressed member (readers inflate them all)."""
    packed = gzip.compress(member, compresslevel=9)
    with path.open("wb") as out:
        for _ in range(count):
            out.write(packed)
    return path


def test_gzip_bomb_of_one_endless_line(tmp_path: Path) -> None:
    """2 GiB of zeros in a 2 MB .jsonl.gz: exit 4 under a 1 GiB memory limit, naming file:line."""
    bomb = _gzip_members(tmp_path / "people.jsonl.gz", bytes(64 << 20), 32)
    stderr = refused(run(["ldap", "scan", str(bomb)]), "input-value-too-large")
    assert f"{bomb}:1" in stderr
    assert "256 MiB" in stderr
    assert "--max-value-size" in stderr


def test_gzip_bomb_of_many_lines(tmp_path: Path) -> None:
    """A well-formed snapshot inflating 1,000×: refused as a gzip bomb, not read to the end."""
    header = {"format": "authprobe-records", "version": 1, "source": "directory"}
    record = {"ref": "uid=x", "attrs": {"description": ["d" * (1 << 20)]}}
    bomb = tmp_path / "people.jsonl.gz"
    with bomb.open("wb") as out:
        out.write(gzip.compress(json.dumps(header).encode() + b"\n"))
        member = gzip.compress((json.dumps(record) + "\n").encode() * 16, compresslevel=9)
        for _ in range(40):  # 640 MiB of records in under 1 MB
            out.write(member)
    stderr = refused(run(["ldap", "scan", str(bomb)]), "gzip-bomb")
    assert str(bomb) in stderr
    assert "200 times" in stderr


# -- B3: one huge LDIF value -------------------------------------------------------------------


def test_ldif_with_one_300_mb_value(tmp_path: Path) -> None:
    """A 300 MB value: exit 4 at its line under a 1 GiB memory limit, naming the 64 MiB budget."""
    path = tmp_path / "people.ldif"
    with path.open("wb") as out:
        out.write(b"dn: uid=a,ou=Staff,dc=c\nobjectClass: person\nuid: a\ndescription: ")
        chunk = b"v" * (1 << 20)
        for _ in range(300):
            out.write(chunk)
        out.write(b"\n\n")
    stderr = refused(run(["ldap", "scan", str(path)]), "input-value-too-large")
    assert f"{path}:4" in stderr
    assert "64 MiB" in stderr


def test_folded_ldif_value_is_bounded_and_the_budget_can_be_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 3 MB value folded over many lines: refused at 1M, read with --max-value-size 4M."""
    value = base64.b64encode(b"\xff" * (9 << 18)).decode()  # 3 MiB of base64
    folded = "\n ".join(value[i : i + 76] for i in range(0, len(value), 76))
    path = tmp_path / "photo.ldif"
    path.write_text(
        f"dn: uid=a,ou=Staff,dc=c\nobjectClass: person\nuid: a\njpegPhoto:: {folded}\n\n"
    )
    assert main(["--max-value-size", "1M", "ldap", "scan", str(path)]) == 4
    err = capsys.readouterr().err
    assert "[input-value-too-large]" in err
    assert f"{path}:4" in err
    assert "1 MiB" in err
    assert main(["--max-value-size", "4M", "ldap", "scan", str(path), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["inputs"][0]["records"] == 1
    assert data["inputs"][0]["skipped"] == {"binary value not profiled": 1}


def test_max_input_size_bounds_a_plain_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--max-input-size refuses a larger export with the file and the limit; 2 is usage."""
    ldif = write_ldif(
        tmp_path / "d.ldif", [{"dn": f"uid=u{i},dc=c", "uid": "x" * 90} for i in range(50)]
    )
    assert main(["--max-input-size", "2K", "ldap", "scan", str(ldif)]) == 4
    err = capsys.readouterr().err
    assert "[input-too-large]" in err
    assert str(ldif) in err
    assert "2 KiB" in err
    assert main(["--max-input-size", "lots", "ldap", "scan", str(ldif)]) == 2
    assert "[size-invalid]" in capsys.readouterr().err


# -- B4: a zip of many members is read in linear time ---------------------------------------


def _zip_of(path: Path, members: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(members):
            archive.writestr(
                f"users-{i:05d}.xml",
                f"<users><user><primary_id>{i:07d}</primary_id>"
                "<user_group>STUDENT</user_group></user></users>",
            )
    return path


def test_zip_of_10000_members_is_linear_and_a_finding(tmp_path: Path) -> None:
    """10,000 one-user members: read within the time limit, and a warning (Alma takes 50)."""
    path = _zip_of(tmp_path / "sis.zip", 10_000)
    result = run(["sis", "scan", str(path), "-f", "json"], timeout=120)
    assert result.returncode == 0, result.stderr  # a warning; --fail-on defaults to error
    data = json.loads(result.stdout)
    assert data["inputs"][0]["records"] == 10_000
    assert data["inputs"][0]["files"] == 10_000
    (finding,) = [f for f in data["findings"] if f["code"] == "sis-zip-too-many-files"]
    assert (finding["severity"], finding["count"]) == ("warning", 1)
    assert finding["examples"] == [f"{path} (10,000 XML files)"]


def test_zip_of_50_members_is_no_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exactly Alma's 50 XML files per zip is fine; 51 is the finding."""
    assert main(["sis", "scan", str(_zip_of(tmp_path / "a.zip", 50)), "-f", "json"]) == 0
    codes = [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "sis-zip-too-many-files" not in codes
    assert main(["sis", "scan", str(_zip_of(tmp_path / "b.zip", 51)), "--fail-on", "warning"]) == 1
    assert "sis-zip-too-many-files" in capsys.readouterr().out


# -- B5: memory grows with the statistics, not with a copy of each row -----------------------


def _lint_growth(records: Iterator[Record]) -> int:
    """Bytes the lint holds after being fed `records` (traced allocations, net)."""
    gc.collect()
    tracemalloc.start()
    try:
        lint = SisLint(today=date(2026, 1, 1))
        before = tracemalloc.get_traced_memory()[0]
        for record in records:
            lint.add(record)
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def _csv_like(count: int, *, fresh_groups: bool) -> Iterator[Record]:
    """Rows as a CSV reader yields them: every cell a new string (or one shared user_group)."""
    shared = "STUDENT"
    for i in range(count):
        group = "".join(("STU", "DENT")) if fresh_groups else shared
        yield Record(
            f"sis.csv:{i + 2}",
            {"primary_id": (f"{i:08d}",), "email": (f"user{i}@college.ca",)},
            group,
            {"first_name": "Ann", "last_name": f"Lee{i}", "birth_date": "2001-02-03"},
        )


def test_lint_keeps_no_user_group_string_per_person() -> None:
    """The same-person table costs the same whether each row brings its own user_group string."""
    count = 50_000
    fresh = _lint_growth(_csv_like(count, fresh_groups=True))
    shared = _lint_growth(_csv_like(count, fresh_groups=False))
    assert shared > count * 100  # the statistics themselves: two identifiers, two person keys
    assert fresh - shared < count * 4  # but not a copy of the group per row (was ~56 bytes)
