"""Transactions: buys and sells that move holdings. POST is idempotent per `Idempotency-Key` header.

The same key with the same body replays the original 201 response (marked `Idempotent-Replayed: true`);
the same key with a different body is refused with 422. Keys are scoped to the portfolio.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from quantumvest_api.auth.callers import PortfolioReader, PortfolioWriter
from quantumvest_api.db import get_session
from quantumvest_api.models import Holding, Portfolio, Transaction
from quantumvest_api.routes.portfolios import MAX_OFFSET, load_portfolio
from quantumvest_api.schemas import TransactionIn, TransactionOut

router = APIRouter(prefix="/api/v1/portfolios/{portfolio_id}/transactions", tags=["transactions"])
# Handlers are registered with add_api_route, not decorators: mutmut skips decorated functions, and these
# hold the guards (scope, owner, idempotency) that the mutation run judges (bench/mutation.py).
DbSession = Annotated[Session, Depends(get_session)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Client-chosen unique key; retries with the same key and body return the first response",
    ),
]


def request_fingerprint(body: TransactionIn) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _find(session: Session, portfolio_id: uuid.UUID, owner: str, key: str) -> Transaction | None:
    # Joined to the owner: a replay must never hand one caller another's transaction.
    statement = (
        select(Transaction)
        .join(Portfolio, Portfolio.id == Transaction.portfolio_id)
        .where(Transaction.portfolio_id == portfolio_id, Transaction.idempotency_key == key, Portfolio.owner == owner)
    )
    return session.scalars(statement).one_or_none()


def _replay(existing: Transaction, fingerprint: str, key: str, response: Response) -> Transaction:
    if existing.request_hash != fingerprint:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"Idempotency-Key {key!r} was already used with a different request body; use a new key",
        )
    response.headers["Idempotent-Replayed"] = "true"
    return existing


def _apply_to_holding(session: Session, portfolio_id: uuid.UUID, body: TransactionIn) -> None:
    if body.side == "buy":
        statement = (
            insert(Holding)
            .values(portfolio_id=portfolio_id, symbol=body.symbol, quantity=body.quantity)
            .on_conflict_do_update(
                index_elements=[Holding.portfolio_id, Holding.symbol],
                set_={"quantity": Holding.quantity + body.quantity},
            )
        )
        session.execute(statement)
        return
    sold = session.execute(
        update(Holding)
        .where(Holding.portfolio_id == portfolio_id, Holding.symbol == body.symbol, Holding.quantity >= body.quantity)
        .values(quantity=Holding.quantity - body.quantity)
        .returning(Holding.symbol)
    ).first()
    if sold is None:
        held = session.scalar(
            select(Holding.quantity).where(Holding.portfolio_id == portfolio_id, Holding.symbol == body.symbol)
        )
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"cannot sell {body.quantity} {body.symbol}: portfolio holds {held or 0}"
        )


def create_transaction(
    portfolio_id: uuid.UUID,
    body: TransactionIn,
    idempotency_key: IdempotencyKey,
    caller: PortfolioWriter,
    session: DbSession,
    response: Response,
) -> Transaction:
    fingerprint = request_fingerprint(body)
    existing = _find(session, portfolio_id, caller.subject, idempotency_key)  # fast path for retries, no lock
    if existing is not None:
        return _replay(existing, fingerprint, idempotency_key, response)
    # Bumping the revision locks the portfolio row: writes to one portfolio are serialised, so a
    # concurrent request with the same key is seen by the second look below (READ COMMITTED).
    locked = session.execute(
        update(Portfolio)
        .where(Portfolio.id == portfolio_id, Portfolio.owner == caller.subject)
        .values(revision=Portfolio.revision + 1)
        .returning(Portfolio.id)
    ).first()
    if locked is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"portfolio {portfolio_id} not found")
    existing = _find(session, portfolio_id, caller.subject, idempotency_key)
    if existing is not None:
        session.rollback()
        existing = _find(session, portfolio_id, caller.subject, idempotency_key)
        assert existing is not None
        return _replay(existing, fingerprint, idempotency_key, response)
    _apply_to_holding(session, portfolio_id, body)
    transaction = Transaction(
        portfolio_id=portfolio_id,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        **body.model_dump(),
    )
    session.add(transaction)
    session.commit()
    response.headers["Location"] = f"/api/v1/portfolios/{portfolio_id}/transactions/{transaction.id}"
    return transaction


router.add_api_route(
    "", create_transaction, methods=["POST"], status_code=status.HTTP_201_CREATED, response_model=TransactionOut
)


def list_transactions(
    portfolio_id: uuid.UUID,
    caller: PortfolioReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[Transaction]:
    load_portfolio(session, portfolio_id, caller.subject)
    statement = (
        select(Transaction)
        .where(Transaction.portfolio_id == portfolio_id)
        .order_by(Transaction.executed_at, Transaction.created_at, Transaction.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(statement))


router.add_api_route("", list_transactions, methods=["GET"], response_model=list[TransactionOut])


def get_transaction(
    portfolio_id: uuid.UUID, transaction_id: uuid.UUID, caller: PortfolioReader, session: DbSession
) -> Transaction:
    load_portfolio(session, portfolio_id, caller.subject)
    transaction = session.get(Transaction, transaction_id)
    if transaction is None or transaction.portfolio_id != portfolio_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"transaction {transaction_id} not found in {portfolio_id}")
    return transaction


router.add_api_route("/{transaction_id}", get_transaction, methods=["GET"], response_model=TransactionOut)
