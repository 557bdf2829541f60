"""Suite-wide rule: under CI=true a test may not skip because a tool it needs is missing.

Locally a missing Debian tool (xmlsec1, chromium, slapd, samba) skips the tests that need it;
in CI that would hide a broken install step, so such a skip becomes a failure. Skips because
`../shared/corpus` is absent stay skips: the corpus is optional by design.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

MISSING_TOOL_WORDS = ("not installed", "not found on path", "is missing")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Turn 'tool not installed' skips into failures when CI=true."""
    report = yield
    if os.environ.get("CI") == "true" and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).lower()
        if any(word in reason for word in MISSING_TOOL_WORDS) and "corpus" not in reason:
            report.outcome = "failed"
            report.longrepr = f"under CI=true a missing tool is a failure, not a skip: {reason}"
    return report
