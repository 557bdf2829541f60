"""Hostile sizes for the saml commands, run in a child process under a memory and a time limit.

The limits are the operating system's (`resource.setrlimit(RLIMIT_AS)` in the child, and a
wall-clock timeout on it): a run that needs more memory fails with MemoryError (exit 70), one that
takes too long is killed, so each test fails on code that does not stay bounded.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import textwrap
import urllib.parse
import zlib
from pathlib import Path
from typing import Any

import pytest

from authprobe.sources.saml.unwrap import MAX_INPUT

MEMORY_LIMIT = 768 * 1024 * 1024
TIME_LIMIT = 120.0


def run_limited(
    args: list[str], *, memory: int = MEMORY_LIMIT, timeout: float = TIME_LIMIT
) -> subprocess.CompletedProcess[str]:
    """`authprobe ARGS` in a child whose address space is capped at `memory` bytes.

    The child prints its peak address space (VmPeak, bytes) as the last line of stderr.
    """
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
        from authprobe.cli.app import main
        code = main({args!r})
        status = open("/proc/self/status").read().split("VmPeak:")[1].split()[0]
        print(f"\\nVmPeak {{int(status) * 1024}}", file=sys.stderr)
        sys.exit(code)
        """
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=Path(__file__).parents[2],
    )


def peak(done: subprocess.CompletedProcess[str]) -> int:
    """The VmPeak a `run_limited` child reported."""
    return int(done.stderr.rsplit("VmPeak ", 1)[1].split()[0])


def _deflate_bomb(inflated_mib: int) -> bytes:
    """A raw-deflate stream that starts like a Response and inflates to `inflated_mib` MiB."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    parts = [compressor.compress(b"<samlp:Response>")]
    zeros = b"\0" * (1 << 20)
    parts.extend(compressor.compress(zeros) for _ in range(inflated_mib))
    parts.append(compressor.flush())
    return b"".join(parts)


def test_redirect_binding_deflate_bomb_stops_at_the_message_limit(tmp_path: Path) -> None:
    """A 4.7 MB SAMLResponse= that inflates to 1 GiB: exit 4 naming the file and the limit."""
    raw = _deflate_bomb(1024)
    value = urllib.parse.quote(base64.b64encode(raw).decode())
    bomb = tmp_path / "callback.txt"
    bomb.write_text(f"https://sp.test/acs?SAMLResponse={value}", encoding="ascii")
    assert bomb.stat().st_size < MAX_INPUT
    done = run_limited(["saml", "decode", str(bomb)], timeout=60)
    assert done.returncode == 4, done.stderr[-2000:]
    assert "saml-message-too-large" in done.stderr
    assert str(bomb) in done.stderr
    assert f"{MAX_INPUT // (1024 * 1024)} MB" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("inflated_mib", [1])
def test_small_deflated_message_still_inflates(inflated_mib: int) -> None:
    """A deflated value under the limit is inflated whole (the bound does not cut real input)."""
    from authprobe.sources.saml.unwrap import extract_xml

    xml = b"<samlp:Response>" + b" " * (inflated_mib << 20) + b"</samlp:Response>"
    value = base64.b64encode(zlib.compress(xml)[2:-4])
    out, fmt = extract_xml(value, "x")
    assert (out, fmt) == (xml, "base64+deflate")


def test_huge_file_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    """A 4 GiB (sparse) file given to decode: exit 4 after reading just past the limit."""
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:
        handle.write(b"<samlp:Response>")
        handle.truncate(4 << 30)
    done = run_limited(["saml", "decode", str(huge)], timeout=60)
    assert done.returncode == 4, done.stderr[-2000:]
    assert "saml-message-too-large" in done.stderr
    assert str(huge) in done.stderr


def test_the_memory_limit_leaves_room_for_a_real_login() -> None:
    """Control: a real login (Okta, from the corpus) decodes under the same limits, exit 0."""
    login = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "saml-responses"
    login = login / "okta_gosaml2_response.xml"
    if not login.is_file():
        pytest.skip("../shared/corpus is absent")
    done = run_limited(["saml", "decode", str(login)], timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Attributes released (1)" in done.stdout


# -- B6: a metadata aggregate of many IdPs ------------------------------------------------------

AGGREGATE_IDPS = 20_000
HEADROOM = 150 * 1024 * 1024
"""Memory the 20,000-IdP run may use beyond a 10-IdP run of the same command: before streaming
the JSON run took ~450 MB more, the table ~200 MB, markdown ~220 MB; streamed, ~40 MB."""


@pytest.fixture(scope="module")
def aggregates(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The same generated aggregate at 10 and at 20,000 IdPs (each with a signing cert)."""
    from tests import saml_aggregate, saml_helpers

    folder = tmp_path_factory.mktemp("aggregate")
    pair = saml_helpers.make_keypair(folder, "fed")
    body = "".join(line for line in pair.cert_pem.splitlines() if not line.startswith("-----"))
    return {
        count: saml_aggregate.write_aggregate(folder / f"agg{count}.xml", count, body)
        for count in (10, AGGREGATE_IDPS)
    }


