"""A generated Entra ID tenant and its exports, with what was planted counted by construction.

`generate(spec)` draws the users; `Tenant.truth` holds the counts the tests assert (users,
guests, disabled, members without employeeId, duplicated mail addresses, synced users, SIS
matches). The writers produce the shapes people hand over: Graph JSON pages (one file, a folder,
JSON lines), `Get-MgUser | ConvertTo-Json` (PascalCase, AdditionalProperties), the admin center's
"Download users" CSV and `Get-MgUser | Export-Csv`. The SIS side is an Alma XML extract whose
primary_id is the student/employee number. Nothing here calls authprobe.
"""

from __future__ import annotations

import base64
import csv
import json
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers import write_sis

EXTENSION = "extension_8c0e5f7d2a3b4c1d9e6f0a1b2c3d4e5f_studentNumber"


@dataclass(frozen=True)
class TenantSpec:
    """How many of each kind of user to plant."""

    seed: int = 1414
    students: int = 120
    staff: int = 40
    guests: int = 12
    disabled: int = 9  # among students and staff
    missing_employee_id: int = 7  # members without employeeId
    duplicate_mail: int = 3  # pairs of members sharing one mail address
    not_in_sis: int = 5  # members with an employeeId the SIS does not have
    sis_only: int = 4  # SIS records with a number no directory user holds
    cloud_only: int = 10  # members not synced from AD (no onPremises* values)


@dataclass
class Tenant:
    """The users as Graph returns them (camelCase), the SIS rows, and the planted counts."""

    users: list[dict[str, Any]]
    sis: list[dict[str, str]]
    truth: dict[str, int] = field(default_factory=dict)


def _guid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def generate(spec: TenantSpec = TenantSpec()) -> Tenant:
    """Draw the tenant; `truth` counts what was planted, from this bookkeeping only."""
    rng = random.Random(spec.seed)
    members: list[dict[str, Any]] = []
    for n in range(spec.students + spec.staff):
        student = n < spec.students
        local = f"{'s' if student else 'e'}{n:04d}"
        ad_guid = _guid(rng)
        user: dict[str, Any] = {
            "id": str(_guid(rng)),
            "userPrincipalName": f"{local}@college.example",
            "mail": f"{local}@college.example",
            "displayName": f"Person {n}",
            "employeeId": f"{(100000000 + n * 37) % 1000000000:09d}",
            "employeeType": "Student" if student else None,
            "accountEnabled": True,
            "userType": "Member",
            "proxyAddresses": [f"SMTP:{local}@college.example", f"smtp:{local}@mail.example"],
            "onPremisesSamAccountName": local,
            "onPremisesImmutableId": base64.b64encode(ad_guid.bytes_le).decode("ascii"),
            "onPremisesDistinguishedName": f"CN={local},OU={'Students' if student else 'Staff'}"
            ",DC=college,DC=example",
            "onPremisesExtensionAttributes": {
                f"extensionAttribute{k}": (local.upper() if k == 2 else None) for k in range(1, 16)
            },
            "_ad_guid": str(ad_guid),
        }
        members.append(user)
    order = list(range(len(members)))
    rng.shuffle(order)
    cursor = iter(order)

    def take(count: int) -> list[dict[str, Any]]:
        return [members[next(cursor)] for _ in range(count)]

    for user in take(spec.cloud_only):
        for key in [k for k in user if k.startswith("onPremises")]:
            user[key] = None
        user["_ad_guid"] = None
    for user in take(spec.missing_employee_id):
        user["employeeId"] = None
    for user in take(spec.disabled):
        user["accountEnabled"] = False
    for i in range(spec.duplicate_mail):
        first, second = take(2)
        second["mail"] = first["mail"] = f"shared{i}@college.example"
    missing_sis = {id(u) for u in take(spec.not_in_sis) if u["employeeId"]}
    guests = [
        {
            "id": str(_guid(rng)),
            "userPrincipalName": f"guest{g}_partner.example#EXT#@college.onmicrosoft.com",
            "mail": f"guest{g}@partner.example",
            "displayName": f"Guest {g}",
            "accountEnabled": True,
            "userType": "Guest",
        }
        for g in range(spec.guests)
    ]
    users = members + guests
    rng.shuffle(users)
    sis = [
        {"primary_id": u["employeeId"], "user_group": "STUDENT" if u["employeeType"] else "STAFF"}
        for u in members
        if u["employeeId"] and id(u) not in missing_sis
    ]
    sis += [{"primary_id": f"9{k:08d}", "user_group": "STUDENT"} for k in range(spec.sis_only)]
    with_number = [u for u in members if u["employeeId"]]
    truth = {
        "users": len(users),
        "members": len(members),
        "guests": len(guests),
        "disabled": sum(1 for u in members if not u["accountEnabled"]),
        "employee_id_present": len(with_number),
        "missing_employee_id": len(members) - len(with_number),
        "duplicate_mail_values": spec.duplicate_mail,
        "duplicate_mail_records": 2 * spec.duplicate_mail,
        "synced": sum(1 for u in members if u["_ad_guid"]),
        "students": spec.students,
        "sis_records": len(sis),
        "matched": len(with_number) - len(missing_sis),
        "directory_records": len(users),
        "disabled_with_match": sum(
            1 for u in with_number if not u["accountEnabled"] and id(u) not in missing_sis
        ),
    }
    return Tenant(users, sis, truth)


def graph_user(user: dict[str, Any]) -> dict[str, Any]:
    """The user as Graph returns it with $select (private bookkeeping keys dropped)."""
    return {k: v for k, v in user.items() if not k.startswith("_")}


