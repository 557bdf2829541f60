"""Alma pre-flight lint of an SIS extract (or of the users already in Alma): what Alma would
reject or get wrong, before the load.

    lint = SisLint(id_types=None)
    result = scan_extract(source, lint)     # one pass: field profiles + lint

Modules: `rules` (each finding code, its severity and sentence), `sis_lint` (`SisLint`, the
streaming lint, and `LoadChecks`, the per-record load rules `recommend` counts), `misuse`
(emails and user_group codes loaded as identifiers), `scan` (`scan_extract`: profiles, lint and
populations in one pass, then the profiles frozen).
"""
