"""Properties of the cross-check engine: it equals the pure-Python oracle, and counts add up."""

from __future__ import annotations

import random
from dataclasses import fields

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authprobe.analysis import crosscheck as engine
from authprobe.analysis.exceptions import mismatches
from authprobe.model import Correspondence, Mismatch, Record, SourceKind
from tests import reference_crosscheck as oracle

# Bases that collide after some step, decorated below with case, scope, zeros, whitespace.
_BASES = ("123", "0456", "7", "12345", "jdoe", "JDoe", "straße", "STRASSE", "İd", "i̇d", "ǅx", "")
_DECORATIONS = (
    "{}",
    "{}",
    "{}",
    " {}",
    "{}\t",
    "\x1c{}",
    "\xa0{}",
    "{}@college.ca",
    "{}@Other.CA",
    "00{}",
    "S-{}-9",
    "{}@",
    "@{}",
    "a@{}@b",
    "Ｘ{}",
    "٣{}",
)
_VALUE = st.builds(
    lambda base, decoration, upper: (
        decoration.format(base).upper() if upper else decoration.format(base)
    ),
    st.sampled_from(_BASES),
    st.sampled_from(_DECORATIONS),
    st.booleans(),
)
_VALUES = st.lists(_VALUE, min_size=0, max_size=3)
_POPULATION = st.sampled_from(["A", "B", None])
_SURNAME = st.sampled_from(["Doe", "Straße", "jd", "OE"])

SIS_FIELDS = ("primary_id", "identifier:NET_ID", "email")
DIR_FIELDS = ("uid", "mail", "employeeNumber", "sn")
ORIGINAL_FIELDS = tuple(
    f.name
    for f in fields(Correspondence)
    if f.name
    in {
        "sis_field",
        "directory_attribute",
        "normalisation",
        "matched",
        "sis_records",
        "sis_coverage",
        "directory_matched",
        "directory_records",
        "directory_coverage",
        "steps",
        "populations",
        "sis_ambiguous",
        "directory_ambiguous",
        "directory_multi_valued",
        "name_derived_share",
        "sis_duplicate_values",
        "collisions",
    }
)


@st.composite
def _records(draw: st.DrawFn, names: tuple[str, ...], prefix: str) -> list[Record]:
    count = draw(st.integers(min_value=0, max_value=25))
    records = []
    for number in range(count):
        attrs: dict[str, tuple[str, ...]] = {}
        for name in names:
            if name == "sn":
                if draw(st.booleans()):
                    attrs[name] = (draw(_SURNAME),)
                continue
            values = draw(_VALUES)
            if values or draw(st.booleans()):  # sometimes an empty tuple, sometimes no key
                attrs[name] = tuple(values)
        info = {"last_name": draw(_SURNAME)} if prefix == "s" and draw(st.booleans()) else {}
        records.append(Record(f"{prefix}{number:03d}", attrs, draw(_POPULATION), info))
    return records


def _project(pair: Correspondence) -> tuple[object, ...]:
    return tuple(getattr(pair, name) for name in ORIGINAL_FIELDS)


def _both(sis: list[Record], directory: list[Record]):  # type: ignore[no-untyped-def]
    return (
        engine.collect(sis, SourceKind.SIS),
        engine.collect(directory, SourceKind.DIRECTORY),
        oracle.collect(sis, SourceKind.SIS),
        oracle.collect(directory, SourceKind.DIRECTORY),
    )


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(_records(SIS_FIELDS, "s"), _records(DIR_FIELDS, "d"))
def test_engine_equals_the_oracle(sis: list[Record], directory: list[Record]) -> None:
    """Every pair, step, population and exception row equals the pure-Python oracle."""
    new_s, new_d, old_s, old_d = _both(sis, directory)
    assert [_project(p) for p in engine.crosscheck(new_s, new_d)] == [
        _project(p) for p in oracle.crosscheck(old_s, old_d)
    ]
    for sis_field in SIS_FIELDS:
        for attribute in DIR_FIELDS:
            if sis_field not in old_s.fields or attribute not in old_d.fields:
                continue
            new = engine.correspond(new_s, sis_field, new_d, attribute)
            old = oracle.correspond(old_s, sis_field, old_d, attribute)
            assert _project(new) == _project(old)
            assert list(mismatches(new_s, new_d, new)) == list(
                oracle.reference_mismatches(old_s, old_d, old)
            )


