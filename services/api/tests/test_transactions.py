import threading
import uuid

import pytest
from sqlalchemy import func, select, text

from api_test_helpers import new_portfolio, wait_until
from quantumvest_api.models import Transaction

pytestmark = pytest.mark.slow

BUY = {"symbol": "AAA", "side": "buy", "quantity": "10", "price": "101.25", "executed_at": "2026-01-05T15:00:00Z"}


WAITING_FOR_A_PORTFOLIO_LOCK = (
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE portfolios%'"
)


def post(client, portfolio_id, body, key):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/portfolios/{portfolio_id}/transactions", json=body, headers=headers)


def holding(client, portfolio_id, symbol="AAA"):
    return client.get(f"/api/v1/portfolios/{portfolio_id}/holdings/{symbol}").json()["quantity"]


def count_transactions(app) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(func.count()).select_from(Transaction))


def test_buy_then_sell_moves_the_holding(client) -> None:
    portfolio_id = new_portfolio(client)
    assert post(client, portfolio_id, BUY, "k1").status_code == 201
    assert holding(client, portfolio_id) == "10.00000000"
    assert post(client, portfolio_id, BUY | {"side": "sell", "quantity": "4"}, "k2").status_code == 201
    assert holding(client, portfolio_id) == "6.00000000"
    listed = client.get(f"/api/v1/portfolios/{portfolio_id}/transactions").json()
    assert [t["side"] for t in listed] == ["buy", "sell"]


def test_selling_more_than_held_is_409_and_changes_nothing(client, app) -> None:
    portfolio_id = new_portfolio(client)
    post(client, portfolio_id, BUY, "k1")
    response = post(client, portfolio_id, BUY | {"side": "sell", "quantity": "11"}, "k2")
    assert response.status_code == 409
    assert response.json()["detail"] == "cannot sell 11.00000000 AAA: portfolio holds 10.00000000"
    assert holding(client, portfolio_id) == "10.00000000"
    assert count_transactions(app) == 1


def test_same_key_same_body_replays_the_original_response(client, app) -> None:
    portfolio_id = new_portfolio(client)
    first = post(client, portfolio_id, BUY, "retry-me")
    again = post(client, portfolio_id, dict(reversed(BUY.items())), "retry-me")  # key order does not matter
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == f"/api/v1/portfolios/{portfolio_id}/transactions/{first.json()['id']}"
    assert "Idempotent-Replayed" not in first.headers
    assert count_transactions(app) == 1
    assert holding(client, portfolio_id) == "10.00000000"  # applied once


def test_same_key_different_body_is_422(client, app) -> None:
    portfolio_id = new_portfolio(client)
    post(client, portfolio_id, BUY, "used")
    response = post(client, portfolio_id, BUY | {"quantity": "11"}, "used")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Idempotency-Key 'used' was already used with a different request body; use a new key"
    )
    assert count_transactions(app) == 1


def test_keys_are_scoped_to_the_portfolio(client, app) -> None:
    first, second = new_portfolio(client, "a"), new_portfolio(client, "b")
    assert post(client, first, BUY, "shared").status_code == 201
    assert post(client, second, BUY, "shared").status_code == 201
    assert count_transactions(app) == 2


def test_concurrent_requests_with_one_key_create_one_transaction(client, app) -> None:
    portfolio_id = new_portfolio(client)
    results = []
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        results.append(post(client, portfolio_id, BUY, "race"))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert count_transactions(app) == 1
    assert holding(client, portfolio_id) == "10.00000000"


def test_missing_idempotency_key_is_422(client) -> None:
    response = post(client, new_portfolio(client), BUY, None)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "header.Idempotency-Key"


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"side": "short"}, "body.side"),
        ({"quantity": "0"}, "body.quantity"),
        ({"price": "-1"}, "body.price"),
        ({"executed_at": "2026-01-05T15:00:00"}, "body.executed_at"),
    ],
)
def test_invalid_transactions_are_422(client, change, location) -> None:
    response = post(client, new_portfolio(client), BUY | change, "k")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == location


def test_transaction_on_unknown_portfolio_is_404_even_for_an_owner_of_others(client) -> None:
    new_portfolio(client)
    unknown = uuid.uuid4()
    response = post(client, unknown, BUY, "k")
    assert (response.status_code, response.json()) == (404, {"detail": f"portfolio {unknown} not found"})


def test_get_transaction_by_id_and_unknown_is_404(client) -> None:
    portfolio_id = new_portfolio(client)
    created = post(client, portfolio_id, BUY, "k").json()
    assert client.get(f"/api/v1/portfolios/{portfolio_id}/transactions/{created['id']}").json() == created
    unknown = uuid.uuid4()
    response = client.get(f"/api/v1/portfolios/{portfolio_id}/transactions/{unknown}")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": f"transaction {unknown} not found in {portfolio_id}"},
    )


