"""The parallel reading of an SIS extract gives exactly what one process gives.

A `SisExtract` with a parallel read plan reads the last inputs in a forked child
(`runtime.ForkedBatches`) and passes the records back; every record (ref, attrs and their
order, population, info and its order), the reader statistics (counts, skip reasons and their
examples) and any error must be the same as reading everything in one process, wherever the
inputs are split.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from authprobe import runtime
from authprobe.errors import InputError
from authprobe.model import ReadStats, Record
from authprobe.sources.sis import extract as sis
from authprobe.sources.sis.extract import SisExtract, split_point
from tests.unit.test_sis_factory import User, users_document, write_users, write_zip

pytestmark = pytest.mark.skipif(not runtime.can_fork(), reason="needs os.fork")

TRICKY_USERS = """<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by the SIS -->
<users>
<person><primary_id>not a user</primary_id></person>
<user>
  <?sis-pi keep?>
  <primary_id>  P 1/x  </primary_id>
  <!-- a comment among the children -->
  <first_name>  Ada </first_name><middle_name/><last_name>Lovelace</last_name>
  <user_group desc="Staff">STAFF</user_group>
  <user_group></user_group>
  <shoe_size>9</shoe_size>
  <contact_info>
    <emails>
      <email preferred=" TRUE "><email_address>a@x.ca</email_address></email>
      <!-- no address -->
      <email><preferred>1</preferred><email_address>b@x.ca</email_address></email>
      <email preferred="true"><email_address>   </email_address></email>
    </emails>
    <emails><email><email_address>c@x.ca</email_address></email></emails>
  </contact_info>
  <user_identifiers>
    <!-- a comment among the identifiers -->
    <user_identifier><id_type>BARCODE</id_type><value>200</value></user_identifier>
    <user_identifier><value>only a value</value></user_identifier>
    <user_identifier><id_type>BARCODE</id_type><value/></user_identifier>
    <user_identifier><id_type> UNIV_ID </id_type><value>200</value></user_identifier>
    <user_identifier><id_type>BARCODE</id_type><value>201</value><value>202</value></user_identifier>
  </user_identifiers>
  <expiry_date>2001-01-01</expiry_date>
  <hat/>
</user>
<user/>
<user><primary_id>   </primary_id><status>ACTIVE</status></user>
<guest/>
</users>
"""

NAMESPACED = """<userRecords xmlns="urn:example">
<user><primary_id>N1</primary_id><shoe_size>9</shoe_size>
<user_identifiers><user_identifier><id_type>BARCODE</id_type><value>N1</value></user_identifier>
</user_identifiers></user>
</userRecords>
"""


def extract_folder(tmp_path: Path) -> Path:
    """Several files and zips, each with tricky users, skips and namespaces."""
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "a_tricky.xml").write_text(TRICKY_USERS, encoding="utf-8")
    write_users(
        folder / "b_plain.xml",
        [
            User(
                primary_id=f"B{n}",
                identifiers=[("BARCODE", f"29{n}"), ("NET_ID", f"b{n}")],
                emails=[(f"b{n}@x.ca", n % 2 == 0), (f"b{n}@y.ca", True)],
                birth_date="1990-01-02",
            )
            for n in range(50)
        ],
    )
    (folder / "c_namespaced.xml").write_text(NAMESPACED, encoding="utf-8")
    write_zip(
        folder / "d.zip",
        {
            "m1.xml": TRICKY_USERS,
            "m2.xml": users_document([User(primary_id="Z", identifiers=[("BARCODE", "")])]),
            "notes.txt": "not XML",
        },
    )
    return folder


def snapshot(record: Record) -> tuple[object, ...]:
    """Everything a record holds, dict orders included."""
    return (
        record.ref,
        list(record.attrs.items()),
        record.population,
        list(record.info.items()),
    )


def stats_snapshot(stats: ReadStats) -> tuple[object, ...]:
    return (
        stats.records,
        stats.files,
        list(stats.skipped.items()),
        list(stats.skipped_examples.items()),
    )


def read(paths: list[Path], *, parallel: bool) -> tuple[list[tuple[object, ...]], ReadStats]:
    extract = SisExtract(paths, plan=runtime.ReadPlan(parallel=parallel), parallel_min_bytes=0)
    records = [snapshot(r) for r in extract.records()]
    return records, extract.stats


def test_every_split_gives_the_records_and_stats_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = extract_folder(tmp_path)
    expected, expected_stats = read([folder], parallel=False)
    inputs = SisExtract([folder]).inputs()
    assert len(inputs) == 5
    assert expected_stats.skipped  # the tricky users do skip things
    assert any("unknown_elements" in dict(info) for *_, info in expected)  # type: ignore[arg-type]
    for here in range(len(inputs)):
        monkeypatch.setattr(sis, "split_point", lambda sizes, min_bytes, here=here: here)
        records, stats = read([folder], parallel=True)
        assert records == expected, f"split after {here} inputs"
        assert stats_snapshot(stats) == stats_snapshot(expected_stats)


def test_the_chosen_split_gives_the_same_records(tmp_path: Path) -> None:
    folder = extract_folder(tmp_path)
    sizes = [item.size for item in SisExtract([folder]).inputs()]
    assert split_point(sizes, 0) < len(sizes)  # a child reads part of it
    assert read([folder], parallel=True)[0] == read([folder], parallel=False)[0]


@pytest.mark.parametrize("broken", ["a_first.xml", "z_last.xml"])
def test_an_error_is_raised_after_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    """Malformed XML in this process's share or in the child's: the same error, same place."""
    folder = extract_folder(tmp_path)
    (folder / broken).write_text(TRICKY_USERS[:900], encoding="utf-8")  # truncated
    monkeypatch.setattr(sis, "split_point", lambda sizes, min_bytes: 2)

    def until_error(parallel: bool) -> tuple[list[tuple[object, ...]], InputError]:
        plan = runtime.ReadPlan(parallel=parallel)
        extract = SisExtract([folder], plan=plan, parallel_min_bytes=0)
        seen: list[tuple[object, ...]] = []

        def consume() -> None:
            seen.extend(snapshot(record) for record in extract.records())

        with pytest.raises(InputError) as info:
            consume()
        return seen, info.value

    records, error = until_error(True)
    expected_records, expected = until_error(False)
    assert records == expected_records
    assert type(error) is type(expected)
    assert (error.reference, error.message, error.location, error.hint) == (
        expected.reference,
        expected.message,
        expected.location,
        expected.hint,
    )
    assert str(error) == str(expected)


def test_stopping_early_stops_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing the records early kills and reaps the reading child (other children of the test
    process, such as servers started by fixtures, are not looked at)."""
    started: list[runtime.ForkedBatches[Any, Any]] = []

    class Watched(runtime.ForkedBatches[Any, Any]):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(runtime, "ForkedBatches", Watched)
    folder = extract_folder(tmp_path)
    plan = runtime.ReadPlan(parallel=True)
    records = SisExtract([folder], plan=plan, parallel_min_bytes=0).records()
    next(iter(records))
    assert len(started) == 1
    pid = started[0].pid
    assert pid > 0
    records.close()  # type: ignore[attr-defined]
    assert started[0].pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no child left behind


