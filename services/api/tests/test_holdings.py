import pytest

from api_test_helpers import new_portfolio

pytestmark = pytest.mark.slow


def test_put_get_list_delete_a_holding(client) -> None:
    portfolio_id = new_portfolio(client)
    base = f"/api/v1/portfolios/{portfolio_id}/holdings"
    assert client.put(f"{base}/AAA", json={"quantity": "10.5"}).json()["quantity"] == "10.50000000"
    assert client.put(f"{base}/AAA", json={"quantity": 12}).json()["quantity"] == "12.00000000"
    client.put(f"{base}/BBB", json={"quantity": 1})
    assert [h["symbol"] for h in client.get(base).json()] == ["AAA", "BBB"]
    assert client.get(f"{base}/AAA").json()["quantity"] == "12.00000000"
    assert client.delete(f"{base}/AAA").status_code == 204
    assert client.get(f"{base}/AAA").status_code == 404


def test_holding_of_unknown_portfolio_is_404(client) -> None:
    import uuid

    assert client.put(f"/api/v1/portfolios/{uuid.uuid4()}/holdings/AAA", json={"quantity": 1}).status_code == 404


@pytest.mark.parametrize(
    ("symbol", "body", "location"),
    [
        ("AAA", {"quantity": -1}, "body.quantity"),
        ("AAA", {"quantity": "lots"}, "body.quantity"),
        ("aaa", {"quantity": 1}, "path.symbol"),
        ("AAA", {"quantity": "1.123456789"}, "body.quantity"),
    ],
)
def test_invalid_holdings_are_422(client, symbol, body, location) -> None:
    portfolio_id = new_portfolio(client)
    response = client.put(f"/api/v1/portfolios/{portfolio_id}/holdings/{symbol}", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == location


def test_holdings_are_listed_by_symbol(client) -> None:
    base = f"/api/v1/portfolios/{new_portfolio(client)}/holdings"
    for symbol in ("CCC", "AAA", "BBB"):
        client.put(f"{base}/{symbol}", json={"quantity": 1})
    assert [h["symbol"] for h in client.get(base).json()] == ["AAA", "BBB", "CCC"]


def test_deleting_a_holding_it_does_not_hold_is_404_naming_it(client) -> None:
    portfolio_id = new_portfolio(client)
    response = client.delete(f"/api/v1/portfolios/{portfolio_id}/holdings/AAA")
    assert (response.status_code, response.json()) == (404, {"detail": f"portfolio {portfolio_id} holds no AAA"})


def test_deleting_a_holding_replaces_the_cached_risk(client) -> None:
    portfolio_id = new_portfolio(client)
    base = f"/api/v1/portfolios/{portfolio_id}"
    for symbol in ("AAA", "BBB"):
        client.put(f"{base}/holdings/{symbol}", json={"quantity": 1})
    rows = [
        {"symbol": s, "date": f"2026-01-0{d}", "close": c + d}
        for s, c in (("AAA", 10), ("BBB", 20))
        for d in range(1, 5)
    ]
    assert client.post("/api/v1/prices/bulk", json={"prices": rows}).status_code == 200
    assert client.get(f"{base}/risk").json()["value"] == pytest.approx(14 + 24)  # now cached
    client.delete(f"{base}/holdings/BBB")
    assert client.get(f"{base}/risk").json()["value"] == pytest.approx(14)


def test_a_holding_it_does_not_hold_is_404_naming_it(client) -> None:
    portfolio_id = new_portfolio(client)
    response = client.get(f"/api/v1/portfolios/{portfolio_id}/holdings/AAA")
    assert (response.status_code, response.json()) == (404, {"detail": f"portfolio {portfolio_id} holds no AAA"})
