"""Golden files: the demo college's JSON, Markdown, HTML and exceptions CSV, committed and compared.

Timestamps, versions and the checkout's path are normalised. When a change to the report is
intended, regenerate with `AUTHPROBE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py` and
review the diff of tests/golden/ like code.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from authprobe.reports.csv import render_exceptions_csv
from authprobe.reports.html import render_html
from authprobe.reports.json import render_json
from authprobe.reports.markdown import render_markdown
from tests.reportdata import DEMO_FOLDER, demo_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AUTHPROBE_UPDATE_GOLDEN", "") not in ("", "0")
RENDERERS: dict[str, Callable[..., str]] = {
    "demo-report.json": render_json,
    "demo-report.md": render_markdown,
    "demo-report.html": render_html,
    "demo-exceptions.csv": render_exceptions_csv,
}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")
VERSIONS = (
    (re.compile(r'"(authprobe_version|python_version)": "[^"]*"'), r'"\1": "<version>"'),
    (re.compile(r"(authprobe|Python) \d+\.\d+(?:\.\d+)?(?:[+-]?[a-z]+\d*)*"), r"\1 <version>"),
    (re.compile(r'(content="authprobe) [^"]*"'), r'\1 <version>"'),
)


def normalise(text: str) -> str:
    """Replace what changes between runs and machines: timestamps, versions, the checkout path."""
    text = text.replace(str(DEMO_FOLDER), "<demo-college>")
    text = TIMESTAMP.sub("<timestamp>", text)
    for pattern, replacement in VERSIONS:
        text = pattern.sub(replacement, text)
    return text


def test_normalise_removes_run_specific_text() -> None:
    """Two runs that differ only in time, version and path normalise to the same text."""
    one = f'"authprobe_version": "0.1.0" 2026-01-02T03:04:05+00:00 {DEMO_FOLDER}/x authprobe 0.1.0'
    two = f'"authprobe_version": "9.9" 2031-12-31T23:59:59Z {DEMO_FOLDER}/x authprobe 9.9.1rc1'
    assert normalise(one) == normalise(two)
    assert normalise("by authprobe 0.1.0.") == "by authprobe <version>."
    assert "<demo-college>/x" in normalise(one)


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_golden(name: str) -> None:
    """The demo's report equals the committed golden file (after normalisation)."""
    actual = normalise(RENDERERS[name](demo_report()))
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="")
    assert path.exists(), f"{path} is missing: run with AUTHPROBE_UPDATE_GOLDEN=1"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    f"golden/{name}",
                    "regenerated",
                )
            )[:80]
        )
        pytest.fail(
            f"{name} differs from the golden file (review, then regenerate with "
            f"AUTHPROBE_UPDATE_GOLDEN=1):\n{diff}"
        )
