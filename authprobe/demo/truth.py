"""The truth of a demo college: the right matching ID and its exact figures, counted from the
generator's own bookkeeping (which person got which value), never from authprobe's analysis."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from enum import StrEnum
from typing import Any

from authprobe.demo.alma import preflight_truth
from authprobe.demo.college import (
    College,
    CollegeSpec,
    DirectoryStyle,
    Kind,
    Person,
    PrimaryId,
    Problem,
)

NUMBER_STEPS: tuple[str, ...] = ()  # a registrar number joins exactly


def answer(spec: CollegeSpec) -> tuple[str, str, tuple[str, ...]]:
    """The right pair by construction: the registrar number if the SIS has it, else the login."""
    if spec.primary_id is PrimaryId.NUMBER:
        return "primary_id", spec.directory_number_attribute, NUMBER_STEPS
    if spec.number_identifier:
        return f"identifier:{spec.number_identifier}", spec.directory_number_attribute, NUMBER_STEPS
    if spec.primary_id is PrimaryId.USERNAME_UPPER:
        login = "sAMAccountName" if spec.style is DirectoryStyle.AD else "uid"
        return "primary_id", login, ("casefold",)
    raise ValueError(f"college {spec.name!r} has no right answer by construction")


def _sis_joins(spec: CollegeSpec, person: Person) -> bool:
    """The person's SIS record holds their own value of the right field (guests have none)."""
    if person.sis is None or person.kind is Kind.GUEST:
        return False
    if answer(spec)[0] == "primary_id":
        return person.sis.primary_id_element == "value"
    return Problem.SIS_NUMBER_ABSENT not in person.problems


def _directory_joins(spec: CollegeSpec, person: Person) -> bool:
    """The person's directory entry holds their value of the right attribute."""
    if person.directory is None:
        return False
    if answer(spec)[1] == spec.directory_number_attribute:
        return _has_number(person)
    return True  # the login name is the entry's RDN: always there


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _recommendation(college: College) -> tuple[dict[str, Any], list[Person]]:
    """The right pair and its figures, and the people it joins."""
    spec = college.spec
    people = college.people
    sis_people = [p for p in people if p.sis is not None]
    dir_people = [p for p in people if p.directory is not None]
    sis_field, attribute, steps = answer(spec)
    joined = [p for p in people if _sis_joins(spec, p) and _directory_joins(spec, p)]
    unpadded = sum(1 for p in joined if Problem.DIRECTORY_NUMBER_UNPADDED in p.problems)
    if unpadded and attribute == spec.directory_number_attribute:
        steps = ("strip-leading-zeros",)  # HR dropped the zeros: only that step joins them
    before = 0 if "casefold" in steps else len(joined) - unpadded  # matched before casefold
    after = len(joined) - unpadded  # matched once casefold is applied
    recommendation = {
        "sis_field": sis_field,
        "directory_attribute": attribute,
        "normalisation": list(steps),
        "matched": len(joined),
        "sis_records": len(sis_people),
        "sis_coverage": _ratio(len(joined), len(sis_people)),
        "directory_matched": len(joined),  # one entry per person: the join is one-to-one
        "directory_records": len(dir_people),
        "directory_coverage": _ratio(len(joined), len(dir_people)),
        "sis_ambiguous": 0,
        "directory_ambiguous": 0,
        "steps": _steps(after, after, before),
    }
    return recommendation, joined


def _populations(people: tuple[Person, ...], joined: list[Person]) -> list[dict[str, Any]]:
    """Records and matched records per SIS user_group, then per directory OU."""
    populations: list[dict[str, Any]] = []
    for source, key in (("sis", _user_group), ("directory", _ou)):
        records = Counter(key(p) for p in people if key(p))
        matched = Counter(key(p) for p in joined)
        populations += [
            {
                "source": source,
                "population": name,
                "records": records[name],
                "matched": matched[name],
            }
            for name in sorted(records)
        ]
    return populations


