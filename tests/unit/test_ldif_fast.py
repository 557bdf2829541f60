"""The C fast path of the LDIF reader (`_ldif.c`) against the Python reference, input by input:
the same records (attribute order included), stats, disabled count and errors."""

from __future__ import annotations

import base64
import io
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authprobe import demo, runtime
from authprobe.errors import AuthprobeError
from authprobe.sources.directory_files import ldif_fast
from authprobe.sources.directory_files.entries import EntryConverter
from authprobe.sources.directory_files.ldif import LdifFile
from tests.integration.slapd import generate_people, person_ldif

pytestmark = pytest.mark.skipif(
    not ldif_fast.BUILT, reason="the C LDIF parser (_ldif.c) was not built at install"
)
CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "ldap"
BASE = "dc=example,dc=org"  # the benchmarks' base DN


@dataclass(frozen=True)
class Outcome:
    """Everything a reader gives: records, counts and the error it stopped on."""

    records: list[tuple[str, list[tuple[str, tuple[str, ...]]], str | None, dict[str, str]]]
    counted: int
    skipped: list[tuple[str, int]]
    examples: list[tuple[str, list[str]]]
    withheld: list[tuple[str, int]]
    disabled: int
    error: tuple[Any, ...] | None


@contextmanager
def pure(on: bool) -> Iterator[None]:
    """The Python reference alone (`on`) or the C path (even under AUTHPROBE_PURE_LDIF=1)."""
    names = ("AUTHPROBE_PURE_LDIF", "AUTHPROBE_PURE_PYTHON")
    saved, env = ldif_fast.FORCE_PURE, {name: os.environ.pop(name, None) for name in names}
    ldif_fast.FORCE_PURE = on
    try:
        assert ldif_fast.enabled() is not on
        yield
    finally:
        ldif_fast.FORCE_PURE = saved
        os.environ.update({name: value for name, value in env.items() if value is not None})


def outcome(path: Path, *, exclude_disabled: bool = False, **kwargs: Any) -> Outcome:
    source = LdifFile(path, exclude_disabled=exclude_disabled, **kwargs)
    records = []
    error = None
    try:
        for record in source.records():
            attrs = list(record.attrs.items())
            records.append((record.ref, attrs, record.population, dict(record.info)))
    except AuthprobeError as exc:
        error = (type(exc), exc.reference, str(exc), exc.location, exc.hint)
    stats = source.stats
    return Outcome(
        records,
        stats.records,
        list(stats.skipped.items()),
        list(stats.skipped_examples.items()),
        list(stats.withheld.items()),
        source.disabled,
        error,
    )


def both(path: Path, **kwargs: Any) -> tuple[Outcome, Outcome]:
    """(C path, Python path) of one file."""
    with pure(False):
        fast = outcome(path, **kwargs)
    with pure(True):
        reference = outcome(path, **kwargs)
    return fast, reference


def plain_items(data: bytes) -> list[Any]:
    """The items the C parser gives for `data` with every name of the data classified."""
    names = {line.split(b":", 1)[0] for line in data.splitlines() if b":" in line}
    parser = ldif_fast._PARSER({n: n.decode() for n in names}, 1 << 20, 1 << 22)  # type: ignore[misc]
    items = parser.feed(data)
    assert items is not None
    while parser.pending:
        more = parser.more()
        assert more is not None
        items += more
    closed = parser.close()
    assert closed is not None
    return items + closed


@pytest.mark.parametrize(
    "name", sorted(p.name for p in CORPUS.glob("*.ld*")) if CORPUS.is_dir() else []
)
def test_corpus_files_read_the_same(name: str) -> None:
    """Every real LDIF file of the corpus gives the same outcome on both paths."""
    fast, reference = both(CORPUS / name)
    assert fast == reference
    fast, reference = both(CORPUS / name, exclude_disabled=True)
    assert fast == reference


def test_corpus_is_there() -> None:
    """The shared corpus is present (else the corpus test above checks nothing)."""
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not on this machine")
    assert len(list(CORPUS.glob("*.ld*"))) >= 10


