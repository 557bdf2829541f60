"""Analysis: pure functions and accumulators over records (no I/O)."""
