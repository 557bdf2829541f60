"""Types of the C loop `_columns.c` (built at install when a C compiler is there)."""

from collections.abc import Callable

from authprobe.model import Record

def fold(values: list[str], /) -> list[str]: ...

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

class IndexCollector:
    records: int
    def __init__(
        self,
        slots: dict[str, object],
        info_kinds: dict[str, bool],
        slot_of: Callable[[str], object],
        kind_of: Callable[[str], bool],
        distinct: Callable[[tuple[str, ...]], tuple[str, ...]],
        lists: tuple[list[str], list[str | None], list[int], list[str]],
        flush_every: int,
        multi: dict[str, list[int]],
    ) -> None: ...
    def add(self, record: Record, /) -> bool | None: ...
    def field(self) -> int: ...
    def take(self, field: int, /) -> tuple[object, object] | None: ...
