"""Types of the C reader `_userxml.c` (built at install when libxml2's headers are there)."""

from collections.abc import Callable

from authprobe.model import Record

class Parser:
    def __init__(
        self,
        namespace: str | None,
        label: str,
        record_type: Callable[..., Record],
        user_children: tuple[str, ...],
        info_fields: tuple[str, ...],
        empty_identifier: str,
    ) -> None: ...
    def feed(self, block: bytes, /) -> list[Record] | None: ...
    def close(self) -> list[Record] | None: ...
    def take_skips(self) -> list[tuple[int, int]]: ...
    @property
    def reason(self) -> str | None: ...
