"""The report's "Inputs used": the filters and options a `recommend` run used, in order.

Built from the run's plan (where each setting came from) and the inputs as read; never a
password, a bind secret or the bind identity.
"""

from __future__ import annotations

from authprobe.analysis.normalize import STEP_NAMES
from authprobe.analysis.recommend import Options
from authprobe.plan import RunPlan
from authprobe.sources.ldap.search import ScanFacts

CONFIG = "authprobe.toml"
ENTRA_RULE = (
    "Entra ID: Guests (userType), else employeeType, else the first OU of "
    "onPremisesDistinguishedName, else Members (default)"
)

Rows = list[tuple[str, str]]


def _origin(on_command_line: bool, flag: str) -> str:
    """` (--flag)` or ` (authprobe.toml)`: where an option in effect came from."""
    return f" ({flag})" if on_command_line else f" ({CONFIG})"


def options_used(
    plan: RunPlan,
    options: Options,
    *,
    directory_kind: str = "",
    ldap_search: ScanFacts | None = None,
) -> tuple[tuple[str, str], ...]:
    """The rows of "Inputs used": `directory_kind` is the directory input's kind (`ldap`,
    `entra-json`, ...), `ldap_search` the facts of a live LDAP search (base, filter, scope)."""
    rows: Rows = []
    if plan.config_file is not None:
        rows.append(("configuration file", str(plan.config_file)))
    rows += _directory_rows(plan, options, directory_kind, ldap_search)
    if plan.sis_map:
        rows.append(("SIS column map", "; ".join(plan.sis_map) + " (--map)"))
    if options.previous is not None:
        rows.append(("previous snapshot", options.previous.summary().location))
    if options.previous_sis is not None:
        rows.append(("previous SIS extract", options.previous_sis.location))
    rows += _idp_rows(plan, options)
    if options.alma_users is not None:
        rows.append(("users already in Alma", options.alma_users.location))
    if plan.alma_map:
        rows.append(("Alma users column map", "; ".join(plan.alma_map) + " (--alma-map)"))
    if options.match_id:
        origin = _origin("match_id" in plan.given, "--match-id")
        rows.append(("Match ID Type", options.match_id + origin))
    rows += _login_rows(plan, options)
    rows.append(("normalisation steps tried", " → ".join(STEP_NAMES) + " (cumulative)"))
    rows.append(("fail on", plan.report.fail_on))
    return tuple(rows)


def _directory_rows(
    plan: RunPlan, options: Options, kind: str, ldap_search: ScanFacts | None
) -> Rows:
    """The population rule, excluded groups, disabled accounts and the LDAP search."""
    given = plan.given
    rows: Rows = []
    if options.population_attribute:
        rule = f"directory attribute {options.population_attribute}"
        rows.append(
            ("population rule", rule + _origin("population_rule" in given, "--population-rule"))
        )
    elif kind.startswith("entra"):
        rows.append(("population rule", ENTRA_RULE))
    else:
        rows.append(("population rule", "first OU of each DN (default)"))
    excluded = ", ".join(sorted(options.exclude_groups, key=str.casefold))
    rows.append(
        (
            "excluded groups",
            excluded + _origin("exclude_groups" in given, "--exclude-group")
            if options.exclude_groups
            else "none",
        )
    )
    rows.append(
        (
            "disabled accounts",
            "left out" + _origin("exclude_disabled" in given, "--exclude-disabled")
            if plan.exclude_disabled
            else "included",
        )
    )
    if ldap_search is not None:
        rows.append(("LDAP base", ldap_search.base or "(the server's default naming context)"))
        rows.append(("LDAP filter", ldap_search.filter or "(the default person filter)"))
        rows.append(("LDAP scope", ldap_search.scope))
    return rows


def _idp_rows(plan: RunPlan, options: Options) -> Rows:
    """The IdP metadata, the entity chosen, the captured login."""
    rows: Rows = []
    on_line = "entity" in plan.given
    if options.idp_metadata is not None:
        rows.append(("IdP metadata", options.idp_metadata.location))
        entity = options.idp_metadata.selected or options.entity_id
        how = (
            _origin(on_line, "--entity") if options.entity_id else " (the captured login's Issuer)"
        )
        rows.append(("IdP entity", entity + how if entity else "(not chosen)"))
    elif options.entity_id:
        rows.append(("IdP entity", options.entity_id + _origin(on_line, "--entity")))
    if options.assertion is not None:
        rows.append(("captured login", options.assertion.location))
    return rows


def _login_rows(plan: RunPlan, options: Options) -> Rows:
    """The OpenID Connect and CAS inputs."""
    rows: Rows = []
    given = plan.given
    if options.oidc_token is not None:
        token = options.oidc_token
        rows.append(
            (
                "OpenID Connect ID token",
                f"{token.location} (signature {token.signature.status})"
                + _origin("oidc_token" in given, "--oidc-token"),
            )
        )
    if options.oidc_discovery is not None:
        rows.append(
            (
                "OpenID Connect discovery",
                options.oidc_discovery.location
                + _origin("oidc_discovery" in given, "--oidc-discovery"),
            )
        )
    if options.cas_response is not None:
        response = options.cas_response
        rows.append(
            (
                "CAS validation response",
                f"{response.location} ({response.protocol})"
                + _origin("cas_response" in given, "--cas-response"),
            )
        )
    return rows
