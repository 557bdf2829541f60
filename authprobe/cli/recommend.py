"""`authprobe recommend` and `authprobe demo`: cross-check everything and say which ID to use."""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from authprobe import runtime
from authprobe.analysis.history import KEY_ATTRIBUTES
from authprobe.analysis.match_id import parse_match_id
from authprobe.analysis.normalize import STEP_NAMES
from authprobe.analysis.recommend import Options, build_report
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.idp_inputs import (
    CasResponseOpt,
    LoginInputs,
    OidcDiscoveryOpt,
    OidcTokenOpt,
    login_rows,
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
    FormatOpt,
    OutputFormat,
    OutputOpt,
    ShowValuesOpt,
    read_password_file,
)
from authprobe.cli.render import render_terminal
from authprobe.config import RunConfig, load_config
from authprobe.errors import ExitCode, InputError, UsageError
from authprobe.model import Report, Severity
from authprobe.reports.csv import render_exceptions_csv, write_preflight_csv
from authprobe.reports.html import render_html
from authprobe.reports.json import render_json
from authprobe.reports.markdown import render_markdown
from authprobe.sources import RecordSource
from authprobe.sources.directory_files.saved import is_url
from authprobe.sources.expected import expected_records
from authprobe.sources.inputs import open_alma_users, open_directory, open_sis
from authprobe.sources.ldap.settings import (
    BindMethod,
    LdapSettings,
    refuse_credentials,
    settings_from_environment,
)
from authprobe.sources.saml.message import read_message
from authprobe.sources.saml.metadata import read_metadata, select_idp
from authprobe.wording import plural


def exit_code(report: Report, fail_on: FailOn) -> int:
    """0, or 1 when no matching ID is recommended or a finding reaches --fail-on."""
    if report.recommendation is None:
        return int(ExitCode.FINDINGS)
    if fail_on is FailOn.NEVER:
        return int(ExitCode.OK)
    threshold = Severity(fail_on.value).rank
    worst = max((f.severity.rank for f in report.findings), default=-1)
    return int(ExitCode.FINDINGS if worst >= threshold else ExitCode.OK)


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
DEMO_REPORT = "authprobe-report.html"


def write_text(path: Path, text: str) -> None:
    """Write a report file; an unwritable path is an input error (exit 4), not a traceback."""
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {exc.strerror or exc}.",
            location=str(path),
            hint="Choose a file in a folder that exists and that you may write to.",
        ) from exc


def _write_preflight_csv(report: Report, path: Path, env: Environment, show_values: bool) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            rows = write_preflight_csv(report, handle, show_values=show_values)
    except OSError as exc:
        raise InputError(
            "output-unwritable",
            f"Cannot write {path}: {exc.strerror or exc}.",
            location=str(path),
            hint="Choose a file in a folder that exists and that you may write to.",
        ) from exc
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
        write_text(exceptions_csv, render_exceptions_csv(report, show_values=show_values))
        env.stderr.print(
            f"Exceptions CSV written to {exceptions_csv} ({plural(len(report.exceptions), 'row')})",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
    if output_format is OutputFormat.TABLE:
        if output is None:
            render_terminal(report, env.stdout, show_values=show_values)
            return
        with output.open("w", encoding="utf-8") as handle:
            from rich.console import Console

            render_terminal(report, Console(file=handle, width=100), show_values=show_values)
        return
    if output_format is OutputFormat.JSON:
        text = render_json(report, show_values=show_values)
    elif output_format is OutputFormat.MD:
        text = render_markdown(report, show_values=show_values)
    else:
        text = render_html(report, show_values=show_values)
    if output is None:
        env.stdout.file.write(text)
    else:
        write_text(output, text)
        env.stderr.print(
            f"Report written to {output}", soft_wrap=True, highlight=False, markup=False
        )


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="authprobe.toml describing the inputs and options (command-line options win).",
        readable=False,  # checked when read (exit 4 for a device, a FIFO, a directory)
    ),
]


