"""Every /api/v1 route needs a valid bearer token with its scope; portfolios are their owner's alone."""

import logging
import time
import uuid

import jwt
import pytest
from fastapi.testclient import TestClient

from api_test_helpers import metric, new_portfolio
from quantumvest_api.auth import scopes
from quantumvest_api.auth.issuer import LocalIssuer

pytestmark = pytest.mark.slow


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def bob(servers) -> dict[str, str]:
    return bearer(servers.token("bob"))


def refused(client: TestClient, headers: dict[str, str], reason: str, status: int = 401) -> dict[str, str]:
    before = metric(client, "qv_auth_failures_total", reason=reason)
    response = client.get("/api/v1/portfolios", headers=headers)
    assert response.status_code == status, response.text
    assert metric(client, "qv_auth_failures_total", reason=reason) == before + 1
    return dict(response.headers)


def test_no_token_is_401_with_a_bearer_challenge(client) -> None:
    headers = refused(client, {"Authorization": ""}, "missing")
    assert headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"iss": "someone-else"}, "wrong_issuer"),
        ({"aud": "another-api"}, "wrong_audience"),
    ],
)
def test_a_token_with_a_wrong_claim_is_refused_for_that_reason(client, servers, claims, reason) -> None:
    token = servers.issuer.mint("alice", scopes.ALL, **claims)
    assert refused(client, bearer(token), reason)["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_token_signed_by_another_key_is_refused(client, servers) -> None:
    forger = LocalIssuer.generate(servers.issuer.issuer, servers.issuer.audience)
    refused(client, bearer(forger.mint("alice", scopes.ALL)), "unknown_key")
    forger.kid = servers.issuer.kid  # claims the issuer's key id: the signature still gives it away
    refused(client, bearer(forger.mint("alice", scopes.ALL)), "bad_signature")


def test_an_unsigned_token_is_refused(client, servers) -> None:
    claims = {"iss": servers.issuer.issuer, "aud": servers.issuer.audience, "sub": "alice",
              "scope": " ".join(scopes.ALL), "iat": int(time.time()), "exp": int(time.time()) + 60}  # fmt: skip
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": servers.issuer.kid})
    refused(client, bearer(unsigned), "wrong_algorithm")
    refused(client, bearer("not-a-jwt"), "malformed")


def test_a_token_without_the_route_scope_is_403_naming_it(client, servers) -> None:
    reader = bearer(servers.token("alice", (scopes.PORTFOLIOS_READ,)))
    assert client.get("/api/v1/portfolios", headers=reader).status_code == 200
    response = client.post("/api/v1/portfolios", json={"name": "x"}, headers=reader)
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="portfolios:write"'
    prices = {"prices": [{"symbol": "AAA", "date": "2026-01-02", "close": "1"}]}
    user = bearer(servers.token("alice", scopes.USER))
    assert client.post("/api/v1/prices/bulk", json=prices, headers=user).status_code == 403
    assert client.post("/api/v1/prices/bulk", json=prices).status_code == 200  # the feed's token has it


def test_another_owners_portfolio_is_not_found_on_every_route(client, bob) -> None:
    pid = new_portfolio(client, "alice's")
    client.put(f"/api/v1/portfolios/{pid}/holdings/AAA", json={"quantity": "5"})
    trade = {"symbol": "AAA", "side": "buy", "quantity": "1", "price": "10", "executed_at": "2026-01-02T10:00:00Z"}
    transaction = client.post(f"/api/v1/portfolios/{pid}/transactions", json=trade, headers={"Idempotency-Key": "k1"})
    assert transaction.status_code == 201, transaction.text
    client.get(f"/api/v1/portfolios/{pid}")  # cached for alice: the cache must not answer bob
    for method, path in [
        ("GET", f"/api/v1/portfolios/{pid}"),
        ("GET", f"/api/v1/portfolios/{pid}/holdings"),
        ("GET", f"/api/v1/portfolios/{pid}/holdings/AAA"),
        ("PUT", f"/api/v1/portfolios/{pid}/holdings/AAA"),
        ("DELETE", f"/api/v1/portfolios/{pid}/holdings/AAA"),
        ("GET", f"/api/v1/portfolios/{pid}/transactions"),
        ("GET", f"/api/v1/portfolios/{pid}/transactions/{transaction.json()['id']}"),
        ("GET", f"/api/v1/portfolios/{pid}/risk"),
        ("DELETE", f"/api/v1/portfolios/{pid}"),
    ]:
        body = {"quantity": "0"} if method == "PUT" else None
        response = client.request(method, path, json=body, headers=bob)
        assert response.status_code == 404, (method, path, response.text)
    # The same idempotency key replays alice's transaction for alice only; for bob it is not found.
    replay = client.post(f"/api/v1/portfolios/{pid}/transactions", json=trade,
                         headers=bob | {"Idempotency-Key": "k1"})  # fmt: skip
    assert replay.status_code == 404
    assert client.get("/api/v1/portfolios", headers=bob).json() == []
    assert [p["id"] for p in client.get("/api/v1/portfolios").json()] == [pid]
    assert client.get(f"/api/v1/portfolios/{pid}").status_code == 200  # alice's, untouched
    assert client.get(f"/api/v1/portfolios/{pid}/holdings/AAA").json()["quantity"] == "6.00000000"


def test_refusals_are_logged_with_their_reason_and_never_the_token(client, servers, caplog) -> None:
    token = servers.issuer.mint("alice", scopes.ALL, exp=int(time.time()) - 3600)
    with caplog.at_level(logging.WARNING, logger="quantumvest_api.auth.verify"):
        client.get("/api/v1/portfolios", headers=bearer(token))
    records = [r for r in caplog.records if r.getMessage() == "authentication refused"]
    assert [(getattr(r, "reason", None), getattr(r, "path", None)) for r in records] == [
        ("expired", "/api/v1/portfolios")
    ]
    assert all(token not in str(r.__dict__) for r in caplog.records)


def test_probes_and_version_need_no_token(client) -> None:
    anonymous = {"Authorization": ""}
    for path in ("/livez", "/readyz", "/version", "/metrics"):
        assert client.get(path, headers=anonymous).status_code == 200, path


def test_readyz_says_only_ready_or_not_unless_verbose(client) -> None:
    assert client.get("/readyz").json() == {"status": "ready"}
    assert "checks" in client.get("/readyz?verbose=1").json()
    proxied = client.get("/readyz?verbose=1", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.json() == {"status": "ready"}


def test_api_answers_carry_the_security_headers(client) -> None:
    headers = client.get("/api/v1/portfolios").headers
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_offsets_are_bounded(client) -> None:
    assert client.get("/api/v1/portfolios?offset=100000").status_code == 200
    assert client.get("/api/v1/portfolios?offset=100001").status_code == 422
    pid = new_portfolio(client)
    assert client.get(f"/api/v1/portfolios/{pid}/transactions?offset=100001").status_code == 422


def test_unknown_portfolio_ids_and_foreign_ones_answer_alike(client, bob) -> None:
    pid = new_portfolio(client)
    unknown = str(uuid.uuid4())
    foreign = client.get(f"/api/v1/portfolios/{pid}", headers=bob)
    missing = client.get(f"/api/v1/portfolios/{unknown}", headers=bob)
    assert (foreign.status_code, foreign.json()) == (404, {"detail": f"portfolio {pid} not found"})
    assert (missing.status_code, missing.json()) == (404, {"detail": f"portfolio {unknown} not found"})


def test_a_refusal_says_why_in_its_body(client, servers) -> None:
    response = client.get("/api/v1/portfolios", headers={"Authorization": ""})
    assert (response.status_code, response.json()) == (401, {"detail": "a bearer token is required"})
    expired = servers.issuer.mint("alice", scopes.ALL, exp=int(time.time()) - 3600)
    response = client.get("/api/v1/portfolios", headers=bearer(expired))
    assert (response.status_code, response.json()) == (401, {"detail": "the token has expired"})
    reader = bearer(servers.token("alice", (scopes.PORTFOLIOS_READ,)))
    response = client.post("/api/v1/portfolios", json={"name": "x"}, headers=reader)
    assert (response.status_code, response.json()) == (403, {"detail": "the token does not grant portfolios:write"})


def test_a_missing_scope_is_counted_as_such(client, servers) -> None:
    refused(client, bearer(servers.token("alice", (scopes.PRICES_READ,))), "insufficient_scope", status=403)
