"""What the help says that Typer cannot know: the placeholder after each option (`--user
ACCOUNT`, `--map FIELD=COLUMN`) and the `--fail-on` text of each command.

Typer would print the Python type (`<str>`, `<list[Path]>`) and wrap a required argument in
braces (`{spec}`). This table says, once for every command, what a person would write there; an
option missing from it gets a placeholder from its kind (FILE for a path, N for a number), and
`tests/unit/test_cli_help.py` checks that no help shows a Python type or a brace.
"""

from __future__ import annotations

import enum
import types
from pathlib import Path
from typing import Any, get_args, get_origin

from typer.core import TyperArgument

NAMED: dict[str, str] = {
    # Arguments (named after the function parameter).
    "spec": "ldap://HOST|FILE",
    "url": "ldap://HOST",
    "value": "VALUE",
    "source": "FILE|URL",
    "extract": "EXTRACT",
    "export": "EXPORT",
    "sources": "CSV",
    "old": "OLD",
    "new": "NEW",
    # Options (by their long name).
    "--directory": "FILE|ldap://HOST",
    "--sis": "EXTRACT",
    "--idp-metadata": "FILE|URL",
    "--assertion": "FILE",
    "--entity": "ENTITY_ID",
    "--entity-id": "ENTITY_ID",
    "--exclude-group": "GROUP",
    "--population-rule": "ATTRIBUTE",
    "--previous": "SNAPSHOT",
    "--previous-sis": "EXTRACT",
    "--map": "FIELD=COLUMN",
    "--alma-map": "FIELD=COLUMN",
    "--alma-users": "EXPORT",
    "--match-id": "primary_id|identifier:TYPE",
    "--oidc-token": "FILE",
    "--oidc-discovery": "FILE|URL",
    "--cas-response": "FILE",
    "--user": "ACCOUNT",
    "--tls-name": "HOSTNAME",
    "--base": "DN",
    "--filter": "FILTER",
    "--attribute": "ATTRIBUTE",
    "--timeout": "SECONDS",
    "--page-size": "N",
    "--port": "PORT",
    "--users-per-file": "N",
    "--index": "N",
    "--jwks": "FILE|URL",
    "--discovery": "FILE|URL",
    "--client-id": "CLIENT_ID",
    "--scope": "SCOPES",
    "--id-types": "TYPE,TYPE",
    "--delimiter": "CHAR",
    "--encoding": "ENCODING",
    "--person-key": "FIELD",
    "--precedence": "SOURCE,SOURCE",
    "--expiry": "RULE",
    "--purge": "RULE",
    "--date-format": "FORMAT",
    "--status": "STATUS",
    "--email-type": "TYPE",
    "--config": "FILE",
    "--config-dir": "DIR",
    "--files": "DIR",
    "--population": "GROUP",
}
"""What a person writes after each option or for each argument, by its name."""

NAMED_IN: dict[tuple[str, str], str] = {
    ("oidc decode", "source"): "TOKEN|FILE|-",
    ("cas decode", "source"): "FILE|-",
}
"""The same name meaning something else in one command (command words, parameter name)."""


_FAIL_ON_END = "; never: always 0 once the report is written."
FAIL_ON: dict[str, str] = {
    "saml metadata": "Exit 1 when the metadata has a finding this severe or worse (an expired "
    "or soon-expiring signing certificate, metadata expired or unsigned, a bad signature)",
    "saml decode": "Exit 1 when the captured login has a finding this severe or worse (a "
    "signature that does not verify, an expired assertion, a NameID Alma cannot use)",
    "oidc discover": "Exit 1 when the provider's document or keys have a finding this severe or "
    "worse (an expiring key, http: endpoints, pairwise subjects)",
    "oidc decode": "Exit 1 when the ID token has a finding this severe or worse (a signature "
    "that does not verify, an expired token, alg none)",
    "oidc test-rp": "Exit 1 when the login has a finding this severe or worse",
    "cas decode": "Exit 1 when the CAS response has a finding this severe or worse (an "
    "authentication failure, no attributes released)",
    "ldap scan": "Exit 1 when the directory has a finding this severe or worse (no person "
    "entries, values that collide when case is ignored, a search that was cut short)",
    "sis scan": "Exit 1 when the extract has a finding this severe or worse (an identifier Alma "
    "would reject, a duplicate, a missing expiry date)",
    "sis build": "Exit 1 when building has a finding this severe or worse (a record refused, "
    "people merged across sources)",
    "sis diff": "Exit 1 when the change between the two extracts has a finding this severe or "
    "worse (a Match ID that changed, an identifier that moved to another person)",
    "alma scan": "Exit 1 when the users already in Alma have a finding this severe or worse (a "
    "value held by two users, no account type column)",
}
"""The `--fail-on` help of each command that has one, in the words of what it checks (recommend
writes its own: its default differs)."""


def _choices(annotation: Any) -> str | None:
    """`table|json|md` for an enum of choices (an optional one too)."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return "|".join(str(member.value) for member in candidate)
    return None


def _by_kind(annotation: Any) -> str:
    """The placeholder of an option the table does not name: from the kind of value it takes."""
    origin = get_origin(annotation)
    if origin is list or origin is types.UnionType:
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _by_kind(inner[0]) if inner else "VALUE"
    if annotation is Path:
        return "FILE"
    if annotation in (int, float):
        return "N"
    return "VALUE"


def placeholder(param: Any, path: str = "") -> str:
    """The metavar of one Typer parameter of the command `path`."""
    long_names = [opt for opt in getattr(param, "opts", ()) if opt.startswith("--")]
    key = long_names[0] if long_names and not isinstance(param, TyperArgument) else param.name
    if (path, param.name) in NAMED_IN:
        return NAMED_IN[(path, param.name)]
    if key in NAMED:
        return NAMED[key]
    annotation = param.type_descriptor.annotation
    return _choices(annotation) or _by_kind(annotation)


class _PlainArgument(TyperArgument):
    """An argument shown as `SPEC` (required) or `[SPEC]` in the usage line, not `{spec}`."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if not self.required:
            name = f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the placeholder says it; no `<str>` after it


def tidy(command: Any, path: str = "") -> None:
    """Give every parameter of `command` (a click command or group, walked recursively, `path`
    its words after `authprobe`) its placeholder, flags none, and `--fail-on` its text."""
    for name, sub in getattr(command, "commands", {}).items():
        tidy(sub, f"{path} {name}".strip())
    for param in getattr(command, "params", ()):
        if param.name == "fail_on" and path in FAIL_ON:
            param.help = FAIL_ON[path] + _FAIL_ON_END
        if isinstance(param, TyperArgument):
            param.__class__ = _PlainArgument
        if getattr(param, "is_flag", False) or param.name == "help" or param.metavar is not None:
            continue
        param.metavar = placeholder(param, path)
