"""saml metadata streams an aggregate: same content as the whole-document view, nothing half-done.

The aggregates come from tests/saml_aggregate.py, which knows the entityIDs and names it wrote.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from authprobe.cli.app import main
from authprobe.errors import ExitCode, InputError, SourceUnreachable, UsageError
from authprobe.reports.envelope import to_json
from authprobe.reports.saml_metadata import metadata_to_dict, write_json, write_markdown
from authprobe.sources.saml.metadata import MetadataScan, read_metadata
from authprobe.sources.web import fetch as web_fetch
from tests import saml_aggregate, saml_helpers

NOW = datetime(2026, 1, 1, tzinfo=UTC)
GENERATED = re.compile(r'"generated_at": "[^"]*"')


@pytest.fixture(scope="module")
def cert_body(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A signing certificate's base64 body for the generated IdPs."""
    pair = saml_helpers.make_keypair(tmp_path_factory.mktemp("fed"), "fed")
    return "".join(line for line in pair.cert_pem.splitlines() if not line.startswith("-----"))


def _aggregate(tmp_path: Path, count: int, cert_body: str) -> Path:
    return saml_aggregate.write_aggregate(tmp_path / f"agg{count}.xml", count, cert_body)


@pytest.mark.parametrize("count", [1, 3, 7])
def test_streamed_json_is_the_whole_document_json(
    tmp_path: Path, cert_body: str, count: int
) -> None:
    """write_json writes, byte for byte, what json.dumps of the whole result gives."""
    path = _aggregate(tmp_path, count, cert_body)
    streamed = io.StringIO()
    write_json(MetadataScan(path, now=NOW), streamed, NOW)
    whole = to_json(metadata_to_dict(read_metadata(path, now=NOW), NOW))
    assert GENERATED.sub("", streamed.getvalue()) == GENERATED.sub("", whole)
    data = json.loads(streamed.getvalue())
    assert list(data) == ["schema_version", "meta", "idps", "metadata"]
    assert [i["entity_id"] for i in data["idps"]] == [
        saml_aggregate.entity_id(n) for n in range(count)
    ]
    assert [i["display_name"] for i in data["idps"]] == [
        saml_aggregate.display_name(n) for n in range(count)
    ]


def test_streamed_markdown_lists_every_idp_then_the_document(
    tmp_path: Path, cert_body: str
) -> None:
    """An aggregate in markdown: one section per IdP in document order, the facts at the end."""
    out = io.StringIO()
    write_markdown(MetadataScan(_aggregate(tmp_path, 9, cert_body), now=NOW), out, NOW)
    text = out.getvalue()
    assert re.findall(r"^## (https\S+)$", text, re.M) == [
        saml_aggregate.entity_id(n) for n in range(9)
    ]
    assert text.index("## The document") > text.index(saml_aggregate.entity_id(8))
    assert "- IdPs: 9 of 9 entities" in text


def test_nothing_is_written_before_an_error_found_at_the_end(tmp_path: Path) -> None:
    """Metadata without any IdP: the error comes before a single byte of JSON is written."""
    path = tmp_path / "sp-only.xml"
    path.write_text(
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'entityID="https://sp.test"><md:SPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>'
        "</md:EntityDescriptor>",
        encoding="utf-8",
    )
    out = io.StringIO()
    with pytest.raises(InputError) as caught:
        write_json(MetadataScan(path), out)
    assert caught.value.reference == "saml-metadata-no-idp"
    assert out.getvalue() == ""


def test_unknown_entity_writes_nothing(tmp_path: Path, cert_body: str) -> None:
    """--entity not in the aggregate: a usage error, and the output is still empty."""
    out = io.StringIO()
    scan = MetadataScan(_aggregate(tmp_path, 5, cert_body), entity="https://nope.test/idp")
    with pytest.raises(UsageError):
        write_json(scan, out)
    assert out.getvalue() == ""


def test_output_file_is_removed_when_the_document_breaks_half_way(
    tmp_path: Path, cert_body: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A truncated aggregate: exit 4 naming the line, and no half-written -o file is left."""
    whole = _aggregate(tmp_path, 20, cert_body).read_text(encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(whole[: whole.index(saml_aggregate.entity_id(12))], encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["saml", "metadata", str(broken), "-f", "json", "-o", str(out)]) == 4
    assert "xml-malformed" in capsys.readouterr().err
    assert not out.exists()


def test_fail_on_sees_findings_of_streamed_idps(
    tmp_path: Path, cert_body: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--fail-on warning exits 1: every generated IdP offers only transient NameIDs (a warning)."""
    path = _aggregate(tmp_path, 6, cert_body)
    assert main(["saml", "metadata", str(path), "--fail-on", "warning"]) == 1
    assert main(["saml", "metadata", str(path), "--fail-on", "error"]) == 0
    out = capsys.readouterr().out
    assert "6 IdPs: pass --entity ENTITY_ID" in out


@pytest.fixture
def server(tmp_path: Path, cert_body: str) -> Iterator[str]:
    """127.0.0.1 serving a 30-IdP aggregate at /agg and the first half of it at /cut."""
    body = _aggregate(tmp_path, 30, cert_body).read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))  # /cut sends less than it says
            self.end_headers()
            self.wfile.write(body if self.path == "/agg" else body[: len(body) // 2])

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_is_streamed_like_a_file(server: str) -> None:
    """An aggregate URL yields every IdP in order, read from the response as it arrives."""
    scan = MetadataScan(f"{server}/agg")
    assert [idp.entity_id for idp in scan] == [saml_aggregate.entity_id(n) for n in range(30)]
    assert scan.document.entities == 30


def test_url_body_over_the_cap_stops_reading(server: str) -> None:
    """A body larger than the cap: InputError saml-metadata-too-large once the cap is passed."""
    url = f"{server}/agg"
    with pytest.raises(InputError) as caught:
        web_fetch(url, what="metadata", reference="saml-metadata", max_bytes=16 * 1024)
    assert caught.value.reference == "saml-metadata-too-large"
    assert "16 kB" in caught.value.message
    whole = web_fetch(url, what="metadata", reference="saml-metadata", max_bytes=1 << 20)
    assert len(whole) > 16 * 1024


def test_connection_lost_half_way_is_unreachable(server: str) -> None:
    """The server closes before the promised length: exit 3 (unreachable), not a crash."""
    with pytest.raises(SourceUnreachable) as caught:
        list(MetadataScan(f"{server}/cut", timeout=5))
    assert caught.value.exit_code is ExitCode.UNREACHABLE
    assert caught.value.reference == "saml-metadata-cut"


def test_keep_reads_only_the_named_idps(tmp_path: Path, cert_body: str) -> None:
    """keep= (a login's Issuers): only those IdPs are read, all are counted, none is 'chosen'."""
    path = _aggregate(tmp_path, 7, cert_body)
    wanted = saml_aggregate.entity_id(3)
    metadata = read_metadata(path, keep={wanted, "https://elsewhere.test/idp"})
    assert [idp.entity_id for idp in metadata.idps] == [wanted]
    assert (metadata.entities, metadata.idp_count, metadata.selected) == (7, 7, None)
    assert read_metadata(path, keep=()).idps == ()
