"""Reports: serialise a `Report` (JSON, Markdown, HTML, CSV) — privacy first."""
