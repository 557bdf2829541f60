"""The C reader of Alma user XML (`_userxml`, via `fast_users`) gives exactly what lxml gives.

Every test reads the same bytes twice, once on the C path and once on the reference (lxml) path
(`fast_users.FORCE_PURE`), and compares the records (ref, attrs and info in insertion order,
population), the stats (counts, skip reasons and examples, in order) and the error (class,
reference, message, location). Inputs: the real files of ../shared/corpus/alma, the demo
colleges, the benchmarks' generators, files of more than 65,535 lines, and hostile documents
built by hypothesis (comments and PIs everywhere, CDATA, references, namespaces, odd values,
damage of every kind). On anything unusual the C path hands the document back to lxml; the
records must still be given once, in order.
"""

from __future__ import annotations

import io
import random
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from authprobe.demo import DEMO, generate, write_college
from authprobe.errors import AuthprobeError
from authprobe.model import ReadStats
from authprobe.sources.sis import fast_users
from authprobe.sources.sis.extract import SisExtract
from authprobe.sources.sis.user_xml import INFO_FIELDS, USER_CHILDREN
from tests.colleges import COLLEGES

pytestmark = pytest.mark.skipif(
    not fast_users.BUILT,
    reason="the C reader _userxml is not built (libxml2-dev or a compiler is missing)",
)

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "alma"


@pytest.fixture(autouse=True)
def _both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests choose the path themselves: a user's AUTHPROBE_PURE_XML does not apply."""
    monkeypatch.delenv("AUTHPROBE_PURE_XML", raising=False)
    monkeypatch.delenv("AUTHPROBE_PURE_PYTHON", raising=False)


@dataclass
class Read:
    records: list[tuple[Any, ...]]
    stats: tuple[Any, ...]
    error: tuple[Any, ...] | None
    fallbacks: list[fast_users.Fallback]


def _collect(extract: SisExtract, records: Iterator[Any]) -> Read:
    out: list[tuple[Any, ...]] = []
    error = None
    try:
        for r in records:
            out.append((r.ref, list(r.attrs.items()), r.population, list(r.info.items())))
    except AuthprobeError as exc:
        error = (type(exc).__name__, exc.reference, exc.message, exc.location, exc.hint)
    except Exception as exc:  # a bug of the reference must be the same bug on the C path
        error = (type(exc).__name__, str(exc))
    s = extract.stats
    stats = (s.records, s.files, list(s.skipped.items()), list(s.skipped_examples.items()))
    return Read(out, stats, error, extract.fallbacks)


def read_bytes(data: bytes, pure: bool, label: str = "users.xml") -> Read:
    """One document through `SisExtract._read` (sniffing included), on one path."""
    fast_users.FORCE_PURE = pure
    try:
        extract = SisExtract([Path(__file__)])
        extract.stats = ReadStats()
        return _collect(extract, extract._read(io.BytesIO(data), label))
    finally:
        fast_users.FORCE_PURE = False


def read_paths(paths: list[Path], pure: bool) -> Read:
    """Files, folders and zips through `SisExtract.records`, on one path."""
    fast_users.FORCE_PURE = pure
    try:
        extract = SisExtract(paths)
        return _collect(extract, extract.records())
    finally:
        fast_users.FORCE_PURE = False


def assert_same(fast: Read, pure: Read) -> None:
    assert fast.records == pure.records
    assert fast.stats == pure.stats
    assert fast.error == pure.error
    assert not pure.fallbacks


def same_bytes(data: bytes) -> Read:
    fast = read_bytes(data, pure=False)
    assert_same(fast, read_bytes(data, pure=True))
    return fast


# --- real and generated files ------------------------------------------------------------------


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.suffix == ".xml")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_corpus_files_read_the_same(path: Path) -> None:
    """Each real Alma user file of the corpus gives the same records, stats and errors."""
    fast = read_paths([path], pure=False)
    assert_same(fast, read_paths([path], pure=True))
    assert fast.records or fast.error  # something was read or refused


