"""An LDIF export profiled in two halves at once (`ldif_halves`, `LdifFile.profile_into`)
against one process reading it all: the same profiles, counts, skips, disabled accounts,
spellings and errors, on the C path and the Python reference."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authprobe import runtime
from authprobe.analysis.profile import SourceProfiler, profile_records
from authprobe.errors import AuthprobeError
from authprobe.model import FieldProfile, SourceKind
from authprobe.sources.directory_files import ldif_fast, ldif_halves
from authprobe.sources.directory_files.ldif import LdifFile
from tests.integration.slapd import generate_people, person_ldif
from tests.unit.test_ldif_fast import documents, pure

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "ldap"
BASE = "dc=example,dc=org"
DIRECTORY = SourceKind.DIRECTORY
PATHS = (False, True) if ldif_fast.BUILT else (True,)
"""Whether the Python reference alone reads: both paths where the C parser was built."""


@dataclass(frozen=True)
class Scan:
    """What `ldap scan` reports of a file: profiles, input summary, disabled count, error."""

    profiles: list[FieldProfile] | None
    summary: tuple[Any, ...]
    disabled: int
    examples: dict[str, list[str]]
    error: tuple[Any, ...] | None


def one_process(path: Path, **kwargs: Any) -> Scan:
    """Every record read and profiled in this process, in file order (the reference)."""
    source = LdifFile(path, **kwargs)
    try:
        profiles: list[FieldProfile] | None = profile_records(source.records(), DIRECTORY)
        error = None
    except AuthprobeError as exc:
        profiles, error = None, (type(exc), exc.reference, str(exc), exc.location, exc.hint)
    return _scan(source, profiles, error)


def halves(path: Path, **kwargs: Any) -> Scan:
    """The file profiled by `profile_into` with a parallel plan, split at any size."""
    source = LdifFile(path, plan=runtime.ReadPlan(parallel=True), parallel_min_bytes=0, **kwargs)
    profiler = SourceProfiler(DIRECTORY)
    try:
        source.profile_into(profiler, lambda: SourceProfiler(DIRECTORY))
        profiles: list[FieldProfile] | None = profiler.result()
        error = None
    except AuthprobeError as exc:
        profiles, error = None, (type(exc), exc.reference, str(exc), exc.location, exc.hint)
    return _scan(source, profiles, error)


def _scan(source: LdifFile, profiles: list[FieldProfile] | None, error: Any) -> Scan:
    if error is not None:  # the command then reports the error alone: no counts to compare
        return Scan(None, (), 0, {}, error)
    summary = source.summary()
    return Scan(
        profiles,
        (summary.records, list(summary.skipped.items()), list(summary.withheld.items())),
        source.disabled,
        dict(source.stats.skipped_examples),
        error,
    )


def split(path: Path) -> bool:
    """Whether the file has a place to cut it in two (else it is read whole)."""
    return ldif_halves.cut(path, path.stat().st_size) is not None


def people_file(path: Path, count: int, second: str = "") -> Path:
    """`count` generated people, then the LDIF text `second`, one entry per blank line."""
    text = "version: 1\n\n" + "".join(
        person_ldif(p, BASE, extra=True) + "\n" for p in generate_people(count)
    )
    path.write_text(text + second, encoding="utf-8")
    return path


@pytest.mark.parametrize("pure_python", PATHS)
def test_generated_people_profile_the_same(tmp_path: Path, pure_python: bool) -> None:
    """A generated college, cut in two: the profiles and counts of one process."""
    path = people_file(tmp_path / "people.ldif", 400)
    assert split(path)
    with pure(pure_python):
        shared, alone = halves(path), one_process(path)
    assert shared == alone
    assert shared.summary[0] == 400
    assert shared.profiles is not None
    assert shared.profiles[0].records == 400


def test_spellings_and_skips_of_the_second_half(tmp_path: Path) -> None:
    """Names spelled otherwise after the cut take the first spelling; new names keep theirs;
    skips, withheld passwords and disabled accounts of both halves add up in file order."""
    odd = (
        "dn: uid=z1,ou=Staff,dc=example,dc=org\nOBJECTCLASS: person\nMAIL: z1@x.org\n"
        "NewAttr: one\nuserPassword: secret\nuserAccountControl: 514\n\n"
        "dn: ou=Groups,dc=example,dc=org\nobjectClass: organizationalUnit\n\n"
        "dn: uid=z2,ou=Staff,dc=example,dc=org\nobjectclass: person\nnewattr: two\n"
        "photo:< file:///x.jpg\n\n"
        "dn: uid=z3,ou=Staff,dc=example,dc=org\nchangetype: delete\n\n"
    ) * 40
    path = people_file(tmp_path / "odd.ldif", 60, odd)
    assert split(path)
    for exclude in (False, True):
        shared, alone = halves(path, exclude_disabled=exclude), one_process(path)
        if exclude:
            alone = one_process(path, exclude_disabled=True)
        assert shared == alone
        assert shared.profiles is not None
        fields = [profile.field for profile in shared.profiles]
        assert "mail" in fields
        assert "MAIL" not in fields
        assert "NewAttr" in fields
        assert "newattr" not in fields
        assert shared.disabled == 40


def test_errors_in_either_half_are_those_of_one_process(tmp_path: Path) -> None:
    """A malformed line before or after the cut: the same error, at the same line number."""
    for where in ("first", "second"):
        good = "".join(person_ldif(p, BASE) + "\n" for p in generate_people(200))
        bad = "dn: uid=b,dc=x\n orphan\nno colon here\n\n"
        text = bad + good + good if where == "first" else good + good + bad
        path = tmp_path / f"bad-{where}.ldif"
        path.write_text(text, encoding="utf-8")
        assert split(path)
        for pure_python in PATHS:
            with pure(pure_python):
                shared, alone = halves(path), one_process(path)
            assert shared == alone
            assert shared.error is not None
            line = text[: text.index("no colon")].count("\n") + 1  # by construction
            assert shared.error[3] == f"{path}:{line}"


def test_budget_errors_after_the_cut_are_those_of_one_process(tmp_path: Path) -> None:
    """A value over the value budget after the cut (the C parser gives up there): the same
    error and line as one process, on both paths."""
    good = "".join(person_ldif(p, BASE) + "\n" for p in generate_people(100))
    text = good + good + "dn: uid=big,dc=x\ndescription: " + "x" * 5000 + "\n\n"
    path = tmp_path / "big.ldif"
    path.write_text(text, encoding="utf-8")
    assert split(path)
    saved = runtime.limits()
    runtime.set_limits(runtime.Limits(value_bytes=4096))
    try:
        for pure_python in PATHS:
            with pure(pure_python):
                shared, alone = halves(path), one_process(path)
            assert shared == alone
            assert shared.error is not None
            assert shared.error[1] == "input-value-too-large"
    finally:
        runtime.set_limits(saved)


def test_a_dead_child_leaves_the_second_half_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the child dies, this process reads the second half itself: the same outcome."""
    path = people_file(tmp_path / "people.ldif", 200)
    alone = one_process(path)
    real = ldif_halves._second_half

    def die_in_child(ldif: Any, sink: Any, start: int) -> Any:
        if os.getpid() != parent:
            os._exit(9)
        return real(ldif, sink, start)

    parent = os.getpid()
    monkeypatch.setattr(ldif_halves, "_second_half", die_in_child)
    assert halves(path) == alone


