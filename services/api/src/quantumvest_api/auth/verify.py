"""Checks bearer tokens against the issuer's published keys (JWKS) with PyJWT.

A token is accepted only if its signature verifies with a key of the JWKS (chosen by `kid`,
with that key's own algorithm: no `alg` taken from the token), its `iss` and `aud` are the
configured ones, and it has not expired. Every refusal is logged with its reason and counted;
the token itself is never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from quantumvest_api import metrics
from quantumvest_api.settings import Settings

log = logging.getLogger(__name__)
# Subjects become cache keys and row values; a bounded, printable one keeps both sane.
MAX_SUBJECT_LENGTH = 255


@dataclass(frozen=True)
class Caller:
    subject: str
    scopes: frozenset[str]


class Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class Verifier:
    def __init__(self, settings: Settings) -> None:
        self.issuer = settings.auth_issuer
        self.audience = settings.auth_audience
        self.leeway = settings.auth_leeway_seconds
        self._client: jwt.PyJWKClient | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        if settings.auth_jwks_url is not None:
            # The key set is fetched on first use and cached for `lifespan`; an unknown kid refetches (key
            # rotation) once PyJWT's cooldown allows. No cache_keys: its per-key cache never expires, so a key
            # removed from the JWKS (revoked) would stay trusted until the process restarts.
            self._client = jwt.PyJWKClient(settings.auth_jwks_url, lifespan=300, timeout=5)
        elif settings.auth_jwks_file is not None:
            key_set = jwt.PyJWKSet.from_json(settings.auth_jwks_file.read_text(encoding="utf-8"))
            self._keys = {key.key_id: key for key in key_set.keys if key.key_id}

    def _key(self, token: str) -> jwt.PyJWK:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.DecodeError:
            raise Refused("malformed", "the token is not a JWT") from None
        if not isinstance(kid, str):
            raise Refused("unknown_key", "the token names no key (kid)")
        if self._client is not None:
            try:
                return self._client.get_signing_key(kid)
            except jwt.PyJWKClientConnectionError:
                raise Refused("jwks_unreachable", "the issuer's keys cannot be fetched") from None
            except jwt.PyJWKClientError:
                raise Refused("unknown_key", "the token's key is not the issuer's") from None
        if kid not in self._keys:
            raise Refused("unknown_key", "the token's key is not the issuer's")
        return self._keys[kid]

    def verify(self, token: str) -> Caller:
        key = self._key(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Refused("expired", "the token has expired") from None
        except jwt.InvalidAlgorithmError:
            raise Refused("wrong_algorithm", "the token is not signed with its key's algorithm") from None
        except jwt.InvalidSignatureError:
            raise Refused("bad_signature", "the token's signature does not verify") from None
        except jwt.InvalidIssuerError:
            raise Refused("wrong_issuer", "the token comes from another issuer") from None
        except jwt.InvalidAudienceError:
            raise Refused("wrong_audience", "the token is meant for another audience") from None
        except jwt.InvalidTokenError as err:
            raise Refused("invalid_claims", f"the token is invalid: {err}") from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH or not subject.isprintable():
            raise Refused("invalid_claims", "the token's subject is not a usable name")
        scope = claims.get("scope", "")
        return Caller(subject, frozenset(scope.split() if isinstance(scope, str) else ()))


bearer = HTTPBearer(auto_error=False, description="An access token of the environment's issuer")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _refuse(request: Request, status_code: int, reason: str, detail: str, header: str) -> HTTPException:
    metrics.AUTH_FAILURES.labels(reason).inc()
    log.warning("authentication refused", extra={"reason": reason, "path": request.url.path})
    return HTTPException(status_code, detail, headers={"WWW-Authenticate": header})


def authorize(scope: str, request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    """The verified caller, if their token grants `scope`; 401 or 403 otherwise (auth/callers.py per scope)."""
    if credentials is None:
        raise _refuse(request, status.HTTP_401_UNAUTHORIZED, "missing", "a bearer token is required", "Bearer")
    verifier: Verifier = request.app.state.verifier
    try:
        found = verifier.verify(credentials.credentials)
    except Refused as refused:
        raise _refuse(
            request, status.HTTP_401_UNAUTHORIZED, refused.reason, str(refused), 'Bearer error="invalid_token"'
        ) from None
    if scope not in found.scopes:
        raise _refuse(
            request,
            status.HTTP_403_FORBIDDEN,
            "insufficient_scope",
            f"the token does not grant {scope}",
            f'Bearer error="insufficient_scope", scope="{scope}"',
        )
    return found