def test_demo_college_reads_the_same(tmp_path: Path) -> None:
    """The demo college's LDIF (and a CR LF variant) gives the same outcome on both paths."""
    college = demo.generate(demo.DEMO)
    path = tmp_path / "directory.ldif"
    path.write_bytes(demo.ldif(college))
    fast, reference = both(path)
    assert fast == reference
    assert fast.counted > 100
    crlf = tmp_path / "crlf.ldif"
    crlf.write_bytes(demo.ldif(college).replace(b"\n", b"\r\n"))
    assert both(crlf, exclude_disabled=True)[0] == both(crlf, exclude_disabled=True)[1]


def test_benchmark_entries_read_the_same_and_fast(tmp_path: Path) -> None:
    """The benchmarks' entries read the same; all but the first are plain entries for C."""
    people = generate_people(300, ous=("People", "Staff"))
    text = "version: 1\n\n" + "".join(person_ldif(p, BASE, extra=True) + "\n" for p in people)
    path = tmp_path / "people.ldif"
    path.write_text(text, encoding="utf-8")
    fast, reference = both(path)
    assert fast == reference
    assert fast.counted == 300
    assert sum(type(item) is tuple for item in plain_items(text.encode())) == 300


def test_small_blocks_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few bytes (lines cut anywhere, CR LF split) give the same outcome."""
    people = generate_people(40)
    text = "".join(person_ldif(p, BASE) + "\n" for p in people).replace("\n", "\r\n")
    path = tmp_path / "people.ldif"
    path.write_text(text, encoding="utf-8")
    for block in (1, 2, 7, 100):
        monkeypatch.setattr(ldif_fast, "BLOCK", block)
        fast, reference = both(path)
        assert fast == reference
        assert fast.counted == 40


def test_forked_child_reads_the_same(tmp_path: Path) -> None:
    """With a parallel plan, the forked child (C or Python inside) gives the same records."""
    people = generate_people(500)
    text = "".join(person_ldif(p, BASE, extra=True) + "\n" for p in people)
    path = tmp_path / "people.ldif"
    path.write_text(text, encoding="utf-8")
    plan = runtime.ReadPlan(parallel=True)
    fast, reference = both(path, plan=plan, parallel_min_bytes=1)
    assert fast == reference
    assert fast.counted == 500
    with pure(True):
        assert outcome(path) == reference  # the child's outcome is the single process's


def test_errors_after_records_are_the_same(tmp_path: Path) -> None:
    """A malformed line after plain entries: the same records first, then the same error."""
    people = generate_people(20)
    good = "".join(person_ldif(p, BASE) + "\n" for p in people)
    for bad in (" orphan continuation\n", "no colon here\n", "dn: x\nmail:: %%%\n", "\xff: x\n"):
        path = tmp_path / "bad.ldif"
        path.write_bytes(good.encode() + bad.encode("utf-8", "surrogateescape") + good.encode())
        fast, reference = both(path)
        assert fast == reference
        assert fast.error is not None
        assert len(fast.records) == 20


def test_budgets_give_the_same_error(tmp_path: Path) -> None:
    """A line, a folded value or an entry over a small budget: the same records and error."""
    people = generate_people(10)
    good = "".join(person_ldif(p, BASE) + "\n" for p in people)
    long_line = "dn: uid=x,dc=c\nobjectClass: person\ndescription: " + "v" * 300 + "\n\n"
    folded = "dn: uid=y,dc=c\nobjectClass: person\ndescription: v\n" + " w\n" * 300 + "\n"
    many = "dn: uid=z,dc=c\nobjectClass: person\n" + "cn: abc\n" * 200 + "\n"
    skipped = "dn: uid=w,dc=c\nchangetype: delete\n" + "cn: abc\n" * 200 + "\n"
    saved = runtime.limits()
    runtime.set_limits(runtime.Limits(value_bytes=256))
    try:
        for bad in (long_line, folded, many, skipped):
            path = tmp_path / "budget.ldif"
            path.write_text(good + bad + good, encoding="utf-8")
            fast, reference = both(path)
            assert fast == reference
            assert len(fast.records) >= 10
            assert (fast.error is None) == (bad is skipped)
    finally:
        runtime.set_limits(saved)


class Budgeted(io.BytesIO):
    """A file that stops with the input budget's error once `limit` bytes were read."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self.limit = limit

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        if self.tell() > self.limit:
            raise runtime.too_large("budget.ldif", "LDIF export", self.limit)
        return chunk


