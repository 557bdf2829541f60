"""Live LDAP and Active Directory, read through ldap3: connect, probe, scan, look up.

    settings = LdapSettings("ldaps://dc1.college.ca", user=..., password=...)
    directory = LdapDirectory(settings, base="DC=college,DC=ca")   # `directory`
    for record in directory.records(): ...                          # every person entry, paged
    facts = probe(settings)                                         # `probe`: `ldap probe`

Modules: `settings` (the URL, bind and scope), `connection` (open, StartTLS, bind, RootDSE),
`directory` (`LdapDirectory`, a `RecordSource`, and `lookup`), `search` (the paged search loop
and `ScanFacts`), `raw_search` and `ldap3_search` (one answer decoded from the socket's bytes, or
by ldap3), `request` (what one search asks and gets), `fast_profile` (entries counted straight
into a profile), `ber` (the decoder of search responses), `ber_count` (its entry walk, also in C:
`_bercount.c`), `limits` (AD's MaxPageSize and MaxValRange), `failures` (ldap3 exceptions and
result codes as named, hinted errors), `probe` (`ldap probe`), `ad` (Active Directory's binary
values as text).
"""
