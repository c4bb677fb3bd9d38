import threading
import uuid

import pytest
from sqlalchemy import func, select

from api_test_helpers import new_portfolio
from quantumvest_api.models import Transaction

pytestmark = pytest.mark.slow

BUY = {"symbol": "AAA", "side": "buy", "quantity": "10", "price": "101.25", "executed_at": "2026-01-05T15:00:00Z"}


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
    assert "Idempotent-Replayed" not in first.headers
    assert count_transactions(app) == 1
    assert holding(client, portfolio_id) == "10.00000000"  # applied once


def test_same_key_different_body_is_422(client, app) -> None:
    portfolio_id = new_portfolio(client)
    post(client, portfolio_id, BUY, "used")
    response = post(client, portfolio_id, BUY | {"quantity": "11"}, "used")
    assert response.status_code == 422
    assert "already used with a different request body" in response.json()["detail"]
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


def test_transaction_on_unknown_portfolio_is_404(client) -> None:
    assert post(client, uuid.uuid4(), BUY, "k").status_code == 404


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
    assert post(client, selling, BUY | {"side": "sell", "quantity": "4"}, "sell").status_code == 201
    assert (holding(client, selling), holding(client, other)) == ("6.00000000", "10.00000000")


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
