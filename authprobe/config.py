"""`authprobe.toml`: the whole `recommend` run described in one file.

```toml
[directory]
source = "exports/people.ldif"        # or ldaps://dc1.college.ca, a CSV export, a .jsonl.gz
previous = "snapshots/2026-09.jsonl.gz"
population_attribute = "employeeType" # default: the first OU of each DN
exclude_disabled = true
user = "CN=svc-authprobe,OU=Service,DC=college,DC=ca"   # for an ldap(s):// source
ca_file = "college-ca.pem"
starttls = false

[sis]
paths = ["sis/users.zip"]
exclude_groups = ["GUEST", "ALUMNI", "COMMUNITY"]
previous = "sis/last-term.zip"        # the previous extract: SIS-side stability of the Match ID

[alma]
users = ["alma/export-users.zip"]      # the users already in Alma (Export Users XML, or a CSV)
map = ["primary_id=User ID", "identifier:BARCODE=Barcode", "account_type=Account Type"]
match_id = "identifier:UNIV_ID"        # pre-flight this Match ID Type (default: the recommended)

[idp]
metadata = "idp-metadata.xml"          # file or https URL
assertion = "test-login.xml"           # a captured login (Alma's test mode page, SAMLResponse)
entity = "https://idp.college.ca/idp/shibboleth"
oidc_token = "id-token.txt"            # an ID token (oidc test-rp --save, or a token response)
oidc_discovery = "https://login.college.ca/.well-known/openid-configuration"
cas_response = "validate.xml"          # a CAS /p3/serviceValidate answer

[report]
format = "html"                        # table, json, md, html
output = "matching-id.html"
exceptions_csv = "exceptions.csv"
preflight_csv = "preflight.csv"
fail_on = "never"
show_values = false
```

`[build]` (and `[[build.sources]]`) configure `sis build`: see authprobe/buildconfig.py.
Relative paths are relative to the folder of the file. Secrets never go here: the LDAP password
comes from AUTHPROBE_LDAP_PASSWORD, --password-file or a prompt.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authprobe import runtime
from authprobe.buildconfig import BuildSettings, parse_build
from authprobe.errors import InputError, UsageError

_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "directory": {
        "source": str,
        "previous": str,
        "population_attribute": str,
        "exclude_disabled": bool,
        "user": str,
        "ca_file": str,
        "tls_name": str,
        "starttls": bool,
    },
    "sis": {"paths": list, "exclude_groups": list, "previous": str},
    "alma": {"users": list, "map": list, "match_id": str},
    "idp": {
        "metadata": str,
        "assertion": str,
        "entity": str,
        "oidc_token": str,
        "oidc_discovery": str,
        "cas_response": str,
    },
    "report": {
        "format": str,
        "output": str,
        "exceptions_csv": str,
        "preflight_csv": str,
        "fail_on": str,
        "show_values": bool,
    },
}
_SECRET_WORDS = ("password", "secret", "credential")
FORMATS = ("table", "json", "md", "html")
FAIL_ON = ("error", "warning", "info", "never")
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("report", "format"): FORMATS,
    ("report", "fail_on"): FAIL_ON,
}
"""Settings whose value must be one of a few words (checked when the file is read)."""
_LISTS_OF_TEXT = frozenset({("sis", "paths"), ("sis", "exclude_groups")})


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """The `[report]` section: how `recommend` writes its report (None = not set there).

    Paths are resolved against the folder of the file; `format` and `fail_on` were checked
    against `FORMATS` and `FAIL_ON` when the file was read.
    """

    format: str | None = None
    output: Path | None = None
    exceptions_csv: Path | None = None
    preflight_csv: Path | None = None
    fail_on: str | None = None
    show_values: bool = False


@dataclass(frozen=True, slots=True)
class RunConfig:
    """The settings read from `authprobe.toml` (None / empty = not set there)."""

    directory: str | None = None
    previous: str | None = None
    population_attribute: str | None = None
    exclude_disabled: bool = False
    ldap_user: str | None = None  # bind DN, UPN or DOMAIN\\user (the password never lives here)
    ldap_ca_file: str | None = None
    ldap_tls_name: str | None = None
    ldap_starttls: bool = False
    sis: tuple[Path, ...] = ()
    exclude_groups: tuple[str, ...] = ()
    idp_metadata: str | None = None
    assertion: str | None = None
    entity: str | None = None
    alma_users: tuple[Path, ...] = ()
    alma_map: tuple[str, ...] = ()
    match_id: str | None = None
    oidc_token: str | None = None
    oidc_discovery: str | None = None
    cas_response: str | None = None
    report: ReportSettings = field(default_factory=ReportSettings)
    previous_sis: Path | None = None
    build: BuildSettings = field(default_factory=BuildSettings)


def _resolve(base: Path, value: str) -> str:
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def _check(document: dict[str, Any], location: str) -> None:
    for section, values in document.items():
        if section == "build" and isinstance(values, dict):
            continue  # validated by buildconfig.parse_build
        if section not in _SCHEMA or not isinstance(values, dict):
            raise UsageError(
                "config-unknown-section",
                f"Unknown section [{section}] in the configuration file.",
                location=location,
                hint=f"Known sections: {', '.join(f'[{name}]' for name in _SCHEMA)}, [build].",
            )
        for key, value in values.items():
            if any(word in key.lower() for word in _SECRET_WORDS):
                raise UsageError(
                    "config-secret-refused",
                    f"[{section}] {key}: secrets are never read from the configuration file.",
                    location=location,
                    hint="Set AUTHPROBE_LDAP_PASSWORD, use --password-file, or answer the prompt.",
                )
            expected = _SCHEMA[section].get(key)
            if expected is None:
                raise UsageError(
                    "config-unknown-key",
                    f"Unknown setting {key!r} in [{section}].",
                    location=location,
                    hint=f"Known settings of [{section}]: {', '.join(_SCHEMA[section])}.",
                )
            if not isinstance(value, expected):
                raise UsageError(
                    "config-wrong-type",
                    f"[{section}] {key} has the wrong type ({type(value).__name__}).",
                    location=location,
                    hint="See the example in the README (section authprobe.toml).",
                )
            _check_value(section, key, value, location)


def _check_value(section: str, key: str, value: Any, location: str) -> None:
    """The value itself: one of the allowed words, or a list of text."""
    allowed = _CHOICES.get((section, key))
    if allowed is not None and value not in allowed:
        raise UsageError(
            "config-invalid-value",
            f"[{section}] {key} = {value!r} is not one of: {', '.join(allowed)}.",
            location=location,
            hint=f"Write one of {', '.join(repr(word) for word in allowed)}.",
        )
    if (section, key) in _LISTS_OF_TEXT and not all(isinstance(item, str) for item in value):
        raise UsageError(
            "config-wrong-type",
            f"[{section}] {key} must be a list of text values (in quotes).",
            location=location,
            hint="See the example in the README (section authprobe.toml).",
        )


def _report_settings(report: dict[str, Any], base: Path) -> ReportSettings:
    """`[report]` as typed settings (file names resolved against the file's folder)."""

    def path(key: str) -> Path | None:
        return Path(_resolve(base, report[key])) if key in report else None

    return ReportSettings(
        format=report.get("format"),
        output=path("output"),
        exceptions_csv=path("exceptions_csv"),
        preflight_csv=path("preflight_csv"),
        fail_on=report.get("fail_on"),
        show_values=bool(report.get("show_values", False)),
    )


def load_config(path: Path) -> RunConfig:
    """Read and validate `authprobe.toml` (exit 4 if unreadable, 2 if it asks the impossible).

    Every value is checked here, before any input is read: a typo fails at once, not after the
    whole analysis.
    """
    data = runtime.read_small(path, "configuration file", runtime.CONFIG_MAX_BYTES)
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            "config-malformed",
            f"The configuration file is not valid TOML: {exc}.",
            location=str(path),
            hint="Compare it with the example in the README (section authprobe.toml).",
        ) from exc
    _check(document, str(path))
    base = path.resolve().parent
    directory = document.get("directory", {})
    sis = document.get("sis", {})
    idp = document.get("idp", {})
    report = document.get("report", {})
    alma = document.get("alma", {})
    return RunConfig(
        directory=_resolve(base, directory["source"]) if "source" in directory else None,
        previous=_resolve(base, directory["previous"]) if "previous" in directory else None,
        population_attribute=directory.get("population_attribute"),
        exclude_disabled=directory.get("exclude_disabled", False),
        ldap_user=directory.get("user"),
        ldap_ca_file=_resolve(base, directory["ca_file"]) if "ca_file" in directory else None,
        ldap_tls_name=directory.get("tls_name"),
        ldap_starttls=directory.get("starttls", False),
        sis=tuple(Path(_resolve(base, str(p))) for p in sis.get("paths", [])),
        exclude_groups=tuple(str(g) for g in sis.get("exclude_groups", [])),
        idp_metadata=_resolve(base, idp["metadata"]) if "metadata" in idp else None,
        assertion=_resolve(base, idp["assertion"]) if "assertion" in idp else None,
        entity=idp.get("entity"),
        alma_users=tuple(Path(_resolve(base, str(p))) for p in alma.get("users", [])),
        alma_map=tuple(str(m) for m in alma.get("map", [])),
        match_id=alma.get("match_id"),
        oidc_token=_resolve(base, idp["oidc_token"]) if "oidc_token" in idp else None,
        oidc_discovery=(_resolve(base, idp["oidc_discovery"]) if "oidc_discovery" in idp else None),
        cas_response=_resolve(base, idp["cas_response"]) if "cas_response" in idp else None,
        report=_report_settings(report, base),
        previous_sis=Path(_resolve(base, sis["previous"])) if "previous" in sis else None,
        build=parse_build(document.get("build", {}), base, str(path)),
    )
