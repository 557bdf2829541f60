"""Microsoft Entra ID users as a directory: Graph JSON pages and the CSV downloads.

What is read (`open_directory` recognises each by its content, not its name):
- JSON as Microsoft Graph returns it: `GET /users?$select=...` pages (`{"@odata.context":
  ...#users..., "value": [users], "@odata.nextLink": ...}`), one or several: one after another in
  one file, one per line, an array of pages, or a folder of `*.json` pages read in name order;
  and `Get-MgUser -All -Property ... | ConvertTo-Json -Depth 5` (an array of users with
  PowerShell's PascalCase names and an `AdditionalProperties` object; one user is a bare object).
  Files are streamed (`jsonstream`): memory holds one chunk and one user, not the export.
- CSV: the admin center's "Download users" (`objectId`, `userPrincipalName`, `userType`,
  `accountEnabled`, ...) and `Get-MgUser ... | Export-Csv` (PowerShell writes collections and
  nested objects as their type name: such cells are counted, not profiled).

Records carry Graph's names (`id`, `userPrincipalName`, `employeeId`, `onPremisesSamAccountName`,
`onPremisesExtensionAttributes.extensionAttribute1`, ...), whatever the spelling of the input
(`objectId` is `id`; `UserPrincipalName` is `userPrincipalName`; a bare `extensionAttribute1`
column is the nested one). Nested objects become dotted names, lists several values.
`onPremisesImmutableId` is also decoded to the GUID text the AD readers give `objectGUID`
(`onPremisesImmutableId;objectGUID`), so an Entra export joins to an AD export.

Populations: guests (`userType` Guest) are `Guests`; others are their `employeeType`, else the
first OU of `onPremisesDistinguishedName` (synced users: the same OU an AD export gives), else
`Members`. `accountEnabled` false marks a disabled account (`--exclude-disabled` leaves it out).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from authprobe import runtime
from authprobe.errors import InputError, at_line
from authprobe.model import Finding, InputSummary, ReadStats, Record, Severity, SourceKind
from authprobe.sources import population_from_dn
from authprobe.sources.directory_files.entra_pages import PageLedger, listing_of
from authprobe.sources.directory_files.entries import DISABLED_INFO, SKIP_DISABLED
from authprobe.sources.directory_files.jsonstream import (
    ITEM,
    PAGE_CLOSE,
    PAGE_OPEN,
    JsonStream,
    walk,
)
from authprobe.sources.ldap import ad
from authprobe.sources.tabular import Table, data_in_header, detect_encoding
from authprobe.wording import plural

GUESTS: Final = "Guests"
MEMBERS: Final = "Members"
IMMUTABLE_ID: Final = "onPremisesImmutableId"
IMMUTABLE_GUID: Final = IMMUTABLE_ID + ";objectGUID"
"""The decoded immutableId: the same UUID text as `objectGUID` in an AD export."""
EXTENSIONS: Final = "onPremisesExtensionAttributes"

SKIP_NOT_USER: Final = "not a user"
SKIP_REMOVED: Final = "removed user in a delta query"
SKIP_NOT_OBJECT: Final = "JSON value that is not an object"
SKIP_NESTED: Final = "value nested more than two levels deep not profiled"
SKIP_NOT_TEXT: Final = "value or name that is not valid Unicode (an unpaired surrogate escape)"
SKIP_TYPE_NAME: Final = "property written by Export-Csv as its type name, not its values"
SKIP_IMMUTABLE: Final = "onPremisesImmutableId not a base64 GUID (kept, not decoded)"
SKIP_OTHER_FILE: Final = "file in the folder that is not .json"

# fmt: off
_GRAPH_NAMES: Final = (
    "id", "userPrincipalName", "mail", "mailNickname", "displayName", "givenName", "surname",
    "preferredName", "employeeId", "employeeType", "employeeHireDate", "employeeLeaveDateTime",
    "employeeOrgData", "division", "costCenter", "onPremisesSamAccountName",
    "onPremisesImmutableId", "onPremisesDistinguishedName", "onPremisesDomainName",
    "onPremisesUserPrincipalName", "onPremisesSecurityIdentifier", "onPremisesSyncEnabled",
    "onPremisesLastSyncDateTime", "onPremisesExtensionAttributes", "accountEnabled", "userType",
    "proxyAddresses", "otherMails", "identities", "signInType", "issuer", "issuerAssignedId",
    "businessPhones", "mobilePhone", "faxNumber", "jobTitle", "department", "companyName",
    "officeLocation", "preferredLanguage", "usageLocation", "city", "state", "country",
    "streetAddress", "postalCode", "createdDateTime", "creationType", "externalUserState",
    "securityIdentifier", "ageGroup", "imAddresses", "showInAddressList", "isResourceAccount",
)
# fmt: on
CANONICAL: Final[dict[str, str]] = {
    **{name.casefold(): name for name in _GRAPH_NAMES},
    **{f"extensionattribute{n}": f"extensionAttribute{n}" for n in range(1, 16)},
    "objectid": "id",  # the admin center's download and the AzureAD module
    "immutableid": IMMUTABLE_ID,  # the AzureAD and MSOnline modules
}
"""Graph's spelling of each user property, by casefolded name (other names keep theirs)."""
SPLIT_IN_CSV: Final = frozenset({"proxyAddresses", "otherMails", "businessPhones", "imAddresses"})
"""Multi-valued properties a CSV cell may hold joined with `;` (as csvde does)."""
_TYPE_NAME: Final = re.compile(r"^(?:System|Microsoft\.Graph)\.[\w.`\[\], ]+$")
_ADDITIONAL: Final = "additionalproperties"


