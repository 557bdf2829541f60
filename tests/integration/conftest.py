"""Fixtures that start real directory servers on 127.0.0.1 for the integration tests.

A server that cannot start skips its tests, except under CI=true where that is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

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