def test_without_fork_the_second_half_is_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the child cannot be forked, this process reads both halves: the same outcome."""
    path = people_file(tmp_path / "people.ldif", 200)
    alone = one_process(path)

    def no_fork(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no fork")

    monkeypatch.setattr(runtime, "ForkedBatches", no_fork)
    assert halves(path) == alone


def test_cut_is_after_a_blank_line_ending_an_attribute_line(tmp_path: Path) -> None:
    """The cut is just after a blank line whose line before is an attribute line; never after
    a comment or a continuation, and none when the second half has no blank line."""
    path = tmp_path / "cut.ldif"
    head = b"dn: a\ncn: x\n\n" * 10
    tail = b"# c\n\n folded\n\n" + b"dn: b\n# note\n\ncn: y\n\ndn: c\n"
    size = int(len(head) / ldif_halves.SHARE) + 1  # the search starts where the tail does
    path.write_bytes(head + tail + b"x" * (size - len(head) - len(tail)))
    assert int(path.stat().st_size * ldif_halves.SHARE) == len(head)
    middle = ldif_halves.cut(path, path.stat().st_size)
    data = path.read_bytes()
    assert middle is not None
    assert data[:middle].endswith(b"cn: y\n\n")
    path.write_bytes(b"dn: a\ncn: x\n\n" + b"x" * 200)
    assert ldif_halves.cut(path, path.stat().st_size) is None
    crlf = tmp_path / "crlf.ldif"
    crlf.write_bytes(b"dn: a\r\ncn: x\r\n\r\n" * 20)
    middle = ldif_halves.cut(crlf, crlf.stat().st_size)
    assert middle is not None
    assert crlf.read_bytes()[:middle].endswith(b"cn: x\r\n\r\n")


def test_a_file_without_a_cut_is_read_whole(tmp_path: Path) -> None:
    """No place to cut: `profile_into` reads the file as `records()` does (same outcome)."""
    path = tmp_path / "one.ldif"
    path.write_text(person_ldif(generate_people(1)[0], BASE).rstrip("\n"), encoding="utf-8")
    assert not split(path)
    assert halves(path) == one_process(path)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in CORPUS.glob("*.ld*")) if CORPUS.is_dir() else []
)
def test_corpus_files_profile_the_same(name: str) -> None:
    """Every real LDIF file of the corpus, cut in two where it can be: one process's outcome."""
    path = CORPUS / name
    assert halves(path) == one_process(path)
    assert halves(path, exclude_disabled=True) == one_process(path, exclude_disabled=True)


def test_corpus_files_are_cut() -> None:
    """Several corpus files (exports of many entries, not one-entry schemas) have a place to cut
    them (else the test above checks little)."""
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not on this machine")
    files = list(CORPUS.glob("*.ld*"))
    assert sum(split(path) for path in files) >= 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents(), pure_python=st.sampled_from(PATHS), exclude_disabled=st.booleans())
def test_hostile_documents_profile_the_same(
    tmp_path_factory: pytest.TempPathFactory,
    data: bytes,
    pure_python: bool,
    exclude_disabled: bool,
) -> None:
    """Odd and hostile LDIF (folds, comments, CR LF, base64, URLs, changetypes, secrets,
    GUID/SID, bad UTF-8, truncation), cut in two: the outcome of one process."""
    path = tmp_path_factory.mktemp("ldif") / "odd.ldif"
    path.write_bytes(data)
    with pure(pure_python):
        assert halves(path, exclude_disabled=exclude_disabled) == one_process(
            path, exclude_disabled=exclude_disabled
        )


def test_c_parser_is_used_when_built() -> None:
    """The C path is on by default when built (so the tests above compare both paths)."""
    if not ldif_fast.BUILT:
        pytest.skip("the C LDIF parser was not built")
    with pure(False):
        assert ldif_fast.enabled()
