"""The package as a user installs it: the wheel, in a fresh virtual environment, runs the demo.

structlog's habit: test what is shipped, not the checkout. The wheel is built from this checkout
(`pip wheel`), installed with its dependencies into a new venv outside it, and `authprobe demo`
runs there from an empty folder (templates, py.typed and the demo generator must be inside the
wheel).
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).parents[2]


def test_wheel_installs_and_runs_the_demo(tmp_path: Path) -> None:
    """A wheel built from the checkout installs in a fresh venv and `authprobe demo` works."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True,
        timeout=600,
    )
    [wheel] = list(wheels.glob("authprobe-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "authprobe/py.typed" in names
    assert "authprobe/reports/templates/report.html.j2" in names
    assert any(n.endswith("/licenses/LICENSE") for n in names)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=900)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    done = subprocess.run(
        [str(env_dir / "bin" / "authprobe"), "demo", "-f", "json"],
        cwd=empty,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["recommendation"]["directory_attribute"] == "employeeID"
    assert report["sis_match"]["match_id_type"] == "primary_id"
    assert list(empty.iterdir()) == []  # the demo wrote nothing it was not asked to
