from datetime import date, timedelta

import pytest

from api_test_helpers import new_portfolio

pytestmark = pytest.mark.slow


def ingest(client, rows):
    return client.post("/api/v1/prices/bulk", json={"prices": rows})


def test_bulk_ingest_then_read_history(client) -> None:
    rows = [{"symbol": "AAA", "date": f"2026-01-0{d}", "close": 100 + d} for d in range(1, 6)]
    rows.append({"symbol": "BBB", "date": "2026-01-01", "close": "20.5"})
    assert ingest(client, rows).json() == {"ingested": 6, "symbols": 2}
    history = client.get("/api/v1/prices/AAA").json()
    assert [p["close"] for p in history] == [f"{100 + d}.00000000" for d in range(1, 6)]
    window = client.get("/api/v1/prices/AAA?start=2026-01-02&end=2026-01-03").json()
    assert [p["date"] for p in window] == ["2026-01-02", "2026-01-03"]


def test_ingest_replaces_an_existing_close(client) -> None:
    ingest(client, [{"symbol": "AAA", "date": "2026-01-01", "close": 1}])
    ingest(client, [{"symbol": "AAA", "date": "2026-01-01", "close": 2}])
    assert [p["close"] for p in client.get("/api/v1/prices/AAA").json()] == ["2.00000000"]


def test_a_repeated_symbol_and_date_is_422_and_nothing_is_stored(client) -> None:
    rows = [{"symbol": "AAA", "date": "2026-01-01", "close": 1}] * 2
    response = ingest(client, rows)
    assert response.status_code == 422
    assert response.json()["detail"] == "prices[1] repeats AAA on 2026-01-01 (first at prices[0])"
    assert client.get("/api/v1/prices/AAA").status_code == 404


@pytest.mark.parametrize(
    ("rows", "location"),
    [
        ([{"symbol": "AAA", "date": "2026-01-01", "close": 0}], "body.prices.0.close"),
        ([{"symbol": "AAA", "date": "2026-13-01", "close": 1}], "body.prices.0.date"),
        ([{"symbol": "", "date": "2026-01-01", "close": 1}], "body.prices.0.symbol"),
        ([], "body.prices"),
    ],
)
def test_invalid_prices_are_422(client, rows, location) -> None:
    response = ingest(client, rows)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == location


def test_unknown_symbol_is_404(client) -> None:
    response = client.get("/api/v1/prices/NOPE")
    assert (response.status_code, response.json()) == (404, {"detail": "no prices for NOPE"})


def test_a_known_symbol_without_closes_in_the_window_is_an_empty_list(client) -> None:
    ingest(client, [{"symbol": "AAA", "date": "2026-01-05", "close": 1}])
    response = client.get("/api/v1/prices/AAA?end=2026-01-04")
    assert (response.status_code, response.json()) == (200, [])


def test_history_gives_the_most_recent_thousand_closes_unless_a_limit_is_asked(client) -> None:
    first = date(2020, 1, 1)
    days = [first + timedelta(days=n) for n in range(1001)]
    ingest(client, [{"symbol": "AAA", "date": day.isoformat(), "close": 1} for day in days])
    history = client.get("/api/v1/prices/AAA").json()
    assert [p["date"] for p in history] == [day.isoformat() for day in days[1:]]  # oldest dropped, in order
    assert [p["date"] for p in client.get("/api/v1/prices/AAA?limit=2").json()] == [d.isoformat() for d in days[-2:]]


def test_new_closes_of_a_held_symbol_replace_its_portfolios_cached_risk(client) -> None:
    portfolio_id = new_portfolio(client)
    holding, risk = (f"/api/v1/portfolios/{portfolio_id}/{path}" for path in ("holdings/AAA", "risk"))
    client.put(holding, json={"quantity": 2})
    ingest(client, [{"symbol": "AAA", "date": f"2026-01-0{d}", "close": 10 + d} for d in range(1, 5)])
    assert client.get(risk).json()["value"] == pytest.approx(2 * 14)  # computed, and now cached
    client.put(holding, json={"quantity": 3})
    assert client.get(risk).json()["value"] == pytest.approx(3 * 14)  # cached too, for the newer holdings
    ingest(client, [{"symbol": "AAA", "date": "2026-01-05", "close": 50}])
    assert client.get(risk).json()["value"] == pytest.approx(3 * 50)  # neither cached answer
