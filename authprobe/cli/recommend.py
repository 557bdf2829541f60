"""`authprobe recommend` and `authprobe demo` (filled in by the foundation work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the commands of this module to the app."""
    _ = app
