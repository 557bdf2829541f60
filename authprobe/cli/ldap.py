"""`authprobe ldap probe|scan|lookup`: a live directory (or its export), read correctly and fast."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from ldap3.utils.conv import escape_filter_chars
from rich.console import Console
from rich.table import Table
from rich.text import Text

from authprobe import runtime
from authprobe.analysis.history import KEY_ATTRIBUTES, has_immutable_key
from authprobe.analysis.profile import SourceProfiler, no_records_finding, profile_records
from authprobe.cli.console import Environment, default_environment
from authprobe.cli.ldap_options import (
    INSECURE_WARNING,
    BaseOpt,
    BindOpt,
    CaFileOpt,
    FilterOpt,
    InsecureOpt,
    PasswordFileOpt,
    StartTlsOpt,
    TimeoutOpt,
    TlsNameOpt,
    UserOpt,
)
from authprobe.cli.options import (
    DEFAULT_FAIL_ON,
    FailOnOpt,
    OutputOpt,
    ShowValuesOpt,
    TextFormat,
    TextFormatOpt,
)
from authprobe.cli.output import exit_code, write_output, write_view
from authprobe.cli.password import read_password
from authprobe.cli.render import profiles_table
from authprobe.errors import ExitCode, UsageError
from authprobe.model import FieldProfile, Finding, Record, Severity, SourceKind
from authprobe.reports.envelope import to_json
from authprobe.reports.ldap import (
    ldap_scan_markdown,
    ldap_scan_to_dict,
    lookup_markdown,
    lookup_to_dict,
    probe_markdown,
    probe_rows,
    probe_to_dict,
    scan_line,
)
from authprobe.reports.mask import reveal, reveal_reference
from authprobe.sources import RecordSource
from authprobe.sources.directory_files import ldif_halves
from authprobe.sources.directory_files.entra import EntraExport
from authprobe.sources.directory_files.ldif import LdifFile
from authprobe.sources.directory_files.saved import is_url, open_directory, save_records
from authprobe.sources.expected import expected_records
from authprobe.sources.ldap.directory import LdapDirectory, lookup
from authprobe.sources.ldap.probe import probe
from authprobe.sources.ldap.settings import BindMethod, LdapSettings, Scope, refuse_credentials

ldap_app = typer.Typer(
    name="ldap",
    help="Read a live LDAP / Active Directory (or its LDIF / CSV export).",
    no_args_is_help=True,
)


def _password(user: str | None, bind: BindMethod | None, password_file: Path | None) -> str | None:
    """The password, when the bind needs one (anonymous and GSSAPI binds do not)."""
    method = bind or (BindMethod.SIMPLE if user else BindMethod.ANONYMOUS)
    if method in (BindMethod.ANONYMOUS, BindMethod.GSSAPI):
        return None
    return read_password(user, password_file)


def _settings(
    url: str,
    env: Environment,
    *,
    user: str | None,
    bind: BindMethod | None,
    password_file: Path | None,
    starttls: bool,
    ca_file: Path | None,
    tls_name: str | None,
    insecure: bool,
    timeout: float,
) -> LdapSettings:
    refuse_credentials(url)  # before any prompt: a password in the URL is never used
    if insecure:
        env.stderr.print(INSECURE_WARNING)
    return LdapSettings(
        url=url,
        user=user,
        password=_password(user, bind, password_file),
        bind=bind,
        starttls=starttls,
        ca_file=ca_file,
        tls_name=tls_name,
        insecure=insecure,
        connect_timeout=min(timeout, 10.0),
        timeout=timeout,
    )


def probe_command(
    url: Annotated[str, typer.Argument(help="ldap://HOST[:389] or ldaps://HOST[:636].")],
    user: UserOpt = None,
    bind: BindOpt = None,
    password_file: PasswordFileOpt = None,
    starttls: StartTlsOpt = False,
    ca_file: CaFileOpt = None,
    tls_name: TlsNameOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = 30.0,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
) -> int:
    """What server is this: kind, naming contexts, paging, TLS, who am I, person attributes."""
    env = default_environment()
    settings = _settings(
        url, env, user=user, bind=bind, password_file=password_file, starttls=starttls,
        ca_file=ca_file, tls_name=tls_name, insecure=insecure, timeout=timeout,
    )  # fmt: skip
    facts = probe(settings)
    if output_format is TextFormat.JSON:
        write_output(env, output, to_json(probe_to_dict(facts)))
        return int(ExitCode.OK)
    if output_format is TextFormat.MD:
        write_output(env, output, probe_markdown(facts) + "\n")
        return int(ExitCode.OK)
    table = Table(title=f"LDAP server {facts.location}", title_justify="left", show_header=False)
    table.add_column("fact", style="bold")
    table.add_column("value", overflow="fold")
    rows = probe_rows(facts)
    for name, value in rows:
        table.add_row(name, value)
    write_view(env, output, lambda console: console.print(table), width=100, done=None)
    return int(ExitCode.OK)


def _source_findings(source: RecordSource) -> list[Finding]:
    if isinstance(source, LdapDirectory | EntraExport):
        return source.findings()
    disabled = int(getattr(source, "disabled", 0) or 0)
    if not disabled:
        return []
    return [
        Finding(
            code="directory-disabled-accounts",
            severity=Severity.INFO,
            source="directory",
            field="userAccountControl",
            count=disabled,
            message=f"{disabled} disabled accounts (userAccountControl bit 2 / Enabled=False).",
        )
    ]


def _with_keys(attributes: tuple[str, ...]) -> tuple[str, ...]:
    """`attributes` and every immutable key attribute: a saved snapshot always holds the key,
    so `recommend --previous` can pair its people with a later snapshot (servers ignore the
    names they do not know; entryUUID and nsUniqueId are operational, not in `*`)."""
    have = {name.casefold() for name in attributes}
    return (*attributes, *(key for key in KEY_ATTRIBUTES if key.casefold() not in have))


class _KeyCount:
    """Counts the records passing through that hold an immutable key."""

    def __init__(self) -> None:
        self.records = 0
        self.keyed = 0

    def watch(self, records: Iterator[Record]) -> Iterator[Record]:
        for record in records:
            self.records += 1
            self.keyed += has_immutable_key(record)
            yield record

    def finding(self, save: Path) -> Finding | None:
        unkeyed = self.records - self.keyed
        if not unkeyed:
            return None
        return Finding(
            "snapshot-without-key",
            Severity.WARNING,
            SourceKind.DIRECTORY.value,
            None,
            unkeyed,
            f"{unkeyed:,} of {self.records:,} entries saved to {save} hold no immutable key "
            f"({', '.join(KEY_ATTRIBUTES)}): `recommend --previous {save}` cannot pair them with "
            "a later snapshot. Scan the live directory, or export the key attribute too.",
        )


def scan_command(
    spec: Annotated[
        str,
        typer.Argument(
            help="ldap[s]://HOST, or an export: FILE.ldif / .ldf / .csv / .jsonl.gz, or a "
            "Microsoft Entra ID export (Graph JSON file or folder of pages, Download users CSV)."
        ),
    ],
    user: UserOpt = None,
    bind: BindOpt = None,
    password_file: PasswordFileOpt = None,
    starttls: StartTlsOpt = False,
    ca_file: CaFileOpt = None,
    tls_name: TlsNameOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = 120.0,
    base: BaseOpt = None,
    search_filter: FilterOpt = None,
    scope: Annotated[Scope, typer.Option("--scope", help="base, one or sub.")] = Scope.SUB,
    page_size: Annotated[
        int, typer.Option("--page-size", help="Entries per page (1-1000; always paged).")
    ] = 1000,
    exclude_disabled: Annotated[
        bool,
        typer.Option(
            "--exclude-disabled",
            help="Leave out disabled accounts (AD userAccountControl, Entra accountEnabled; "
            "counted).",
        ),
    ] = False,
    attributes: Annotated[
        list[str] | None,
        typer.Option(
            "--attribute",
            "-a",
            help="Read only these attributes (repeatable; default: all user attributes). "
            "Add objectClass (person check) and userAccountControl (disabled accounts).",
        ),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            help="Also write the records to FILE.jsonl.gz, for `recommend --directory FILE`.",
            dir_okay=False,
        ),
    ] = None,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    fail_on: FailOnOpt = DEFAULT_FAIL_ON,
    show_values: ShowValuesOpt = False,
) -> int:
    """Profile every attribute of the person entries (paged search; never silently truncated)."""
    env = default_environment()
    started = datetime.now(UTC)
    source: RecordSource
    requested = tuple(attributes) if attributes else ("*",)
    if is_url(spec):
        settings = _settings(
            spec, env, user=user, bind=bind, password_file=password_file, starttls=starttls,
            ca_file=ca_file, tls_name=tls_name, insecure=insecure, timeout=timeout,
        )  # fmt: skip
        source = LdapDirectory(
            settings,
            base=base,
            search_filter=search_filter,
            scope=scope,
            page_size=page_size,
            attributes=_with_keys(requested) if save is not None else requested,
            exclude_disabled=exclude_disabled,
        )
    else:
        source = open_directory(
            spec, exclude_disabled=exclude_disabled, plan=runtime.ReadPlan(parallel=True)
        )
    _check_save_name(save)
    clock = time.monotonic()
    keys = _KeyCount()
    with runtime.paused_gc():  # a scan allocates millions of acyclic lists and strings
        if save is None and isinstance(source, LdapDirectory):
            profiles = _profile_directory(env, source)
        elif save is None and isinstance(source, LdifFile):
            profiles = _profile_export(env, source, _expected(spec, env))
        else:
            records = source.records()
            if save is not None:
                records = save_records(keys.watch(records), save, source)
            profiles = profile_records(
                env.counted(records, "Reading entries", _expected(spec, env)),
                SourceKind.DIRECTORY,
                parallel=True,
            )
    elapsed = time.monotonic() - clock
    summary = source.summary()
    findings = [
        *(f for f in (no_records_finding(summary),) if f),
        *_source_findings(source),
        *(f for f in (keys.finding(save) if save is not None else None,) if f),
    ]
    if output_format is TextFormat.JSON:
        data = ldap_scan_to_dict(
            source, profiles, findings, started, datetime.now(UTC), show_values=show_values
        )
        write_output(env, output, to_json(data))
    elif output_format is TextFormat.MD:
        text = ldap_scan_markdown(source, profiles, findings, elapsed, show_values=show_values)
        write_output(env, output, text)
    else:
        draw = partial(_print_scan, source=source, profiles=profiles, findings=findings,
                       elapsed=elapsed, show_values=show_values)  # fmt: skip
        write_view(env, output, draw, width=100)
    if save is not None:
        env.stderr.print(
            f"Records saved to {save} (use: authprobe recommend --directory {save})",
            markup=False,
            soft_wrap=True,  # the terminal wraps it, never rich in the middle of the command
        )
    return exit_code(findings, fail_on)


def _check_save_name(save: Path | None) -> None:
    """--save writes a JSON Lines file, gzipped or not: its name must say so (exit 2)."""
    if save is not None and not save.name.endswith((".jsonl.gz", ".jsonl")):
        raise UsageError(
            "save-name", "--save needs a FILE.jsonl.gz name.", hint="e.g. --save people.jsonl.gz"
        )


def _expected(spec: str, env: Environment) -> int | None:
    """The entries an export file is expected to hold (for the progress bar's total)."""
    return None if is_url(spec) or not env.interactive else expected_records([spec])


def _profile_directory(env: Environment, source: LdapDirectory) -> list[FieldProfile]:
    """Profile a live directory, counting values straight from the replies (no records)."""
    profiler = SourceProfiler(SourceKind.DIRECTORY)
    with env.progress("Reading entries") as progress:
        task = progress.add_task("Reading entries", total=None, rate="")

        def show(count: int) -> None:
            elapsed = progress.tasks[0].elapsed or 0.0
            rate = f"{count / elapsed:,.0f}/s" if elapsed else ""
            progress.update(task, completed=count, rate=rate)

        source.profile_into(profiler, show)
    return profiler.result(parallel=True)


def _profile_export(env: Environment, source: LdifFile, expected: int | None) -> list[FieldProfile]:
    """Profile an LDIF export (a large one in two halves at once: `LdifFile.profile_into`; the
    progress bar then counts the first half's entries, with no total)."""
    if ldif_halves.can_split(source):
        expected = None
    profiler = SourceProfiler(SourceKind.DIRECTORY)
    source.profile_into(
        profiler,
        lambda: SourceProfiler(SourceKind.DIRECTORY),
        lambda records: env.counted(records, "Reading entries", expected),
    )
    return profiler.result(parallel=True)


def _print_scan(
    console: Console,
    source: RecordSource,
    profiles: list[FieldProfile],
    findings: list[Finding],
    elapsed: float,
    show_values: bool,
) -> None:
    summary = source.summary()
    console.print(Text(scan_line(source, summary.records, summary.location, elapsed)))
    if summary.skipped:
        skipped = ", ".join(f"{count:,} {reason}" for reason, count in summary.skipped.items())
        console.print(Text(f"Skipped: {skipped}", style="dim"))
    for reason, count in summary.withheld.items():
        console.print(Text(f"Left out on purpose: {reason} ({count:,})", style="dim"))
    for finding in findings:
        style = "bold red" if finding.severity is Severity.ERROR else "yellow"
        examples = "; ".join(reveal_reference(e, show_values) for e in finding.examples[:3])
        console.print(
            Text(f"[{finding.code}] {finding.message}" + (f" e.g. {examples}" if examples
            else ""), style=style)
        )  # fmt: skip
    console.print(profiles_table(profiles, "Attribute profiles", show_values))


def lookup_command(
    url: Annotated[str, typer.Argument(help="ldap://HOST or ldaps://HOST.")],
    value: Annotated[str, typer.Argument(help="The login name a user would type in Alma.")],
    attribute: Annotated[
        str,
        typer.Option("--attribute", "-a", help="The login attribute, e.g. uid or sAMAccountName."),
    ],
    user: UserOpt = None,
    bind: BindOpt = None,
    password_file: PasswordFileOpt = None,
    starttls: StartTlsOpt = False,
    ca_file: CaFileOpt = None,
    tls_name: TlsNameOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = 30.0,
    base: BaseOpt = None,
    search_filter: FilterOpt = None,
    output_format: TextFormatOpt = TextFormat.TABLE,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
) -> int:
    """Reproduce Alma's LDAP login search for one value: exactly one entry must match."""
    env = default_environment()
    settings = _settings(
        url, env, user=user, bind=bind, password_file=password_file, starttls=starttls,
        ca_file=ca_file, tls_name=tls_name, insecure=insecure, timeout=timeout,
    )  # fmt: skip
    result = lookup(settings, value, attribute, base=base, search_filter=search_filter)
    count = len(result.entries)
    verdict = (
        "OK: exactly one entry matches; Alma can bind as it."
        if count == 1
        else "FAILURE: no entry matches; this user cannot log in."
        if count == 0
        else f"FAILURE: {count} entries match; Alma refuses ambiguous logins."
    )
    # The value the user typed is shown one way everywhere: masked unless --show-values.
    shown = reveal(value, show_values)
    typed = escape_filter_chars(value)
    shown_filter = result.filter if show_values else result.filter.replace(typed, shown)
    if output_format is TextFormat.JSON:
        data = lookup_to_dict(result, shown_filter, verdict, show_values=show_values)
        write_output(env, output, to_json(data))
    elif output_format is TextFormat.MD:
        text = lookup_markdown(result, shown_filter, verdict, show_values=show_values)
        write_output(env, output, text)
    else:
        lines = [
            f"Search base {result.base}, filter {shown_filter}",
            f"{count} matching entr{'y' if count == 1 else 'ies'}",
            *(f"  {reveal_reference(record.ref, show_values)}" for record in result.entries),
        ]
        if output is not None:
            write_output(env, output, "\n".join([*lines, verdict]) + "\n")
        else:
            for line in lines:
                env.stdout.print(Text(line))
            env.stdout.print(Text(verdict, style="bold green" if result.ok else "bold red"))
    return int(ExitCode.OK if result.ok else ExitCode.FINDINGS)


ldap_app.command("probe")(probe_command)
ldap_app.command("scan")(scan_command)
ldap_app.command("lookup")(lookup_command)


def register(app: typer.Typer) -> None:
    """Attach the `ldap` command group."""
    app.add_typer(ldap_app, name="ldap")
