"""One `recommend` run's settings, merged once: the command line first, then authprobe.toml.

    plan = plan_run(CommandLine(directory="people.ldif", sis=(Path("sis.zip"),)), config)
    plan.report.format        # "table" unless --format or [report] format said otherwise
    "entity" in plan.given    # True when --entity came from the command line

Typed values only (no loose dicts): what each setting is, where it came from (`given`: the
command line; the others in effect came from the file). The LDAP bind's environment variables
(AUTHPROBE_LDAP_USER, _CA_FILE, _TLS_NAME, _STARTTLS) are read with the connection settings
(`sources/ldap/settings.py`) and win over `[directory]`; the password is read by
`cli/password.py`, never from here. A base-layer module: it imports `config` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from authprobe.config import ReportSettings, RunConfig

DEFAULT_FORMAT = "table"
DEFAULT_FAIL_ON = "never"


@dataclass(frozen=True, slots=True)
class CommandLine:
    """What `recommend`'s command line said (None, empty or False: not given)."""

    directory: str | None = None
    sis: tuple[Path, ...] = ()
    sis_map: tuple[str, ...] = ()
    idp_metadata: str | None = None
    assertion: str | None = None
    entity: str | None = None
    exclude_groups: tuple[str, ...] = ()
    population_rule: str | None = None
    previous: str | None = None
    exclude_disabled: bool = False
    alma_users: tuple[Path, ...] = ()
    alma_map: tuple[str, ...] = ()
    match_id: str | None = None
    previous_sis: tuple[Path, ...] = ()
    oidc_token: str | None = None
    oidc_discovery: str | None = None
    cas_response: str | None = None
    report: ReportSettings = field(default_factory=ReportSettings)


@dataclass(frozen=True, slots=True)
class LdapConfig:
    """`[directory]`'s connection settings for an ldap(s):// source (never a password)."""

    user: str | None = None
    ca_file: Path | None = None
    tls_name: str | None = None
    starttls: bool = False


@dataclass(frozen=True, slots=True)
class ReportPlan:
    """How the report is written, every setting decided (`[report]`'s, or the flags')."""

    format: str = DEFAULT_FORMAT
    output: Path | None = None
    exceptions_csv: Path | None = None
    preflight_csv: Path | None = None
    fail_on: str = DEFAULT_FAIL_ON
    show_values: bool = False


@dataclass(frozen=True, slots=True)
class RunPlan:
    """Every setting of one run, merged (the defaults: `recommend` with no option at all)."""

    directory: str | None = None
    sis: tuple[Path, ...] = ()
    sis_map: tuple[str, ...] = ()
    population_attribute: str | None = None
    exclude_groups: frozenset[str] = frozenset()
    exclude_disabled: bool = False
    previous: str | None = None
    previous_sis: tuple[Path, ...] = ()
    idp_metadata: str | None = None
    assertion: str | None = None
    entity: str | None = None
    oidc_token: str | None = None
    oidc_discovery: str | None = None
    cas_response: str | None = None
    alma_users: tuple[Path, ...] = ()
    alma_map: tuple[str, ...] = ()
    match_id: str | None = None
    ldap: LdapConfig = field(default_factory=LdapConfig)
    report: ReportPlan = field(default_factory=ReportPlan)
    config_file: Path | None = None
    given: frozenset[str] = frozenset()
    """The settings (CommandLine field names) that came from the command line."""


_GIVEN = (
    "population_rule",
    "exclude_groups",
    "exclude_disabled",
    "entity",
    "match_id",
    "oidc_token",
    "oidc_discovery",
    "cas_response",
)
"""The settings whose origin the report says (`(--entity)` or `(authprobe.toml)`)."""


def _report(line: ReportSettings, config: ReportSettings) -> ReportPlan:
    return ReportPlan(
        format=line.format or config.format or DEFAULT_FORMAT,
        output=line.output or config.output,
        exceptions_csv=line.exceptions_csv or config.exceptions_csv,
        preflight_csv=line.preflight_csv or config.preflight_csv,
        fail_on=line.fail_on or config.fail_on or DEFAULT_FAIL_ON,
        show_values=line.show_values or config.show_values,
    )


def plan_run(
    line: CommandLine, config: RunConfig | None = None, config_file: Path | None = None
) -> RunPlan:
    """The run's settings: each from the command line when given there, else from the file."""
    config = config or RunConfig()
    previous_sis = line.previous_sis or ((config.previous_sis,) if config.previous_sis else ())
    return RunPlan(
        directory=line.directory or config.directory,
        sis=line.sis or config.sis,
        sis_map=line.sis_map,
        population_attribute=line.population_rule or config.population_attribute,
        exclude_groups=frozenset(line.exclude_groups or config.exclude_groups),
        exclude_disabled=line.exclude_disabled or config.exclude_disabled,
        previous=line.previous or config.previous,
        previous_sis=previous_sis,
        idp_metadata=line.idp_metadata or config.idp_metadata,
        assertion=line.assertion or config.assertion,
        entity=line.entity or config.entity,
        oidc_token=line.oidc_token or config.oidc_token,
        oidc_discovery=line.oidc_discovery or config.oidc_discovery,
        cas_response=line.cas_response or config.cas_response,
        alma_users=line.alma_users or config.alma_users,
        alma_map=line.alma_map or config.alma_map,
        match_id=line.match_id or config.match_id,
        ldap=LdapConfig(
            user=config.ldap_user,
            ca_file=Path(config.ldap_ca_file) if config.ldap_ca_file else None,
            tls_name=config.ldap_tls_name,
            starttls=config.ldap_starttls,
        ),
        report=_report(line.report, config.report),
        config_file=config_file,
        given=frozenset(name for name in _GIVEN if getattr(line, name)),
    )