@pytest.mark.parametrize("spec", [DEMO, *COLLEGES], ids=lambda s: s.name)
def test_demo_colleges_read_the_same(spec: Any, tmp_path: Path) -> None:
    """The demo colleges' SIS zips and Alma exports give the same records on both paths."""
    files = write_college(generate(spec), tmp_path)
    inputs = [files.sis] + ([files.alma] if files.alma else [])
    for path in inputs:
        fast = read_paths([path], pure=False)
        assert_same(fast, read_paths([path], pure=True))
        assert fast.records
        assert not fast.fallbacks


def test_bench_generators_read_the_same(tmp_path: Path) -> None:
    """The benchmarks' users (sis_scan, preflight, recommend_e2e) read the same on both paths."""
    from bench import preflight, recommend_e2e, sis_scan

    (tmp_path / "scan").mkdir()
    sis_scan.generate(tmp_path / "scan", 300)
    preflight.generate(tmp_path / "pre", 300)
    recommend_e2e.generate(tmp_path / "e2e", 300)
    folders = [tmp_path / "scan", tmp_path / "pre" / "sis", tmp_path / "pre" / "alma"]
    folders.append(tmp_path / "e2e" / "sis")
    for folder in folders:
        fast = read_paths([folder], pure=False)
        assert_same(fast, read_paths([folder], pure=True))
        assert len(fast.records) == 300
        assert not fast.fallbacks


def test_lines_above_65535_are_the_same(tmp_path: Path) -> None:
    """A 1,500-user extract (75,000 lines, ordinary layout) gives the same refs on both paths."""
    from bench import sis_scan

    sis_scan.generate(tmp_path, 1500)
    path = next(tmp_path.glob("*.xml"))
    assert path.read_bytes().count(b"\n") > 70_000
    fast = read_paths([path], pure=False)
    assert_same(fast, read_paths([path], pure=True))
    assert not fast.fallbacks
    assert int(fast.records[-1][0].rpartition(":")[2]) > 70_000


def test_one_user_per_line_above_65535() -> None:
    """70,000 one-line users (lines above 65,535 without leading text) read the same."""
    users = "".join(
        f"<user><primary_id>p{i}</primary_id><user_group>G</user_group></user>\n"
        for i in range(70_000)
    )
    fast = same_bytes(f"<users>\n{users}</users>\n".encode())
    assert len(fast.records) == 70_000
    assert not fast.fallbacks
    assert fast.records[-1][0] == "users.xml:70001"


def test_start_lines_match_lxml_sourceline() -> None:
    """Refs carry lxml's line (the end of the start tag), tags on one line or several."""
    doc = (
        "<users>\n<user\n  a='1'\n>\n<primary_id>x</primary_id></user>\n"
        "  <user><primary_id\n>y</primary_id></user><user\n\n/>\n"
        "<user>\n<user_identifiers><user_identifier\n><value>v</value></user_identifier>"
        "</user_identifiers></user><note\n/></users>"
    )
    fast = same_bytes(doc.encode())
    assert not fast.fallbacks
    # libxml2's line of an element is the line of the end of its start tag
    assert [r[0] for r in fast.records] == [f"users.xml:{n}" for n in (4, 6, 9, 10)]
    assert fast.stats[3] == [
        ("user_identifier without id_type (value ignored)", ["users.xml:12"]),
        ("element other than <user> in the user list", ["users.xml:13"]),
    ]


BIG = "\n" * 65_600


# layouts above line 65,535, and whether the C path reproduces lxml's line (else lxml reads it)
LAYOUTS = [
    ("<user>\n  <primary_id>a</primary_id>\n</user>", True),
    ("<user><primary_id>a</primary_id></user>", True),
    ("<user\n  x='1'>\n\n<primary_id>a</primary_id></user>", True),
    ("<user>text\n<primary_id>a</primary_id></user>", True),
    ("<user>\n<user_identifiers>\n<user_identifier>\n<value>v</value>"
     "</user_identifier></user_identifiers></user>", True),
    ("<user>\n  &#10;<primary_id>a</primary_id></user>", False),
    ("<user><!-- c --><primary_id>a</primary_id></user>", False),
    ("<user><primary_id/></user>", False),
    ("<user/>", False),
    ("<user><![CDATA[\n]]><primary_id>a</primary_id></user>", False),
    ("<user><user_identifiers><user_identifier><value>v</value>"
     "</user_identifier></user_identifiers></user>", False),
    ("<user>\n</user><note>\n</note><note/><note><x>y</x></note>", False),
    ("<user>\n</user><note>\n</note><note>x</note><user>\n</user>", True),
]  # fmt: skip


