"""Holdings: positions per symbol. Transactions move them; PUT sets one directly (imports, corrections)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from quantumvest_api.auth.callers import PortfolioReader, PortfolioWriter
from quantumvest_api.db import get_session
from quantumvest_api.models import Holding, Portfolio
from quantumvest_api.routes.portfolios import load_portfolio
from quantumvest_api.schemas import HoldingIn, HoldingOut, Symbol

router = APIRouter(prefix="/api/v1/portfolios/{portfolio_id}/holdings", tags=["holdings"])
# Handlers are registered with add_api_route, not decorators: mutmut skips decorated functions, and these
# hold the guards (scope, owner, idempotency) that the mutation run judges (bench/mutation.py).
DbSession = Annotated[Session, Depends(get_session)]
SymbolPath = Annotated[Symbol, Path(description="Ticker symbol, upper case")]


def bump_revision(session: Session, portfolio_id: uuid.UUID) -> None:
    session.execute(update(Portfolio).where(Portfolio.id == portfolio_id).values(revision=Portfolio.revision + 1))


def list_holdings(portfolio_id: uuid.UUID, caller: PortfolioReader, session: DbSession) -> list[Holding]:
    load_portfolio(session, portfolio_id, caller.subject)
    return list(session.scalars(select(Holding).where(Holding.portfolio_id == portfolio_id).order_by(Holding.symbol)))


router.add_api_route("", list_holdings, methods=["GET"], response_model=list[HoldingOut])


def get_holding(portfolio_id: uuid.UUID, symbol: SymbolPath, caller: PortfolioReader, session: DbSession) -> Holding:
    load_portfolio(session, portfolio_id, caller.subject)
    holding = session.get(Holding, (portfolio_id, symbol))
    if holding is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"portfolio {portfolio_id} holds no {symbol}")
    return holding


router.add_api_route("/{symbol}", get_holding, methods=["GET"], response_model=HoldingOut)


def put_holding(
    portfolio_id: uuid.UUID, symbol: SymbolPath, body: HoldingIn, caller: PortfolioWriter, session: DbSession
) -> Holding:
    load_portfolio(session, portfolio_id, caller.subject, for_update=True)
    statement = (
        insert(Holding)
        .values(portfolio_id=portfolio_id, symbol=symbol, quantity=body.quantity)
        .on_conflict_do_update(
            index_elements=[Holding.portfolio_id, Holding.symbol],
            set_={"quantity": body.quantity, "updated_at": func.now()},
        )
        .returning(Holding)
    )
    holding = session.scalars(statement.execution_options(populate_existing=True)).one()
    bump_revision(session, portfolio_id)
    session.commit()
    return holding


router.add_api_route("/{symbol}", put_holding, methods=["PUT"], response_model=HoldingOut)


def delete_holding(
    portfolio_id: uuid.UUID, symbol: SymbolPath, caller: PortfolioWriter, session: DbSession
) -> Response:
    load_portfolio(session, portfolio_id, caller.subject, for_update=True)
    holding = session.get(Holding, (portfolio_id, symbol))
    if holding is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"portfolio {portfolio_id} holds no {symbol}")
    session.delete(holding)
    bump_revision(session, portfolio_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


router.add_api_route("/{symbol}", delete_holding, methods=["DELETE"], status_code=status.HTTP_204_NO_CONTENT)
