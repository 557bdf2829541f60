"""The LDAP bind password, read in one place and one order (never from argv or a config file).

1. the environment variable AUTHPROBE_LDAP_PASSWORD;
2. `--password-file FILE`: its first line (a small regular file);
3. a prompt, when stdin is a terminal;
else a usage error (exit 2) saying how to give it.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from authprobe import runtime
from authprobe.errors import InputError, UsageError

PASSWORD_ENV = "AUTHPROBE_LDAP_PASSWORD"  # noqa: S105 - a variable name, not a password


def read_password(user: str | None, password_file: Path | None) -> str:
    """The bind password of `user`: the environment, then the file, then a prompt."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if password_file is not None:
        return read_password_file(password_file)
    if sys.stdin.isatty():
        return getpass.getpass(f"LDAP password for {user}: ")
    who = f" as {user}" if user else ""
    raise UsageError(
        "ldap-password-missing",
        f"No password for the bind{who} and no terminal to ask for one.",
        hint=f"Set {PASSWORD_ENV} or use --password-file FILE.",
    )


def read_password_file(path: Path) -> str:
    """The bind password: the first line of a small regular file (a device, a FIFO or a file
    over 4 KiB is refused, exit 4)."""
    data = runtime.read_small(path, "password file", runtime.PASSWORD_FILE_MAX_BYTES)
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(
            "password-file-not-text",
            "The password file is not UTF-8 text.",
            location=str(path),
            hint="Give a file whose first line is the password (chmod 600).",
        ) from exc
    return lines[0] if lines else ""