@pytest.mark.parametrize(("layout", "in_c"), LAYOUTS)
def test_odd_layouts_above_65535(layout: str, in_c: bool) -> None:
    """Odd layouts above line 65,535: the same refs and skips (or lxml reads them itself)."""
    fast = same_bytes(f"<users>{BIG}{layout}\n{layout}</users>".encode())
    assert (not fast.fallbacks) is in_c


def test_documents_of_a_folder_merge_stats_in_order(tmp_path: Path) -> None:
    """Skip examples of several documents keep the reference's order (at most 5 per reason)."""
    for n in range(3):
        users = "".join(
            "<note/><user><user_identifiers><user_identifier><value>v</value>"
            "</user_identifier></user_identifiers></user>\n"
            for _ in range(3)
        )
        (tmp_path / f"u{n}.xml").write_text(f"<users>{users}</users>", encoding="utf-8")
    fast = read_paths([tmp_path], pure=False)
    assert_same(fast, read_paths([tmp_path], pure=True))
    assert fast.stats[2] == [
        ("user_identifier without id_type (value ignored)", 9),
        ("element other than <user> in the user list", 9),
    ]


def test_values_keep_their_exact_text() -> None:
    """Raw values stay raw, info is str.strip()ped (Unicode spaces too), the last child wins."""
    doc = (
        "<users><user><primary_id> P1 </primary_id><primary_id>\u00a0P2\u2003</primary_id>"
        "<first_name>\u0085Ann\u00a0</first_name><last_name>  </last_name>"
        "<last_name>Lee</last_name><last_name/><user_group> GRAD </user_group>"
        "<user_identifiers><user_identifier><id_type>\u2003BARCODE </id_type>"
        "<value> 12&amp;3 </value></user_identifier><!-- c -->"
        "<user_identifier><id_type>BARCODE</id_type><value>x<![CDATA[<y>]]>z<!--c-->w</value>"
        "</user_identifier><user_identifier><id_type>NET_ID</id_type><value>\u00a0"
        "</value></user_identifier></user_identifiers><contact_info><emails>"
        "<email preferred=' TRUE '><email_address> a@x </email_address></email>"
        "<email><email_address>b@x</email_address><preferred>1</preferred></email>"
        "<!-- c --></emails></contact_info><foo/><x:bar xmlns:x='urn:x'/></user></users>"
    )
    fast = same_bytes(doc.encode())
    assert not fast.fallbacks  # all of it read in C
    ((_ref, attrs, group, info),) = fast.records
    assert attrs == [
        ("identifier:BARCODE", (" 12&3 ", "x<y>z")),
        ("email", (" a@x ",)),
        ("email:all", (" a@x ", "b@x")),
        ("primary_id", ("\u00a0P2\u2003",)),
    ]
    assert info == [
        ("first_name", "Ann"),
        ("last_name", "Lee"),
        ("user_group", "GRAD"),
        ("empty_identifiers", "NET_ID"),
        ("preferred_emails", "2"),
        ("unknown_elements", "foo,bar"),
    ]
    assert group is sys.intern("GRAD")


def test_label_outside_ascii_in_refs() -> None:
    """A file name outside ASCII is carried into the refs and skip locations the same."""
    doc = b"<users><x/><user><primary_id>a</primary_id></user></users>"
    fast = read_bytes(doc, pure=False, label="d\u00e9j\u00e0/\u7528\u6237.xml")
    assert_same(fast, read_bytes(doc, pure=True, label="d\u00e9j\u00e0/\u7528\u6237.xml"))
    assert fast.records[0][0] == "d\u00e9j\u00e0/\u7528\u6237.xml:1"
    assert not fast.fallbacks


def test_control_character_in_root_namespace_is_a_clear_error() -> None:
    """A NUL in the root's xmlns is malformed XML on both paths (lxml raised ValueError)."""
    doc = b"<users xmlns='\x00urn:alma'><user/></users>"
    fast = same_bytes(doc)
    assert fast.error is not None
    assert fast.error[:2] == ("InputError", "xml-malformed")
    assert fast.error[3] == "users.xml:1"


