""" "Inputs used" lists the filters and options the run used, not only the files: population
rule, excluded groups, disabled accounts, the LDAP search, the IdP entity, masking, version and
timestamps; in JSON (additive key `options`), Markdown, HTML and the terminal."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from authprobe.analysis.normalize import STEP_NAMES
from authprobe.analysis.recommend import Options
from authprobe.cli.app import main
from authprobe.plan import ReportPlan, RunPlan
from authprobe.reports.html import render_html
from authprobe.reports.json import report_to_dict
from authprobe.reports.markdown import render_markdown
from authprobe.reports.options import options_used
from authprobe.sources.ldap.search import ScanFacts
from tests.helpers import write_ldif, write_sis
from tests.reportdata import demo_report

CONTRACT_KEYS = [
    "schema_version",
    "meta",
    "inputs",
    "profiles",
    "correspondences",
    "candidates",
    "recommendation",
    "findings",
    "alma_configuration",
    "out_of_scope",
    "idp_login",
]


@pytest.fixture
def college(tmp_path: Path) -> tuple[Path, Path]:
    """30 people in two groups; employeeType names each directory entry's population."""
    entries = [
        {
            "dn": f"uid=u{i},ou=People,dc=c,dc=ca",
            "uid": f"u{i}",
            "cn": f"U {i}",
            "sn": "X",
            "employeeType": "staff" if i % 3 else "guest",
            "employeeNumber": f"{i:06d}",
        }
        for i in range(30)
    ]
    users = [
        {"primary_id": f"{i:06d}", "user_group": "STAFF" if i % 3 else "GUEST"} for i in range(30)
    ]
    return write_ldif(tmp_path / "d.ldif", entries), write_sis(tmp_path / "s.xml", users)


def _options(data: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {item["name"]: item["value"] for item in data["options"]}


def test_json_lists_the_command_line_options(  # type: ignore[no-untyped-def]
    college: tuple[Path, Path], capsys
) -> None:
    """--population-rule, --exclude-group, --exclude-disabled and --fail-on are recorded."""
    ldif, sis = college
    argv = ["recommend", "-d", str(ldif), "-s", str(sis), "-f", "json"]
    argv += ["--population-rule", "employeeType", "--exclude-group", "GUEST"]
    argv += ["--exclude-group", "ALUMNI", "--exclude-disabled", "--fail-on", "error"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    # additive: the contract's keys unchanged, then the run's options, the two additions of
    # the Alma pre-flight (the Match ID decision and the predicted first load), and who logged in
    assert list(data) == [*CONTRACT_KEYS, "options", "sis_match", "preflight", "idp_login_people"]
    options = _options(data)
    assert options["population rule"] == "directory attribute employeeType (--population-rule)"
    assert options["excluded groups"] == "ALUMNI, GUEST (--exclude-group)"
    assert options["disabled accounts"] == "left out (--exclude-disabled)"
    assert options["fail on"] == "error"
    assert options["normalisation steps tried"].startswith(" → ".join(STEP_NAMES))
    assert "LDAP base" not in options  # a file, not an LDAP URL
    assert data["meta"]["values_shown"] is False


def test_defaults_are_said_explicitly(college: tuple[Path, Path], capsys) -> None:  # type: ignore[no-untyped-def]
    """Without options the report still says which rule and filters applied."""
    ldif, sis = college
    assert main(["recommend", "-d", str(ldif), "-s", str(sis), "-f", "json"]) == 0
    options = _options(json.loads(capsys.readouterr().out))
    assert options["population rule"] == "first OU of each DN (default)"
    assert options["excluded groups"] == "none"
    assert options["disabled accounts"] == "included"
    assert options["fail on"] == "never"


def test_config_file_options_are_recorded_without_the_bind_identity(  # type: ignore[no-untyped-def]
    college: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    """Options from authprobe.toml are listed as such; the bind user never appears."""
    ldif, sis = college
    config = tmp_path / "authprobe.toml"
    config.write_text(
        "[directory]\n"
        f'source = "{ldif}"\n'
        'population_attribute = "employeeType"\n'
        "exclude_disabled = true\n"
        'user = "CN=svc-authprobe-bind,OU=Service,DC=c,DC=ca"\n'
        "[sis]\n"
        f'paths = ["{sis}"]\n'
        'exclude_groups = ["GUEST"]\n'
        "[report]\n"
        'format = "json"\n',
        encoding="utf-8",
    )
    assert main(["recommend", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "svc-authprobe-bind" not in out
    options = _options(json.loads(out))
    assert options["configuration file"] == str(config)
    assert options["population rule"] == "directory attribute employeeType (authprobe.toml)"
    assert options["excluded groups"] == "GUEST (authprobe.toml)"
    assert options["disabled accounts"] == "left out (authprobe.toml)"


def test_ldap_search_and_idp_entity_are_listed() -> None:
    """An LDAP directory adds base, filter and scope as searched; the IdP metadata its entity."""
    search = ScanFacts(base="DC=college,DC=ca", filter="(objectClass=user)", scope="sub")
    metadata = SimpleNamespace(location="https://fed.example/md.xml", selected="https://idp.c/")
    options = Options(entity_id="https://idp.c/", idp_metadata=metadata)  # type: ignore[arg-type]
    plan = RunPlan(given=frozenset({"entity"}), report=ReportPlan(fail_on="error"))
    rows = dict(options_used(plan, options, directory_kind="ldap", ldap_search=search))
    assert rows["LDAP base"] == "DC=college,DC=ca"
    assert rows["LDAP filter"] == "(objectClass=user)"
    assert rows["LDAP scope"] == "sub"
    assert rows["IdP metadata"] == "https://fed.example/md.xml"
    assert rows["IdP entity"] == "https://idp.c/ (--entity)"
    assert not any("password" in name.lower() or "bind" in name.lower() for name in rows)


def test_markdown_and_html_show_the_options() -> None:
    """Both documents list the options under "Inputs used", escaped in HTML."""
    report = replace(
        demo_report(),
        options=(
            ("population rule", "directory attribute employeeType (--population-rule)"),
            ("excluded groups", "<GUEST> & CO (--exclude-group)"),
        ),
    )
    markdown = render_markdown(report)
    inputs = markdown[markdown.index("## Inputs used") :]
    assert "| population rule | directory attribute employeeType (--population-rule) |" in inputs
    assert "| identifier values | masked (--show-values not given) |" in inputs
    html = render_html(report, show_values=True)
    section = html[html.index('<section id="inputs">') :]
    assert "<td>excluded groups</td><td>&lt;GUEST&gt; &amp; CO (--exclude-group)</td>" in section
    assert "<td>identifier values</td><td>shown unmasked (--show-values)</td>" in section
    assert report_to_dict(report)["options"][0] == {
        "name": "population rule",
        "value": "directory attribute employeeType (--population-rule)",
    }
