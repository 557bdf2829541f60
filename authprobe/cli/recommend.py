"""`authprobe recommend` and `authprobe demo`: cross-check everything and say which ID to use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from authprobe import runtime
from authprobe.analysis.history import KEY_ATTRIBUTES
from authprobe.analysis.match_id import parse_match_id
from authprobe.analysis.recommend import Options, build_report
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.idp_inputs import (
    CasResponseOpt,
    LoginInputs,
    OidcDiscoveryOpt,
    OidcTokenOpt,
    read_logins,
)
from authprobe.cli.ldap_options import (
    INSECURE_WARNING,
    BaseOpt,
    BindOpt,
    CaFileOpt,
    FilterOpt,
    InsecureOpt,
    LdapFlags,
    StartTlsOpt,
    TlsNameOpt,
    UserOpt,
)
from authprobe.cli.options import (
    FailOn,
    OutputFormat,
    OutputOpt,
    ShowValuesOpt,
)
from authprobe.cli.output import (
    REPORT_WRITTEN,
    exit_code,
    open_output,
    write_file,
    write_output,
    write_view,
)
from authprobe.cli.password import read_password
from authprobe.cli.render import render_terminal
from authprobe.config import ReportSettings, RunConfig, load_config
from authprobe.errors import ExitCode, UsageError
from authprobe.model import Report
from authprobe.plan import CommandLine, RunPlan, plan_run
from authprobe.reports.csv import exceptions_csv_rows, render_exceptions_csv, write_preflight_csv
from authprobe.reports.html import render_html
from authprobe.reports.json import render_json
from authprobe.reports.markdown import render_markdown
from authprobe.reports.options import options_used
from authprobe.sources.directory_files.saved import is_url
from authprobe.sources.expected import expected_records
from authprobe.sources.inputs import open_alma_users, open_directory, open_sis
from authprobe.sources.ldap.directory import LdapDirectory
from authprobe.sources.ldap.settings import (
    BindMethod,
    LdapSettings,
    refuse_credentials,
    settings_from_environment,
)
from authprobe.sources.saml.message import read_message
from authprobe.sources.saml.metadata import read_metadata, select_idp
from authprobe.wording import plural


def report_exit_code(report: Report, fail_on: FailOn) -> int:
    """0, or 1 when no matching ID is recommended or a finding reaches --fail-on."""
    if report.recommendation is None:
        return int(ExitCode.FINDINGS)
    return exit_code(report.findings, fail_on)


ExceptionsCsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--exceptions-csv",
        help="Also write one CSV row per SIS record that does not match under the "
        "recommendation (SIS reference, population, field, value, reason), for the registrar.",
        dir_okay=False,
    ),
]
PreflightCsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--preflight-csv",
        help="With --alma-users: also write one CSV row per SIS record with its predicted "
        "outcome of the first load, the evidence and the users already in Alma it involves.",
        dir_okay=False,
    ),
]


def _write_preflight_csv(report: Report, path: Path, env: Environment, show_values: bool) -> None:
    with open_output(path) as handle:
        rows = write_preflight_csv(report, handle, show_values=show_values)
    env.stderr.print(
        f"Pre-flight CSV written to {path} ({plural(rows, 'row')})",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )


def emit(
    report: Report,
    env: Environment,
    output_format: OutputFormat,
    output: Path | None,
    show_values: bool,
    exceptions_csv: Path | None = None,
    preflight_csv: Path | None = None,
) -> None:
    """Write the report in the asked format to stdout or to `output` (and the CSVs)."""
    if preflight_csv is not None:
        _write_preflight_csv(report, preflight_csv, env, show_values)
    if exceptions_csv is not None:
        rows = exceptions_csv_rows(report, show_values=show_values)
        write_file(exceptions_csv, render_exceptions_csv(report, rows=rows))
        env.stderr.print(
            f"Exceptions CSV written to {exceptions_csv} ({plural(len(rows), 'row')})",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
    if output_format is OutputFormat.TABLE:
        draw = partial(render_terminal, report, show_values=show_values)
        write_view(env, output, draw, width=100, done=None)
        return
    if output_format is OutputFormat.JSON:
        text = render_json(report, show_values=show_values)
    elif output_format is OutputFormat.MD:
        text = render_markdown(report, show_values=show_values)
    else:
        text = render_html(report, show_values=show_values)
    write_output(env, output, text, done=REPORT_WRITTEN)


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="authprobe.toml describing the inputs and options (command-line options win).",
        readable=False,  # checked when read (exit 4 for a device, a FIFO, a directory)
    ),
]


def _read_options(plan: RunPlan, logins: LoginInputs) -> Options:
    """Read the inputs beside the directory and the SIS extract, as the plan names them."""
    metadata = read_metadata(plan.idp_metadata, entity=plan.entity) if plan.idp_metadata else None
    captured = read_message(plan.assertion, metadata=metadata) if plan.assertion else None
    if metadata is not None:  # an aggregate: the login's Issuer picks the IdP, else exit 2
        issuers = (captured.issuer, captured.response_issuer) if captured else ()
        metadata = select_idp(metadata, issuers)
    previous = (
        open_directory(
            plan.previous, exclude_disabled=plan.exclude_disabled, also_read=KEY_ATTRIBUTES
        )
        if plan.previous
        else None
    )
    return Options(
        exclude_groups=plan.exclude_groups,
        population_attribute=plan.population_attribute,
        idp_metadata=metadata,
        assertion=captured,
        entity_id=plan.entity,
        oidc_token=logins.oidc_token,
        oidc_discovery=logins.oidc_discovery,
        cas_response=logins.cas_response,
        previous=previous,
        alma_users=(
            open_alma_users(list(plan.alma_users), list(plan.alma_map)) if plan.alma_users else None
        ),
        match_id=parse_match_id(plan.match_id) if plan.match_id else None,
        previous_sis=open_sis(list(plan.previous_sis), plan.sis_map) if plan.previous_sis else None,
    )


def _expected(
    directory: str, sis: list[Path], alma: list[Path]
) -> dict[str, Callable[[], int | None]]:
    """How many records each reading step expects (the progress bars' totals), counted only if
    a terminal shows them."""
    return {
        "reading directory": lambda: None if is_url(directory) else expected_records([directory]),
        "reading sis": lambda: expected_records(sis),
        "reading users already in Alma": lambda: expected_records(alma) if alma else None,
    }


def _ldap_settings(
    url: str, plan: RunPlan, password_file: Path | None, flags: LdapFlags
) -> LdapSettings:
    """Connection settings for an ldap(s):// directory: the command line, then the environment,
    then the config file; the password from AUTHPROBE_LDAP_PASSWORD, --password-file or a
    prompt (never argv)."""
    settings = settings_from_environment(url)
    settings = replace(
        settings,
        user=settings.user or plan.ldap.user,
        ca_file=settings.ca_file or plan.ldap.ca_file,
        tls_name=settings.tls_name or plan.ldap.tls_name,
        starttls=settings.starttls or plan.ldap.starttls,
    )
    settings = flags.over(settings)
    if settings.method in (BindMethod.ANONYMOUS, BindMethod.GSSAPI):
        return replace(settings, password=None)
    if settings.user and not settings.password:
        settings = replace(settings, password=read_password(settings.user, password_file))
    return settings


def recommend(
    directory: Annotated[
        str | None,
        typer.Option(
            "--directory",
            "-d",
            help="The directory: an LDIF or CSV export, a Microsoft Entra ID export (Graph "
            "JSON file or folder of pages, Download users CSV), a saved scan (.jsonl.gz) or an "
            "ldap(s):// URL.",
        ),
    ] = None,
    sis: Annotated[
        list[Path] | None,
        typer.Option(
            "--sis",
            "-s",
            help="Alma SIS extract: XML file, folder or zip, or CSV with --map (repeatable).",
            readable=False,  # checked when read (exit 4), not by Click (exit 2)
        ),
    ] = None,
    idp_metadata: Annotated[
        str | None,
        typer.Option("--idp-metadata", help="The IdP's SAML metadata (file or https URL)."),
    ] = None,
    assertion: Annotated[
        str | None,
        typer.Option(
            "--assertion",
            help="A captured login: SAML Response XML, base64 SAMLResponse, or Alma's test page.",
        ),
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option("--entity", help="entityID of the IdP in a federation aggregate."),
    ] = None,
    exclude_group: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude-group",
            help="A population (SIS user_group or directory population) that is out of scope, "
            "e.g. GUEST or ALUMNI; reported separately (repeatable).",
        ),
    ] = None,
    population_rule: Annotated[
        str | None,
        typer.Option(
            "--population-rule",
            help="Directory attribute that names each entry's population (employeeType, "
            "eduPersonPrimaryAffiliation, ...); default: the first OU of the DN.",
        ),
    ] = None,
    previous: Annotated[
        str | None,
        typer.Option(
            "--previous",
            help="An earlier directory snapshot (from `ldap scan --save`): measures how many "
            "people's values changed, matched by objectGUID/entryUUID.",
        ),
    ] = None,
    exclude_disabled: Annotated[
        bool,
        typer.Option(
            "--exclude-disabled", help="Leave disabled AD / Entra ID accounts out (counted)."
        ),
    ] = False,
    sis_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="For a CSV/TSV SIS extract: which column holds which Alma field, e.g. "
            "--map primary_id=StudentNo --map identifier:BARCODE=Card (repeatable).",
        ),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            help="For an ldap(s):// directory: a file whose first line is the bind password "
            "(else AUTHPROBE_LDAP_PASSWORD, else a prompt). The bind user comes from "
            "AUTHPROBE_LDAP_USER or [directory] user in authprobe.toml.",
            readable=False,
        ),
    ] = None,
    config_file: ConfigOpt = None,
    output_format: Annotated[
        OutputFormat | None,
        typer.Option("--format", "-f", help="Output format: table (terminal), json, md or html."),
    ] = None,
    output: OutputOpt = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding of this severity or worse is reported (default never: "
            "exit 1 only when no matching ID can be recommended).",
        ),
    ] = None,
    show_values: ShowValuesOpt = False,
    exceptions_csv: ExceptionsCsvOpt = None,
    alma_users: Annotated[
        list[Path] | None,
        typer.Option(
            "--alma-users",
            help="The users already in Alma (Alma's Export Users XML, the Users API's XML, a "
            "folder or zip of them, or a CSV report with --alma-map): the first SIS load is "
            "pre-flighted against them (repeatable).",
            readable=False,  # checked when read (exit 4), not by Click (exit 2)
        ),
    ] = None,
    alma_map: Annotated[
        list[str] | None,
        typer.Option(
            "--alma-map",
            help="For a CSV export of the Alma users: which column holds which Alma field, "
            "e.g. --alma-map primary_id='User ID' --alma-map account_type='Account Type' "
            "(repeatable).",
        ),
    ] = None,
    match_id: Annotated[
        str | None,
        typer.Option(
            "--match-id",
            help="The SIS Match ID Type to pre-flight: primary_id or identifier:TYPE "
            "(default: the one authprobe recommends).",
        ),
    ] = None,
    preflight_csv: PreflightCsvOpt = None,
    previous_sis: Annotated[
        list[Path] | None,
        typer.Option(
            "--previous-sis",
            help="The previous SIS extract (as --sis reads it): people whose value of a Match "
            "ID candidate changed since then count against it (repeatable).",
        ),
    ] = None,
    oidc_token: OidcTokenOpt = None,
    oidc_discovery: OidcDiscoveryOpt = None,
    cas_response: CasResponseOpt = None,
    user: UserOpt = None,
    bind: BindOpt = None,
    starttls: StartTlsOpt = False,
    ca_file: CaFileOpt = None,
    tls_name: TlsNameOpt = None,
    insecure: InsecureOpt = False,
    base: BaseOpt = None,
    search_filter: FilterOpt = None,
) -> int:
    """Cross-check the directory, the SIS extract (and the IdP, the users already in Alma) and
    recommend the login ID and the SIS Match ID."""
    env = default_environment()
    flags = LdapFlags(user, bind, starttls, ca_file, tls_name, insecure, base, search_filter)
    config = load_config(config_file) if config_file else RunConfig()
    line = CommandLine(
        directory=directory, sis=tuple(sis or ()), sis_map=tuple(sis_map or ()),
        idp_metadata=idp_metadata, assertion=assertion, entity=entity,
        exclude_groups=tuple(exclude_group or ()), population_rule=population_rule,
        previous=previous, exclude_disabled=exclude_disabled,
        alma_users=tuple(alma_users or ()), alma_map=tuple(alma_map or ()), match_id=match_id,
        previous_sis=tuple(previous_sis or ()), oidc_token=oidc_token,
        oidc_discovery=oidc_discovery, cas_response=cas_response,
        report=ReportSettings(
            format=output_format.value if output_format else None, output=output,
            exceptions_csv=exceptions_csv, preflight_csv=preflight_csv,
            fail_on=fail_on.value if fail_on else None, show_values=show_values,
        ),
    )  # fmt: skip
    return run(env, plan_run(line, config, config_file), password_file, flags)


NO_LDAP_FLAGS = LdapFlags()


def run(
    env: Environment,
    plan: RunPlan,
    password_file: Path | None = None,
    flags: LdapFlags = NO_LDAP_FLAGS,
) -> int:
    """Read every input the plan names, build the report, write it; the exit code. `flags`:
    the connection options of an ldap(s):// directory given on the command line."""
    directory = plan.directory
    if not directory or not plan.sis:
        raise UsageError(
            "inputs-missing",
            "recommend needs a directory (--directory) and an SIS extract (--sis).",
            hint="Give both on the command line or in authprobe.toml (--config).",
        )
    if is_url(directory):
        refuse_credentials(directory)  # before any input is read or a password asked for
        if flags.insecure:
            env.stderr.print(INSECURE_WARNING)
    else:
        flags.refuse_without_url(directory)
    options = _read_options(plan, read_logins(plan))
    if plan.report.preflight_csv is not None and options.alma_users is None:
        raise UsageError(
            "preflight-csv-without-alma",
            "--preflight-csv needs the users already in Alma (--alma-users).",
            hint="Give an export of the Alma users with --alma-users, or leave --preflight-csv "
            "out.",
        )
    settings = _ldap_settings(directory, plan, password_file, flags) if is_url(directory) else None
    directory_source = open_directory(
        directory,
        settings=settings,
        base=flags.base,
        search_filter=flags.search_filter,
        exclude_disabled=plan.exclude_disabled,
        # paired with the previous snapshot by immutable key (entryUUID is not in `*`)
        also_read=KEY_ATTRIBUTES if options.previous is not None else (),
        # an LDIF export is read here, not passed record by record from a forked child: the
        # passing costs as much as the reading (100k people: 1.7 s of child CPU and 0.9 s here
        # against 1.0 s read here), and the SIS extract's child has the other core meanwhile
        plan=runtime.ReadPlan(),
    )
    report = build_report(
        directory_source,
        open_sis(list(plan.sis), plan.sis_map, plan=runtime.ReadPlan(parallel=True)),
        wrap=env.reads(_expected(directory, list(plan.sis), list(plan.alma_users))),
        options=options,
    )
    ldap_search = directory_source.facts if isinstance(directory_source, LdapDirectory) else None
    used = options_used(
        plan, options, directory_kind=directory_source.kind, ldap_search=ldap_search
    )
    report = replace(report, options=used)
    out = plan.report
    emit(
        report,
        env,
        OutputFormat(out.format),
        out.output,
        out.show_values,
        out.exceptions_csv,
        out.preflight_csv,
    )
    return report_exit_code(report, FailOn(out.fail_on))


def register(app: typer.Typer) -> None:
    """Attach `recommend` and `demo` (cli/demo.py) to the app."""
    from authprobe.cli.demo import demo

    app.command("recommend")(recommend)
    app.command("demo")(demo)
