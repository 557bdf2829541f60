"""One run's settings are merged once: the command line first, then authprobe.toml."""

from __future__ import annotations

from pathlib import Path

from authprobe.config import ReportSettings, RunConfig, load_config
from authprobe.plan import CommandLine, RunPlan, plan_run


def test_defaults_without_command_line_or_file() -> None:
    """Nothing given: a table on stdout, fail on never, values masked, nothing given."""
    plan = plan_run(CommandLine())
    assert plan == RunPlan()
    assert (plan.report.format, plan.report.fail_on, plan.report.show_values) == (
        "table",
        "never",
        False,
    )


def test_the_command_line_wins_over_the_file(tmp_path: Path) -> None:
    """A flag given replaces the file's value; the file fills what the flags leave out."""
    config = tmp_path / "authprobe.toml"
    config.write_text(
        '[directory]\nsource = "people.ldif"\npopulation_attribute = "employeeType"\n'
        '[sis]\npaths = ["sis.zip"]\nexclude_groups = ["GUEST"]\n'
        '[report]\nformat = "md"\nfail_on = "warning"\noutput = "out/report.md"\n',
        encoding="utf-8",
    )
    line = CommandLine(
        population_rule="eduPersonPrimaryAffiliation",
        report=ReportSettings(format="json"),
    )
    plan = plan_run(line, load_config(config), config)
    assert plan.report.format == "json"
    assert plan.report.fail_on == "warning"
    assert plan.report.output == tmp_path / "out" / "report.md"
    assert plan.directory == str(tmp_path / "people.ldif")
    assert plan.population_attribute == "eduPersonPrimaryAffiliation"
    assert plan.exclude_groups == frozenset({"GUEST"})
    assert plan.given == frozenset({"population_rule"})
    assert plan.config_file == config


def test_given_names_only_what_the_command_line_said() -> None:
    """Settings from the file are not counted as given on the command line."""
    config = RunConfig(entity="https://idp.example/", exclude_disabled=True)
    plan = plan_run(CommandLine(match_id="primary_id"), config)
    assert plan.given == frozenset({"match_id"})
    assert plan.entity == "https://idp.example/"
    assert plan.exclude_disabled is True


def test_previous_sis_from_the_file_when_not_given() -> None:
    """[sis] previous is the previous extract unless --previous-sis names others."""
    config = RunConfig(previous_sis=Path("last.zip"))
    assert plan_run(CommandLine(), config).previous_sis == (Path("last.zip"),)
    line = CommandLine(previous_sis=(Path("a.zip"), Path("b.zip")))
    assert plan_run(line, config).previous_sis == (Path("a.zip"), Path("b.zip"))