def compute_truth(college: College) -> dict[str, Any]:
    """The right answer and exact figures, counted from who got which value (not from analysis)."""
    spec = college.spec
    people = college.people
    sis_people = [p for p in people if p.sis is not None]
    dir_people = [p for p in people if p.directory is not None]
    recommendation, joined = _recommendation(college)
    return {
        "college": spec.name,
        "spec": _spec_summary(spec),
        "directory": {
            "style": spec.style.value,
            "records": len(dir_people),
            "skipped": len(college.containers),
            "populations": dict(sorted(Counter(_ou(p) for p in dir_people).items())),
        },
        "sis": {
            "records": len(sis_people),
            "files": len({p.sis.member for p in sis_people if p.sis}),
            "missing_primary_id": sum(1 for p in sis_people if p.sis and p.sis.primary_id is None),
            "user_groups": dict(sorted(Counter(_user_group(p) for p in sis_people).items())),
        },
        "recommendation": recommendation,
        "populations": _populations(people, joined),
        "planted": _planted(college),
        "profiles": _profiles(college),
        "other_pairs": _other_pairs(college, recommendation),
        **(
            {"alma": preflight_truth(college, spec.alma, college.alma)}
            if spec.alma is not None
            else {}
        ),
    }


def _user_group(person: Person) -> str:
    return person.sis.user_group if person.sis else ""


def _ou(person: Person) -> str:
    return person.directory.population if person.directory else ""


def _steps(
    matched: int, directory_matched: int, exact: int, exact_dir: int | None = None
) -> dict[str, dict[str, int]]:
    """Matched records after exact, trim and casefold: nothing is padded with whitespace, so
    trim never gains; casefold gains whatever differed only by case."""
    exact_dir = exact if exact_dir is None else exact_dir
    plain = {"matched": exact, "directory_matched": exact_dir}
    return {
        "exact": plain,
        "trim": dict(plain),
        "casefold": {"matched": matched, "directory_matched": directory_matched},
    }


def _spec_summary(spec: CollegeSpec) -> dict[str, Any]:
    summary = asdict(spec)
    return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in summary.items()}


def _planted(college: College) -> dict[str, int]:
    counts = Counter(problem.value for p in college.people for problem in p.problems)
    return {problem.value: counts[problem.value] for problem in Problem}


def _profiles(college: College) -> list[dict[str, Any]]:
    """Profile figures the planted problems decide (others depend on the profiler's details)."""
    spec = college.spec
    sis = [p for p in college.people if p.sis is not None]
    directory = [p for p in college.people if p.directory is not None]
    people = [p for p in directory if p.kind is not Kind.SERVICE]  # every person has a mail
    shared = spec.shared_mail  # each shared mail sits on one service account too
    profiles: list[dict[str, Any]] = [
        {
            "source": "directory",
            "field": "mail",
            "records": len(directory),
            "present": len(people) + shared,
            "duplicate_values": shared,
            "duplicate_records": 2 * shared,
            "case_collision_values": 0,
            "case_collision_records": 0,
        },
        {
            "source": "sis",
            "field": "email",
            "records": len(sis),
            "present": len(sis),
            "case_collision_values": spec.email_case_collisions,
            "case_collision_records": 2 * spec.email_case_collisions,
        },
        {
            "source": "sis",
            "field": "primary_id",
            "records": len(sis),
            "present": len(sis) - spec.missing_primary_id,
        },
        {
            "source": "directory",
            "field": spec.directory_number_attribute,
            "records": len(directory),
            "present": sum(1 for p in directory if _has_number(p)),
            "duplicate_values": 0,
        },
    ]
    if spec.primary_id is PrimaryId.EMAIL:  # primary_id is the email: same collisions
        profiles[2]["case_collision_values"] = spec.email_case_collisions
        profiles[2]["case_collision_records"] = 2 * spec.email_case_collisions
    if spec.netid_identifier:
        has = [
            p for p in sis if p.kind is not Kind.GUEST and Problem.NETID_ABSENT not in p.problems
        ]
        profiles.append(
            {
                "source": "sis",
                "field": f"identifier:{spec.netid_identifier}",
                "records": len(sis),
                "present": len(has),
            }
        )
    return profiles


def _has_number(person: Person) -> bool:
    return (
        person.kind is not Kind.SERVICE and Problem.DIRECTORY_NUMBER_ABSENT not in person.problems
    )


