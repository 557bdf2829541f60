"""Alma SIS extracts: the user XML (files, folders, zips) or CSV that Alma loads, the users
already in Alma, and the extract `sis build` writes.

    source = open_extract([Path("sis.zip")])        # `extract`: the XML or the CSV reader
    for record in source.records(): ...

Modules: `extract` (`SisExtract`, the XML reader, and `open_extract`), `xml_files` (the
documents of an extract: files, folders, zip members, the zip bomb guard), `root` (the root
element sniffed before parsing), `user_xml` (one `<user>` as a `Record`), `schema` (Alma's
rest_user.xsd, `--xsd`), `csv_extract` (CSV/TSV columns mapped to Alma fields), `alma_users`
(the users already in Alma, read by the same readers), `build_input` (the registrar's and HR's
tables `sis build` reads), `write` (the Alma SIS extract `sis build` writes).
"""