def _natural(path: Path) -> tuple[Any, ...]:
    """`page2.json` before `page10.json`."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", path.name))


class EntraExport:
    """Entra ID users from Graph JSON pages (file or folder) or a CSV download (`RecordSource`)."""

    source = SourceKind.DIRECTORY

    def __init__(self, path: Path, *, csv: bool = False, exclude_disabled: bool = False) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.csv = csv
        self.kind = "entra-csv" if csv else "entra-json"
        self.exclude_disabled = exclude_disabled
        self.stats = ReadStats(files=1)
        self.ledger = PageLedger()
        self.disabled = 0
        self.guests = 0
        self._names: dict[str, str] = {}

    def summary(self) -> InputSummary:
        """The input as the report lists it (after `records()` was consumed)."""
        return self.stats.summary(self.kind, self.source, self.location, files=self.stats.files)

    def records(self) -> Iterator[Record]:
        """Yield every user as a record; count everything skipped, with the reason."""
        self.stats = ReadStats(files=1)
        self.ledger = PageLedger()
        self.disabled = self.guests = 0
        yield from self._read_csv() if self.csv else self._read_json()
        if not self.stats.records and self.ledger.not_users and not self.ledger.users:
            raise InputError(
                "entra-no-users",
                f"No user objects in this export: its {plural(self.ledger.not_users, 'object')} "
                f"{'is' if self.ledger.not_users == 1 else 'are'} "
                f"not users ({self.ledger.not_user_kind}).",
                location=self.location,
                hint="Export users: GET /users?$select=... in Graph Explorer, or Get-MgUser -All "
                "-Property ... | ConvertTo-Json -Depth 5.",
            )

    def findings(self) -> list[Finding]:
        """Missing or repeated pages, disabled accounts, guests (after `records()`)."""
        out = self.ledger.findings(self.stats.records)
        if self.disabled:
            left = " (left out: --exclude-disabled)" if self.exclude_disabled else ""
            out.append(
                Finding(
                    "directory-disabled-accounts",
                    Severity.INFO,
                    SourceKind.DIRECTORY.value,
                    "accountEnabled",
                    self.disabled,
                    f"{self.disabled:,} disabled accounts (accountEnabled false){left}.",
                )
            )
        if self.guests:
            out.append(
                Finding(
                    "entra-guests",
                    Severity.INFO,
                    SourceKind.DIRECTORY.value,
                    "userType",
                    self.guests,
                    f"{self.guests:,} guest accounts (userType Guest) form the population "
                    f"{GUESTS}; `--exclude-group {GUESTS}` sets them aside.",
                )
            )
        return out

    def scan_facts(self) -> dict[str, Any]:
        """What `ldap scan --format json` reports under `scan` for this export."""
        return {
            "format": self.kind,
            "files": self.stats.files,
            **self.ledger.facts(),
            "guests": self.guests,
            "disabled": self.disabled,
        }

    # -- JSON -------------------------------------------------------------------------------

    def _files(self) -> list[Path]:
        if not self.path.is_dir():
            return [self.path]
        files = []
        for path in sorted(self.path.iterdir(), key=_natural):
            if path.is_file() and path.suffix.lower() in (".json", ".jsonl"):
                files.append(path)
            elif path.is_file():
                self.stats.skip(SKIP_OTHER_FILE, str(path))
        if not files:
            raise InputError(
                "entra-folder-empty",
                "This folder holds no .json page of a Graph users export.",
                location=self.location,
                hint="Save each page of GET /users as page1.json, page2.json, ... in the folder.",
            )
        self.stats.files = len(files)
        return files

    def _read_json(self) -> Iterator[Record]:
        for path in self._files():
            try:
                if path.stat().st_size == 0:
                    raise InputError(
                        "entra-empty",
                        "This Entra export file is empty.",
                        location=str(path),
                        hint="Save the Graph response or the ConvertTo-Json output again.",
                    )
                encoding = detect_encoding(path)
                binary = runtime.open_input(path, "Entra export")  # regular file, budgeted
                handle = io.TextIOWrapper(binary, encoding=encoding, newline="")
            except OSError as exc:
                raise InputError(
                    "file-unreadable",
                    f"Cannot open the Entra export: {exc.strerror or exc}.",
                    location=str(path),
                    hint="Check the path and that you may read the file.",
                ) from exc
            with handle:
                try:
                    yield from self._read_stream(JsonStream(handle, str(path)), path)
                except UnicodeDecodeError as exc:
                    raise InputError(
                        "entra-encoding",
                        f"This file is not valid {encoding}: {exc.reason}.",
                        location=str(path),
                        hint="Save the export as UTF-8 (ConvertTo-Json ... | Out-File -Encoding "
                        "utf8).",
                    ) from exc

    def _read_stream(self, stream: JsonStream, path: Path) -> Iterator[Record]:
        listing = "users"
        for event in walk(stream):
            if event.kind == ITEM:
                record = self._json_user(event.value, listing, path, event.line)
                if record is not None:
                    yield record
            elif event.kind == PAGE_OPEN:
                listing = self._listing(event.value, at_line(path, event.line))
            elif event.kind == PAGE_CLOSE:
                self._listing(event.value, at_line(path, event.line))
                self.ledger.close_page(event.value)
                listing = "users"

    def _listing(self, meta: dict[str, Any], location: str) -> str:
        """`users` or `mixed` from a page's @odata.context; another object type is an error."""
        context = meta.get("@odata.context")
        if not isinstance(context, str):
            return "users"
        listing = listing_of(context)
        if listing not in ("users", "mixed"):
            raise InputError(
                "entra-not-users",
                f"This is a Microsoft Graph listing of {listing}, not of users "
                f"(@odata.context {context}).",
                location=location,
                hint="Export users: GET /users?$select=id,userPrincipalName,mail,employeeId,... "
                "(save every page), or Get-MgUser -All -Property ... | ConvertTo-Json -Depth 5.",
            )
        return listing

    def _json_user(self, obj: Any, listing: str, path: Path, line: int) -> Record | None:
        """One user object of a page or an array -> a record (None: skipped, counted)."""
        self.ledger.objects += 1
        if type(obj) is not dict or "@odata.context" in obj or "@removed" in obj:
            return self._unusual(obj, listing, path, line)
        kind = _not_user(obj, listing)
        if kind:
            _refuse_error_response(obj, at_line(path, line))
            self.ledger.not_user(kind)
            self.stats.skip(f"{SKIP_NOT_USER} ({kind})", at_line(path, line))
            return None
        attrs: dict[str, tuple[str, ...]] = {}
        names = self._names
        for key, value in obj.items():
            if type(value) is str:
                if value and key[:1] != "@":  # @odata.type, @odata.etag: annotations, not data
                    if not (value.isascii() or _valid_text(value)):
                        self.stats.skip(SKIP_NOT_TEXT, f"{at_line(path, line)} {key!a}")
                        continue
                    name = names.get(key) or self._name(key)
                    attrs[name] = (*attrs[name], value) if name in attrs else (value,)
            elif value is not None and key[:1] != "@":
                if type(value) is list and all(type(item) is str for item in value):
                    if not all(item.isascii() or _valid_text(item) for item in value):
                        self._flatten(
                            attrs, names.get(key) or self._name(key), value, path, line, 0
                        )
                    elif any(value):  # proxyAddresses, otherMails, businessPhones
                        name = names.get(key) or self._name(key)
                        attrs[name] = attrs.get(name, ()) + tuple(v for v in value if v)
                elif key.casefold() == _ADDITIONAL and type(value) is dict:
                    for inner, inner_value in value.items():
                        if inner[:1] != "@":
                            self._flatten(attrs, self._name(inner), inner_value, path, line, 0)
                else:
                    self._flatten(attrs, names.get(key) or self._name(key), value, path, line, 0)
        return self._finish(attrs, path, line)

    def _unusual(self, obj: Any, listing: str, path: Path, line: int) -> Record | None:
        """Not an object, a single entity with its own @odata.context, or a delta removal."""
        location = at_line(path, line)
        if not isinstance(obj, dict):
            self.stats.skip(SKIP_NOT_OBJECT, location)
            return None
        if "@removed" in obj:
            self.stats.skip(SKIP_REMOVED, location)
            return None
        listing = self._listing(obj, location)
        entity = {key: value for key, value in obj.items() if key != "@odata.context"}
        self.ledger.objects -= 1  # counted again by _json_user
        return self._json_user(entity, listing, path, line)

    def _flatten(
        self,
        attrs: dict[str, tuple[str, ...]],
        name: str,
        value: Any,
        path: Path,
        line: int,
        depth: int,
    ) -> None:
        """Scalars as text, lists as several values, objects as `name.key` (two levels)."""
        if value is None or value == "":
            return
        if not _valid_text(name) or (isinstance(value, str) and not _valid_text(value)):
            # JSON may escape half of a surrogate pair (\ud800) alone: no text, no identifier
            self.stats.skip(SKIP_NOT_TEXT, f"{at_line(path, line)} {name!a}")
            return
        if isinstance(value, bool):
            text = "true" if value else "false"
            attrs[name] = (*attrs[name], text) if name in attrs else (text,)
        elif isinstance(value, str | int | float):
            text = str(value)
            attrs[name] = (*attrs[name], text) if name in attrs else (text,)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, list):
                    self.stats.skip(SKIP_NESTED, f"{at_line(path, line)} {name}")
                else:
                    self._flatten(attrs, name, item, path, line, depth)
        elif isinstance(value, dict):
            if depth >= 2:
                self.stats.skip(SKIP_NESTED, f"{at_line(path, line)} {name}")
                return
            for key, inner in value.items():
                if inner is not None and key[:1] != "@":
                    key = CANONICAL.get(key.casefold(), key)
                    self._flatten(attrs, f"{name}.{key}", inner, path, line, depth + 1)

    # -- CSV --------------------------------------------------------------------------------

    def _read_csv(self) -> Iterator[Record]:
        table = Table(self.path, stats=self.stats)
        check_header(table)
        names = [self._name(header) for header in table.header]
        for row in table.rows():
            self.ledger.objects += 1
            attrs: dict[str, tuple[str, ...]] = {}
            for name, cell in zip(names, row.cells, strict=True):
                if not cell:
                    continue
                if _TYPE_NAME.match(cell):
                    self.stats.skip(SKIP_TYPE_NAME, f"{at_line(self.path, row.line)} {name}")
                    continue
                if name in SPLIT_IN_CSV:
                    values = tuple(v.strip() for v in cell.split(";") if v.strip())
                else:
                    values = (cell,)
                attrs[name] = attrs.get(name, ()) + values
            record = self._finish(attrs, self.path, row.line)
            if record is not None:
                yield record

    # -- both -------------------------------------------------------------------------------

    def _name(self, name: str) -> str:
        """Graph's spelling of a property name (dotted names part by part; cached)."""
        known = self._names.get(name)
        if known is None:
            spelled = name
            if not _valid_text(name):  # a name with an unpaired surrogate: shown escaped
                spelled = name.encode("utf-8", "backslashreplace").decode("utf-8")
            parts = [CANONICAL.get(part.casefold(), part) for part in spelled.split(".")]
            if len(parts) == 1 and parts[0].startswith("extensionAttribute"):
                parts.insert(0, EXTENSIONS)
            known = self._names[name] = ".".join(parts)
        return known

    def _finish(self, attrs: dict[str, tuple[str, ...]], path: Path, line: int) -> Record | None:
        """The record of one user: immutableId decoded, disabled and population decided."""
        self.ledger.users += 1
        immutable = attrs.get(IMMUTABLE_ID)
        if immutable:
            try:
                attrs[IMMUTABLE_GUID] = (ad.immutable_id_to_guid(immutable[0].strip()),)
            except ad.BinaryValueError:
                self.stats.skip(SKIP_IMMUTABLE, at_line(path, line))
        disabled = False
        enabled = attrs.get("accountEnabled")
        if enabled:
            flag = enabled[0].strip().lower()
            attrs["accountEnabled"] = (flag,)
            disabled = flag in ("false", "no")
        ids = attrs.get("id")
        ref = f"users/{ids[0]}" if ids else at_line(path, line)
        info: dict[str, str] = {}
        if disabled:
            self.disabled += 1
            if self.exclude_disabled:
                self.stats.skip(SKIP_DISABLED, ref)
                return None
            info[DISABLED_INFO] = "true"
        population = population_of(attrs)
        if population == GUESTS:
            self.guests += 1
        self.stats.records += 1
        return Record(ref=ref, attrs=attrs, population=population, info=info)


