"""`cas decode` on answers of a real CAS server (django-mama-cas) on 127.0.0.1, validating a
service ticket it issued after a real login form."""

from __future__ import annotations

import html
import http.cookiejar
import importlib.util
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import server_unavailable

MISSING = next(
    (
        f"{module} is not installed (pip install '.[test]')"
        for module in ("django", "mama_cas")
        if importlib.util.find_spec(module) is None
    ),
    None,
)
pytestmark = [pytest.mark.integration, pytest.mark.skipif(MISSING is not None, reason=str(MISSING))]

SERVE = Path(__file__).parent / "cas_server" / "serve.py"
SERVICE = "http://127.0.0.1:9/alma/cas-callback"  # Alma's side: never contacted here
USER: dict[str, Any] = {
    "username": "jsmith",
    "password": "Correct-Horse-Battery-7",
    "first_name": "John",
    "last_name": "Smith",
    "email": "John.Smith@college.test",
    "attributes": {
        "employeeNumber": "000123456",
        "mail": "John.Smith@college.test",
        "eduPersonAffiliation": ["staff", "member"],
    },
}
# mama-cas's own name callback adds these (user_name_attributes).
NAME_ATTRIBUTES = {"username": ("jsmith",), "full_name": ("John Smith",), "short_name": ("John",)}


@pytest.fixture(scope="module")
def cas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The CAS server's base URL (…/cas); stopped at the end of the module."""
    folder = tmp_path_factory.mktemp("cas")
    config = folder / "config.json"
    config.write_text(
        json.dumps(
            {
                "database": str(folder / "cas.sqlite3"),
                "service": r"^http://127\.0\.0\.1",
                "users": [USER],
            }
        ),
        encoding="utf-8",
    )
    log = (folder / "cas.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(SERVE), str(config)], stdout=subprocess.PIPE, stderr=log, text=True
    )
    assert process.stdout is not None
    line, deadline = "", time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()
        if line.startswith("LISTENING "):
            break
    if not line.startswith("LISTENING "):
        process.kill()
        process.wait(timeout=10)
        server_unavailable("django-mama-cas", RuntimeError((folder / "cas.log").read_text()))
    yield f"http://127.0.0.1:{line.split()[1]}/cas"
    process.terminate()
    process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _ticket(base: str) -> str:
    """Log in through the CAS login form (CSRF token and all); the service ticket issued."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    login = f"{base}/login?service={urllib.parse.quote(SERVICE, safe='')}"
    with opener.open(login, timeout=30) as reply:
        page = reply.read().decode("utf-8")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None, page[:1000]
    form = {
        "csrfmiddlewaretoken": html.unescape(token.group(1)),
        "username": USER["username"],
        "password": USER["password"],
    }
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(login, data=urllib.parse.urlencode(form).encode(), timeout=30)
    assert redirect.value.code == 302
    location = redirect.value.headers["Location"]
    assert location.startswith(SERVICE)
    return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["ticket"][0]


def _validate(base: str, endpoint: str, ticket: str) -> bytes:
    query = urllib.parse.urlencode({"service": SERVICE, "ticket": ticket})
    with urllib.request.urlopen(f"{base}/{endpoint}?{query}", timeout=30) as reply:  # noqa: S310
        return bytes(reply.read())


def _decode(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "authprobe", "cas", "decode", str(path), "-f", "json", *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode, json.loads(result.stdout)["cas"]


@pytest.mark.parametrize("endpoint", ["p3/serviceValidate", "serviceValidate"])
def test_validation_shows_the_user_and_every_attribute(
    cas: str, tmp_path: Path, endpoint: str
) -> None:
    """The ticket's validation names cas:user and releases exactly the configured attributes."""
    response = tmp_path / "validate.xml"
    response.write_bytes(_validate(cas, endpoint, _ticket(cas)))
    code, data = _decode(response, "--show-values")
    assert code == 0
    assert data["success"] is True
    assert data["user"] == USER["username"]
    released = {a["name"]: tuple(a["values"]) for a in data["attributes"]}
    configured = {
        name: tuple(value) if isinstance(value, list) else (value,)
        for name, value in USER["attributes"].items()
    }
    assert released == {**NAME_ATTRIBUTES, **configured}
    mapped = {a["name"]: a["directory_attributes"] for a in data["attributes"]}
    assert mapped["employeeNumber"] == ["employeeNumber"]
    assert mapped["eduPersonAffiliation"] == ["eduPersonAffiliation"]


def test_a_ticket_validated_twice_is_a_failure(cas: str, tmp_path: Path) -> None:
    """The second validation of one ticket is INVALID_TICKET: shown, exit 1, no user."""
    ticket = _ticket(cas)
    _validate(cas, "p3/serviceValidate", ticket)
    response = tmp_path / "again.xml"
    response.write_bytes(_validate(cas, "p3/serviceValidate", ticket))
    code, data = _decode(response)
    assert code == 1
    assert data["success"] is False
    assert data["failure_code"] == "INVALID_TICKET"
    assert data["user"] is None
