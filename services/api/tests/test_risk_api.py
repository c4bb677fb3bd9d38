import math

import pytest

from api_test_helpers import metric, new_portfolio

pytestmark = pytest.mark.slow


def setup_two_holdings(client) -> str:
    # Same numbers as test_risk_math: values 1100, 1200, 1100, 1080 over four common days.
    portfolio_id = new_portfolio(client)
    client.put(f"/api/v1/portfolios/{portfolio_id}/holdings/AAA", json={"quantity": 10})
    client.put(f"/api/v1/portfolios/{portfolio_id}/holdings/BBB", json={"quantity": 5})
    aaa = [100, 110, 99, 99]
    bbb = [20, 20, 22, 18]
    rows = [{"symbol": "AAA", "date": f"2026-01-0{d + 1}", "close": c} for d, c in enumerate(aaa)]
    rows += [{"symbol": "BBB", "date": f"2026-01-0{d + 1}", "close": c} for d, c in enumerate(bbb)]
    rows.append({"symbol": "AAA", "date": "2025-12-31", "close": 1})  # BBB has no close that day: ignored
    assert client.post("/api/v1/prices/bulk", json={"prices": rows}).status_code == 200
    return portfolio_id


def test_risk_matches_hand_computed_values(client) -> None:
    portfolio_id = setup_two_holdings(client)
    response = client.get(f"/api/v1/portfolios/{portfolio_id}/risk")
    assert response.status_code == 200, response.text
    risk = response.json()
    returns = [1 / 11, -1 / 12, -20 / 1100]
    mean = sum(returns) / 3
    std = math.sqrt(sum((r - mean) ** 2 for r in returns) / 2)
    assert (risk["as_of"], risk["days"], risk["observations"]) == ("2026-01-04", 4, 3)
    assert risk["value"] == pytest.approx(1080.0)
    assert risk["volatility_daily"] == pytest.approx(std)
    assert risk["volatility_annualized"] == pytest.approx(std * math.sqrt(252))
    assert risk["var_95"] == pytest.approx(1 / 12)
    assert risk["var_99_amount"] == pytest.approx(1080 / 12)
    assert risk["max_drawdown"] == pytest.approx(0.1)


def test_days_limits_the_window_to_the_most_recent_dates(client) -> None:
    portfolio_id = setup_two_holdings(client)
    risk = client.get(f"/api/v1/portfolios/{portfolio_id}/risk?days=3").json()
    # values 1200, 1100, 1080 -> drawdown 1 - 1080/1200 = 0.1, returns -1/12, -20/1100
    assert (risk["days"], risk["observations"]) == (3, 2)
    assert risk["var_95"] == pytest.approx(1 / 12)


def test_risk_is_cached_until_holdings_or_prices_change(client) -> None:
    portfolio_id = setup_two_holdings(client)
    url = f"/api/v1/portfolios/{portfolio_id}/risk"
    hits = metric(client, "qv_cache_hits_total", kind="risk")
    first = client.get(url).json()
    assert client.get(url).json() == first
    assert metric(client, "qv_cache_hits_total", kind="risk") == hits + 1
    # A new close for a held symbol changes the value: the cached answer must not be served.
    client.post("/api/v1/prices/bulk", json={"prices": [{"symbol": "AAA", "date": "2026-01-04", "close": 50}]})
    assert client.get(url).json()["value"] == pytest.approx(10 * 50 + 5 * 18)
    client.put(f"/api/v1/portfolios/{portfolio_id}/holdings/BBB", json={"quantity": 0})
    assert client.get(url).json()["value"] == pytest.approx(10 * 50)


def test_no_holdings_or_too_little_history_is_409(client) -> None:
    portfolio_id = new_portfolio(client)
    url = f"/api/v1/portfolios/{portfolio_id}/risk"
    assert client.get(url).status_code == 409
    client.put(f"/api/v1/portfolios/{portfolio_id}/holdings/AAA", json={"quantity": 1})
    client.post("/api/v1/prices/bulk", json={"prices": [{"symbol": "AAA", "date": "2026-01-01", "close": 1}]})
    response = client.get(url)
    assert response.status_code == 409
    assert "need at least 3 days" in response.json()["detail"]


def test_days_out_of_range_is_422(client) -> None:
    response = client.get(f"/api/v1/portfolios/{new_portfolio(client)}/risk?days=2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.days"
