"""SAML: what an IdP's metadata says, and what one captured login carries.

    metadata = read_metadata("FederationMetadata.xml")      # `metadata`
    login = read_message("response.txt", metadata=metadata) # `message`

Modules: `metadata` (IdP facts from metadata, streamed: one entity or a federation aggregate),
`metadata_signature` (the document's own signature), `entity` (one IdP's facts), `checks` (what
is worth warning about in metadata), `unwrap` (the SAML XML out of whatever the user pasted or
saved), `message` (decoding a captured Response or Assertion), `login` (what it holds), `body`
(the assertion's NameID, conditions and attributes), `crypto` (certificates and enveloped
signatures), `trust` (how far a captured login can be trusted), `libxmlsec` (the one door to
the xmlsec C library), `testsp` (`saml test-sp`: a local service provider).
"""
