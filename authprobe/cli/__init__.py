"""The command line: the only layer that imports typer and rich.

Each command parses its options, calls the library, and hands the result to `reports/` (JSON,
Markdown, HTML, CSV) or to a rich view here; `output.py` writes it and maps the findings to the
exit code. A command function is longer than 60 lines only because Typer declares its options
in its signature; its body stays short.
"""
