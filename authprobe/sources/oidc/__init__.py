"""OpenID Connect: what a provider says about itself, and what an ID token carries.

    discovery = read_discovery("https://login.college.ca/.well-known/openid-configuration")
    keys = read_jwks("jwks.json")                       # a JWKS file or URL
    token = read_token("token.txt", keys=keys)          # an ID token, verified against the keys

Modules (JSON documents are read by `authprobe.sources.documents`, which refuses HTML login
pages): `keys` (the facts of each JWK and the key set used to verify), `discovery` (the
`/.well-known/openid-configuration` facts and findings), `token_input` (finding the ID token in
what the user pasted), `token` (decoding and verifying it), `relying_party` (`oidc test-rp`: a
local relying party that runs the authorization code flow with PKCE). Parsing and signature
checks are done by joserfc (with cryptography); nothing cryptographic is written here.
"""
