"""The token verifier on its own (no servers): which tokens it accepts, why it refuses the rest, and where
its keys come from (a JWKS file, or a JWKS URL served here by a throw-away HTTP server)."""

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from quantumvest_api.auth import scopes
from quantumvest_api.auth.issuer import LocalIssuer
from quantumvest_api.auth.verify import Caller, Refused, Verifier
from quantumvest_api.settings import Settings

ISSUER, AUDIENCE = "quantumvest-tests", "quantumvest-api"
LEEWAY = 30


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer.generate(ISSUER, AUDIENCE)


def settings(**keys: object) -> Settings:
    return Settings(db_host="127.0.0.1", auth_issuer=ISSUER, auth_audience=AUDIENCE, auth_leeway_seconds=LEEWAY, **keys)


@pytest.fixture
def verifier(issuer: LocalIssuer, tmp_path: Path) -> Verifier:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(issuer.jwks())
    return Verifier(settings(auth_jwks_file=jwks))


def refusal(verifier: Verifier, token: str) -> str:
    """The refusal as the API's 401 shows it: the counted reason, then the words of its body."""
    with pytest.raises(Refused) as refused:
        verifier.verify(token)
    return f"{refused.value.reason}: {refused.value}"


NOT_THE_ISSUERS = "unknown_key: the token's key is not the issuer's"


def test_a_token_of_the_issuer_gives_its_subject_and_scopes(verifier, issuer) -> None:
    token = issuer.mint("alice", scopes.USER)
    assert verifier.verify(token) == Caller("alice", frozenset(scopes.USER))


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "someone-else"}, "wrong_issuer: the token comes from another issuer"),
        ({"aud": "another-api"}, "wrong_audience: the token is meant for another audience"),
        ({"sub": ""}, "invalid_claims: the token's subject is not a usable name"),
        ({"sub": "x" * 256}, "invalid_claims: the token's subject is not a usable name"),
        ({"sub": "alice\n"}, "invalid_claims: the token's subject is not a usable name"),
    ],
)
def test_a_token_with_a_wrong_claim_is_refused_for_that_reason(verifier, issuer, claims, reason) -> None:
    assert refusal(verifier, issuer.mint("alice", scopes.ALL, **claims)) == reason


@pytest.mark.parametrize("subject", ["x", "x" * 255])
def test_the_shortest_and_longest_usable_subjects_are_accepted(verifier, issuer, subject) -> None:
    assert verifier.verify(issuer.mint(subject, scopes.ALL)).subject == subject


def test_a_scope_claim_that_is_no_string_grants_nothing(verifier, issuer) -> None:
    token = issuer.mint("alice", (), scope=list(scopes.ALL))
    assert verifier.verify(token) == Caller("alice", frozenset())


def test_a_token_without_a_scope_claim_grants_nothing(verifier, issuer) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, issuer.key, algorithm="ES256", headers={"kid": issuer.kid})
    assert verifier.verify(token) == Caller("alice", frozenset())


def test_expiry_tolerates_the_configured_leeway_and_no_more(verifier, issuer) -> None:
    now = time.time()
    assert verifier.verify(issuer.mint("alice", scopes.ALL, lifetime_seconds=0, now=now - LEEWAY + 10)).subject
    expired = issuer.mint("alice", scopes.ALL, lifetime_seconds=0, now=now - LEEWAY - 10)
    assert refusal(verifier, expired) == "expired: the token has expired"


def test_a_token_naming_no_key_or_an_unknown_key_is_refused(verifier, issuer) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 60}
    assert (
        refusal(verifier, jwt.encode(claims, issuer.key, algorithm="ES256"))
        == "unknown_key: the token names no key (kid)"
    )
    assert refusal(verifier, LocalIssuer.generate(ISSUER, AUDIENCE).mint("alice", scopes.ALL)) == NOT_THE_ISSUERS


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub"])
def test_a_token_without_a_required_claim_is_refused(verifier, issuer, missing) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 60}
    del claims[missing]
    token = jwt.encode(claims, issuer.key, algorithm="ES256", headers={"kid": issuer.kid})
    assert refusal(verifier, token) == f'invalid_claims: the token is invalid: Token is missing the "{missing}" claim'


def test_a_token_that_is_no_jwt_a_forged_signature_or_another_algorithm_is_refused(verifier, issuer) -> None:
    assert refusal(verifier, "not-a-jwt") == "malformed: the token is not a JWT"
    forger = LocalIssuer.generate(ISSUER, AUDIENCE)
    forger.kid = issuer.kid
    assert refusal(verifier, forger.mint("alice", scopes.ALL)) == "bad_signature: the token's signature does not verify"
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 60}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": issuer.kid})
    assert refusal(verifier, unsigned) == "wrong_algorithm: the token is not signed with its key's algorithm"


class _JwksServer(http.server.ThreadingHTTPServer):
    body = b""


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    server: _JwksServer

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def jwks_server(issuer: LocalIssuer) -> Iterator[_JwksServer]:
    server = _JwksServer(("127.0.0.1", 0), _JwksHandler)
    server.body = issuer.jwks().encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_verifier(server: _JwksServer) -> Verifier:
    # model_copy skips validation: settings accept only https:// URLs; how the
    # verifier fetches and uses the keys is the same over plain HTTP, which needs no certificate here.
    url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    return Verifier(
        settings(auth_jwks_file=Path("unused")).model_copy(update={"auth_jwks_url": url, "auth_jwks_file": None})
    )


def test_keys_come_from_the_jwks_url(jwks_server, issuer) -> None:
    verifier = url_verifier(jwks_server)
    assert verifier.verify(issuer.mint("alice", scopes.USER)) == Caller("alice", frozenset(scopes.USER))
    assert refusal(verifier, LocalIssuer.generate(ISSUER, AUDIENCE).mint("alice", scopes.ALL)) == NOT_THE_ISSUERS


def test_an_unreachable_jwks_url_is_refused_as_such(jwks_server, issuer) -> None:
    verifier = url_verifier(jwks_server)
    jwks_server.shutdown()
    jwks_server.server_close()
    assert (
        refusal(verifier, issuer.mint("alice", scopes.ALL)) == "jwks_unreachable: the issuer's keys cannot be fetched"
    )


def test_a_key_removed_from_the_jwks_is_refused_once_the_cached_set_expires(jwks_server, issuer, monkeypatch) -> None:
    """Revoking a leaked signing key means removing it from the JWKS: the API must stop trusting it within
    the set's cache lifetime (300 s), not keep it in a per-key cache until it restarts."""
    clock = [1000.0]  # PyJWKClient's key-set cache reads time.monotonic: a clock the test moves
    monkeypatch.setattr(jwt.jwk_set_cache.time, "monotonic", lambda: clock[0])
    verifier = url_verifier(jwks_server)
    assert verifier.verify(issuer.mint("alice", scopes.ALL)).subject == "alice"  # the set is fetched at 1000
    jwks_server.body = LocalIssuer.generate(ISSUER, AUDIENCE).jwks().encode()  # the old key is gone
    clock[0] = 1299.5
    assert verifier.verify(issuer.mint("alice", scopes.ALL)).subject == "alice"  # still the cached set
    clock[0] = 1300.5
    assert refusal(verifier, issuer.mint("alice", scopes.ALL)) == NOT_THE_ISSUERS
