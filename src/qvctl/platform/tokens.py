"""The local environment's token issuer: a signing key kept beside the environment CA.

`qvctl up` creates it once (mode 0600) and publishes its public keys as `pki/jwks.json`, which the
API instances read; `qvctl token` mints with it. Cloud environments have a real OIDC issuer
(the spec's `application.auth.jwks_url`) and no key here.
"""

from __future__ import annotations

from collections.abc import Iterable

from quantumvest_api.auth.issuer import LocalIssuer
from quantumvest_api.auth.scopes import USER

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.paths import EnvPaths
from qvctl.spec.model import Environment

# Long enough for the longest drill, short enough not to matter if it leaked.
SERVICE_TOKEN_SECONDS = 3600


def ensure_issuer(paths: EnvPaths, spec: Environment) -> bool:
    """Create the signing key unless one exists; (re)write the JWKS from it. True if anything changed."""
    auth = spec.application.auth
    created = not paths.token_signing_key.is_file()
    if created:
        paths.pki_dir.mkdir(parents=True, exist_ok=True)
        LocalIssuer.generate(auth.issuer, auth.audience).save_key(paths.token_signing_key)
    elif paths.token_signing_key.stat().st_mode & 0o077:
        paths.token_signing_key.chmod(0o600)
    jwks = _issuer(paths, spec).jwks()
    if paths.jwks.is_file() and paths.jwks.read_text() == jwks:
        return created
    paths.jwks.write_text(jwks)  # public: the API instances (their own users in the cloud) read it
    return True


def _issuer(paths: EnvPaths, spec: Environment) -> LocalIssuer:
    try:
        return LocalIssuer.load(paths.token_signing_key, spec.application.auth.issuer, spec.application.auth.audience)
    except (OSError, ValueError) as err:
        raise QvError(f"the token signing key {paths.token_signing_key} is unusable ({err}); "
                      f"remove it and run `qvctl up {spec.name}` to create a new one",
                      ExitStatus.INVALID_INPUT) from None


def service_token(paths: EnvPaths, spec: Environment, subject: str) -> str:
    """A short-lived token for qvctl's own checks (health gate, smoke checks, drills): a user of
    its own, so what it creates is never anyone else's."""
    return mint(paths, spec, subject, USER, SERVICE_TOKEN_SECONDS)


def mint(paths: EnvPaths, spec: Environment, subject: str, scopes: Iterable[str], lifetime_seconds: int) -> str:
    if spec.kind != "local":
        raise QvError(f"{spec.name}: tokens come from the issuer {spec.application.auth.issuer}; "
                      "qvctl mints only for a local environment", ExitStatus.INVALID_INPUT)
    if not paths.token_signing_key.is_file():
        raise QvError(f"{spec.name}: no token signing key at {paths.token_signing_key}; "
                      f"run `qvctl up {spec.name}` first", ExitStatus.FAILED)
    return _issuer(paths, spec).mint(subject, scopes, lifetime_seconds)
