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