@SETTINGS
@given(_records(SIS_FIELDS, "s"), _records(DIR_FIELDS, "d"))
def test_counts_add_up(sis: list[Record], directory: list[Record]) -> None:
    """Per-population figures sum to the totals; ambiguity never exceeds the matches."""
    new_s, new_d, _, _ = _both(sis, directory)
    for pair in engine.crosscheck(new_s, new_d):
        by_source = {kind: [p for p in pair.populations if p.source is kind] for kind in SourceKind}
        assert sum(p.records for p in by_source[SourceKind.SIS]) == pair.sis_records == len(sis)
        assert sum(p.matched for p in by_source[SourceKind.SIS]) == pair.matched
        assert sum(p.records for p in by_source[SourceKind.DIRECTORY]) == len(directory)
        assert sum(p.matched for p in by_source[SourceKind.DIRECTORY]) == pair.directory_matched
        assert pair.sis_ambiguous <= pair.matched <= len(sis)
        assert pair.directory_ambiguous <= pair.directory_matched <= len(directory)
        assert pair.directory_multi_valued <= pair.directory_matched
        assert pair.sis_coverage == (pair.matched / len(sis))
        matched = [step.matched for step in pair.steps]
        assert matched == sorted(matched), "a later step never matches fewer SIS records"
        dir_matched = [step.directory_matched for step in pair.steps]
        assert dir_matched == sorted(dir_matched)
        assert len(list(mismatches(new_s, new_d, pair))) == len(sis) - pair.matched
        unmatched = {
            kind: sum(u.count for u in pair.unmatched if u.source is kind) for kind in SourceKind
        }
        assert unmatched[SourceKind.SIS] == len(sis) - pair.matched
        assert unmatched[SourceKind.DIRECTORY] == len(directory) - pair.directory_matched
        assert pair.sis_ambiguous <= pair.sis_multiple <= pair.matched
        assert pair.directory_ambiguous <= pair.directory_multiple <= pair.directory_matched


@SETTINGS
@given(
    _records(SIS_FIELDS, "s"),
    _records(DIR_FIELDS, "d"),
    st.randoms(use_true_random=False),
)
def test_input_order_does_not_change_results(
    sis: list[Record], directory: list[Record], rnd: random.Random
) -> None:
    """Shuffling both inputs gives the same correspondences and the same exceptions."""
    first = engine.crosscheck(
        engine.collect(sis, SourceKind.SIS), engine.collect(directory, SourceKind.DIRECTORY)
    )
    sis2, directory2 = list(sis), list(directory)
    rnd.shuffle(sis2)
    rnd.shuffle(directory2)
    s2 = engine.collect(sis2, SourceKind.SIS)
    d2 = engine.collect(directory2, SourceKind.DIRECTORY)
    second = engine.crosscheck(s2, d2)
    assert second == first
    s1 = engine.collect(sis, SourceKind.SIS)
    d1 = engine.collect(directory, SourceKind.DIRECTORY)
    for pair in first:
        assert sorted(mismatches(s1, d1, pair), key=_key) == sorted(
            mismatches(s2, d2, pair), key=_key
        )


def _key(row: Mismatch) -> tuple[str, str, str]:
    return (row.sis_ref, row.reason, row.value)


def _by_reason(pair: Correspondence, source: SourceKind) -> dict[tuple[str, str], int]:
    return {(u.population, u.reason): u.count for u in pair.unmatched if u.source is source}


