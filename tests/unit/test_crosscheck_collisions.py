"""A normalisation step never joins different people: a step that would make two different
values of different records identical (among the records the pair matches) is not adopted,
the collisions it would create are recorded, and a pair that overlaps only through it is not a
candidate. Every figure below is planted by construction."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from authprobe.analysis.crosscheck import collect, correspond, crosscheck
from authprobe.analysis.crosscheck.kernels import FULL
from authprobe.analysis.recommend import build_report
from authprobe.model import Record, SourceKind
from authprobe.reports.json import report_to_dict
from tests.helpers import ListSource, rec


def _sides(sis: list[Record], directory: list[Record]):  # type: ignore[no-untyped-def]
    return collect(sis, SourceKind.SIS), collect(directory, SourceKind.DIRECTORY)


def test_digits_only_that_joins_different_values_is_not_adopted() -> None:
    """`abc1234` and `xyz1234` both become `1234`: 8 SIS values collide with 8 others (16
    records), so digits-only is left out even though it would gain 100 %."""
    sis = [rec(f"s{i}", primary_id=f"abc{1000 + i}") for i in range(100)]
    sis += [rec(f"t{i}", primary_id=f"xyz{1000 + i}") for i in range(8)]  # other people
    directory = [rec(f"d{i}", employeeNumber=f"{1000 + i}") for i in range(100)]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeNumber")
    assert {step.step: step.matched for step in pair.steps}["digits-only"] == 108
    assert "digits-only" not in pair.normalisation
    assert pair.matched == 0
    (collision,) = pair.collisions
    assert (collision.step, collision.source) == ("digits-only", SourceKind.SIS)
    assert (collision.values, collision.records) == (8, 16)
    assert collision.examples == ("s0", "t0")  # the two records that would share `1000`


def test_a_step_without_collisions_is_still_adopted() -> None:
    """The same data without the 8 look-alikes: digits-only joins 100 % and collides nowhere."""
    sis = [rec(f"s{i}", primary_id=f"abc{1000 + i}") for i in range(100)]
    directory = [rec(f"d{i}", employeeNumber=f"{1000 + i}") for i in range(100)]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeNumber")
    assert pair.normalisation == ("digits-only",)
    assert pair.matched == 100
    assert pair.collisions == ()


def test_leading_zeros_that_join_two_directory_entries_are_refused() -> None:
    """The SIS pads to 6 digits; 900 directory numbers are padded too, 100 lost their zeros,
    and 5 directory entries hold `0070xx` next to another person's `70xx`: stripping the zeros
    would give those 5 pairs of entries one value. The pair keeps its 900 exact matches."""
    sis = [rec(f"s{i:04d}", primary_id=f"{i:06d}") for i in range(1000, 2000)]
    directory = [rec(f"d{i:04d}", employeeID=f"{i:06d}") for i in range(1000, 1900)]
    directory += [rec(f"d{i:04d}", employeeID=f"{i}") for i in range(1900, 2000)]
    directory += [rec(f"z{i:04d}", employeeID=f"{i:06d}") for i in range(1900, 1905)]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeID")
    assert {step.step: step.matched for step in pair.steps}["strip-leading-zeros"] == 1000
    assert pair.normalisation == ()
    assert pair.matched == 905  # 900, and the 5 whose padded value is still in the directory
    (collision,) = pair.collisions
    assert (collision.step, collision.source) == ("strip-leading-zeros", SourceKind.DIRECTORY)
    assert (collision.values, collision.records) == (5, 10)
    assert collision.examples == ("d1900", "z1900")


def test_collisions_count_only_matched_records() -> None:
    """Two SIS records `0077` and `77` collide under strip-leading-zeros, but no directory
    entry holds 77 in any form: they are not joined to anyone, so the step is adopted."""
    sis = [rec(f"s{i}", primary_id=f"00{5000 + i}") for i in range(100)]
    sis += [rec("x1", primary_id="0077"), rec("x2", primary_id="77")]
    directory = [rec(f"d{i}", employeeID=f"{5000 + i}") for i in range(100)]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeID")
    assert pair.normalisation == ("strip-leading-zeros",)
    assert pair.collisions == ()
    assert pair.matched == 100


def test_a_collision_made_visible_by_a_later_step_is_refused() -> None:
    """strip-leading-zeros makes SIS `00123456` and `123456` one value but nobody holds it
    then; digits-only would join both to directory `S-123456`: digits-only is refused."""
    sis = [rec(f"a{i}", primary_id=f"{300000 + i}") for i in range(50)]
    sis += [rec(f"b{i}", primary_id=f"{400000 + i}") for i in range(50)]
    sis += [rec("x1", primary_id="00123456"), rec("x2", primary_id="123456")]
    directory = [rec(f"d{i}", employeeNumber=f"00{300000 + i}") for i in range(50)]
    directory += [rec(f"e{i}", employeeNumber=f"S-{400000 + i}") for i in range(50)]
    directory += [rec("e99", employeeNumber="S-123456")]
    s, d = _sides(sis, directory)
    pair = correspond(s, "primary_id", d, "employeeNumber")
    assert pair.normalisation == ("strip-leading-zeros",)
    assert pair.matched == 50
    (collision,) = pair.collisions
    assert (collision.step, collision.source) == ("digits-only", SourceKind.SIS)
    assert (collision.values, collision.records) == (1, 2)
    assert collision.examples == ("x1", "x2")


def test_pair_joined_only_through_a_refused_step_is_not_a_candidate() -> None:
    """SIS `abc…` and directory `xyz…` codes share digits only, and digits-only would join
    different SIS people: the pair is set aside, and `recommend` says so instead of
    recommending it (or calling it a candidate)."""
    sis = [rec(f"s{i}", primary_id=f"abc{1000 + i}") for i in range(60)]
    sis += [rec(f"t{i}", primary_id=f"qqq{1000 + i}") for i in range(60)]
    directory = [rec(f"d{i}", employeeNumber=f"xyz{1000 + i}") for i in range(60)]
    s, d = _sides(sis, directory)
    set_aside: list = []  # type: ignore[type-arg]
    assert crosscheck(s, d, set_aside=set_aside) == []
    assert [(p.sis_field, p.directory_attribute) for p in set_aside] == [
        ("primary_id", "employeeNumber")
    ]
    report = build_report(
        ListSource(SourceKind.DIRECTORY, directory), ListSource(SourceKind.SIS, sis)
    )
    assert report.candidates == ()
    assert report.recommendation is None
    codes = {f.code: f for f in report.findings}
    assert "no SIS field shares values" not in codes["no-candidate"].message
    merged = codes["normalisation-would-join-people"]
    assert merged.field == "primary_id"
    assert "digits-only" in merged.message
    assert "60" in merged.message  # 60 values of the SIS would each join two people


def test_refused_step_is_in_the_reasons_and_the_json() -> None:
    """The winner's reasons say which step was left out and why; the JSON lists the
    collisions with masked references."""
    sis = [rec(f"s{i:04d}", primary_id=f"{i:06d}") for i in range(1000, 2000)]
    directory = [rec(f"uid=p{i},ou=People,dc=c", employeeID=f"{i:06d}") for i in range(1000, 1900)]
    directory += [rec(f"uid=p{i},ou=People,dc=c", employeeID=f"{i}") for i in range(1900, 2000)]
    directory += [rec(f"uid=z{i},ou=People,dc=c", employeeID=f"{i:06d}") for i in range(1900, 1905)]
    report = build_report(
        ListSource(SourceKind.DIRECTORY, directory), ListSource(SourceKind.SIS, sis)
    )
    best = report.recommendation
    assert best is not None
    assert best.correspondence.normalisation == ()
    said = " ".join(best.reasons)
    assert "strip-leading-zeros" in said
    assert "different people" in said
    data = report_to_dict(report)
    chosen = data["correspondences"][0]
    assert chosen["collisions"] == [
        {
            "step": "strip-leading-zeros",
            "source": "directory",
            "values": 5,
            "records": 10,
            "examples": ["uid=p••••,ou=People,dc=c", "uid=z••••,ou=People,dc=c"],
        }
    ]
    assert data["schema_version"] == 1


def test_pairs_come_back_in_their_order_whatever_order_they_are_measured_in() -> None:
    """Pairs are measured attribute by attribute (memory), but set aside and returned as
    before, SIS field by SIS field; a pair measures as it does alone, on fresh sides.

    primary_id equals employeeNumber on 60 records; every other pair meets only through
    digits-only, which would join `abc…`/`qqq…` and `def…`/`ghi…` people: set aside. Measured
    attribute by attribute, (UNIV_ID, employeeNumber) comes before (primary_id, employeeID);
    the SIS's order puts primary_id's pairs first."""
    sis = [rec(f"s{i}", primary_id=f"abc{1000 + i}", identifier__UNIV_ID=f"def{1000 + i}")
           for i in range(60)]  # fmt: skip
    sis += [rec(f"t{i}", primary_id=f"qqq{1000 + i}", identifier__UNIV_ID=f"ghi{1000 + i}")
            for i in range(60)]  # fmt: skip
    directory = [rec(f"d{i}", employeeNumber=f"abc{1000 + i}", employeeID=f"xyz{1000 + i}")
                 for i in range(60)]  # fmt: skip
    s, d = _sides(sis, directory)
    set_aside: list = []  # type: ignore[type-arg]
    found = crosscheck(s, d, set_aside=set_aside)
    assert [(p.sis_field, p.directory_attribute) for p in set_aside] == [
        ("primary_id", "employeeID"),
        ("identifier:UNIV_ID", "employeeNumber"),
        ("identifier:UNIV_ID", "employeeID"),
    ]
    fresh_sis, fresh_directory = _sides(sis, directory)
    alone = correspond(
        fresh_sis, "primary_id", fresh_directory, "employeeNumber", others=("employeeID",)
    )
    assert found == [alone]
    assert alone.matched == 60


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.sampled_from([*"aB0 7@.x", "\u00c9", "\u0130"]), max_size=8),
            min_size=1,
            max_size=2,
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=0, max_value=len(FULL)),
)
def test_a_chain_and_full_distinct_give_the_same_hashes(values: list[list[str]], cut: int) -> None:
    """`overlaps_without` reads a chain's distinct hashes when the pair measured one under the
    same steps, else `full_distinct`'s: the two are the same set for any steps (one value or
    several a record, ASCII or not)."""
    records = [Record(f"s{i}", {"uid": tuple(v)}, None) for i, v in enumerate(values)]
    steps = FULL[:cut]
    side = collect(records, SourceKind.SIS).final
    expected = side.full_distinct("uid", steps)
    again = collect(records, SourceKind.SIS).final  # a fresh side: nothing known in advance
    assert again.chain("uid", steps).distinct.equals(expected)
