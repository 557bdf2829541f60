"""How a long step reports its progress without knowing about terminals: it is handed a `Wrap`
(the CLI's progress bar, `cli.console.Environment.counted`) and passes each stream through it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Wrap(Protocol):
    """Wraps a stream (records, the cross-check's pairs) with a description and, where known,
    its total: the CLI counts progress with it."""

    def __call__(
        self, items: Iterable[T], description: str, total: int | None = None, /
    ) -> Iterable[T]: ...


def no_wrap(items: Iterable[T], _description: str, _total: int | None = None) -> Iterable[T]:
    """The items as they are (no progress shown)."""
    return items