def _pair(
    field: str,
    attribute: str,
    fate: str,
    because: str,
    steps: list[str],
    figures: tuple[int, int, int, int],
    sizes: tuple[int, int],
) -> dict[str, Any]:
    """One other pair: `figures` are (matched, directory matched, exact, exact directory),
    `sizes` (SIS records, directory entries)."""
    matched, directory_matched, exact, exact_dir = figures
    casefold = (0, 0) if "strip-scope" in steps else (matched, directory_matched)
    return {
        "sis_field": field,
        "directory_attribute": attribute,
        "fate": fate,
        "because": because,
        "normalisation": steps,
        "matched": matched,
        "sis_coverage": _ratio(matched, sizes[0]),
        "directory_matched": directory_matched,
        "directory_coverage": _ratio(directory_matched, sizes[1]),
        "steps": _steps(*casefold, exact, exact_dir),
    }


def _mail_pairs(college: College, sizes: tuple[int, int]) -> list[dict[str, Any]]:
    """The SIS email (and primary_id when it is the email) x directory mail."""
    spec = college.spec
    pairs = []
    mail_fields = ["primary_id", "email"] if spec.primary_id is PrimaryId.EMAIL else ["email"]
    for mail_field in mail_fields:
        # people whose SIS address is their own directory mail, letter for letter; each twin
        # matches the other twin's entry (already matched); a shared mailbox adds one entry
        same = sum(1 for p in college.people if _sis_holds_own_mail(p, mail_field))
        twins = sum(1 for p in college.people if _sis_holds_twin_mail(p, mail_field))
        fate, because = "ranked-below", "mail changes when a person's name changes"
        if twins:
            fate, because = "rejected", "values of the SIS field collide when case is ignored"
        steps = ["casefold"] if twins else []
        entries = same + spec.shared_mail
        figures = (same + twins, entries, same, entries)
        pairs.append(_pair(mail_field, "mail", fate, because, steps, figures, sizes))
    return pairs


def _other_pairs(college: College, right: dict[str, Any]) -> list[dict[str, Any]]:
    """What must happen to the other overlapping pairs, why, and their figures by construction.

    `exact` counts what matches before casefold (trim never gains here), `matched` after the
    pair's normalisation.
    """
    spec = college.spec
    sizes = (
        sum(1 for p in college.people if p.sis is not None),
        sum(1 for p in college.people if p.directory is not None),
    )
    login = "sAMAccountName" if spec.style is DirectoryStyle.AD else "uid"
    scoped = "userPrincipalName" if spec.style is DirectoryStyle.AD else "eduPersonPrincipalName"
    pairs = _mail_pairs(college, sizes)
    if spec.netid_identifier:
        joined = [p for p in college.people if _netid(p) is not None and p.directory is not None]
        lower = sum(1 for p in joined if Problem.NETID_UPPER not in p.problems)
        steps = ["casefold"] if lower < len(joined) else []
        because = "login names are derived from people's names"
        field = f"identifier:{spec.netid_identifier}"
        figures = (len(joined), len(joined), lower, lower)
        pairs.append(_pair(field, login, "ranked-below", because, steps, figures, sizes))
        because = "needs strip-scope: the IdP or the SIS export must transform values"
        figures = (len(joined), len(joined), 0, 0)  # UPN/eppn carry @scope: no exact match
        scope_steps = [*steps, "strip-scope"]
        pairs.append(_pair(field, scoped, "ranked-below", because, scope_steps, figures, sizes))
    if spec.primary_id is PrimaryId.USERNAME_UPPER:
        because = "needs strip-scope: the IdP or the SIS export must transform values"
        figures = (right["matched"], right["directory_matched"], 0, 0)
        steps = ["casefold", "strip-scope"]
        pairs.append(_pair("primary_id", scoped, "ranked-below", because, steps, figures, sizes))
    return pairs


def _sis_holds_own_mail(person: Person, sis_field: str) -> bool:
    """The SIS field holds the person's own directory mail, exactly."""
    if person.sis is None or person.directory is None or person.kind is Kind.SERVICE:
        return False
    if sis_field == "primary_id" and person.sis.primary_id is None:
        return False
    different = {Problem.NAME_CHANGED, Problem.PERSONAL_EMAIL, Problem.EMAIL_CASE_TWIN}
    return not person.problems & different


def _sis_holds_twin_mail(person: Person, sis_field: str) -> bool:
    """The SIS field holds the other twin's mail in other letter case."""
    if person.sis is None or Problem.EMAIL_CASE_TWIN not in person.problems:
        return False
    return sis_field != "primary_id" or person.sis.primary_id is not None


def _netid(person: Person) -> str | None:
    if person.sis is None or person.kind is Kind.GUEST or Problem.NETID_ABSENT in person.problems:
        return None
    return person.username