def population_of(attrs: dict[str, tuple[str, ...]]) -> str | None:
    """Guests, else employeeType, else the first OU of onPremisesDistinguishedName, else
    Members (None when the export has no userType either)."""
    user_type = attrs.get("userType")
    if user_type and user_type[0].strip().casefold() == "guest":
        return GUESTS
    employee_type = attrs.get("employeeType")
    if employee_type and employee_type[0].strip():
        return employee_type[0].strip()
    dn = attrs.get("onPremisesDistinguishedName")
    ou = population_from_dn(dn[0]) if dn else None
    if ou:
        return ou
    return MEMBERS if user_type else None


def _not_user(obj: dict[str, Any], listing: str) -> str:
    """ "" for a user object, else what it is (`#microsoft.graph.group`, `a group`, ...)."""
    odata_type = obj.get("@odata.type")
    if isinstance(odata_type, str):
        return "" if odata_type.casefold() == "#microsoft.graph.user" else odata_type
    if "userPrincipalName" in obj or "UserPrincipalName" in obj:
        return ""
    folded = {key.casefold() for key in obj}
    if "userprincipalname" in folded:
        return ""
    if folded & {"grouptypes", "securityenabled", "mailenabled", "membershiprule"}:
        return "a group"
    if listing == "users":
        return "" if "id" in folded else "an object without id or userPrincipalName"
    return "an object without userPrincipalName"


