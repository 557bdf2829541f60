"""Every finding code emitted anywhere in the package is registered once, with its severity."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import authprobe
from authprobe.analysis.build_rules import RULES as BUILD_RULES
from authprobe.analysis.lint.rules import RULES as LINT_RULES
from authprobe.analysis.preflight_findings import _OUTCOME_MESSAGES
from authprobe.finding_types import FINDING_TYPES, finding_type
from authprobe.model import Severity

PACKAGE = Path(authprobe.__file__).parent
GOLDEN = Path(__file__).parents[1] / "golden" / "demo-report.json"

DYNAMIC = {
    ("analysis/build_rules.py", "code"),
    ("analysis/lint/misuse.py", "code.value"),
    ("analysis/lint/sis_lint.py", "code.value"),
    ("analysis/preflight_findings.py", "f'preflight-{outcome.value}'"),
    ("analysis/profile.py", "code"),
    ("analysis/recommend/findings.py", "source.summary()"),
    ("cli/ldap.py", "save"),
    ("cli/ldap.py", "summary"),
    ("reports/findings.py", "finding.code"),
    ("reports/sis_diff.py", "code"),
    ("sources/cas/response.py", "code"),
    ("sources/oidc/discovery.py", "code"),
    ("sources/oidc/keys.py", "code"),
    ("sources/oidc/token.py", "code"),
    ("sources/oidc/token.py", "f'oidc-token-{name}-future'"),
    ("sources/saml/body.py", "code"),
    ("sources/saml/checks.py", "code"),
    ("sources/saml/message.py", "[_kind_and_id(a) for a in held]"),
    ("sources/saml/message.py", "code"),
    ("sources/saml/message.py", "kinds"),
    ("sources/saml/trust.py", "code"),
}
"""Calls that make a finding from a code held in a variable: each is either a helper whose
callers pass literal codes (found below), or a family added by `_families()`. A new one fails
`test_every_dynamic_code_site_is_known` until its codes are registered and it is listed here."""


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _severities(call: ast.Call) -> set[Severity]:
    """The severities a call passes (both of `Severity.X if ... else Severity.Y`)."""
    found = set()
    for node in [*call.args[1:3], *(k.value for k in call.keywords if k.arg == "severity")]:
        for part in ast.walk(node):
            if (
                isinstance(part, ast.Attribute)
                and isinstance(part.value, ast.Name)
                and part.value.id == "Severity"
            ):
                found.add(Severity[part.attr])
    return found


def _emissions() -> tuple[dict[str, set[Severity]], set[tuple[str, str]]]:
    """Literal codes passed to `Finding(...)` or a `*finding(...)` helper (with the severities
    given there), literal codes assigned to `code`, and the calls whose code is a variable."""
    codes: dict[str, set[Severity]] = {}
    dynamic: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
                names = [getattr(t, "id", "") for t in node.targets[0].elts]
                if "code" in names and isinstance(node.value, ast.Tuple):
                    value = node.value.elts[names.index("code")]
                    if isinstance(value, ast.Constant):
                        codes.setdefault(value.value, set())
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name != "Finding" and not name.lower().endswith("finding"):
                continue
            first = node.args[0] if node.args else None
            first = next((k.value for k in node.keywords if k.arg == "code"), first)
            if first is None:
                continue
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.setdefault(first.value, set()).update(_severities(node))
            else:
                dynamic.add((where, ast.unparse(first)))
    return codes, dynamic


def _families() -> dict[str, set[Severity]]:
    """The codes of the rule tables and of the codes built from a name."""
    codes: dict[str, set[Severity]] = {}
    for lint in LINT_RULES.values():
        codes.setdefault(lint.code.value, set()).add(lint.severity)
    for code, build in BUILD_RULES.items():
        codes.setdefault(code, set()).add(build.severity)
    for outcome in _OUTCOME_MESSAGES:
        codes.setdefault(f"preflight-{outcome.value}", set()).add(Severity.ERROR)
    for claim in ("nbf", "iat"):
        codes.setdefault(f"oidc-token-{claim}-future", set()).add(Severity.WARNING)
    return codes


def _all_codes() -> dict[str, set[Severity]]:
    codes, _ = _emissions()
    for code, severities in _families().items():
        codes.setdefault(code, set()).update(severities)
    return codes


def test_every_emitted_code_is_registered() -> None:
    """A code found in the package's source is in FINDING_TYPES."""
    missing = sorted(set(_all_codes()) - set(FINDING_TYPES))
    assert missing == []


def test_nothing_registered_is_unused() -> None:
    """Every registered code is emitted somewhere (no stale entry)."""
    unused = sorted(set(FINDING_TYPES) - set(_all_codes()))
    assert unused == []


def test_registered_severity_is_the_highest_emitted() -> None:
    """The severity registered is the highest a code is emitted with."""
    wrong = {
        code: (finding_type(code).severity.value, sorted(s.value for s in severities))
        for code, severities in _all_codes().items()
        if severities and max(s.rank for s in severities) != finding_type(code).severity.rank
    }
    assert wrong == {}


def test_every_dynamic_code_site_is_known() -> None:
    """A finding made from a code in a variable is listed (and its codes registered)."""
    _, dynamic = _emissions()
    assert dynamic == DYNAMIC


def test_the_demo_report_holds_registered_codes_only() -> None:
    """The findings of the demo college's report (the golden JSON) are registered, each with a
    severity no higher than its type's."""
    findings = json.loads(GOLDEN.read_text(encoding="utf-8"))["findings"]
    assert findings
    for finding in findings:
        registered = finding_type(finding["code"])
        assert Severity(finding["severity"]).rank <= registered.severity.rank


def test_each_code_is_registered_once() -> None:
    """No code appears twice in the table (a dict would keep the last silently)."""
    from authprobe.finding_types import _TYPES

    codes = [code for code, _, _ in _TYPES]
    assert len(codes) == len(set(codes))
    assert all(title and title[0].isupper() for _, _, title in _TYPES)
