"""The `authprobe` command: the Typer app, its command groups, and the one error funnel."""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import typer

from authprobe import __version__
from authprobe.errors import AuthprobeError, ExitCode

app = typer.Typer(
    name="authprobe",
    help="Find the matching ID that campus login, the SIS extract and Alma all agree on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals can hold passwords
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"authprobe {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show Python tracebacks for failures (for bug reports)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Find the matching ID that campus login, the SIS extract and Alma all agree on."""


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
    command = next((arg for arg in args or [] if not arg.startswith("-")), None)
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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every outcome into a documented exit code (the one funnel)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(args)
    try:
        _register(args)
        result = app(args=args, prog_name="authprobe", standalone_mode=False)
    except AuthprobeError as error:
        if debug:
            traceback.print_exc()
        print(render_error(error), file=sys.stderr)
        code = int(error.exit_code)
    except typer.Exit as exit_:
        code = int(exit_.exit_code)
    except typer.TyperException as error:  # usage errors: bad option, missing argument
        show = getattr(error, "show", None)
        if callable(show):
            show(file=sys.stderr)
        else:
            print(f"authprobe: {error.format_message()}", file=sys.stderr)
        code = int(ExitCode.USAGE)
    except (KeyboardInterrupt, typer.Abort):
        print("authprobe: interrupted", file=sys.stderr)
        code = int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # the reader of stdout went away (`| head`): not an error of ours
        sys.stderr.close()
        code = int(ExitCode.OK)
    except Exception as error:  # the last resort of the funnel: a bug of ours
        if debug:
            traceback.print_exc()
        print(
            f"authprobe: internal error [{type(error).__name__}]: this is a bug in authprobe, "
            "not a problem with your data.\n  what to do: run the command again with --debug "
            "(before the command name) and report the traceback.",
            file=sys.stderr,
        )
        code = int(ExitCode.INTERNAL)
    else:
        code = int(result) if isinstance(result, int) else int(ExitCode.OK)
    if argv is None:
        sys.exit(code)
    return code