def test_failing_read_gives_the_same_records_and_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that fails midway (input budget): the C path gives up, the reference reads again
    from the start, and the records before the error and the error are the same."""
    people = generate_people(3000)
    data = "".join(person_ldif(p, BASE, extra=True) + "\n" for p in people).encode()
    path = tmp_path / "budget.ldif"
    path.write_bytes(data)
    limit = len(data) * 2 // 3
    monkeypatch.setattr(runtime, "open_input", lambda *args, **kwargs: Budgeted(data, limit))
    for block in (1 << 20, 300_000):  # the reference reads 256 KiB at a time: not a multiple
        monkeypatch.setattr(ldif_fast, "BLOCK", block)
        fast, reference = both(path)
        assert fast == reference
        assert fast.error is not None
        assert fast.error[1] == "input-too-large"
        assert 1000 < len(fast.records) < 2000  # about 2/3 of the 3,000 entries


# Hostile and odd LDIF, built from pieces whose meaning the reference decides.

NAMES = [
    "cn", "CN", "cn;lang-fr", "mail", "uid", "UID", "sn", "description", "objectClass",
    "objectclass", "userPassword", "unicodePwd", "objectGUID", "objectSid", "userAccountControl",
    "jpegPhoto", "changetype", "control", "version", "dn", "search", "result", "bad name", "",
]  # fmt: skip
PLAIN_NAMES = ["cn", "CN", "cn;lang-fr", "mail", "uid", "sn", "objectClass", "userAccountControl"]
TEXTS = [
    "ann", "", " lead", "  two", "person", "inetOrgPerson", "computer", "user", "512", "514",
    "organizationalUnit", "add", "modify", "delete", "é ü", "x:y", "a b ",
    "{01234567-89ab-cdef-0123-456789abcdef}",
]  # fmt: skip
SID = bytes.fromhex("01050000000000051500000001000000020000000300000004000000")  # S-1-5-21-1-2-3-4
BYTES = [b"\xff\xfe", SID, bytes(range(16)), b"ok", b"\xc3\xa9"]
GUID = base64.b64encode(bytes(range(16)))
IDENTIFIER_LINES = [
    b"objectGUID:: " + GUID,
    b"objectGUID::" + GUID + b" ",
    b"OBJECTGUID:: " + GUID,
    b"objectGUID;binary:: " + GUID,
    b"objectSid:: " + base64.b64encode(SID),
    b"objectSid:: " + base64.b64encode(SID[:-1]),  # a wrong length: counted by the reference
    b"objectGUID:: !!",  # not base64: an error
    b"objectGUID:: " + GUID[:-2],  # bad padding
    b"objectGUID::",
    b"mail:: " + base64.b64encode(b"a@c"),  # base64 text: not an identifier
    b"userPassword:: " + base64.b64encode(b"secret"),
]


@st.composite
def values(draw: st.DrawFn, tame: bool) -> bytes:
    odd = [] if tame else ["b64text", "b64bytes", "url", "bad"]
    kind = draw(st.sampled_from(["text"] * 6 + ["empty", *odd]))
    if kind == "text":
        return b": " + draw(st.sampled_from(TEXTS)).encode()
    if kind == "b64text":
        return b":: " + base64.b64encode(draw(st.sampled_from(TEXTS)).encode())
    if kind == "b64bytes":
        return b":: " + base64.b64encode(draw(st.sampled_from(BYTES)))
    if kind == "url":
        return b":< file:///etc/hosts"
    if kind == "bad":
        return draw(st.sampled_from([b": \xff\xfe", b" no colon", b":: !!", b":"]))
    return b":"


@st.composite
def entries(draw: st.DrawFn) -> list[bytes]:
    dn = draw(
        st.sampled_from(
            ["uid=a,ou=P,dc=c", "ou=P,dc=c", "cn=schema", "uid=\\2c,ou=Q,dc=c", " OU = x y ,dc=c"]
        )
    )
    tame = draw(st.booleans())  # plain names and text only: a plain entry for C once classified
    firsts = [b"dn: " + dn.encode(), b"DN:  " + dn.encode()]
    if not tame:
        firsts += [b"dn:: " + base64.b64encode(dn.encode()), b"dn: \xff", b"version: 1"]
        firsts += [b"search: 2", b"cn: x"]
    lines = [draw(st.sampled_from(firsts))]
    for _ in range(draw(st.integers(0, 8))):
        if tame and draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(IDENTIFIER_LINES)))
            continue
        name = draw(st.sampled_from(PLAIN_NAMES if tame else NAMES))
        lines.append(name.encode() + draw(values(tame)))
    if draw(st.booleans()):
        lines.insert(1, b"objectClass: " + draw(st.sampled_from(TEXTS)).encode())
    return lines


def fold(line: bytes, rng: random.Random) -> bytes:
    """Fold a logical line at random places (in the name, in base64, anywhere)."""
    out = bytearray()
    for i, byte in enumerate(line):
        if i and rng.random() < 0.08:
            out += b"\n "
        out.append(byte)
    return bytes(out)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    rng = random.Random(draw(st.integers(0, 2**16)))
    parts: list[bytes] = []
    if draw(st.booleans()):
        parts.append(b"\n" * draw(st.integers(1, 2)))
    if draw(st.booleans()):
        parts.append(b"version: 1\n\n")
    repeat = draw(entries())  # the same entry again: its names are classified by then
    for entry in [repeat, *draw(st.lists(entries(), max_size=6)), repeat, repeat]:
        lines = [fold(line, rng) if rng.random() < 0.2 else line for line in entry]
        if rng.random() < 0.2:
            lines.insert(rng.randrange(len(lines) + 1), b"# note\n folded note")
        if rng.random() < 0.1:
            lines.insert(rng.randrange(len(lines) + 1), b"control: 1.2.3 true")
        if rng.random() < 0.02:
            lines.insert(rng.randrange(len(lines) + 1), b" orphan")
        parts.append(b"\n".join(lines) + b"\n" + b"\n" * draw(st.integers(1, 2)))
    if draw(st.booleans()):
        parts.append(b"search: 2\nresult: 0 Success\n\n# numEntries: 3\n")
    data = b"".join(parts)
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=documents(),
    value_bytes=st.sampled_from([8, 24, 60, 200] + [1 << 20] * 6),
    block=st.sampled_from([1, 5, 64, 1 << 20]),
    exclude_disabled=st.booleans(),
)
def test_hostile_documents_read_the_same(
    tmp_path_factory: pytest.TempPathFactory,
    data: bytes,
    value_bytes: int,
    block: int,
    exclude_disabled: bool,
) -> None:
    """Odd and hostile LDIF (folds, comments, CR LF, base64, URLs, changetypes, controls,
    secrets, GUID/SID, bad UTF-8, small budgets, truncation): the same outcome on both paths."""
    path = tmp_path_factory.mktemp("ldif") / "odd.ldif"
    path.write_bytes(data)
    saved_limits, saved_block = runtime.limits(), ldif_fast.BLOCK
    runtime.set_limits(runtime.Limits(value_bytes=value_bytes))
    ldif_fast.BLOCK = block
    try:
        fast, reference = both(path, exclude_disabled=exclude_disabled)
    finally:
        runtime.set_limits(saved_limits)
        ldif_fast.BLOCK = saved_block
    assert fast == reference


def test_plain_entry_values_are_those_of_the_reference() -> None:
    """The C parser's own dict for a plain entry: spellings, value order, stripped spaces."""
    items = plain_items(b"dn: uid=a,dc=c\nmail: a@c\ncn:  Ann\nmail: b@c\nsn:\n\n")
    assert items == [("uid=a,dc=c", {"mail": ("a@c", "b@c"), "cn": ("Ann",), "sn": ("",)})]


