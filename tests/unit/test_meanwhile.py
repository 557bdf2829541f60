"""The directory's profiles frozen by a forked child (`recommend.meanwhile.Later`): the same
profiles as freezing them in this process."""

from __future__ import annotations

import os
import signal

import pytest

from authprobe.analysis.profile import SourceProfiler
from authprobe.analysis.recommend.meanwhile import Later
from authprobe.model import FieldProfile, Record, SourceKind
from authprobe.runtime import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs os.fork")


def _profiler(entries: int) -> SourceProfiler:
    profiler = SourceProfiler(SourceKind.DIRECTORY)
    for n in range(entries):
        attrs = {
            "uid": (f"user{n}",),
            "mail": (f"User{n % 97}@college.ca", f"u{n}@alumni.college.ca"),
            "employeeNumber": (f" {n:07d}",) if n % 5 else (),
        }
        profiler.add(Record(f"uid=user{n},ou=people", attrs, None))
    return profiler


def test_a_child_freezes_the_same_profiles() -> None:
    """Forked (at any size) or not: field for field the profiles `result()` makes."""
    profiler = _profiler(3_000)
    later = Later(profiler, min_values=0)
    assert later.forked
    assert later.result() == profiler.result()


def test_small_profiles_are_frozen_here() -> None:
    """Below the threshold no child is forked; the profiles are the same."""
    profiler = _profiler(50)
    later = Later(profiler)
    assert not later.forked
    assert later.result() == profiler.result()


def test_a_child_that_dies_leaves_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child dies before it sends anything (as if killed): this process freezes the
    profiles, the same ones."""
    profiler = _profiler(2_000)
    expected = profiler.result()
    parent = os.getpid()
    frozen_here: list[bool] = []
    original = SourceProfiler.result

    def result(self: SourceProfiler, **kwargs: bool) -> list[FieldProfile]:
        if os.getpid() != parent:  # the child
            os.kill(os.getpid(), signal.SIGKILL)
        frozen_here.append(True)
        return original(self)

    monkeypatch.setattr(SourceProfiler, "result", result)
    later = Later(profiler, min_values=0)
    assert later.forked
    assert later.result() == expected
    assert frozen_here == [True]
