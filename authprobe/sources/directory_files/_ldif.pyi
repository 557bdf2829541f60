"""Types of the C fast path `_ldif.c` of the LDIF reader (built at install when a C compiler is
there)."""

from collections.abc import Callable

class Parser:
    reason: str | None
    pending: bool
    def __init__(
        self,
        plain: dict[bytes, str],
        value_limit: int,
        entry_limit: int,
        binary: Callable[[bytes, bytes], list[tuple[str, str]] | None] | None = None,
    ) -> None: ...
    def feed(
        self, block: bytes, /
    ) -> list[tuple[str, dict[str, tuple[str, ...]]] | list[tuple[int, bytes | None]]] | None: ...
    def more(
        self,
    ) -> list[tuple[str, dict[str, tuple[str, ...]]] | list[tuple[int, bytes | None]]] | None: ...
    def close(
        self,
    ) -> list[tuple[str, dict[str, tuple[str, ...]]] | list[tuple[int, bytes | None]]] | None: ...