def test_a_sale_moves_only_its_own_portfolios_holding(client) -> None:
    selling, other = new_portfolio(client, "selling"), new_portfolio(client, "other")
    for portfolio_id in (selling, other):
        assert post(client, portfolio_id, BUY, "buy").status_code == 201
    assert post(client, selling, BUY | {"symbol": "BBB"}, "buy-bbb").status_code == 201
    assert post(client, selling, BUY | {"side": "sell", "quantity": "4"}, "sell").status_code == 201
    assert (holding(client, selling), holding(client, other)) == ("6.00000000", "10.00000000")
    assert holding(client, selling, "BBB") == "10.00000000"


def test_transactions_are_listed_by_execution_time_then_recording_order(client) -> None:
    portfolio_id = new_portfolio(client)
    at_ten = [post(client, portfolio_id, BUY, f"ten-{n}").json()["id"] for n in range(5)]
    at_nine = post(client, portfolio_id, BUY | {"executed_at": "2026-01-05T09:00:00Z"}, "nine").json()["id"]
    listed = client.get(f"/api/v1/portfolios/{portfolio_id}/transactions").json()
    assert [t["id"] for t in listed] == [at_nine, *at_ten]  # ids are random: only recording order sorts at_ten
    paged = client.get(f"/api/v1/portfolios/{portfolio_id}/transactions?limit=2&offset=1").json()
    assert [t["id"] for t in paged] == at_ten[:2]


def test_the_first_page_holds_a_hundred_transactions(client) -> None:
    portfolio_id = new_portfolio(client)
    for n in range(101):
        assert post(client, portfolio_id, BUY | {"quantity": "1"}, f"k{n}").status_code == 201
    assert len(client.get(f"/api/v1/portfolios/{portfolio_id}/transactions").json()) == 100


def test_a_retry_that_waited_for_the_portfolio_lock_replays_instead_of_recording_twice(client, app) -> None:
    """Both requests miss the first lookup (nothing recorded yet) and queue on the portfolio's row lock;
    the second must find the first's transaction once it holds the lock, not insert a duplicate."""
    portfolio_id = new_portfolio(client)
    results = []
    with app.state.engine.connect() as locker:
        locker.execute(text("SELECT 1 FROM portfolios WHERE id = :id FOR UPDATE"), {"id": portfolio_id})
        threads = [threading.Thread(target=lambda: results.append(post(client, portfolio_id, BUY, "queued")))
                   for _ in range(2)]  # fmt: skip
        for thread in threads:
            thread.start()

        def both_wait_for_the_lock() -> bool:
            with app.state.engine.connect() as probe:
                return probe.scalar(text(WAITING_FOR_A_PORTFOLIO_LOCK)) == 2

        wait_until("both requests wait for the portfolio's lock", both_wait_for_the_lock)
        locker.rollback()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [201, 201]
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in results) == ["", "true"]
    assert count_transactions(app) == 1
    assert holding(client, portfolio_id) == "10.00000000"


def test_a_sale_of_all_it_holds_leaves_zero(client) -> None:
    portfolio_id = new_portfolio(client)
    post(client, portfolio_id, BUY, "buy")
    assert post(client, portfolio_id, BUY | {"side": "sell"}, "sell").status_code == 201
    assert holding(client, portfolio_id) == "0.00000000"


def test_a_refused_sale_names_what_this_portfolio_holds_of_that_symbol(client) -> None:
    other = new_portfolio(client, "other")
    post(client, other, BUY | {"quantity": "99"}, "other")  # the same symbol elsewhere, recorded first
    portfolio_id = new_portfolio(client)
    post(client, portfolio_id, BUY | {"symbol": "BBB", "quantity": "7"}, "bbb")  # another symbol, recorded first
    post(client, portfolio_id, BUY | {"quantity": "3"}, "aaa")
    response = post(client, portfolio_id, BUY | {"side": "sell", "quantity": "5"}, "sell")
    assert response.json()["detail"] == "cannot sell 5.00000000 AAA: portfolio holds 3.00000000"
    response = post(client, portfolio_id, BUY | {"side": "sell", "symbol": "CCC"}, "sell-ccc")
    assert response.json()["detail"] == "cannot sell 10.00000000 CCC: portfolio holds 0"


def test_a_transaction_replaces_the_portfolios_cached_risk(client) -> None:
    portfolio_id = new_portfolio(client)
    holding_url, risk = (f"/api/v1/portfolios/{portfolio_id}/{path}" for path in ("holdings/AAA", "risk"))
    client.put(holding_url, json={"quantity": 2})
    prices = [{"symbol": "AAA", "date": f"2026-01-0{d}", "close": 10 + d} for d in range(1, 5)]
    assert client.post("/api/v1/prices/bulk", json={"prices": prices}).status_code == 200
    assert client.get(risk).json()["value"] == pytest.approx(2 * 14)  # cached
    client.put(holding_url, json={"quantity": 3})
    assert client.get(risk).json()["value"] == pytest.approx(3 * 14)  # cached for the newer holdings too
    assert post(client, portfolio_id, BUY | {"quantity": "1"}, "buy").status_code == 201
    assert client.get(risk).json()["value"] == pytest.approx(4 * 14)  # neither cached answer
