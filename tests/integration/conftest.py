"""Fixtures that start real directory servers on 127.0.0.1 for the integration tests.

A server that cannot start skips its tests, except under CI=true where that is a failure.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.integration.samba_dc import (
    SambaDc,
    SambaUnavailable,
    generate_users,
    start_samba,
)
from tests.integration.slapd import Slapd, SlapdUnavailable, start_slapd

SlapdFactory = Callable[..., Slapd]


def server_unavailable(what: str, error: Exception) -> NoReturn:
    """Skip (or fail under CI=true) because a server could not be started."""
    import os

    message = f"{what} could not start: {error}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def slapd_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdFactory]:
    """Start slapd servers on demand: `slapd_factory(ldif, tls=..., size_limit=...)`.

    Every server started is stopped at the end of the session.
    """
    servers: list[Slapd] = []

    def start(ldif: str | Path, **options: Any) -> Slapd:
        directory = tmp_path_factory.mktemp("slapd")
        try:
            server = start_slapd(directory, ldif, **options)
        except SlapdUnavailable as error:
            server_unavailable("slapd", error)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


SAMBA_USERS = 2500


@pytest.fixture(scope="session")
def samba_dc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaDc]:
    """One Samba AD DC for the session (ports 389/636 are fixed): 2,500 generated users plus
    two service accounts, LDAPS with a CA generated here. Stopped at the end of the session."""
    directory = tmp_path_factory.mktemp("samba") / "dc"
    try:
        dc = start_samba(directory, generate_users(SAMBA_USERS))
    except (SambaUnavailable, OSError, subprocess.TimeoutExpired) as error:
        server_unavailable("Samba AD DC", error)
    yield dc
    dc.stop()
