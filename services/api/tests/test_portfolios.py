import uuid

import pytest
import redis
from sqlalchemy import text

from api_test_helpers import metric, new_portfolio, wait_until
from quantumvest_api.routes.portfolios import cache_key

pytestmark = pytest.mark.slow


def test_create_then_get_returns_the_portfolio(client) -> None:
    response = client.post("/api/v1/portfolios", json={"name": "  Growth  ", "base_currency": "EUR"})
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "Growth" and created["base_currency"] == "EUR"
    assert response.headers["Location"] == f"/api/v1/portfolios/{created['id']}"
    fetched = client.get(f"/api/v1/portfolios/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_base_currency_defaults_to_usd(client) -> None:
    assert client.post("/api/v1/portfolios", json={"name": "Income"}).json()["base_currency"] == "USD"


def test_list_portfolios_pages(client) -> None:
    ids = [new_portfolio(client, f"p{i}") for i in range(3)]
    assert [p["id"] for p in client.get("/api/v1/portfolios").json()] == ids
    assert [p["id"] for p in client.get("/api/v1/portfolios?limit=1&offset=1").json()] == ids[1:2]


def test_delete_removes_it_even_from_the_cache(client, servers) -> None:
    portfolio_id = new_portfolio(client)
    assert client.get(f"/api/v1/portfolios/{portfolio_id}").status_code == 200  # now cached
    cached = redis.Redis(host=servers.redis.host, port=servers.redis.port, password=servers.redis.password)
    key = cache_key("alice", uuid.UUID(portfolio_id))
    assert cached.exists(key) == 1
    assert client.delete(f"/api/v1/portfolios/{portfolio_id}").status_code == 204
    # Gone from Redis too, not only unreachable: no copy of a deleted portfolio waits out its TTL there.
    assert cached.exists(key) == 0
    cached.close()
    assert client.get(f"/api/v1/portfolios/{portfolio_id}").status_code == 404
    assert client.delete(f"/api/v1/portfolios/{portfolio_id}").status_code == 404


def test_unknown_portfolio_is_404_with_its_id(client) -> None:
    unknown = uuid.uuid4()
    response = client.get(f"/api/v1/portfolios/{unknown}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"portfolio {unknown} not found"}


@pytest.mark.parametrize(
    ("body", "location", "message"),
    [
        ({"name": ""}, "body.name", "at least 1 character"),
        ({"name": "x", "base_currency": "usd"}, "body.base_currency", "should match pattern"),
        ({"base_currency": "USD"}, "body.name", "Field required"),
        ({"name": "x", "owner": "me"}, "body.owner", "Extra inputs are not permitted"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(client, body, location, message) -> None:
    response = client.post("/api/v1/portfolios", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["location"] == location and message in e["message"] for e in errors), errors
    assert location in response.json()["detail"]


def test_malformed_id_is_422(client) -> None:
    response = client.get("/api/v1/portfolios/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "path.portfolio_id"


def test_a_second_read_is_served_from_the_cache(client) -> None:
    portfolio_id = new_portfolio(client)
    url = f"/api/v1/portfolios/{portfolio_id}"
    first = client.get(url).json()
    hits = metric(client, "qv_cache_hits_total", kind="portfolio")
    assert client.get(url).json() == first
    assert metric(client, "qv_cache_hits_total", kind="portfolio") == hits + 1


def test_a_deleted_portfolio_is_not_served_from_the_cache_later(client) -> None:
    deleted, kept = new_portfolio(client, "deleted"), new_portfolio(client, "kept")
    for portfolio_id in (deleted, kept):
        client.get(f"/api/v1/portfolios/{portfolio_id}")  # both cached
    assert client.delete(f"/api/v1/portfolios/{deleted}").status_code == 204

    def kept_is_a_cache_hit() -> bool:
        hits = metric(client, "qv_cache_hits_total", kind="portfolio")
        client.get(f"/api/v1/portfolios/{kept}")
        return metric(client, "qv_cache_hits_total", kind="portfolio") == hits + 1

    # Not only right after the delete: also once the cache is surely answering (a failed cache call
    # makes the API bypass it for a while, which would hide a stale entry).
    wait_until("the cache answers", kept_is_a_cache_hit)
    assert client.get(f"/api/v1/portfolios/{deleted}").status_code == 404


def test_the_first_page_holds_a_hundred_portfolios_in_creation_order(client) -> None:
    created = [new_portfolio(client, f"p{n}") for n in range(101)]
    assert [p["id"] for p in client.get("/api/v1/portfolios").json()] == created[:100]


def test_each_of_an_owners_portfolios_reads_as_itself(client) -> None:
    ids = {name: new_portfolio(client, name) for name in ("first", "second")}
    for name, portfolio_id in ids.items():
        assert client.get(f"/api/v1/portfolios/{portfolio_id}/holdings").status_code == 200
        assert client.get(f"/api/v1/portfolios/{portfolio_id}").json()["name"] == name


def test_a_cached_portfolio_is_answered_without_the_database(client, app) -> None:
    """Cache-aside: once read, the body comes from the cache (until its TTL), not from the row."""
    portfolio_id = new_portfolio(client)
    url = f"/api/v1/portfolios/{portfolio_id}"
    first = client.get(url).json()
    with app.state.engine.begin() as connection:  # behind the API's back: only the cache still knows it
        connection.execute(text("DELETE FROM portfolios WHERE id = :id"), {"id": portfolio_id})
    assert client.get(url).json() == first
