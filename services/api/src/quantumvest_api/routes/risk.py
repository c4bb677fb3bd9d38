"""Risk metrics per portfolio, from its current holdings and the most recent `days` common closes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quantumvest_api import risk
from quantumvest_api.auth.callers import PortfolioReader
from quantumvest_api.db import get_session
from quantumvest_api.models import Holding, PricePoint
from quantumvest_api.routes.portfolios import load_portfolio
from quantumvest_api.schemas import RiskOut

router = APIRouter(prefix="/api/v1/portfolios/{portfolio_id}/risk", tags=["risk"])
DbSession = Annotated[Session, Depends(get_session)]


def _closes(session: Session, symbols: list[str], days: int) -> tuple[list[date], np.ndarray]:
    """The last `days` dates on which every symbol has a close, as a days x symbols matrix."""
    common_days = (
        select(PricePoint.day)
        .where(PricePoint.symbol.in_(symbols))
        .group_by(PricePoint.day)
        .having(func.count() == len(symbols))
        .order_by(PricePoint.day.desc())
        .limit(days)
        .subquery()
    )
    rows = session.execute(
        select(PricePoint.day, PricePoint.symbol, PricePoint.close)
        .where(PricePoint.symbol.in_(symbols), PricePoint.day.in_(select(common_days.c.day)))
        .order_by(PricePoint.day)
    ).all()
    dates = sorted({row.day for row in rows})
    row_of = {day: i for i, day in enumerate(dates)}
    column_of = {symbol: j for j, symbol in enumerate(symbols)}
    closes = np.empty((len(dates), len(symbols)))
    for row in rows:
        closes[row_of[row.day], column_of[row.symbol]] = float(row.close)
    return dates, closes


@router.get("", response_model=RiskOut)
def portfolio_risk(
    portfolio_id: uuid.UUID,
    caller: PortfolioReader,
    request: Request,
    session: DbSession,
    days: Annotated[int, Query(ge=3, le=5000, description="Most recent common price dates to use")] = 252,
) -> object:
    portfolio = load_portfolio(session, portfolio_id, caller.subject)
    cache = request.app.state.cache
    # The revision changes with holdings and with new prices of held symbols: old entries just expire.
    key = f"qv:risk:{portfolio_id}:{portfolio.revision}:{days}"
    cached = cache.get_json("risk", key)
    if cached is not None:
        return cached
    holdings = session.scalars(
        select(Holding).where(Holding.portfolio_id == portfolio_id, Holding.quantity > 0).order_by(Holding.symbol)
    ).all()
    if not holdings:
        raise HTTPException(status.HTTP_409_CONFLICT, f"portfolio {portfolio_id} has no holdings")
    symbols = [h.symbol for h in holdings]
    dates, closes = _closes(session, symbols, days)
    quantities = np.array([float(h.quantity) for h in holdings])
    try:
        metrics = risk.compute(quantities, closes)
    except risk.NotEnoughData as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"not enough price history for {', '.join(symbols)}: {exc}"
        ) from None
    body = RiskOut(
        portfolio_id=portfolio_id,
        base_currency=portfolio.base_currency,
        as_of=dates[-1],
        days=len(dates),
        observations=metrics.observations,
        value=metrics.value,
        volatility_daily=metrics.volatility_daily,
        volatility_annualized=metrics.volatility_annualized,
        var_95=metrics.var_95,
        var_99=metrics.var_99,
        var_95_amount=metrics.var_95 * metrics.value,
        var_99_amount=metrics.var_99 * metrics.value,
        max_drawdown=metrics.max_drawdown,
    ).model_dump(mode="json")
    cache.set_json(key, body)
    return body