def _resolve_options(
    config: RunConfig,
    exclude_group: list[str] | None,
    population_rule: str | None,
    previous: str | None,
    idp_metadata: str | None,
    assertion: str | None,
    entity: str | None,
    exclude_disabled: bool,
    alma: tuple[list[Path] | None, list[str] | None, str | None] = (None, None, None),
    logins: LoginInputs | None = None,
    previous_sis: tuple[list[Path] | None, list[str]] = (None, []),
) -> Options:
    """Build the analysis options from the command line, falling back to the config file."""
    alma_users, alma_map, match_id = alma
    alma_paths = list(alma_users or config.alma_users)
    alma_columns = list(alma_map or config.alma_map)
    chosen = match_id or config.match_id
    previous = previous or config.previous
    metadata_source = idp_metadata or config.idp_metadata
    assertion_source = assertion or config.assertion
    entity = entity or config.entity
    metadata = read_metadata(metadata_source, entity=entity) if metadata_source else None
    captured = read_message(assertion_source, metadata=metadata) if assertion_source else None
    if metadata is not None:  # an aggregate: the login's Issuer picks the IdP, else exit 2
        issuers = (captured.issuer, captured.response_issuer) if captured else ()
        metadata = select_idp(metadata, issuers)
    return Options(
        exclude_groups=frozenset(exclude_group or config.exclude_groups),
        population_attribute=population_rule or config.population_attribute,
        idp_metadata=metadata,
        assertion=captured,
        entity_id=entity,
        oidc_token=logins.oidc_token if logins else None,
        oidc_discovery=logins.oidc_discovery if logins else None,
        cas_response=logins.cas_response if logins else None,
        previous=(
            open_directory(
                previous,
                exclude_disabled=exclude_disabled or config.exclude_disabled,
                also_read=KEY_ATTRIBUTES,
            )
            if previous
            else None
        ),
        alma_users=open_alma_users(alma_paths, alma_columns) if alma_paths else None,
        match_id=parse_match_id(chosen) if chosen else None,
        previous_sis=_previous_sis(config, *previous_sis),
    )


def _previous_sis(
    config: RunConfig, paths: list[Path] | None, sis_map: list[str]
) -> RecordSource | None:
    """The previous SIS extract (--previous-sis, else [sis] previous), read like --sis."""
    chosen = list(paths or ([config.previous_sis] if config.previous_sis else []))
    return open_sis(chosen, sis_map) if chosen else None


CONFIG = "authprobe.toml"


def _origin(on_command_line: bool, flag: str) -> str:
    """` (--flag)` or ` (authprobe.toml)`: where an option in effect came from."""
    return f" ({flag})" if on_command_line else f" ({CONFIG})"