# --- fallback ----------------------------------------------------------------------------------


def _users(n: int) -> str:
    return "".join(
        f"<user>\n  <primary_id>{i:06d}</primary_id>\n  <first_name>Name{i}</first_name>\n"
        f"  <user_group>G{i % 3}</user_group>\n</user>\n"
        for i in range(n)
    )


def test_fallback_mid_document_gives_each_record_once() -> None:
    """An error after 3 MB: the records before it come once, then lxml's exact error."""
    doc = f"<users>\n{_users(30_000)}<bad></users>\n".encode()
    assert len(doc) > 3 * fast_users.BLOCK
    fast = read_bytes(doc, pure=False)
    pure = read_bytes(doc, pure=True)
    assert_same(fast, pure)
    assert fast.error is not None
    assert fast.error[1] == "xml-malformed"
    (fallback,) = fast.fallbacks
    assert fallback.given > 10_000  # the C path had given records before it stopped
    refs = [r[0] for r in fast.records]
    assert len(refs) == len(set(refs))


@pytest.mark.parametrize(
    "doc",
    [
        b"<?xml version='1.0' encoding='us-ascii'?><users><user/></users>",
        b"<users><user><primary_id>&nope;</primary_id></user></users>",
        b"<users>" + b"<a>" * 70 + b"</a>" * 70 + b"<user/></users>",
        b"<users><user><primary_id>" + b"x" * 4_100_000 + b"</primary_id></user></users>",
        b"<users><user><user/></user></users>",
        b"<users><x><user/></x></users>",
        b"<users xmlns:a='urn:a'><user><primary_id>\xff</primary_id></user></users>",
    ],
    ids=["ascii", "entity", "deep", "huge-text", "nested-user", "deep-user", "bad-utf8"],
)
def test_unusual_documents_go_to_lxml(doc: bytes) -> None:
    """Documents the C path does not reproduce are read by lxml: same records, same error."""
    fast = read_bytes(doc, pure=False)
    assert_same(fast, read_bytes(doc, pure=True))
    assert len(fast.fallbacks) == 1


def test_pure_xml_variable_forces_lxml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """AUTHPROBE_PURE_XML=1 (or AUTHPROBE_PURE_PYTHON=1) reads with lxml alone, as a schema
    (--xsd) does."""
    path = tmp_path / "u.xml"
    path.write_text(f"<users>{_users(3)}</users>", encoding="utf-8")

    def refuse(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise AssertionError("the C path was used")

    assert fast_users.enabled()
    monkeypatch.setenv("AUTHPROBE_PURE_XML", "1")
    assert not fast_users.enabled()
    monkeypatch.setattr(fast_users, "read_users", refuse)
    assert len(list(SisExtract([path]).records())) == 3
    monkeypatch.delenv("AUTHPROBE_PURE_XML")
    monkeypatch.setenv("AUTHPROBE_PURE_PYTHON", "1")  # every C path off
    assert not fast_users.enabled()
    assert len(list(SisExtract([path]).records())) == 3
    monkeypatch.delenv("AUTHPROBE_PURE_PYTHON")
    with pytest.raises(AssertionError, match="C path"):
        list(SisExtract([path]).records())


def test_zip_members_read_the_same(tmp_path: Path) -> None:
    """Members of a zip (one cut short) read the same on both paths."""
    path = tmp_path / "users.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", f"<users>{_users(50)}</users>")
        archive.writestr("b.xml", f"<users>{_users(50)}")
    fast = read_paths([path], pure=False)
    assert_same(fast, read_paths([path], pure=True))
    # lxml gives the complete users of the truncated member before its error
    assert fast.error is not None
    assert len(fast.records) == 100
    assert [f.label.rpartition("!")[2] for f in fast.fallbacks] == ["b.xml"]


