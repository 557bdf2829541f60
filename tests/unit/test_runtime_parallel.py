"""runtime.parallel: work shared with a forked child, read plans, and the paused collector."""

from __future__ import annotations

import base64
import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from authprobe import runtime
from authprobe.analysis.profile import SourceProfiler
from authprobe.errors import InputError
from authprobe.model import Record, SourceKind
from authprobe.sources.directory_files.ldif import LdifFile
from authprobe.sources.sis import extract
from authprobe.sources.sis.extract import SisExtract
from tests.unit.test_sis_factory import User, write_users

needs_fork = pytest.mark.skipif(not runtime.can_fork(), reason="needs os.fork")


@dataclass(frozen=True)
class Point:
    """Something marshal cannot serialise (the batch is pickled instead)."""

    x: int


def test_paused_gc_restores_the_collector_as_it_was() -> None:
    """On stays on afterwards, off stays off, also when the block raises."""
    assert gc.isenabled()
    with runtime.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), runtime.paused_gc():
        raise KeyError("x")
    assert gc.isenabled()
    gc.disable()
    try:
        with runtime.paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


@needs_fork
def test_batches_come_back_in_order_with_the_finish_result() -> None:
    """Marshalled and pickled batches arrive in their order, then what finish() returned."""
    batches = [[("a", {"k": ("v",)}, None, {})], [Point(1), Point(2)], [], [3, "x"]]
    child: runtime.ForkedBatches[Any, dict[str, int]] = runtime.ForkedBatches(
        lambda: iter(batches), lambda: {"done": len(batches)}, doing="testing"
    )
    assert child.pid > 0
    assert list(child) == batches
    assert child.result == {"done": 4}
    assert child.pid == 0  # reaped


@needs_fork
def test_an_error_in_the_child_comes_after_its_batches_with_its_details() -> None:
    """The child's InputError is raised here after the batches sent before it, same fields."""

    def produce() -> Iterator[list[int]]:
        yield [1]
        yield [2]
        raise InputError("test-broken", "Broken input.", location="x.xml:3", hint="Fix it.")

    child: runtime.ForkedBatches[int, None] = runtime.ForkedBatches(
        produce, lambda: None, doing="testing"
    )
    seen: list[list[int]] = []
    with pytest.raises(InputError) as info:
        seen.extend(child)
    assert seen == [[1], [2]]
    error = info.value
    assert (error.reference, error.message, error.location, error.hint) == (
        "test-broken",
        "Broken input.",
        "x.xml:3",
        "Fix it.",
    )
    with pytest.raises(runtime.ChildFailed):
        _ = child.result  # no result after an error


@needs_fork
def test_a_child_that_dies_is_a_child_failure() -> None:
    """A child that exits without a word is `ChildFailed`, naming what it was doing."""

    def produce() -> Iterator[list[int]]:
        yield [1]
        os._exit(3)

    child: runtime.ForkedBatches[int, None] = runtime.ForkedBatches(
        produce, lambda: None, doing="testing the test"
    )
    with pytest.raises(runtime.ChildFailed, match="testing the test stopped unexpectedly"):
        list(child)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "extract"
    folder.mkdir()
    for part in range(2):
        users = [
            User(f"p{part}-{i}", user_group="STAFF", first_name=f"F{i}", last_name="L")
            for i in range(30)
        ]
        write_users(folder / f"part{part}.xml", users)
    return folder


@needs_fork
def test_the_child_passes_only_the_info_keys_of_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records read by the child keep only the plan's `info` keys; attrs are untouched."""
    folder = _folder(tmp_path)
    monkeypatch.setattr(extract, "split_point", lambda sizes, min_bytes: 0)  # all in the child
    plan = runtime.ReadPlan(parallel=True, info_keys=frozenset({"user_group"}))
    shared = list(SisExtract([folder], plan=plan, parallel_min_bytes=0).records())
    alone = list(SisExtract([folder]).records())
    assert len(shared) == len(alone) == 60
    assert all(set(record.info) == {"user_group"} for record in shared)
    assert {"first_name", "last_name", "user_group"} <= set(alone[0].info)
    assert [(r.ref, r.attrs, r.population) for r in shared] == [
        (r.ref, r.attrs, r.population) for r in alone
    ]


