"""Directory exports read from files: LDIF, AD CSV exports, Entra ID exports, saved scans.

    directory = open_directory("people.ldif")    # `saved.open_directory`: any of them, or a URL

Modules: `ldif` (LDIF, and the entry converter every directory reader shares), `adcsv`
(`csvde` and `Get-ADUser | Export-Csv`), `entra` and `entra_pages` (Microsoft Entra ID: Graph
JSON pages and CSV downloads), `jsonstream` (big JSON arrays read one element at a time),
`saved` (records saved by `ldap scan --save`, and `open_directory`, the one place that picks
the reader of a directory).
"""