def test_schema_reads_with_lxml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With a schema (--xsd) the extract is read by lxml, whose elements the schema checks."""
    from lxml import etree

    path = tmp_path / "u.xml"
    path.write_text(f"<users>{_users(2)}</users>", encoding="utf-8")
    schema = etree.XMLSchema(
        etree.XML(
            b"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>"
            b"<xs:element name='x'/></xs:schema>"
        )
    )

    def refuse(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise AssertionError("the C path was used")

    monkeypatch.setattr(fast_users, "read_users", refuse)
    extract = SisExtract([path], schema=schema)
    records = list(extract.records())
    assert len(records) == 2
    assert all("xsd_errors" in r.info for r in records)  # <user> is not declared by it


def test_stream_failure_goes_to_lxml(tmp_path: Path) -> None:
    """A corrupt zip member: its read fails in the C path, and lxml gives its exact error."""
    path = tmp_path / "users.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", f"<users>{_users(3000)}</users>")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the deflated member
    path.write_bytes(bytes(data))
    fast = read_paths([path], pure=False)
    assert_same(fast, read_paths([path], pure=True))
    assert fast.error is not None
    # the whole member fits in one block: its CRC check fails in the C path's first read
    assert [f.reason for f in fast.fallbacks] == ["reading the stream failed"]


# --- hostile documents ---------------------------------------------------------------------------

TRICKY = [
    "", " ", "a", " a ", "\u00a0x\u00a0", "\u2003", "\u0085", "\u00a0", "&amp;", "&lt;x&gt;",
    "&#65;", "&#x20;", "&quot;&apos;", "<![CDATA[ c ]]>", "<![CDATA[]]>", "é", " \t\r\n",
    "TRUE", " true ", "1", "yes", "x<!-- c -->y", "<?pi x?>z", "\u001c", "&#x1c;", "&#10;a",
    "a\nb", "\r\n", "&nope;", "\U0001f600", "\u3000v\u3000", "\u2028", "x" * 320,
]  # fmt: skip
VALUE = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6).map(escape))
KNOWN = sorted(USER_CHILDREN - set(INFO_FIELDS) - {"primary_id", "contact_info"})
SPACE = st.sampled_from(["", " ", "\n", "\n  ", "\r\n"])
DAMAGE = [
    b"</x>", b"\xff", b"\xc3", b"&nope;", b"<!DOCTYPE x>", b"&#0;", b"<", b"]]>", b"<?xml?>",
    b"<a:b>", b"\x00", b"&", b"<!-- -- -->", b"xmlns='",
]  # fmt: skip


PREFERRED = [
    "", " preferred='true'", " preferred=' 1\t'", " x:preferred='true' xmlns:x='urn:x'",
    " preferred='&#116;rue'", " preferred='false'", " preferred='TRUE\u00a0'",
]  # fmt: skip
CHILD_KINDS = ["primary", "info", "known", "unknown", "ids", "contact", "misc", "foreign"]
PROLOGS = [
    "", "<?xml version='1.0'?>\n", "<?xml version='1.0' encoding='UTF-8'?>", "\ufeff",
    "<!-- head -->\n",
]  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    mode = draw(st.sampled_from(["plain", "default", "prefix"]))
    p = "a:" if mode == "prefix" else ""
    tag_ws = draw(st.sampled_from(["", " ", "\n", "\n  "]))
    sep = draw(SPACE)

    def el(name: str, inner: str, attrs: str = "") -> str:
        if not inner and draw(st.booleans()):
            return f"<{p}{name}{attrs}{tag_ws}/>"
        return f"<{p}{name}{attrs}{tag_ws}>{inner}</{p}{name}>"

    def leaf(name: str) -> str:
        return el(name, draw(VALUE))

    def misc() -> str:
        return draw(st.sampled_from(["<!-- c -->", "<?pi d?>", sep, "<!--\n-->", "text"]))

    def foreign(name: str) -> str:
        if mode == "default" and draw(st.booleans()):
            return f"<{name} xmlns=''>{draw(VALUE)}</{name}>"
        return f"<f:{name} xmlns:f='urn:other'>{draw(VALUE)}</f:{name}>"

    def identifier() -> str:
        parts = []
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["id_type", "value", "value", "misc", "foreign", "x"]))
            if kind == "misc":
                parts.append(misc())
            elif kind == "foreign":
                parts.append(foreign("value"))
            else:
                parts.append(leaf(kind))
        name = draw(st.sampled_from(["user_identifier", "user_identifier", "other"]))
        return el(name, sep.join(parts))

    def email() -> str:
        parts = []
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["email_address", "email_address", "preferred", "misc"]))
            parts.append(misc() if kind == "misc" else leaf(kind))
        return el("email", sep.join(parts), draw(st.sampled_from(PREFERRED)))

    def child() -> str:
        kind = draw(st.sampled_from(CHILD_KINDS))
        if kind == "primary":
            return leaf("primary_id")
        if kind == "info":
            return leaf(draw(st.sampled_from(INFO_FIELDS)))
        if kind == "known":
            return leaf(draw(st.sampled_from(KNOWN)))
        if kind == "unknown":
            return leaf(draw(st.sampled_from(["foo", "value", "emails", "user_identifier"])))
        if kind == "ids":
            n = draw(st.integers(0, 3))
            ids = (identifier() if draw(st.integers(0, 4)) else misc() for _ in range(n))
            return el("user_identifiers", sep.join(ids))
        if kind == "contact":
            n = draw(st.integers(0, 3))
            inner = el(
                "emails", sep.join(email() if draw(st.integers(0, 4)) else misc() for _ in range(n))
            )
            if draw(st.booleans()):
                inner = f"{el('addresses', '')}{sep}{inner}{sep}{foreign('emails')}"
            return el("contact_info", inner)
        if kind == "misc":
            return misc()
        return foreign(draw(st.sampled_from(["primary_id", "user_group", "bar"])))

    def user() -> str:
        return el("user", sep + sep.join(child() for _ in range(draw(st.integers(0, 6)))) + sep)

    root = draw(st.sampled_from(["users", "userRecords", "user"]))
    xmlns = {"plain": "", "default": " xmlns='urn:alma'", "prefix": " xmlns:a='urn:alma'"}[mode]
    big = BIG if draw(st.integers(0, 5)) == 0 else ""
    if root == "user":
        body = sep.join(child() for _ in range(draw(st.integers(0, 6))))
        doc = f"<{p}user{xmlns}{tag_ws}>{big}{body}</{p}user>"
    else:
        items = []
        for _ in range(draw(st.integers(0, 5))):
            roll = draw(st.integers(0, 5))
            items.append(user() if roll else (misc() if draw(st.booleans()) else el("note", "n")))
        doc = f"<{p}{root}{xmlns}{tag_ws}>{big}{sep}{sep.join(items)}{sep}</{p}{root}>"
    prolog = draw(st.sampled_from(PROLOGS))
    data = (prolog + doc + draw(st.sampled_from(["", "\n", "<!-- t -->"]))).encode("utf-8")
    cut = draw(st.integers(0, 3))
    if cut == 1:  # truncated
        data = data[: draw(st.integers(1, len(data)))]
    elif cut == 2:  # damaged
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(DAMAGE)) + data[at:]
    return data


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents())
@example(b"<users><user><primary_id>a</primary_id></user><user/><x/></users>")
@example(b"<users><x/></users>")
def test_hostile_documents_read_the_same(doc: bytes) -> None:
    """Odd, hostile and broken user XML gives the same records, stats and error on both paths."""
    same_bytes(doc)


def test_random_values_in_a_big_file() -> None:
    """Many random users in one document (several blocks) read the same on both paths."""
    rng = random.Random(5)
    values = [v for v in TRICKY if "&nope" not in v and "\u001c" not in v and "x1c" not in v]
    users = []
    for i in range(6000):
        v = rng.choice(values)
        users.append(
            f"<user>\n<primary_id>{v}{i}</primary_id><first_name>{rng.choice(values)}</first_name>"
            f"<user_identifiers><user_identifier><id_type>{rng.choice(['B', ' ', 'N'])}</id_type>"
            f"<value>{rng.choice(values)}</value></user_identifier></user_identifiers>"
            f"<contact_info><emails><email preferred='{rng.choice(['true', 'no'])}'>"
            f"<email_address>{rng.choice(values)}</email_address></email></emails>"
            f"</contact_info></user>{'<n/>' if i % 7 == 0 else ''}\n"
        )
    fast = same_bytes(("<users>" + "".join(users) + "</users>").encode())
    assert len(fast.records) == 6000
    assert not fast.fallbacks
