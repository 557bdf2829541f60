"""A real OpenID Provider (panva/oidc-provider, OpenID Certified) on 127.0.0.1, and a browser.

    op = start_op(folder, clients=[...], accounts={...}, scopes={...})
    op.issuer  ->  http://127.0.0.1:PORT ; op.stop()
    page = browse_login(f"http://127.0.0.1:{rp_port}/login", login="jdoe", password="...")

The provider is `tests/integration/oidc_op/server.mjs` run by Node.js with the npm packages of
`tests/integration/oidc_op/package-lock.json` (`.ci/run` installs them with `npm ci`).
`browse_login` plays the browser: it follows redirects with cookies and submits the provider's
login form and consent form, as a person would, until it reaches the relying party's callback.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent / "oidc_op"
NODE = shutil.which("node")


class OpUnavailable(RuntimeError):
    """The provider cannot be started here (its message says what is missing)."""


@dataclass
class Op:
    """A running provider."""

    process: subprocess.Popen[str]
    port: int

    @property
    def issuer(self) -> str:
        """The issuer URL (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Terminate the Node.js process (this one only)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def missing() -> str | None:
    """Why the provider cannot run here (None when it can)."""
    if NODE is None:
        return "node is not installed (Debian: nodejs)"
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        return "oidc-provider is not installed: run `npm ci` in tests/integration/oidc_op"
    return None


def start_op(
    folder: Path,
    *,
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]],
    scopes: dict[str, list[str]] | None = None,
) -> Op:
    """Start the provider; OpUnavailable when Node.js or the package is missing or it fails."""
    why = missing()
    if why is not None:
        raise OpUnavailable(why)
    config = folder / "op-config.json"
    config.write_text(
        json.dumps({"port": 0, "clients": clients, "accounts": accounts, "scopes": scopes or {}}),
        encoding="utf-8",
    )
    log = (folder / "op.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [str(NODE), str(FOLDER / "server.mjs"), str(config)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=FOLDER,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("LISTENING ") or process.poll() is not None:
            break
    if not line.startswith("LISTENING "):
        process.kill()
        process.wait(timeout=10)
        detail = (folder / "op.log").read_text(encoding="utf-8")[-2000:]
        raise OpUnavailable(f"the provider did not start: {detail}")
    return Op(process, int(line.split()[1]))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _form(page: str, base: str) -> tuple[str, dict[str, str]]:
    action = re.search(r"""<form[^>]*action=["']([^"']+)["']""", page, re.I)
    assert action is not None, page[:2000]
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(
            r"""<input[^>]*type=["']hidden["'][^>]*name=["']([^"']+)["'][^>]*value=["']([^"']*)""",
            page,
            re.I,
        )
    }
    return urllib.parse.urljoin(base, html.unescape(action.group(1))), fields


def browse_login(start: str, *, login: str, password: str, callback_prefix: str) -> str:
    """Log in like a browser: follow redirects, fill the login form, accept consent; return
    the page the relying party shows at its callback."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    url, data = start, None
    for _ in range(20):
        try:
            with opener.open(url, data=data, timeout=30) as reply:
                page = reply.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as redirect:
            if redirect.code not in (301, 302, 303, 307):
                body = redirect.read().decode("utf-8", "replace")
                if url.startswith(callback_prefix):
                    return body
                raise AssertionError(f"HTTP {redirect.code} at {url}: {body[:500]}") from None
            url, data = urllib.parse.urljoin(url, redirect.headers["Location"]), None
            continue
        if url.startswith(callback_prefix):
            return page
        action, fields = _form(page, url)
        if 'name="login"' in page:
            fields.update(login=login, password=password)
        url, data = action, urllib.parse.urlencode(fields).encode()
    raise AssertionError("the login did not reach the relying party's callback")