def test_conflicts_are_counted_both_ways_with_examples() -> None:
    """s1 hits two entries sharing 77, s4's two values hit two entries; d3 is held by two SIS."""
    sis = [
        Record("s1", {"primary_id": ("77",)}),
        Record("s2", {"primary_id": ("88",)}),
        Record("s3", {"primary_id": ("88",)}),
        Record("s4", {"primary_id": ("55", "66")}),
    ]
    directory = [
        Record("d1", {"employeeID": ("77",)}),
        Record("d2", {"employeeID": ("77",)}),
        Record("d3", {"employeeID": ("88",)}),
        Record("d4", {"employeeID": ("55",)}),
        Record("d5", {"employeeID": ("66",)}),
    ]
    pair = engine.correspond(
        engine.collect(sis, SourceKind.SIS),
        "primary_id",
        engine.collect(directory, SourceKind.DIRECTORY),
        "employeeID",
    )
    assert (pair.sis_multiple, pair.sis_multiple_examples) == (2, ("s1", "s4"))
    assert (pair.directory_multiple, pair.directory_multiple_examples) == (1, ("d3",))
    assert pair.sis_ambiguous == 1  # only s1: one value held by several entries


def test_unmatched_people_by_population_and_reason() -> None:
    """Each planted misfit gets its reason on its own side, in its own population."""
    sis = [Record(f"s{i:03d}", {"primary_id": (f"A{i:05d}x",)}, "STUDENT") for i in range(400)]
    sis += [
        Record("t1", {}, "STAFF"),
        Record("t2", {"primary_id": ("zz99@college.ca",)}, "STAFF"),
        Record("t3", {"primary_id": ("X777",)}, "GUEST"),
        Record("t4", {"primary_id": ("nobody",)}),
    ]
    directory = [
        Record(f"d{i:03d}", {"employeeNumber": (f"A{i:05d}x",)}, "People") for i in range(400)
    ]
    directory += [
        Record("e1", {"employeeNumber": ("zz99",)}, "People"),
        Record("e2", {"employeeNumber": ("Q1",), "uid": ("x777",)}, "People"),
        Record("e3", {"uid": ("someone",)}, "People"),
        Record("e4", {"employeeNumber": ("lonely",)}, "Guests"),
    ]
    s = engine.collect(sis, SourceKind.SIS)
    d = engine.collect(directory, SourceKind.DIRECTORY)
    pair = engine.correspond(s, "primary_id", d, "employeeNumber", others=("uid",))
    assert pair.normalisation == ()
    assert _by_reason(pair, SourceKind.SIS) == {
        ("STAFF", "absent"): 1,
        ("STAFF", "differs by scope"): 1,
        ("GUEST", "present under another attribute"): 1,
        ("(none)", "no directory entry with that value"): 1,
    }
    assert _by_reason(pair, SourceKind.DIRECTORY) == {
        ("People", "absent"): 1,
        ("People", "differs by scope"): 1,
        ("People", "present under another attribute"): 1,
        ("Guests", "no SIS record with that value"): 1,
    }
    examples = {(u.source, u.reason): u.examples for u in pair.unmatched}
    assert examples[(SourceKind.DIRECTORY, "present under another attribute")] == ("e2",)
    reasons = {m.sis_ref: m.reason for m in mismatches(s, d, pair)}
    assert reasons == {
        "t1": "absent",
        "t2": "differs by scope",
        "t3": "present under another attribute",
        "t4": "no directory entry with that value",
    }


def test_crosscheck_names_the_other_overlapping_attributes() -> None:
    """primary_id overlaps employeeID and uid: each pair lists the other one."""
    sis = [Record(f"s{i}", {"primary_id": (f"{1000 + i}",)}) for i in range(50)]
    directory = [
        Record(f"d{i}", {"employeeID": (f"{1000 + i}",), "uid": (f"{1000 + i}",)})
        for i in range(50)
    ]
    pairs = engine.crosscheck(
        engine.collect(sis, SourceKind.SIS), engine.collect(directory, SourceKind.DIRECTORY)
    )
    assert {p.directory_attribute: p.other_attributes for p in pairs} == {
        "employeeID": ("uid",),
        "uid": ("employeeID",),
    }
