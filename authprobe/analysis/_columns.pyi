"""Types of the C loop `_columns.c` (built at install when a C compiler is there)."""

from collections.abc import Callable

from authprobe.model import Record

class Collector:
    records: int
    def __init__(
        self,
        codes: dict[str, int],
        other: dict[str, int],
        code_of: Callable[[str], int],
        lists: tuple[list[int] | list[str] | list[str | None], ...],
        flush_every: int,
    ) -> None: ...
    def add(self, record: Record, /) -> bool | None: ...
