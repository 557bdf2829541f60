"""Alma pre-flight lint of an SIS extract (or of the users already in Alma): what Alma would
reject or get wrong, before the load.

Modules: `sis_lint` (`SisLint`, the streaming lint).
"""