def _refuse_error_response(obj: dict[str, Any], location: str) -> None:
    """A saved Graph error (`{"error": {"code": ..., "message": ...}}`) is not an export."""
    error = obj.get("error")
    if not isinstance(error, dict) or "code" not in error:
        return
    raise InputError(
        "entra-graph-error",
        f"This is a Microsoft Graph error response, not users: {error.get('code')}: "
        f"{error.get('message', '')}".rstrip(": "),
        location=location,
        hint="Run the query again with an account allowed to read users (User.Read.All or "
        "Directory.Read.All), and save the response once it lists users.",
    )


def check_header(table: Table) -> None:
    """A CSV whose first row holds data (an address, a GUID, True/False) lost its header."""
    cell = data_in_header(table.header)
    if cell is not None:
        raise InputError(
            "csv-header-missing",
            f"The first row of this CSV holds data ({cell!r}), not column names: the header "
            "row is missing.",
            location=at_line(table.path, table.header_line),
            hint="Export again with the header (Entra admin center: Users > Download users; "
            "PowerShell: Export-Csv -NoTypeInformation), or add the column names as the first "
            "row.",
        )


def _valid_text(text: str) -> bool:
    """Whether `text` is valid Unicode (no unpaired surrogate, which only a JSON escape makes:
    it cannot be written as UTF-8, and no identifier holds one)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
