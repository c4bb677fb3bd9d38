"""The local token issuer: its key kept like the CA's, its JWKS what the API verifies with."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from quantumvest_api.auth import scopes
from quantumvest_api.auth.verify import Refused, Verifier
from quantumvest_api.settings import Settings

from qvctl.context import QvError
from qvctl.platform import tokens
from qvctl.platform.paths import EnvPaths
from qvctl.spec import load_environment, spec_path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = load_environment(spec_path(ROOT, "local"), ROOT)
DEV = load_environment(spec_path(ROOT, "dev"), ROOT)


def _paths(tmp_path: Path) -> EnvPaths:
    return EnvPaths(env="local", root=ROOT, state=tmp_path / "local")


def _verifier(paths: EnvPaths) -> Verifier:
    auth = LOCAL.application.auth
    return Verifier(Settings(db_host="x", auth_issuer=auth.issuer, auth_audience=auth.audience,
                             auth_jwks_file=paths.jwks))  # type: ignore[call-arg]


def test_the_signing_key_is_created_0600_and_the_jwks_holds_only_the_public_key(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    assert tokens.ensure_issuer(paths, LOCAL) is True
    assert stat.S_IMODE(paths.token_signing_key.stat().st_mode) == 0o600
    (key,) = json.loads(paths.jwks.read_text())["keys"]
    assert key["kty"] == "EC" and key["alg"] == "ES256" and "d" not in key


def test_a_second_run_changes_nothing_and_tightens_a_loosened_key(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    tokens.ensure_issuer(paths, LOCAL)
    key, jwks = paths.token_signing_key.read_bytes(), paths.jwks.read_text()
    paths.token_signing_key.chmod(0o644)
    assert tokens.ensure_issuer(paths, LOCAL) is False
    assert (paths.token_signing_key.read_bytes(), paths.jwks.read_text()) == (key, jwks)
    assert stat.S_IMODE(paths.token_signing_key.stat().st_mode) == 0o600


def test_a_minted_token_is_what_the_api_accepts(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    tokens.ensure_issuer(paths, LOCAL)
    caller = _verifier(paths).verify(tokens.mint(paths, LOCAL, "alice", [scopes.PORTFOLIOS_READ], 60))
    assert caller.subject == "alice" and caller.scopes == {scopes.PORTFOLIOS_READ}


def test_a_new_key_makes_tokens_of_the_old_one_unknown(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    tokens.ensure_issuer(paths, LOCAL)
    old = tokens.mint(paths, LOCAL, "alice", scopes.USER, 60)
    paths.token_signing_key.unlink()
    assert tokens.ensure_issuer(paths, LOCAL) is True
    with pytest.raises(Refused) as refused:
        _verifier(paths).verify(old)
    assert refused.value.reason == "unknown_key"


def test_minting_needs_a_local_environment_that_is_up(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    with pytest.raises(QvError, match=r"no token signing key .* run `qvctl up local` first"):
        tokens.mint(paths, LOCAL, "alice", scopes.USER, 60)
    with pytest.raises(QvError, match=r"tokens come from the issuer https://login\.quantumvest\.example"):
        tokens.mint(paths, DEV, "alice", scopes.USER, 60)


def test_an_unreadable_key_names_the_file_and_the_way_out(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    paths.pki_dir.mkdir(parents=True)
    paths.token_signing_key.write_text("not a key")
    with pytest.raises(QvError, match=r"token-signing.key is unusable .*remove it and run `qvctl up local`"):
        tokens.mint(paths, LOCAL, "alice", scopes.USER, 60)
