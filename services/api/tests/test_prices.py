import pytest

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
    assert client.get("/api/v1/prices/NOPE").status_code == 404
