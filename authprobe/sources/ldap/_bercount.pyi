"""Types of the C accelerator `_bercount.c` (built at install when a C compiler is there)."""

from typing import TypeVar

T = TypeVar("T")

def count_entry(
    data: bytes,
    start: int,
    end: int,
    buffers: dict[bytes, list[str]],
    multi: dict[bytes, T],
    pending: list[tuple[T, list[str]]],
    /,
) -> int: ...
