"""`authprobe` run in a child process under a memory limit (`RLIMIT_AS`) and a time limit, for
the tests of bounded input and of exit codes; and a small college to run it on."""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.helpers import write_ldif, write_sis

MEMORY = 1 << 30
"""Address space of a child: far more than any bounded run needs (recommend loads polars)."""
TIMEOUT = 90.0
"""Seconds a child may run: minutes below what an unbounded read of the same input takes."""


def run(
    args: Sequence[str],
    *,
    memory: int = MEMORY,
    timeout: float = TIMEOUT,
    user: int | None = None,
    stdout: Any = subprocess.PIPE,
) -> subprocess.CompletedProcess[str]:
    """`authprobe ARGS` in a child process with an address-space limit and a time limit."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "authprobe", *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        user=user,
        group=user,
        extra_groups=[] if user is not None else None,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], reference: str) -> str:
    """Assert a clean exit 4 with `reference` and no traceback; return stderr."""
    assert result.returncode == 4, result.stderr
    assert f"error [{reference}]" in result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def small_college(tmp_path: Path) -> tuple[Path, Path]:
    """A directory export and an SIS extract that join on employeeNumber (20 people)."""
    entries = [
        {"dn": f"uid=u{i},ou=Staff,dc=c,dc=ca", "uid": f"u{i}", "cn": "U", "sn": "X",
         "employeeNumber": f"{i:06d}"}
        for i in range(20)
    ]  # fmt: skip
    users = [{"primary_id": f"{i:06d}", "user_group": "STAFF"} for i in range(20)]
    return write_ldif(tmp_path / "d.ldif", entries), write_sis(tmp_path / "s.xml", users)
