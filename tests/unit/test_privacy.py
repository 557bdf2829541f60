"""Privacy: no identifier, name or DN of the demo college appears in any report unless revealed.

The identifiers are taken from the demo generator's own people (what it wrote into the LDIF and
the SIS zip), not from the reports, so the check does not depend on the code it checks.
"""

from __future__ import annotations

import functools
import html
import re
import uuid
from collections.abc import Callable

import pytest

from authprobe.demo import DEMO, generate
from authprobe.reports.csv import render_exceptions_csv
from authprobe.reports.html import render_html
from authprobe.reports.json import render_json
from authprobe.reports.markdown import render_markdown
from authprobe.reports.view import SHOWN_NOTICE
from tests.reportdata import demo_report

NOT_PERSONAL = {"objectClass", "userAccountControl", "memberOf", "eduPersonAffiliation"}
TOKEN = re.compile(r"[\w.@+'-]+")
FORMATS: dict[str, Callable[..., str]] = {
    "json": render_json,
    "md": render_markdown,
    "html": render_html,
    "csv": render_exceptions_csv,
}


def _split_rdn(dn: str) -> str:
    first = re.split(r"(?<!\\),", dn, maxsplit=1)[0]
    return first.partition("=")[2].replace("\\", "")


@functools.cache
def identifiers() -> frozenset[str]:
    """Every personal value the demo generator wrote (single tokens, 3+ characters)."""
    values: set[str] = set()
    for person in generate(DEMO).people:
        values.update((person.number, person.username, person.first, person.last))
        if person.sis is not None:
            sis = person.sis
            values.update((sis.first_name, sis.last_name))
            values.update(v for values_ in sis.fields().values() for v in values_)
            values.update(email.address for email in sis.emails)
        if person.directory is not None:
            entry = person.directory
            values.add(_split_rdn(entry.dn))
            for name, attr_values in entry.attrs:
                if name in NOT_PERSONAL:
                    continue
                for value in attr_values:
                    if isinstance(value, bytes):
                        values.add(str(uuid.UUID(bytes_le=value)))
                        values.add(str(uuid.UUID(bytes=value)))
                    else:
                        values.add(value)
    tokens = {token for value in values for token in TOKEN.findall(value)}
    return frozenset(token for token in tokens if len(token) >= 3)


def _tokens(text: str) -> set[str]:
    return {token.rstrip(".-'") for token in TOKEN.findall(html.unescape(text))}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_identifier_appears_masked(fmt: str) -> None:
    """By default no demo identifier, name or DN value appears in the report."""
    text = FORMATS[fmt](demo_report())
    leaked = sorted(_tokens(text) & identifiers())
    assert leaked == []


@pytest.mark.parametrize("fmt", ["json", "md", "html", "csv"])
def test_show_values_reveals_identifiers(fmt: str) -> None:
    """With show_values the same check finds identifiers (so the check above can fail)."""
    text = FORMATS[fmt](demo_report(), show_values=True)
    assert len(_tokens(text) & identifiers()) >= 10


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_show_values_is_announced_first(fmt: str) -> None:
    """A revealed report says so before anything else."""
    text = FORMATS[fmt](demo_report(), show_values=True)
    first_text = re.sub(r"<[^>]+>", "\n", text.split("<body>", 1)[-1]).strip().splitlines()[0]
    assert SHOWN_NOTICE in first_text


def test_demo_identifiers_are_many() -> None:
    """The identifier set is built from the whole demo college (thousands of values)."""
    assert len(identifiers()) > 10_000
