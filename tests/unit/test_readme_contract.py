"""The README documents the whole CLI: every command has its section, every option is named in
it, and nothing in the command tree lacks help text (sqlite-utils' habit)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from authprobe.cli.app import _register, app

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _tree() -> dict[str, Any]:
    """Every command and group of the built CLI (the root as ""), by its words after `authprobe`."""
    _register([])
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        found[path] = command
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(root, "")
    return found


TREE = _tree()
LEAVES = sorted(words for words, command in TREE.items() if not getattr(command, "commands", None))


def _sections() -> set[str]:
    """The commands the README's `### \\`authprobe ...\\`` headings name (`ldap probe|scan|lookup`
    names three)."""
    named: set[str] = set()
    for heading in re.findall(r"^### `authprobe ([^`]+)`", README, flags=re.MULTILINE):
        *group, last = heading.split()
        for word in last.split("|"):
            named.add(" ".join([*group, word]))
    return named


def _is_option(param: Any) -> bool:
    """An option, not an argument (typer's own click classes: duck-typed, not isinstance)."""
    return getattr(param, "param_type_name", "") == "option"


def _long_options(command: Any) -> list[str]:
    """The long options of one command (its --help left out: click adds it to every command)."""
    return [
        opt
        for param in command.params
        if _is_option(param)
        for opt in [*param.opts, *param.secondary_opts]
        if opt.startswith("--") and opt != "--help"
    ]


def test_the_tree_is_walked() -> None:
    """The walk finds the commands a reader knows (a broken walk would check nothing)."""
    assert {"recommend", "demo", "sis scan", "ldap lookup", "saml decode"} <= set(LEAVES)
    assert {"--alma-users", "--format"} <= set(_long_options(TREE["recommend"]))


@pytest.mark.parametrize("words", LEAVES)
def test_every_command_has_a_readme_section(words: str) -> None:
    """Each command has a `### \\`authprobe ...\\`` section of its own (or is named in one)."""
    assert words in _sections(), f"README.md has no '### `authprobe {words}`' section"


@pytest.mark.parametrize("words", sorted(TREE))
def test_every_option_is_in_the_readme(words: str) -> None:
    """Each long option of each command (and of `authprobe` itself) is named in the README."""
    missing = [
        opt
        for opt in _long_options(TREE[words])
        if not re.search(rf"{re.escape(opt)}(?![\w-])", README)
    ]
    assert not missing, f"authprobe {words}: {missing} not in README.md"


@pytest.mark.parametrize("words", sorted(w for w in TREE if w))
def test_every_command_has_help(words: str) -> None:
    """Each command and command group has a help text for `authprobe ... --help`."""
    command = TREE[words]
    assert (command.help or command.short_help or "").strip(), f"authprobe {words} has no help"


@pytest.mark.parametrize("words", sorted(TREE))
def test_every_option_has_help(words: str) -> None:
    """Each option of each command says what it does in --help."""
    bare = [
        param.opts[0]
        for param in TREE[words].params
        if _is_option(param) and param.name != "help" and not (param.help or "").strip()
    ]
    assert not bare, f"authprobe {words}: {bare} have no help text"