def test_binary_identifiers_use_the_callback() -> None:
    """`name:: base64` in a plain entry: the callback's pairs are added in line order; its None
    sends the entry back as lines."""
    calls: list[tuple[bytes, bytes]] = []

    def binary(name: bytes, text: bytes) -> list[tuple[str, str]] | None:
        calls.append((name, text))
        return [("objectGUID", "g"), ("objectGUID;immutableId", "i")] if text == b" AA" else None

    parser = ldif_fast._PARSER({b"cn": "cn"}, 1 << 20, 1 << 22, binary)  # type: ignore[misc]
    items = parser.feed(b"dn: x\ncn: a\nobjectGUID:: AA\ncn: b\n\ndn: y\nobjectGUID:: BB\n\n")
    assert items is not None
    assert items[0] == (
        "x",
        {"cn": ("a", "b"), "objectGUID": ("g",), "objectGUID;immutableId": ("i",)},
    )
    assert items[1] == [(6, b"dn: y"), (7, b"objectGUID:: BB"), (8, None)]
    assert calls == [(b"objectGUID", b" AA"), (b"objectGUID", b" BB")]


def test_ad_export_reads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An AD-style export (GUID and SID in base64, disabled accounts, a few passwords): the same
    outcome; the entries without a password are plain entries for C (the first has one)."""
    made = []
    frozen = EntryConverter.finish_frozen

    def counted(self: EntryConverter, dn: str, attrs: dict[str, tuple[str, ...]]) -> Any:
        made.append(dn)
        return frozen(self, dn, attrs)

    monkeypatch.setattr(EntryConverter, "finish_frozen", counted)
    lines = []
    for i in range(200):
        sid = SID[:-4] + i.to_bytes(4, "little")
        lines.append(
            f"dn: CN=U{i},OU=Staff,DC=ad\nobjectClass: user\nsAMAccountName: u{i}\n"
            f"userAccountControl: {514 if i % 7 == 0 else 512}\n"
            f"objectGUID:: {base64.b64encode(i.to_bytes(16, 'little')).decode()}\n"
            f"objectSid:: {base64.b64encode(sid).decode()}\n"
            + ("unicodePwd:: AAAA\n" if i % 5 == 0 else "")
            + "\n"
        )
    path = tmp_path / "ad.ldif"
    path.write_text("".join(lines), encoding="ascii")
    for exclude in (False, True):
        fast, reference = both(path, exclude_disabled=exclude)
        assert fast == reference
        assert fast.disabled == 29  # i = 0, 7, ..., 196
    assert fast.counted == 200 - 29
    assert len(made) == 2 * (200 - 40)  # those without a password (i % 5 != 0), both runs


def test_unclassified_names_come_back_as_lines() -> None:
    """An entry with a name the reference has not classified comes back as numbered lines."""
    parser = ldif_fast._PARSER({b"cn": "cn"}, 1 << 20, 1 << 22)  # type: ignore[misc]
    items = parser.feed(b"# c\ndn: x\ncn: a\nmail: m\n b\n\n\ndn: y\ncn: b\n")
    assert items == [[(2, b"dn: x"), (3, b"cn: a"), (4, b"mail: mb"), (6, None)]]
    assert parser.close() == [("y", {"cn": ("b",)})]


def test_environment_turns_the_fast_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """AUTHPROBE_PURE_LDIF=1, AUTHPROBE_PURE_PYTHON=1 or FORCE_PURE select the Python reference."""
    monkeypatch.setattr(ldif_fast, "FORCE_PURE", False)
    monkeypatch.delenv("AUTHPROBE_PURE_LDIF", raising=False)
    monkeypatch.delenv("AUTHPROBE_PURE_PYTHON", raising=False)
    assert ldif_fast.enabled()
    for name in ("AUTHPROBE_PURE_LDIF", "AUTHPROBE_PURE_PYTHON"):
        monkeypatch.setenv(name, "1")
        assert not ldif_fast.enabled()
        monkeypatch.delenv(name)
    monkeypatch.setattr(ldif_fast, "FORCE_PURE", True)
    assert not ldif_fast.enabled()
