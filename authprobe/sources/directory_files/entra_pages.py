"""What an Entra export is (`detect`), what its Graph pages list, and whether all were saved.

Graph returns users a page at a time (100 by default, 999 at most); each page but the last
carries `@odata.nextLink`, and a query with `$count=true` says the total in `@odata.count`. A
saved export whose every page has a next link lacks its last page (Graph Explorer shows only the
first one): the directory read is partial and every coverage figure would be too low, so this is
an error finding, not a silent read. Pages cannot say which page they are (the skip token is
opaque), so a missing page in the middle is only caught through `@odata.count`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from authprobe.model import Finding, Severity, SourceKind
from authprobe.wording import plural

_CAST_TO_USER = re.compile(r"microsoft\.graph\.user(?![A-Za-z])", re.IGNORECASE)
_MIXED = frozenset({"directoryobjects"})


def listing_of(context: str) -> str:
    """What an `@odata.context` lists: `users`, `mixed` (directory objects of several types,
    e.g. group members), or the entity set's name (`groups`, `devices`, ...)."""
    fragment = context.partition("#")[2]
    if _CAST_TO_USER.search(fragment):
        return "users"
    name = re.match(r"[A-Za-z]*", fragment)
    entity_set = name.group() if name else ""
    if entity_set.casefold() == "users":
        return "users"
    if not entity_set or entity_set.casefold() in _MIXED or "/members" in fragment.casefold():
        return "mixed"
    return entity_set


@dataclass
class PageLedger:
    """What the pages of one export said about themselves, for the completeness findings."""

    pages: int = 0
    with_next: int = 0
    repeated: int = 0
    odata_count: int | None = None
    objects: int = 0
    """Objects read: users and anything else in the pages or rows."""
    users: int = 0
    not_users: int = 0
    not_user_kind: str = ""
    next_links: set[str] = field(default_factory=set)

    def close_page(self, meta: dict[str, Any]) -> None:
        """Note one page's @odata.nextLink and @odata.count."""
        self.pages += 1
        link = meta.get("@odata.nextLink")
        if isinstance(link, str) and link:
            self.with_next += 1
            if link in self.next_links:
                self.repeated += 1
            else:
                self.next_links.add(link)
        count = meta.get("@odata.count")
        if isinstance(count, int) and not isinstance(count, bool):
            self.odata_count = max(count, self.odata_count or 0)

    def not_user(self, kind: str) -> None:
        """Count one object that is not a user (a group, a device, ...)."""
        self.not_users += 1
        self.not_user_kind = self.not_user_kind or kind

    def facts(self) -> dict[str, Any]:
        """The page facts `ldap scan --format json` shows."""
        return {
            "pages": self.pages,
            "pages_with_next_link": self.with_next,
            "odata_count": self.odata_count,
            "objects": self.objects,
        }

    def findings(self, records: int) -> list[Finding]:
        """`entra-next-page-missing` (error) and `entra-page-repeated` (warning)."""
        out: list[Finding] = []
        last_missing = self.with_next > 0 and self.with_next == self.pages
        short = self.odata_count is not None and self.objects < self.odata_count
        if last_missing or short:
            which = "page 1 of more" if self.pages == 1 else f"{self.pages} pages of more"
            said = (
                f"every page read has an @odata.nextLink (this is {which}, the last page is "
                "missing)"
                if last_missing
                else f"@odata.count says {self.odata_count:,} objects, {self.objects:,} were read"
            )
            out.append(
                Finding(
                    "entra-next-page-missing",
                    Severity.ERROR,
                    SourceKind.DIRECTORY.value,
                    None,
                    self.pages,
                    f"The Graph export is incomplete: {said}. Only {plural(records, 'user')} "
                    f"{'was' if records == 1 else 'were'} read; "
                    "the rest of the directory is missing and every coverage figure counts part "
                    "of it. Save every page (follow @odata.nextLink until a page has none, or "
                    "use Get-MgUser -All) and run again.",
                )
            )
        if self.repeated:
            out.append(
                Finding(
                    "entra-page-repeated",
                    Severity.WARNING,
                    SourceKind.DIRECTORY.value,
                    None,
                    self.repeated,
                    f"{plural(self.repeated, 'page')} {'was' if self.repeated == 1 else 'were'} "
                    "saved twice "
                    "(the same @odata.nextLink): the users on them are read twice and look like "
                    "duplicates. Keep one copy of each "
                    "page.",
                )
            )
        return out


_HEAD: Final = 1 << 16
_ENTRA_COLUMNS: Final = frozenset({"id", "objectid", "usertype", "accountenabled"})
_AD_COLUMNS: Final = frozenset({"dn", "distinguishedname"})


def detect(path: Path) -> str:
    """`entra-json`, `entra-csv` or "" (not an Entra export), from the first 64 KiB.

    JSON that is not authprobe's own saved records is taken as Graph JSON (its reader says
    clearly what it is not); a CSV is Entra's when its header has userPrincipalName with id,
    objectId, userType or accountEnabled and no DN column (Get-ADUser's has DistinguishedName).
    """
    if path.is_dir():
        return "entra-json"
    try:
        with path.open("rb") as stream:
            raw = stream.read(_HEAD)
    except OSError:
        return ""  # the reader chosen by the name reports it
    if raw[:2] == b"\x1f\x8b":
        return ""  # gzip: a saved scan
    head = _decode_head(raw).lstrip()
    if not head:
        return "entra-json" if path.suffix.lower() == ".json" else ""
    if head[:1] in ("{", "["):
        first = head.split("\n", 1)[0]
        return "" if '"authprobe-records"' in first else "entra-json"
    lines = [line for line in head.splitlines() if line.strip()]
    if lines and lines[0].startswith("#TYPE"):
        if "Microsoft.Graph" in lines[0]:
            return "entra-csv"
        lines = lines[1:]
    if not lines:
        return ""
    header = {cell.strip().strip('"').casefold() for cell in re.split(r"[,;\t|]", lines[0])}
    if "userprincipalname" in header and header & _ENTRA_COLUMNS and not header & _AD_COLUMNS:
        return "entra-csv"
    return ""


def _decode_head(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8-sig", errors="replace")