def test_small_inputs_are_read_here_and_a_large_single_one_by_the_child() -> None:
    assert split_point([10, 10], min_bytes=1000) == 2
    assert split_point([10], min_bytes=1000) == 1
    assert split_point([]) == 0
    assert split_point([10**9]) == 0  # read there, profiled and linted here, side by side


def test_split_balances_the_two_processes() -> None:
    """This process also profiles and lints everything, so it reads the smaller share.

    The splits are those measured fastest: 3 of 10 files here (bench/sis_scan.py, 1 M users:
    23.9 s, against 27.0 s for 2 and 26.9 s for 4), 1 of 2 (200k: 5.4 s, against 6.6 s for 0).
    """
    assert split_point([100] * 10, 0) == 3
    assert split_point([100] * 3, 0) == 1
    assert split_point([100] * 2, 0) == 1
    assert split_point([1, 1000], 0) == 1
    assert split_point([1000, 1], 0) == 0  # the child reads, this process analyses meanwhile


def _scan(folder: Path, *, parallel: bool) -> tuple[object, ...]:
    """`scan_extract` as `sis scan` runs it; everything it reports, and every occurrence."""
    from authprobe.analysis.lint.scan import scan_extract, scan_plan
    from authprobe.analysis.lint.sis_lint import SisLint
    from tests.unit.test_lint import ID_TYPES, TODAY

    occurrences: list[object] = []
    lint = SisLint(id_types=ID_TYPES, today=TODAY, sink=occurrences.append)
    plan = scan_plan() if parallel else None
    extract = SisExtract([folder], plan=plan, parallel_min_bytes=0)
    scan = scan_extract(extract, lint, parallel=parallel)
    return (
        scan.input,
        scan.profiles,
        scan.populations,
        scan.lint.findings,
        list(scan.lint.samples.items()),
        occurrences,
    )


def test_every_split_gives_the_scan_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child passes only the `info` the lint reads (`scan_plan`) and marshals its
    batches; profiles, populations, findings, samples and every occurrence stay the same,
    with planted problems spread over the files so that duplicates cross the split."""
    from tests.unit.test_lint import planted_users

    users, expected = planted_users()
    folder = tmp_path / "planted"
    folder.mkdir()
    for part in range(4):
        write_users(folder / f"part{part}.xml", users[part::4])
    (folder / "part4.xml").write_text(TRICKY_USERS, encoding="utf-8")
    one = _scan(folder, parallel=False)
    findings = one[3]
    assert sum(f.count for f in findings) >= sum(expected.values())  # type: ignore[attr-defined]
    for here in range(5):
        monkeypatch.setattr(sis, "split_point", lambda sizes, min_bytes, here=here: here)
        assert _scan(folder, parallel=True) == one, f"split after {here} inputs"
