"""The pre-flight of the first SIS load: every outcome and fate against planted truth."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authprobe.analysis.loadcolumns import LoadColumns, name_part, person_key
from authprobe.analysis.preflight import PreflightEngine
from authprobe.model import Outcome, Record
from tests.preflight_plant import Plan, plant, shuffled_existing
from tests.reference_preflight import reference

FULL = Plan(
    update=40,
    create=25,
    duplicate_by_name=6,
    duplicate_by_email=4,
    missing=7,
    twice_in_record=3,
    feed_after_loaded=5,
    feed_after_rejected=2,
    ambiguous=4,
    not_external=3,
    taken_other=6,
    taken_nobody=5,
    orphans=9,
    internal_untouched=8,
)


def _columns(records: list[Record]) -> LoadColumns:
    columns = LoadColumns()
    for record in records:
        columns.add(record)
    return columns


def _run(sis: list[Record], existing: list[Record], field: str):  # type: ignore[no-untyped-def]
    engine = PreflightEngine(_columns(sis), _columns(existing))
    return engine.run(field)


@pytest.mark.parametrize("field", ["identifier:UNIV_ID", "primary_id", "identifier:BARCODE"])
def test_every_planted_outcome_is_counted_exactly(field: str) -> None:
    """Each outcome and fate count equals what the generator planted, whatever the Match ID."""
    planted = plant(replace(FULL, match_field=field))
    result = _run(planted.sis, planted.existing, field)
    expected = planted.outcome_counts()
    assert {o.value: n for o, n in result.summary.outcomes.items() if n} == dict(expected)
    assert {f.value: n for f, n in result.summary.fates.items() if n} == dict(planted.fate_counts())
    assert [row.outcome.value for row in result.rows] == planted.outcomes
    assert result.summary.evidence == {"name and birth date": 6, "email": 4}
    assert result.summary.duplicated_users == 10


def test_outcome_counts_by_construction() -> None:
    """The planted totals themselves: the generator's bookkeeping adds up as the rules say."""
    planted = plant(FULL)
    counts = planted.outcome_counts()
    assert counts["create"] == 25 + 5 + 2
    assert counts["rejected-in-feed"] == 3 + 5
    assert counts["ambiguous"] == 4 + 2
    assert counts["rejected-taken"] == 6 + 5
    fates = planted.fate_counts()
    assert fates["blocked"] == 2 * 4 + 2 * 2 + 3 + 6
    assert fates["orphan"] == 9 + 6 + 6 + 5


def test_examples_name_both_sides() -> None:
    """Examples give the SIS reference and the Alma user(s) involved, with the evidence."""
    planted = plant(FULL)
    result = _run(planted.sis, planted.existing, FULL.match_field)
    by_outcome: dict[Outcome, list] = {}  # type: ignore[type-arg]
    for example in result.summary.examples:
        by_outcome.setdefault(example.outcome, []).append(example)
    assert len(by_outcome[Outcome.UPDATE]) == 5
    assert all(len(e.alma_refs) == 2 for e in by_outcome[Outcome.AMBIGUOUS])
    assert all(len(e.alma_refs) == 1 for e in by_outcome[Outcome.NOT_EXTERNAL])
    taken = by_outcome[Outcome.REJECTED_TAKEN]
    assert all(e.alma_refs and "already held" in e.evidence for e in taken)
    duplicates = by_outcome[Outcome.CREATE_DUPLICATE]
    assert all(len(e.alma_refs) == 1 and e.evidence.startswith("same ") for e in duplicates)
    feed = by_outcome[Outcome.REJECTED_IN_FEED]
    assert any("already loaded from sis.xml:" in e.evidence for e in feed)
    assert any("twice in this record" in e.evidence for e in feed)


def test_alma_export_order_does_not_change_anything() -> None:
    """Shuffling the Alma export changes no outcome and no fate count."""
    planted = plant(FULL)
    first = _run(planted.sis, planted.existing, FULL.match_field)
    for seed in (2, 3):
        other = shuffled_existing(planted, seed)
        again = _run(other.sis, other.existing, FULL.match_field)
        assert [r.outcome for r in again.rows] == [r.outcome for r in first.rows]
        assert again.summary.fates == first.summary.fates


def test_missing_match_type_in_export_means_nobody_is_found() -> None:
    """An export without the Match ID Type finds nobody: no update, every user untouched."""
    planted = plant(Plan(update=10, orphans=3))
    result = _run(planted.sis, planted.existing, "identifier:NOT_THERE")
    assert result.summary.outcomes[Outcome.MISSING_MATCH_ID] == 10
    assert result.summary.fates[next(iter(result.summary.fates))] == 0


def test_name_normalisation() -> None:
    """Names compare casefolded, without accents, spaces or hyphens; dates by their day."""
    assert name_part("Marie-Ève  Le Blanc") == "marieeveleblanc"
    assert person_key("Zoë", "O-Neil", "2001-02-03Z") == person_key("ZOE", "o neil", "2001-02-03")
    assert person_key("A", "B", None) is None
    assert person_key("A", "", "2001-02-03") is None


_value = st.sampled_from(["a1", "A1", "b2", "c3", " c3", "d4", "e5"])
_record = st.fixed_dictionaries(
    {
        "primary_id": st.lists(_value, max_size=1),
        "identifier:X": st.lists(_value, max_size=2),
        "identifier:Y": st.lists(_value, max_size=1),
        "mail": st.lists(st.sampled_from(["m@x", "n@x", "M@X"]), max_size=1),
        "name": st.sampled_from(["Ann", "Bob", None]),
        "internal": st.booleans(),
    }
)


