"""What checking a bearer token costs the API per request: PyJWT's ES256 verification against the
JWKS, next to decoding the same token without verifying it (the parse alone), in one run.

    .venv/bin/python bench/token_verify.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import jwt
from quantumvest_api.auth import scopes
from quantumvest_api.auth.issuer import LocalIssuer
from quantumvest_api.auth.verify import Verifier
from quantumvest_api.settings import Settings


def per_call_us(call: object, count: int) -> float:
    assert callable(call)
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count * 1e6


def main(count: int) -> None:
    issuer = LocalIssuer.generate("https://bench.invalid", "quantumvest-api")
    with tempfile.TemporaryDirectory() as folder:
        jwks = Path(folder) / "jwks.json"
        jwks.write_text(issuer.jwks())
        verifier = Verifier(Settings(db_host="x", auth_issuer=issuer.issuer, auth_audience=issuer.audience,
                                     auth_jwks_file=jwks))  # type: ignore[call-arg]
        token = issuer.mint("bench", scopes.USER)
        verifier.verify(token)  # warm: keys parsed, code paths loaded
        parse = per_call_us(lambda: jwt.decode(token, options={"verify_signature": False}), count)
        verify = per_call_us(lambda: verifier.verify(token), count)
    print(f"tokens: {count} ES256 verifications, {verify:.0f} us each ({1e6 / verify:.0f}/s on one core); "
          f"parse alone {parse:.0f} us; verification is {verify / parse:.1f}x the parse")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
