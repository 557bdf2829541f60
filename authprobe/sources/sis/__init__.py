"""Alma SIS extracts: the user XML (files, folders, zips) or CSV that Alma loads, the users
already in Alma, and the extract `sis build` writes.

Modules: `extract` (the readers and `open_extract`), `build_input` (the registrar's and HR's
tables `sis build` reads), `write` (the Alma SIS extract `sis build` writes).
"""