DECODE_HEADROOM = 40 * 1024 * 1024
"""decode keeps only the login's IdP: 20,000 IdPs need no more than 10 (all kept: ~80 MB more)."""


def saml_helpers_keypair(aggregates: dict[int, Path]) -> Any:
    """The key pair whose certificate every generated IdP publishes (next to the aggregates)."""
    from tests import saml_helpers

    folder = aggregates[10].parent
    return saml_helpers.KeyPair(folder / "fed.crt", folder / "fed.key")


def _listed(fmt: str, text: str) -> list[str]:
    """The entityIDs an output lists, in order."""
    if fmt == "json":
        return [idp["entity_id"] for idp in json.loads(text)["idps"]]
    if fmt == "md":
        return re.findall(r"^## (https://\S+)$", text, re.M)
    return re.findall(r"^(https://idp\d+\.fed\.test/idp)\s", text, re.M)


@pytest.mark.parametrize("fmt", ["json", "table", "md"])
def test_aggregate_listing_memory_does_not_grow_with_the_entity_count(
    aggregates: dict[int, Path], tmp_path: Path, fmt: str
) -> None:
    """20,000 IdPs listed in full within 150 MB of what 10 IdPs need (RLIMIT_AS in the child)."""
    from tests.saml_aggregate import entity_id

    small = run_limited(["saml", "metadata", str(aggregates[10]), "-f", fmt, "-o", "/dev/null"])
    assert small.returncode == 0, small.stderr[-2000:]
    out = tmp_path / f"out.{fmt}"
    args = ["saml", "metadata", str(aggregates[AGGREGATE_IDPS]), "-f", fmt, "-o", str(out)]
    done = run_limited(args, memory=peak(small) + HEADROOM, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    listed = _listed(fmt, out.read_text(encoding="utf-8"))
    assert listed == [entity_id(n) for n in range(AGGREGATE_IDPS)]
    if fmt == "json":
        document = json.loads(out.read_text(encoding="utf-8"))["metadata"]
        assert (document["entities"], document["idps"]) == (AGGREGATE_IDPS, AGGREGATE_IDPS)
    else:
        shown = f"{AGGREGATE_IDPS:,} of {AGGREGATE_IDPS:,} entities"
        assert shown in out.read_text(encoding="utf-8")


def test_decode_against_an_aggregate_keeps_only_the_issuers_idp(
    aggregates: dict[int, Path], tmp_path: Path
) -> None:
    """decode --idp-metadata with 20,000 IdPs: the login's IdP is found within 40 MB of 10 IdPs."""
    from tests import saml_forge
    from tests.saml_aggregate import entity_id

    pair = saml_helpers_keypair(aggregates)
    issuer = entity_id(AGGREGATE_IDPS - 3)
    xml = saml_forge.response(saml_forge.assertion(issuer=issuer), issuer=issuer)
    login = tmp_path / "login.xml"
    login.write_bytes(saml_forge.sign(xml, pair, "_a1", tmp_path))
    args = ["saml", "decode", str(login), "-f", "json", "--idp-metadata"]
    small = run_limited([*args, str(aggregates[10])])
    assert small.returncode == 1, small.stderr[-2000:]  # issuer-not-in-metadata is an error
    assert json.loads(small.stdout)["login"]["trusted"] is None  # its IdP is not among the 10
    done = run_limited(
        [*args, str(aggregates[AGGREGATE_IDPS])], memory=peak(small) + DECODE_HEADROOM
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["login"]["trusted"] is True


def test_thousands_of_signatures_are_refused_in_seconds(tmp_path: Path) -> None:
    """2,000 copies of a Signature in one Assertion: refused quickly (not one check each)."""
    from tests import saml_forge, saml_helpers

    pair = saml_helpers.make_keypair(tmp_path, "idp")
    xml = saml_forge.sign(saml_forge.response(), pair, "_a1", tmp_path)
    signature = re.search(rb"<ds:Signature .*?</ds:Signature>", xml, re.S)
    assert signature is not None
    login = tmp_path / "many.xml"
    login.write_bytes(xml.replace(signature.group(0), signature.group(0) * 2000, 1))
    done = run_limited(
        ["saml", "decode", str(login), "--cert", str(pair.cert), "-f", "json"], timeout=60
    )
    assert done.returncode == 1, done.stderr[-2000:]  # an error finding, --fail-on error
    data = json.loads(done.stdout)["login"]
    assert data["trusted"] is False
    (repeated,) = [f for f in data["findings"] if f["code"] == "signature-repeated"]
    assert "the Assertion has 2000" in repeated["message"]