class _NoChild:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("no child may be forked where fork is missing")


def test_without_fork_the_reader_and_profiler_work_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where os.fork is missing, a parallel plan and parallel freezing run in this process."""
    folder = _folder(tmp_path)
    expected = [(r.ref, r.attrs, r.info) for r in SisExtract([folder]).records()]
    monkeypatch.setattr(runtime, "can_fork", lambda: False)
    monkeypatch.setattr(runtime, "ForkedBatches", _NoChild)
    plan = runtime.ReadPlan(parallel=True, info_keys=frozenset())
    records = list(SisExtract([folder], plan=plan, parallel_min_bytes=0).records())
    assert [(r.ref, r.attrs, r.info) for r in records] == expected
    profiler = SourceProfiler(SourceKind.SIS)
    for record in records:
        profiler.add(record)
    alone = profiler.result()
    assert profiler.result(parallel=True, min_values=0) == alone


@needs_fork
def test_a_profiler_child_that_fails_leaves_the_freezing_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the freezing child cannot be forked, the profiles are frozen here, the same."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("fork refused")

    profiler = SourceProfiler(SourceKind.DIRECTORY)
    for i in range(50):
        profiler.add(Record(str(i), {"uid": (f"u{i}",), "cn": (f"C{i % 5}",)}, None))
    expected = profiler.result()
    monkeypatch.setattr(runtime, "ForkedBatches", refuse)
    assert profiler.result(parallel=True, min_values=0) == expected


def _ldif_export(people: int) -> str:
    """An LDIF export with people (every 7th disabled), a group, a password, a URL value."""
    lines = ["version: 1", ""]
    for n in range(people):
        control = "514" if n % 7 == 0 else "512"
        lines += [
            f"dn: uid=u{n},ou={'Staff' if n % 2 else 'Students'},dc=c",
            "objectClass: user",
            f"uid: u{n}",
            f"mail:: {base64.b64encode(f'u{n}@c'.encode()).decode()}",
            f"userAccountControl: {control}",
            "userPassword: secret",
            "jpegPhoto:< file:///photo.jpg",
            "",
        ]
        if n % 50 == 0:
            lines += [f"dn: cn=g{n},dc=c", "objectClass: groupOfNames", ""]
    return "\n".join(lines) + "\n"


@needs_fork
@pytest.mark.parametrize("exclude", [False, True])
def test_ldif_read_by_a_child_equals_one_process(tmp_path: Path, exclude: bool) -> None:
    """An LDIF export read by a forked child gives the same records, in the same order, with
    the same skipped counts, examples and disabled count as one process."""
    path = tmp_path / "people.ldif"
    path.write_text(_ldif_export(5000), encoding="utf-8")
    alone = LdifFile(path, exclude_disabled=exclude)
    shared = LdifFile(
        path,
        exclude_disabled=exclude,
        plan=runtime.ReadPlan(parallel=True),
        parallel_min_bytes=0,
    )
    expected = list(alone.records())
    assert list(shared.records()) == expected
    assert len(expected) == 5000 - (715 if exclude else 0)  # 715 of 5,000 are disabled
    assert shared.stats == alone.stats
    assert shared.disabled == alone.disabled == 715
    assert shared.summary() == alone.summary()


@needs_fork
def test_ldif_child_error_raised_here_after_its_records(tmp_path: Path) -> None:
    """A malformed line the child meets is raised here, with its location, after the records
    before it."""
    path = tmp_path / "people.ldif"
    path.write_text(_ldif_export(3000) + "dn: uid=x,dc=c\nno colon\n", encoding="utf-8")
    shared = LdifFile(path, plan=runtime.ReadPlan(parallel=True), parallel_min_bytes=0)
    seen: list[Record] = []
    with pytest.raises(InputError) as caught:
        seen.extend(shared.records())
    assert len(seen) == 3000
    assert caught.value.reference == "ldif-malformed"
    assert caught.value.location == f"{path}:{3000 * 8 + 60 * 3 + 2 + 2}"
