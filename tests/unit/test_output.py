"""Where a command's result goes (stdout or -o FILE) and the exit code its findings give."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from authprobe.cli.console import Environment
from authprobe.cli.options import FailOn
from authprobe.cli.output import exit_code, open_output, write_output, write_view
from authprobe.errors import ExitCode, InputError
from authprobe.model import Finding, Severity


def _env() -> tuple[Environment, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=Console(file=out, width=80), stderr=Console(file=err, width=200))
    return env, out, err


def _finding(severity: Severity) -> Finding:
    return Finding("sis-id-space", severity, "sis", None, 1, "m")


def test_text_goes_to_stdout_without_output() -> None:
    """No -o: the text is written to stdout as it is, nothing said on stderr."""
    env, out, err = _env()
    write_output(env, None, "report\n")
    assert out.getvalue() == "report\n"
    assert err.getvalue() == ""


def test_text_goes_to_the_file_and_stderr_says_so(tmp_path: Path) -> None:
    """-o FILE: the file holds the text; stderr names the file with the command's words."""
    env, out, err = _env()
    target = tmp_path / "r.json"
    write_output(env, target, "{}\n", done="Report written to")
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert out.getvalue() == ""
    assert err.getvalue() == f"Report written to {target}\n"


def test_an_unwritable_output_is_an_input_error(tmp_path: Path) -> None:
    """A folder that does not exist: exit 4 (output-unwritable), not a traceback."""
    env, _, _ = _env()
    with pytest.raises(InputError) as caught:
        write_output(env, tmp_path / "no" / "r.json", "x")
    assert caught.value.reference == "output-unwritable"
    assert caught.value.exit_code == ExitCode.UNREADABLE


def test_a_failed_run_leaves_no_half_file(tmp_path: Path) -> None:
    """An error while writing removes the file begun."""
    target = tmp_path / "r.md"

    def write_half() -> None:
        with open_output(target) as handle:
            handle.write("half")
            raise RuntimeError("the input broke")

    with pytest.raises(RuntimeError):
        write_half()
    assert not target.exists()


def test_a_view_drawn_into_a_file_has_the_width_asked_and_no_colour(tmp_path: Path) -> None:
    """-o FILE for a rich view: plain text, laid out for the width given."""
    env, _, err = _env()
    target = tmp_path / "r.txt"
    write_view(env, target, lambda console: console.print("x" * 150, style="red"), width=100)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines == ["x" * 100, "x" * 50]
    assert err.getvalue() == f"Written to {target}\n"


@pytest.mark.parametrize(
    ("fail_on", "worst", "expected"),
    [
        (FailOn.ERROR, Severity.WARNING, 0),
        (FailOn.ERROR, Severity.ERROR, 1),
        (FailOn.WARNING, Severity.WARNING, 1),
        (FailOn.INFO, Severity.INFO, 1),
        (FailOn.WARNING, Severity.INFO, 0),
        (FailOn.NEVER, Severity.ERROR, 0),
    ],
)
def test_exit_code_follows_fail_on(fail_on: FailOn, worst: Severity, expected: int) -> None:
    """1 when a finding is at or above --fail-on, else 0; never: always 0."""
    findings = [_finding(Severity.INFO), _finding(worst)]
    assert exit_code(findings, fail_on) == expected


def test_no_finding_is_exit_0() -> None:
    """Nothing found: 0, whatever --fail-on says."""
    assert exit_code([], FailOn.INFO) == 0


def test_half_a_surrogate_pair_is_written_escaped_to_a_file(tmp_path: Path) -> None:
    """Text that is not valid Unicode (a JSON escape such as \\ud800 alone gives it) is written
    escaped, never an encoding error."""
    path = tmp_path / "out.md"
    with open_output(path) as handle:
        handle.write("sub: u\ud800x\n")
    assert path.read_text(encoding="utf-8") == "sub: u\\ud800x\n"


def test_a_claim_with_half_a_surrogate_pair_is_shown_escaped(tmp_path: Path) -> None:
    """`oidc decode --show-values` of a token whose claim holds half a surrogate pair: the claim
    shown escaped on a real stdout, the exit code the token's findings give (1: alg none), not
    an internal error (70)."""
    claims = json.dumps({"iss": "https://idp.example", "sub": "u\ud800x", "aud": "alma"})
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()
    token = tmp_path / "token.jwt"
    token.write_text(f"{header}.{body}.", encoding="ascii")
    for fmt in ("table", "md", "json"):
        done = subprocess.run(
            [sys.executable, "-m", "authprobe", "oidc", "decode", str(token), "--show-values",
             "-f", fmt],
            capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, check=False,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert "u\\ud800x" in done.stdout.decode("utf-8"), fmt