CONTEXT = (
    "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,mail,displayName,"
    "employeeId,employeeType,accountEnabled,userType,proxyAddresses,onPremisesSamAccountName,"
    "onPremisesImmutableId,onPremisesDistinguishedName,onPremisesExtensionAttributes)"
)


def pages(tenant: Tenant, size: int) -> list[dict[str, Any]]:
    """Graph's pages of `size` users: every page but the last has an @odata.nextLink."""
    chunks = [tenant.users[i : i + size] for i in range(0, len(tenant.users), size)]
    out = []
    for number, chunk in enumerate(chunks):
        page: dict[str, Any] = {"@odata.context": CONTEXT}
        if number < len(chunks) - 1:
            page["@odata.nextLink"] = (
                "https://graph.microsoft.com/v1.0/users?$select=id,userPrincipalName"
                f"&$skiptoken=RFNwdAIAAQAAAB{number:04d}"
            )
        page["value"] = [graph_user(u) for u in chunk]
        out.append(page)
    return out


def write_pages_file(tenant: Tenant, path: Path, size: int = 50, *, lines: bool = False) -> Path:
    """All pages one after another in one file (pretty-printed, or one page per line)."""
    if lines:
        text = "\n".join(json.dumps(p) for p in pages(tenant, size)) + "\n"
    else:
        text = "\n".join(json.dumps(p, indent=2) for p in pages(tenant, size))
    path.write_text(text, encoding="utf-8")
    return path


def write_pages_folder(tenant: Tenant, folder: Path, size: int = 50) -> Path:
    """One file per page: page1.json, page2.json, ... (page10 sorts after page9)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages(tenant, size), 1):
        (folder / f"page{number}.json").write_text(json.dumps(page, indent=4), encoding="utf-8")
    return folder


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def powershell_user(user: dict[str, Any]) -> dict[str, Any]:
    """The user as `Get-MgUser -Property ... | ConvertTo-Json` writes it: PascalCase names, the
    directory extension in AdditionalProperties."""
    out: dict[str, Any] = {}
    for key, value in graph_user(user).items():
        if isinstance(value, dict):
            value = {_pascal(k): v for k, v in value.items()}
        out[_pascal(key)] = value
    extra: dict[str, Any] = {}
    if user.get("employeeId"):
        extra[EXTENSION] = user["employeeId"]
    out["AdditionalProperties"] = extra
    return out


def write_convertto_json(tenant: Tenant, path: Path, *, encoding: str = "utf-8") -> Path:
    """`Get-MgUser -All ... | ConvertTo-Json -Depth 5 > users.json` (UTF-16 on PowerShell 5.1)."""
    text = json.dumps([powershell_user(u) for u in tenant.users], indent=4, ensure_ascii=False)
    path.write_text(text, encoding=encoding)
    return path


ADMIN_HEADER = (
    "userPrincipalName,displayName,surname,mail,givenName,objectId,userType,jobTitle,department,"
    "accountEnabled,usageLocation,streetAddress,state,country,physicalDeliveryOfficeName,city,"
    "postalCode,telephoneNumber,mobile,authenticationPhoneNumber,"
    "authenticationAlternativePhoneNumber,authenticationEmail,alternateEmailAddress,ageGroup,"
    "consentProvidedForMinor,legalAgeGroupClassification,companyName,creationType,"
    "directorySynced,invitationState,identityIssuer,createdDateTime"
)
"""The header line as the admin center writes it."""
ADMIN_COLUMNS = ADMIN_HEADER.split(",")


def write_admin_csv(tenant: Tenant, path: Path) -> Path:
    """The admin center's Users > Download users file (no employeeId: it is not a column)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ADMIN_COLUMNS)
        for user in tenant.users:
            row = dict.fromkeys(ADMIN_COLUMNS, "")
            row.update(
                userPrincipalName=user["userPrincipalName"],
                displayName=user["displayName"],
                mail=user["mail"] or "",
                objectId=user["id"],
                userType=user["userType"],
                accountEnabled="True" if user["accountEnabled"] else "False",
                directorySynced="True" if user.get("_ad_guid") else "",
            )
            writer.writerow(row.values())
    return path


MG_COLUMNS = (
    "Id",
    "UserPrincipalName",
    "Mail",
    "DisplayName",
    "EmployeeId",
    "EmployeeType",
    "AccountEnabled",
    "UserType",
    "ProxyAddresses",
    "OnPremisesSamAccountName",
    "OnPremisesImmutableId",
    "OnPremisesExtensionAttributes",
)


def write_mg_csv(tenant: Tenant, path: Path) -> Path:
    """`Get-MgUser -All -Property ... | Select-Object ... | Export-Csv` on Windows PowerShell
    5.1: a #TYPE line, PascalCase columns, collections and nested objects as type names."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\n")
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(MG_COLUMNS)
        for user in tenant.users:
            cells = []
            for column in MG_COLUMNS:
                value = user.get(column[:1].lower() + column[1:])
                if column == "ProxyAddresses":
                    value = "System.String[]"
                elif column == "OnPremisesExtensionAttributes":
                    value = "Microsoft.Graph.PowerShell.Models." + (
                        "MicrosoftGraphOnPremisesExtensionAttributes"
                    )
                elif isinstance(value, bool):
                    value = "True" if value else "False"
                cells.append("" if value is None else str(value))
            writer.writerow(cells)
    return path


def write_sis_extract(tenant: Tenant, path: Path) -> Path:
    """The Alma SIS XML whose primary_id is the number Entra holds as employeeId."""
    return write_sis(path, tenant.sis)
