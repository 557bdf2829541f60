"""The `authprobe` command: the Typer app, its command groups, and the one error funnel."""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys
import traceback
from typing import TextIO

import typer
from typer.core import TyperGroup

from authprobe import __version__, runtime
from authprobe.cli import help_text
from authprobe.errors import AuthprobeError, ExitCode


class _Authprobe(TyperGroup):
    """The root command: once Typer has built every command, each option gets the placeholder a
    person would write (`--user ACCOUNT`, not `<str>`)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        help_text.tidy(self)


app = typer.Typer(
    cls=_Authprobe,
    name="authprobe",
    help="Find the matching ID that campus login, the SIS extract and Alma all agree on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals can hold passwords
    add_completion=True,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"authprobe {__version__}")
        raise typer.Exit()


_LIMIT_OPTIONS = ("--max-input-size", "--max-value-size")


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show Python tracebacks for failures (for bug reports)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    max_input_size: str | None = typer.Option(
        None,
        "--max-input-size",
        envvar=runtime.MAX_INPUT_ENV,
        metavar="SIZE",
        help="The largest input file read (a saved .jsonl.gz once inflated), e.g. 32G "
        f"(default {runtime.show_size(runtime.DEFAULT_MAX_INPUT_BYTES)}).",
    ),
    max_value_size: str | None = typer.Option(
        None,
        "--max-value-size",
        envvar=runtime.MAX_VALUE_ENV,
        metavar="SIZE",
        help="The largest single line or value of a text input (an LDIF value, a CSV row), "
        f"e.g. 256M (default {runtime.show_size(runtime.DEFAULT_MAX_VALUE_BYTES)}).",
    ),
) -> None:
    """Find the matching ID that campus login, the SIS extract and Alma all agree on."""
    runtime.set_limits(
        runtime.Limits(
            input_bytes=runtime.parse_size(max_input_size, "--max-input-size")
            if max_input_size
            else runtime.DEFAULT_MAX_INPUT_BYTES,
            value_bytes=runtime.parse_size(max_value_size, "--max-value-size")
            if max_value_size
            else runtime.DEFAULT_MAX_VALUE_BYTES,
        )
    )


def _command(args: list[str]) -> str | None:
    """The command group named in `args` (the first word that is not an option or its value)."""
    words = iter(args)
    for arg in words:
        if arg in _LIMIT_OPTIONS:
            next(words, None)
        elif not arg.startswith("-"):
            return arg
    return None


_REGISTERED: set[str] = set()
_GROUPS = ("recommend", "saml", "oidc", "cas", "ldap", "sis", "alma")
_ALONE = ("ldap", "sis", "oidc", "cas", "alma")
"""Groups that need only their own module: `authprobe ldap ...` and `authprobe sis ...` would
pay about half a second of start-up (polars, ldap3, the SAML libraries) for the others, and a
`sis scan` of 1 M users runs a second slower with polars loaded (bench/sis_scan.py)."""


def _attach(name: str) -> None:
    """Register one command group once (main() may run many times in one process: tests)."""
    if name in _REGISTERED:
        return
    module = importlib.import_module(f"authprobe.cli.{name}")
    module.register(app)
    _REGISTERED.add(name)


def _register(args: list[str] | None = None) -> None:
    """Attach the command groups (each lives in its own module; see `_ALONE`)."""
    command = _command(args or [])
    if command in _ALONE:
        _attach(command)
        return
    for name in _GROUPS:
        _attach(name)


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("AUTHPROBE_DEBUG", "") not in ("", "0")


def render_error(error: AuthprobeError) -> str:
    """One paragraph: what went wrong, where, and what to do."""
    lines = [f"authprobe: error [{error.reference}]: {error.message}"]
    if error.location:
        lines.append(f"  where: {error.location}")
    if error.hint:
        lines.append(f"  what to do: {error.hint}")
    return "\n".join(lines)


def _to_devnull(stream: TextIO) -> None:
    """Send what is still buffered for `stream`, and anything later, nowhere (silently)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):  # no file descriptor (tests)
        pass


def _closed_pipe() -> int:
    """The reader of stdout went away (`authprobe ... | head -1`): stop quietly, as Unix tools
    do, with the status a shell gives a program stopped by SIGPIPE (128 + 13 = 141)."""
    _to_devnull(sys.stdout)
    return int(ExitCode.CLOSED_PIPE)


def _say(text: str) -> None:
    """A message on stderr; a closed stderr must not change the exit code."""
    try:
        print(text, file=sys.stderr, flush=True)
    except (BrokenPipeError, ValueError):
        _to_devnull(sys.stderr)


def _escape_unpaired_surrogates() -> None:
    """Text that is not valid Unicode (half a surrogate pair, which a JSON escape such as
    \\ud800 makes) is written escaped (`\\ud800`), never an encoding error: on stdout and
    stderr here, in output files by `cli.output`."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every outcome into a documented exit code (the one funnel)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(args)
    runtime.set_limits(runtime.Limits())
    _escape_unpaired_surrogates()
    try:
        _register(args)
        result = app(args=args, prog_name="authprobe", standalone_mode=False)
        if argv is None:
            sys.stdout.flush()  # a closed pipe shows here for output still buffered
    except AuthprobeError as error:
        if debug:
            traceback.print_exc()
        _say(render_error(error))
        code = int(error.exit_code)
    except typer.Exit as exit_:
        code = int(exit_.exit_code)
    except typer.TyperException as error:  # usage errors: bad option, missing argument
        show = getattr(error, "show", None)
        if callable(show):
            shown = io.StringIO()
            show(file=shown)
            _say(shown.getvalue().rstrip("\n"))
        else:
            _say(f"authprobe: {error.format_message()}")
        code = int(ExitCode.USAGE)
    except (KeyboardInterrupt, typer.Abort):
        _say("authprobe: interrupted")
        code = int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        code = _closed_pipe()
    except SystemExit as exit_:  # Typer answers a closed pipe itself, with exit 1 ("findings")
        context = exit_.__context__
        if not (isinstance(context, OSError) and context.errno == errno.EPIPE):
            raise
        code = _closed_pipe()
    except Exception as error:  # the last resort of the funnel: a bug of ours
        if debug:
            traceback.print_exc()
        _say(
            f"authprobe: internal error [{type(error).__name__}]: this is a bug in authprobe, "
            "not a problem with your data.\n  what to do: run the command again with --debug "
            "(before the command name) and report the traceback."
        )
        code = int(ExitCode.INTERNAL)
    else:
        code = int(result) if isinstance(result, int) else int(ExitCode.OK)
    if argv is None:
        sys.exit(code)
    return code
