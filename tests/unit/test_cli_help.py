"""The help tells the truth: placeholders a person would write, only the formats a command
accepts, a --fail-on text per command, completion on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from authprobe.cli.app import _register, app, main
from authprobe.cli.help_text import FAIL_ON


def _commands() -> dict[str, Any]:
    """Every leaf command of the built CLI, by its words after `authprobe`."""
    _register([])
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = command

    walk(root, "")
    return found


COMMANDS = _commands()


def _help(words: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*words.split(), "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_help_shows_no_python_types(words: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No `<str>`, `<list[Path]>`, `<bool>` or `{spec}` in any command's help."""
    text = _help(words, capsys)
    assert not re.search(r"<(str|int|float|bool|path|file|list\[[^]]*\])>", text), text
    assert "{" not in text.split("\n\n")[0], text  # the usage line
    assert "<bool>" not in text


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_every_option_has_a_placeholder(words: str) -> None:
    """Every option that takes a value has a metavar; flags have none."""
    for param in COMMANDS[words].params:
        if getattr(param, "is_flag", False) or param.name == "help":
            assert not param.metavar, (words, param.name)
        else:
            assert param.metavar, (words, param.name)
            assert param.metavar.strip(), (words, param.name)


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("recommend", "table|json|md|html"),
        ("ldap scan", "table|json|md"),
        ("ldap probe", "table|json|md"),
        ("ldap lookup", "table|json|md"),
        ("saml metadata", "table|json|md"),
        ("saml decode", "table|json|md"),
        ("oidc discover", "table|json|md"),
        ("oidc decode", "table|json|md"),
        ("cas decode", "table|json|md"),
        ("sis scan", "table|json|md"),
        ("alma scan", "table|json|md"),
    ],
)
def test_help_offers_only_the_formats_accepted(
    words: str, offered: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The --format placeholder lists what the command writes, and a format it does not list is
    a usage error (exit 2) naming those it does."""
    assert f"--format {offered}" in _help(words, capsys)
    refused = [f for f in ("md", "html") if f not in offered.split("|")]
    for fmt in refused:
        argv = [*words.split(), "x", "-f", fmt]
        if words == "ldap lookup":
            argv = [*words.split(), "ldap://127.0.0.1:1", "x", "-a", "uid", "-f", fmt]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"'{fmt}' is not one of" in err
        assert "'table', 'json'" in err


def test_fail_on_help_is_written_per_command() -> None:
    """Each command's --fail-on help is its own (not recommend's text copied)."""
    texts = {}
    for words, command in COMMANDS.items():
        for param in command.params:
            if param.name == "fail_on":
                texts[words] = param.help
    assert set(FAIL_ON) <= set(texts)
    assert len(set(texts.values())) == len(texts)
    assert "default never" in texts["recommend"]
    assert not any("default never" in text for words, text in texts.items() if words != "recommend")


def test_completion_is_offered(capsys: pytest.CaptureFixture[str]) -> None:
    """`authprobe --install-completion` exists (shell completion on)."""
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "--install-completion" in text
    assert "--show-completion" in text


def test_every_command_writes_to_a_file() -> None:
    """Every command that writes a report takes -o FILE."""
    for words, command in COMMANDS.items():
        if words in ("saml test-sp", "oidc test-rp", "demo"):
            continue  # a local login server; demo writes --html FILE
        opts = {opt for param in command.params for opt in param.opts}
        assert "-o" in opts, words


@pytest.mark.parametrize("words", ["sis scan", "alma scan", "sis build"])
def test_csv_options_have_short_forms(words: str) -> None:
    """-d delimiter and -e encoding, as csvkit and sqlite-utils users type them."""
    opts = {param.name: set(param.opts) for param in COMMANDS[words].params}
    assert "-d" in opts["delimiter"]
    assert "-e" in opts["encoding"]


def test_short_csv_options_read_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sis scan FILE.csv -d ';' -e cp1252` reads a semicolon, Windows-1252 extract: the names
    with accents arrive intact and every row is read."""
    extract = tmp_path / "extract.csv"
    rows = ["primary_id;first_name;last_name", "S1;Zoë;Côté", "S2;José;Núñez", "S3;Ann;Lee"]
    extract.write_bytes("\r\n".join(rows).encode("cp1252"))
    argv = ["sis", "scan", str(extract), "-d", ";", "-e", "cp1252", "-f", "json"]
    main(argv)
    data = json.loads(capsys.readouterr().out)
    assert data["inputs"][0]["records"] == 3
    assert data["inputs"][0]["skipped"] == {}
    assert not [f for f in data["findings"] if "encoding" in f["code"] or "delimiter" in f["code"]]