def _records(drafts: list[dict], prefix: str) -> list[Record]:  # type: ignore[type-arg]
    out = []
    for i, d in enumerate(drafts):
        attrs = {k: tuple(v) for k, v in d.items() if k.startswith(("primary", "identifier")) and v}
        if d["mail"]:
            attrs["email:all"] = tuple(d["mail"])
        info = {"account_type": "INTERNAL" if d["internal"] else "EXTERNAL"}
        if d["name"]:
            info.update(first_name=d["name"], last_name="Smith", birth_date="2000-01-01")
        out.append(Record(f"{prefix}:{i}", attrs, "G" if i % 2 else None, info))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_record, max_size=12),
    st.lists(_record, max_size=10),
    st.sampled_from(["primary_id", "identifier:X", "identifier:Y"]),
)
def test_engine_agrees_with_the_plain_reading_of_the_rules(
    sis: list[dict],
    existing: list[dict],
    field: str,  # type: ignore[type-arg]
) -> None:
    """On random small loads the engine gives the reference's outcome for every record and its
    fate for every user; outcomes partition the records and fates the users."""
    sis_records, alma_records = _records(sis, "s"), _records(existing, "a")
    result = _run(sis_records, alma_records, field)
    outcomes, fates, evidence = reference(sis_records, alma_records, field)
    rows = list(result.rows)
    assert [r.outcome.value for r in rows] == outcomes
    assert sum(result.summary.outcomes.values()) == len(sis_records)
    assert {f.value: n for f, n in result.summary.fates.items() if n} == dict(Counter(fates))
    assert sum(result.summary.fates.values()) == len(alma_records)
    for row, kinds in zip(rows, evidence, strict=True):
        if row.outcome is Outcome.CREATE_DUPLICATE:
            assert all(kind in row.evidence for kind in kinds)


@settings(max_examples=200, deadline=None)
@given(st.lists(_record, max_size=12), st.lists(_record, max_size=8), st.randoms())
def test_load_order_matters_only_for_rejected_in_feed(
    sis: list[dict],
    existing: list[dict],
    rng: random.Random,  # type: ignore[type-arg]
) -> None:
    """Reordering the SIS load changes a record's outcome only to or from rejected-in-feed."""
    records = _records(sis, "s")
    alma = _records(existing, "a")
    shuffled = list(records)
    rng.shuffle(shuffled)
    first = {row.sis_ref: row.outcome for row in _run(records, alma, "identifier:X").rows}
    again = {row.sis_ref: row.outcome for row in _run(shuffled, alma, "identifier:X").rows}
    for ref, outcome in first.items():
        if again[ref] is not outcome:
            assert Outcome.REJECTED_IN_FEED in (outcome, again[ref])


_odd_text = st.text(
    alphabet=st.sampled_from(
        # Unicode spaces, a control character, accents, a combining accent, a ligature, the
        # Kelvin sign, an Arabic-Indic digit
        [
            *"aZ09 -\t\n",
            "\u00a0",
            "\u2003",
            "\u0085",
            "\u001c",
            "É",
            "ß",
            "İ",
            "Ǆ",
            "\u0663",
            "\u0301",
            "ﬁ",
            "K",
        ]
    ),
    max_size=6,
)
_date_text = st.one_of(
    st.sampled_from(["2001-02-03", "2001-02-03Z", " 2001-02-03", "\u20032001-02-03", "03/02/2001"]),
    st.builds(
        lambda d, t: d + t,
        st.sampled_from(["\u0662\u0660\u0660\u0661-02-03", "1999-12-31"]),
        _odd_text,
    ),
    _odd_text,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(_odd_text, max_size=3),
            st.one_of(st.none(), _odd_text),
            st.one_of(st.none(), _odd_text),
            st.one_of(st.none(), _date_text),
            st.one_of(st.none(), st.sampled_from(["INTERNAL", " internal ", "External", "x", ""])),
        ),
        max_size=20,
    )
)
def test_columns_are_the_per_record_definitions(drafts: list[tuple]) -> None:  # type: ignore[type-arg]
    """Whatever the text (Unicode spaces, control characters, accents, other digits), the values
    collected in bulk are each value trimmed and casefolded, the person keys are `person_key`,
    and the account types are counted as read."""
    columns = LoadColumns()
    expected_values, expected_keys, expected_mails = [], [], []
    expected_internal, expected_types = [], Counter()
    for number, (values, first, last, birth, account) in enumerate(drafts):
        info = {
            k: v
            for k, v in (
                ("first_name", first),
                ("last_name", last),
                ("birth_date", birth),
                ("account_type", account),
            )
            if v is not None
        }
        columns.add(
            Record(
                f"r:{number}",
                {"identifier:X": tuple(values), "email:all": tuple(values)},
                None,
                info,
            )
        )
        folded = [v.strip().casefold() for v in values]
        expected_values += [(number, v) for v in folded if v]
        expected_mails += [(number, v) for v in folded if v]
        key = person_key(first, last, birth) if birth is not None else None
        if key is not None:
            expected_keys.append((number, key))
        kind = "" if account is None else account.strip().upper()
        expected_types[kind] += 1
        expected_internal.append(kind == "INTERNAL")
    assert list(columns.values.select("r", "v").iter_rows()) == expected_values
    assert list(columns.mails.iter_rows()) == expected_mails
    assert list(columns.keys.iter_rows()) == expected_keys
    assert columns.internal.to_list() == expected_internal
    accounts = columns.accounts()
    assert (accounts.internal, accounts.external, accounts.missing) == (
        expected_types["INTERNAL"],
        expected_types["EXTERNAL"],
        expected_types[""],
    )
