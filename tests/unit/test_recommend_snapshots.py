"""Directory snapshots in `recommend`: changes counted by the immutable key, changing values
lower a candidate's stability."""

from __future__ import annotations

from pathlib import Path

from authprobe.analysis.history import Snapshot
from authprobe.analysis.recommend import Options
from authprobe.model import Record, SourceKind
from tests.helpers import ListSource, rec
from tests.helpers import recommend_report as _report


def test_snapshot_changes_are_counted_by_immutable_key() -> None:
    """12 of 50 people changed mail between snapshots, nobody changed employeeID."""

    def person(i: int, renamed: bool) -> Record:
        return Record(
            f"d{i}",
            {
                "entryUUID": (f"00000000-0000-0000-0000-{i:012d}",),
                "employeeID": (f"{i:06d}",),
                "mail": (f"new{i}@c.ca" if renamed else f"p{i}@c.ca",),
            },
        )

    snapshot = Snapshot()
    for i in range(50):
        snapshot.add(person(i, renamed=i < 12))
    previous = [person(i, renamed=False) for i in range(55)]
    history = snapshot.compare(previous, ["mail", "employeeID"])
    assert history is not None
    assert (history.key_attribute, history.compared) == ("entryUUID", 50)
    assert history.changed == {"mail": 12, "employeeID": 0}
    assert history.share("mail") == 12 / 50


def test_previous_snapshot_lowers_stability_of_changing_values(tmp_path: Path) -> None:
    """With --previous, a value that changed for many people loses to one that never did."""
    current = [
        Record(
            f"d{i}",
            {
                "entryUUID": (f"u{i}",),
                "employeeID": (f"{i:05d}",),
                "employeeNumber": (f"{i:05d}",) if i % 3 else (f"9{i:05d}",),
            },
        )
        for i in range(60)
    ]
    previous = [
        Record(
            f"d{i}",
            {"entryUUID": (f"u{i}",), "employeeID": (f"{i:05d}",), "employeeNumber": (f"{i:05d}",)},
        )
        for i in range(60)
    ]
    sis = [rec(f"s{i}", primary_id=f"{i:05d}") for i in range(60)]
    report = _report(sis, current, Options(previous=ListSource(SourceKind.DIRECTORY, previous)))
    best = report.recommendation
    assert best is not None
    assert best.correspondence.directory_attribute == "employeeID"
    stability = {c.name: c for c in best.criteria}["stability"]
    assert "0 of 60 people" in stability.explanation
