"""Live LDAP and Active Directory, read through ldap3: connect, probe, scan, look up.

    directory = LdapDirectory(LdapSettings("ldaps://dc1.college.ca"), base="DC=college,DC=ca")
    for record in directory.records(): ...          # every person entry, paged
    facts = probe(settings)                         # what the server is (`ldap probe`)

Modules: `directory` (the person entries of a directory as a `RecordSource`, and `lookup`),
`ber` (a fast decoder of the search responses; `_bercount.c` is its entry walk in C),
`failures` (ldap3 exceptions and LDAP result codes as named, hinted errors), `probe` (`ldap
probe`), `ad` (Active Directory's binary values as text).
"""
