"""Generating a demo college: people drawn from one seeded `random.Random`, the spec's problems
planted on them, then the truth counted from who got which value (`truth.py`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace

from authprobe.demo.alma import alma_users
from authprobe.demo.college import College, CollegeSpec, Kind, Problem
from authprobe.demo.names import (
    FIRST_NAMES,
    LAST_NAMES,
    PERSONAL_DOMAINS,
    SERVICE_NAMES,
    Names,
    ascii_name,
)
from authprobe.demo.records import Draft, directory_containers, finish_all
from authprobe.demo.truth import compute_truth


def generate(spec: CollegeSpec) -> College:
    """Draw the college's people, plant the spec's problems, and count the truth."""
    rng = random.Random(spec.seed)
    names = Names(rng)
    drafts = _draw_people(spec, rng, names)
    _plant_problems(spec, rng, names, drafts)
    people = finish_all(spec, drafts)
    containers = directory_containers(spec)
    college = College(spec=spec, people=people, containers=containers, truth={})
    if spec.alma is not None:
        college = replace(college, alma=alma_users(college, spec.alma))
    return replace(college, truth=compute_truth(college))


def _draw_people(spec: CollegeSpec, rng: random.Random, names: Names) -> list[Draft]:
    """Everyone, in export order, with their numbers, names, login names and addresses (twins:
    two people with one name, the second's SIS email the first's mail in other letter case;
    name changes: the directory holds the new last name, the SIS the old one)."""
    drafts = _draw_drafts(spec, rng)
    twins = _pick(rng, drafts, 2 * spec.email_case_collisions, _has_both, set())
    for first, second in zip(twins[::2], twins[1::2], strict=True):
        second.first, second.last = first.first, first.last  # two people with one name
    changed = _pick(rng, drafts, spec.name_changes, _has_both, {d.index for d in twins})
    for draft in changed:
        draft.problems.add(Problem.NAME_CHANGED)
        draft.old_last = draft.last
        draft.last = rng.choice([n for n in LAST_NAMES if n != draft.old_last])
    _allot_accounts(spec, rng, names, drafts)
    for first, second in zip(twins[::2], twins[1::2], strict=True):
        second.problems.add(Problem.EMAIL_CASE_TWIN)
        local, _, domain = first.mail.partition("@")
        second.sis_email = ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain
    return drafts


def _draw_drafts(spec: CollegeSpec, rng: random.Random) -> list[Draft]:
    """The spec's people of each kind, shuffled, with their numbers, names and birth dates."""
    counts = (
        (Kind.STUDENT, spec.students),
        (Kind.STAFF, spec.staff),
        (Kind.FACULTY, spec.faculty),
        (Kind.STUDENT_EMPLOYEE, spec.student_employees),
        (Kind.GUEST, spec.guests),
        (Kind.SERVICE, spec.service_accounts),
    )
    kinds = [kind for kind, count in counts for _ in range(count)]
    rng.shuffle(kinds)  # the export order mixes populations, as real exports do
    total = len(kinds)
    numbers = rng.sample(range(10**9), total)
    barcodes = rng.sample(range(10**13), total)
    keys = rng.sample(range(10**7), total)
    hr_numbers = rng.sample(range(10**6), total)  # kept: drawn before, so the seed's output holds
    drafts: list[Draft] = []
    for index, kind in enumerate(kinds):
        draft = Draft(index, kind, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        draft.number = f"{numbers[index]:09d}"
        draft.barcode = f"2{barcodes[index]:013d}"
        draft.sis_key = f"P{keys[index]:07d}"
        draft.hr_number = f"{hr_numbers[index]:06d}"
        draft.guid = rng.randbytes(16)
        draft.birth_date = f"{rng.randrange(1960, 2008)}-{rng.randrange(1, 13):02d}-" + (
            f"{rng.randrange(1, 29):02d}"
        )
        draft.guest_group = rng.choice(("GUEST", "COMMUNITY"))
        drafts.append(draft)
    return drafts


def _allot_accounts(
    spec: CollegeSpec, rng: random.Random, names: Names, drafts: list[Draft]
) -> None:
    """Login names and addresses: service accounts get `svc-<label>`, guests a personal SIS
    email, everyone else a college mail (a new one after a name change)."""
    services = 0
    for draft in drafts:
        if draft.kind is Kind.SERVICE:
            label = SERVICE_NAMES[services] if services < len(SERVICE_NAMES) else str(draft.index)
            draft.username = f"svc-{label}"
            services += 1
            continue
        draft.username = names.username(draft.first, draft.old_last or draft.last)
        local = f"{ascii_name(draft.first)}.{ascii_name(draft.old_last or draft.last)}"
        if draft.kind is Kind.GUEST:
            draft.sis_email = _personal(rng, names, draft)
            continue
        draft.sis_email = names.mail(local, spec.domain)
        if draft.old_last:
            draft.mail = names.mail(
                f"{ascii_name(draft.first)}.{ascii_name(draft.last)}", spec.domain
            )
        else:
            draft.mail = draft.sis_email


def _personal(rng: random.Random, names: Names, draft: Draft) -> str:
    local = f"{ascii_name(draft.first)}.{ascii_name(draft.last)}{rng.randrange(100, 1000)}"
    return names.mail(local, rng.choice(PERSONAL_DOMAINS))


def _has_both(draft: Draft) -> bool:
    return draft.kind in (Kind.STUDENT, Kind.STAFF, Kind.FACULTY, Kind.STUDENT_EMPLOYEE)


def _pick(
    rng: random.Random,
    drafts: Sequence[Draft],
    count: int,
    eligible: Callable[[Draft], bool],
    exclude: set[int],
) -> list[Draft]:
    """`count` eligible drafts not excluded (by index), in a seeded random order."""
    pool = [d for d in drafts if eligible(d) and d.index not in exclude]
    return rng.sample(pool, count)


def _plant_problems(
    spec: CollegeSpec, rng: random.Random, names: Names, drafts: list[Draft]
) -> None:
    """Plant the spec's per-person problems; each major problem on different people."""
    twins = {d.mail.casefold() for d in drafts if Problem.EMAIL_CASE_TWIN in d.problems}
    busy = {d.index for d in drafts if d.problems or d.mail.casefold() in twins}

    def plant(problem: Problem, count: int, eligible: Callable[[Draft], bool]) -> list[Draft]:
        chosen = _pick(rng, drafts, count, eligible, busy)
        for draft in chosen:
            draft.problems.add(problem)
            busy.add(draft.index)
        return chosen

    shared = plant(Problem.SHARED_MAIL, spec.shared_mail, lambda d: d.kind is Kind.STAFF)
    services = [d for d in drafts if d.kind is Kind.SERVICE]
    for person, service in zip(shared, services, strict=False):
        service.mail = person.mail  # a shared mailbox account holding a person's address
    empty = spec.missing_primary_id // 2
    plant(Problem.PRIMARY_ID_EMPTY, empty, lambda d: d.in_sis)
    plant(Problem.PRIMARY_ID_ABSENT, spec.missing_primary_id - empty, lambda d: d.in_sis)
    plant(Problem.SIS_NUMBER_ABSENT, spec.missing_sis_number, _has_both)
    plant(Problem.DIRECTORY_NUMBER_ABSENT, spec.missing_directory_number, _has_both)
    for draft in drafts:  # login-name and email habits overlap the problems above freely
        if spec.netid_identifier and _has_both(draft) and rng.random() < spec.netid_upper_share:
            draft.problems.add(Problem.NETID_UPPER)
    if spec.netid_identifier:
        for draft in rng.sample([d for d in drafts if _has_both(d)], spec.missing_netid):
            draft.problems.add(Problem.NETID_ABSENT)
    for draft in drafts:  # no random draw: HR numbers are unpadded whenever they start with 0
        hr_fed = draft.kind in (Kind.STAFF, Kind.FACULTY) and draft.number.startswith("0")
        if spec.hr_drops_leading_zeros and hr_fed and Problem.SHARED_MAIL not in draft.problems:
            draft.problems.add(Problem.DIRECTORY_NUMBER_UNPADDED)
    for draft in drafts:
        personal = draft.kind is Kind.STUDENT and draft.index not in busy
        if personal and rng.random() < spec.personal_email_share:
            draft.problems.add(Problem.PERSONAL_EMAIL)
            draft.sis_email = _personal(rng, names, draft)
