"""The base layer's run-time rules: what authprobe may read, and how it uses the machine.

- `input_limits`: the limits on what authprobe reads (size budgets, one line or value at a
  time) and the rule that inputs are regular files;
- `parallel`: work shared with a forked child process (`ForkedBatches`, the one mechanism every
  reader and the profiler use), the read plan a reader is given (`ReadPlan`), `paused_gc()`
  and `give_back_memory()`;
- `progress`: `Wrap`, how a long step hands its streams to the CLI's progress bar.

Callers use the names below as `runtime.open_input(...)`, `runtime.paused_gc()`.
"""

from __future__ import annotations

from authprobe.runtime.input_limits import (
    CONFIG_MAX_BYTES,
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_MAX_VALUE_BYTES,
    ENTRY_FACTOR,
    GIB,
    GZIP_MAX_RATIO,
    GZIP_RATIO_FLOOR,
    KIB,
    MAX_INPUT_ENV,
    MAX_VALUE_ENV,
    MIB,
    PASSWORD_FILE_MAX_BYTES,
    SMALL_FILE_MAX_BYTES,
    STDIN,
    Limits,
    check_file,
    limits,
    line_batches,
    open_gzip,
    open_input,
    parse_size,
    read_lines,
    read_small,
    read_text_lines,
    refuse_special,
    set_limits,
    show_size,
    too_large,
)
from authprobe.runtime.parallel import (
    ChildFailed,
    ForkedBatches,
    ReadPlan,
    can_fork,
    give_back_memory,
    paused_gc,
)

__all__ = [
    "CONFIG_MAX_BYTES",
    "DEFAULT_MAX_INPUT_BYTES",
    "DEFAULT_MAX_VALUE_BYTES",
    "ENTRY_FACTOR",
    "GIB",
    "GZIP_MAX_RATIO",
    "GZIP_RATIO_FLOOR",
    "KIB",
    "MAX_INPUT_ENV",
    "MAX_VALUE_ENV",
    "MIB",
    "PASSWORD_FILE_MAX_BYTES",
    "SMALL_FILE_MAX_BYTES",
    "STDIN",
    "ChildFailed",
    "ForkedBatches",
    "Limits",
    "ReadPlan",
    "can_fork",
    "check_file",
    "give_back_memory",
    "limits",
    "line_batches",
    "open_gzip",
    "open_input",
    "parse_size",
    "paused_gc",
    "read_lines",
    "read_small",
    "read_text_lines",
    "refuse_special",
    "set_limits",
    "show_size",
    "too_large",
]