def run_options(
    options: Options,
    *,
    directory: RecordSource | None = None,
    config_file: Path | None = None,
    given: frozenset[str] = frozenset(),
    exclude_disabled: bool = False,
    sis_map: list[str] | None = None,
    fail_on: FailOn = FailOn.NEVER,
    alma_map: list[str] | None = None,
    logins: LoginInputs | None = None,
) -> tuple[tuple[str, str], ...]:
    """The filters and options a run used, for the report's "Inputs used" part.

    `given` names the options that came from the command line (the others in effect came from
    the configuration file). Never a password, a bind secret or the bind identity.
    """
    rows: list[tuple[str, str]] = []
    if config_file is not None:
        rows.append(("configuration file", str(config_file)))
    if options.population_attribute:
        rows.append(
            (
                "population rule",
                f"directory attribute {options.population_attribute}"
                + _origin("population_rule" in given, "--population-rule"),
            )
        )
    elif getattr(directory, "kind", "").startswith("entra"):
        rows.append(
            (
                "population rule",
                "Entra ID: Guests (userType), else employeeType, else the first OU of "
                "onPremisesDistinguishedName, else Members (default)",
            )
        )
    else:
        rows.append(("population rule", "first OU of each DN (default)"))
    rows.append(
        (
            "excluded groups",
            ", ".join(sorted(options.exclude_groups, key=str.casefold))
            + _origin("exclude_group" in given, "--exclude-group")
            if options.exclude_groups
            else "none",
        )
    )
    rows.append(
        (
            "disabled accounts",
            "left out" + _origin("exclude_disabled" in given, "--exclude-disabled")
            if exclude_disabled
            else "included",
        )
    )
    facts = getattr(directory, "facts", None)
    if directory is not None and getattr(directory, "kind", "") == "ldap" and facts is not None:
        rows.append(("LDAP base", facts.base or "(the server's default naming context)"))
        rows.append(("LDAP filter", facts.filter or "(the default person filter)"))
        rows.append(("LDAP scope", facts.scope))
    if sis_map:
        rows.append(("SIS column map", "; ".join(sis_map) + " (--map)"))
    if options.previous is not None:
        rows.append(("previous snapshot", options.previous.summary().location))
    if options.previous_sis is not None:
        rows.append(("previous SIS extract", options.previous_sis.location))
    if options.idp_metadata is not None:
        rows.append(("IdP metadata", options.idp_metadata.location))
        entity = options.idp_metadata.selected or options.entity_id
        rows.append(
            (
                "IdP entity",
                entity
                + (
                    _origin("entity" in given, "--entity")
                    if options.entity_id
                    else " (the captured login's Issuer)"
                )
                if entity
                else "(not chosen)",
            )
        )
    elif options.entity_id:
        rows.append(("IdP entity", options.entity_id + _origin("entity" in given, "--entity")))
    if options.assertion is not None:
        rows.append(("captured login", options.assertion.location))
    if options.alma_users is not None:
        rows.append(("users already in Alma", options.alma_users.location))
    if alma_map:
        rows.append(("Alma users column map", "; ".join(alma_map) + " (--alma-map)"))
    if options.match_id:
        rows.append(
            ("Match ID Type", options.match_id + _origin("match_id" in given, "--match-id"))
        )
    if logins is not None:
        rows.extend(login_rows(logins, _origin))
    rows.append(("normalisation steps tried", " → ".join(STEP_NAMES) + " (cumulative)"))
    rows.append(("fail on", fail_on.value))
    return tuple(rows)


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
    url: str, config: RunConfig, password_file: Path | None, flags: LdapFlags
) -> LdapSettings:
    """Connection settings for an ldap(s):// directory: the command line, then the environment,
    then the config file; the password from AUTHPROBE_LDAP_PASSWORD, --password-file or a
    prompt (never argv)."""
    settings = settings_from_environment(url)
    settings = replace(
        settings,
        user=settings.user or config.ldap_user,
        ca_file=settings.ca_file or (Path(config.ldap_ca_file) if config.ldap_ca_file else None),
        tls_name=settings.tls_name or config.ldap_tls_name,
        starttls=settings.starttls or config.ldap_starttls,
    )
    settings = flags.over(settings)
    if settings.method in (BindMethod.ANONYMOUS, BindMethod.GSSAPI):
        return replace(settings, password=None)
    if settings.user and not settings.password:
        settings = replace(settings, password=read_password(settings.user, password_file))
    return settings


