"""Portfolios. GET by id is cache-aside (the hot read path)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from quantumvest_api.auth.callers import PortfolioReader, PortfolioWriter
from quantumvest_api.db import get_session
from quantumvest_api.models import Portfolio
from quantumvest_api.schemas import PortfolioIn, PortfolioOut

router = APIRouter(prefix="/api/v1/portfolios", tags=["portfolios"])
# Handlers are registered with add_api_route, not decorators: mutmut skips decorated functions, and these
# hold the guards (scope, owner, idempotency) that the mutation run judges (bench/mutation.py).
DbSession = Annotated[Session, Depends(get_session)]
# Deep offsets make PostgreSQL read and drop every skipped row: bounded, a caller pages by the rest.
MAX_OFFSET = 100_000


def cache_key(owner: str, portfolio_id: uuid.UUID) -> str:
    # The owner is part of the key: a cached body is only ever found by its owner's requests.
    owner_digest = hashlib.sha256(owner.encode()).hexdigest()[:32]
    return f"qv:portfolio:{owner_digest}:{portfolio_id}"


def load_portfolio(session: Session, portfolio_id: uuid.UUID, owner: str, *, for_update: bool = False) -> Portfolio:
    """The caller's portfolio. Another owner's is "not found", exactly like a missing one: whether an
    id exists is itself not the caller's to learn."""
    statement = select(Portfolio).where(Portfolio.id == portfolio_id, Portfolio.owner == owner)
    if for_update:
        statement = statement.with_for_update()
    portfolio = session.scalars(statement).one_or_none()
    if portfolio is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"portfolio {portfolio_id} not found")
    return portfolio


def create_portfolio(body: PortfolioIn, caller: PortfolioWriter, session: DbSession, response: Response) -> Portfolio:
    portfolio = Portfolio(owner=caller.subject, name=body.name, base_currency=body.base_currency)
    session.add(portfolio)
    session.commit()
    response.headers["Location"] = f"{router.prefix}/{portfolio.id}"
    return portfolio


router.add_api_route(
    "", create_portfolio, methods=["POST"], status_code=status.HTTP_201_CREATED, response_model=PortfolioOut
)


def list_portfolios(
    caller: PortfolioReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[Portfolio]:
    statement = (
        select(Portfolio)
        .where(Portfolio.owner == caller.subject)
        .order_by(Portfolio.created_at, Portfolio.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(statement))


router.add_api_route("", list_portfolios, methods=["GET"], response_model=list[PortfolioOut])


def get_portfolio(portfolio_id: uuid.UUID, caller: PortfolioReader, request: Request, session: DbSession) -> object:
    cache = request.app.state.cache
    key = cache_key(caller.subject, portfolio_id)
    cached = cache.get_json("portfolio", key)
    if cached is not None:
        return cached
    body = PortfolioOut.model_validate(load_portfolio(session, portfolio_id, caller.subject)).model_dump(mode="json")
    cache.set_json(key, body)
    return body


router.add_api_route("/{portfolio_id}", get_portfolio, methods=["GET"], response_model=PortfolioOut)


def delete_portfolio(
    portfolio_id: uuid.UUID, caller: PortfolioWriter, request: Request, session: DbSession
) -> Response:
    portfolio = load_portfolio(session, portfolio_id, caller.subject)
    session.delete(portfolio)
    session.commit()
    request.app.state.cache.delete(cache_key(caller.subject, portfolio_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


router.add_api_route("/{portfolio_id}", delete_portfolio, methods=["DELETE"], status_code=status.HTTP_204_NO_CONTENT)
