"""The local environment's token issuer: one ES256 key, its public JWKS, and minted tokens.

`qvctl up` keeps the key beside the environment CA and the API instances read the JWKS; the
clouds use a real OIDC issuer instead (the spec's `auth` block). Tests use it with a key of
their own. Never imported by the API process.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES256"
DEFAULT_LIFETIME_SECONDS = 3600


def _kid(key: ec.EllipticCurvePrivateKey) -> str:
    # The key's own fingerprint: a new key gets a new kid, so a stale JWKS refuses its tokens.
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return digest.finalize().hex()[:16]


class LocalIssuer:
    def __init__(self, key: ec.EllipticCurvePrivateKey, issuer: str, audience: str) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.kid = _kid(key)

    @classmethod
    def generate(cls, issuer: str, audience: str) -> LocalIssuer:
        return cls(ec.generate_private_key(ec.SECP256R1()), issuer, audience)

    @classmethod
    def load(cls, key_file: Path, issuer: str, audience: str) -> LocalIssuer:
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_file} is not an EC private key")
        return cls(key, issuer, audience)

    def save_key(self, key_file: Path) -> None:
        """Mode 0600 from the first byte: the key signs every token of the environment."""
        pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.chmod(key_file, 0o600)

    def jwks(self) -> str:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        return json.dumps({"keys": [public | {"kid": self.kid, "alg": ALGORITHM, "use": "sig"}]}, indent=2) + "\n"

    def mint(
        self,
        subject: str,
        scopes: Iterable[str],
        lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
        now: float | None = None,
        **extra: object,
    ) -> str:
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "scope": " ".join(scopes),
            "iat": issued,
            "exp": issued + lifetime_seconds,
        } | extra
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.kid})