def read_password(user: str, password_file: Path | None) -> str:
    """The bind password from --password-file (first line) or a prompt on the terminal."""
    if password_file is not None:
        return read_password_file(password_file)
    if sys.stdin.isatty():
        return getpass.getpass(f"LDAP password for {user}: ")
    raise UsageError(
        "ldap-password-missing",
        f"No password for the bind as {user} and no terminal to ask for one.",
        hint="Set AUTHPROBE_LDAP_PASSWORD or use --password-file FILE.",
    )


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
    directory = directory or config.directory
    sis_paths = list(sis or config.sis)
    if not directory or not sis_paths:
        raise UsageError(
            "inputs-missing",
            "recommend needs a directory (--directory) and an SIS extract (--sis).",
            hint="Give both on the command line or in authprobe.toml (--config).",
        )
    if is_url(directory):
        refuse_credentials(directory)  # before any input is read or a password asked for
        if insecure:
            env.stderr.print(INSECURE_WARNING)
    else:
        flags.refuse_without_url(directory)
    report_settings = config.report
    logins = read_logins(config, oidc_token, oidc_discovery, cas_response)
    options = _resolve_options(
        config,
        exclude_group,
        population_rule,
        previous,
        idp_metadata,
        assertion,
        entity,
        exclude_disabled,
        (alma_users, alma_map, match_id),
        logins,
        (previous_sis, list(sis_map or ())),
    )
    preflight_target = preflight_csv or (
        Path(report_settings["preflight_csv"]) if "preflight_csv" in report_settings else None
    )
    if preflight_target is not None and options.alma_users is None:
        raise UsageError(
            "preflight-csv-without-alma",
            "--preflight-csv needs the users already in Alma (--alma-users).",
            hint="Give an export of the Alma users with --alma-users, or leave --preflight-csv "
            "out.",
        )
    settings = (
        _ldap_settings(directory, config, password_file, flags) if is_url(directory) else None
    )
    directory_source = open_directory(
        directory,
        settings=settings,
        base=flags.base,
        search_filter=flags.search_filter,
        exclude_disabled=exclude_disabled or config.exclude_disabled,
        # paired with the previous snapshot by immutable key (entryUUID is not in `*`)
        also_read=KEY_ATTRIBUTES if options.previous is not None else (),
        plan=runtime.ReadPlan(parallel=True),
    )
    report = build_report(
        directory_source,
        open_sis(sis_paths, sis_map or (), plan=runtime.ReadPlan(parallel=True)),
        wrap=env.reads(_expected(directory, sis_paths, alma_users or list(config.alma_users))),
        options=options,
    )
    chosen_fail_on = fail_on or FailOn(report_settings.get("fail_on", "never"))
    given = {
        name
        for name, value in (
            ("population_rule", population_rule),
            ("exclude_group", exclude_group),
            ("exclude_disabled", exclude_disabled),
            ("entity", entity),
            ("match_id", match_id),
        )
        if value
    }
    report = replace(
        report,
        options=run_options(
            options,
            directory=directory_source,
            config_file=config_file,
            given=frozenset(given),
            exclude_disabled=exclude_disabled or config.exclude_disabled,
            sis_map=sis_map,
            fail_on=chosen_fail_on,
            alma_map=alma_map or list(config.alma_map),
            logins=logins,
        ),
    )
    chosen_format = output_format or OutputFormat(report_settings.get("format", "table"))
    target = output or (Path(report_settings["output"]) if "output" in report_settings else None)
    csv_target = exceptions_csv or (
        Path(report_settings["exceptions_csv"]) if "exceptions_csv" in report_settings else None
    )
    reveal = show_values or bool(report_settings.get("show_values", False))
    emit(report, env, chosen_format, target, reveal, csv_target, preflight_target)
    return exit_code(report, chosen_fail_on)


def demo(
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    exceptions_csv: ExceptionsCsvOpt = None,
    preflight_csv: PreflightCsvOpt = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the HTML report to FILE (make demo writes authprobe-report.html).",
            dir_okay=False,
        ),
    ] = None,
) -> int:
    """Run `recommend` on the bundled demo college (generated; no server needed).

    The college (directory LDIF, SIS extract, users already in Alma) is generated into a
    temporary folder that is removed afterwards; nothing is written elsewhere unless asked
    (-o, --html, --exceptions-csv, --preflight-csv), so it runs from a read-only folder too.
    """
    from authprobe import demo as demo_college

    env = default_environment()
    with tempfile.TemporaryDirectory(prefix="authprobe-demo-") as folder:
        college = demo_college.generate(demo_college.DEMO)
        paths = demo_college.write_college(college, Path(folder))
        env.stderr.print(f"Demo college generated ({college.summary()})", markup=False)
        # read through names relative to the temporary folder: the report names
        # `sis.zip!students.xml:12`, never a folder that no longer exists afterwards
        with _working_directory(Path(folder)):
            options = Options(
                alma_users=(
                    open_alma_users([paths.alma.relative_to(folder)]) if paths.alma else None
                )
            )
            report = build_report(
                open_directory(str(paths.directory.relative_to(folder))),
                open_sis([paths.sis.relative_to(folder)]),
                wrap=env.counted,
                options=options,
            )
    report = replace(report, options=run_options(options))
    if output_format is OutputFormat.HTML and output is None and html is None:
        output = Path(DEMO_REPORT)
    emit(report, env, output_format, output, show_values, exceptions_csv, preflight_csv)
    if html is not None:
        write_text(html, render_html(report, show_values=show_values))
        env.stderr.print(f"HTML report: {html}", soft_wrap=True, highlight=False, markup=False)
    return exit_code(report, FailOn.NEVER)


@contextlib.contextmanager
def _working_directory(folder: Path) -> Iterator[None]:
    """Run a block inside `folder`, then return to the folder we were in."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def register(app: typer.Typer) -> None:
    """Attach `recommend` and `demo` to the app."""
    app.command("recommend")(recommend)
    app.command("demo")(demo)
