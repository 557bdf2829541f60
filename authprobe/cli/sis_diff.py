"""`authprobe sis diff` (to come)."""
