"""Bearer-token authentication: who is calling (`sub`) and what they may do (`scope`).

`verify` checks tokens (the API), `issuer` mints them for the local environment and the tests
(never imported by the API process), `scopes` names what a token can grant.
"""
