"""Daily close prices: bulk ingest (upsert) and history per symbol."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from quantumvest_api.auth.callers import PriceReader, PriceWriter
from quantumvest_api.db import get_session
from quantumvest_api.models import Holding, Portfolio, PricePoint
from quantumvest_api.schemas import IngestOut, PriceOut, PricesIn, Symbol

router = APIRouter(prefix="/api/v1/prices", tags=["prices"])
# Handlers are registered with add_api_route, not decorators: mutmut skips decorated functions, and these
# hold the guards (scope, owner, idempotency) that the mutation run judges (bench/mutation.py).
DbSession = Annotated[Session, Depends(get_session)]
BATCH_ROWS = 5_000


def ingest_prices(body: PricesIn, caller: PriceWriter, session: DbSession) -> IngestOut:
    """Insert or replace closes. All rows commit together or not at all."""
    seen: dict[tuple[str, date], int] = {}
    for index, price in enumerate(body.prices):
        first = seen.setdefault((price.symbol, price.date), index)
        if first != index:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"prices[{index}] repeats {price.symbol} on {price.date} (first at prices[{first}])",
            )
    rows = [{"symbol": p.symbol, "day": p.date, "close": p.close} for p in body.prices]
    for start in range(0, len(rows), BATCH_ROWS):
        statement = insert(PricePoint).values(rows[start : start + BATCH_ROWS])
        session.execute(
            statement.on_conflict_do_update(index_elements=["symbol", "day"], set_={"close": statement.excluded.close})
        )
    symbols = sorted({p.symbol for p in body.prices})
    # New closes change the risk of every portfolio holding these symbols: invalidate their cached risk.
    holders = select(Holding.portfolio_id).where(Holding.symbol.in_(symbols))
    session.execute(update(Portfolio).where(Portfolio.id.in_(holders)).values(revision=Portfolio.revision + 1))
    session.commit()
    return IngestOut(ingested=len(rows), symbols=len(symbols))


router.add_api_route("/bulk", ingest_prices, methods=["POST"], response_model=IngestOut)


def price_history(
    symbol: Symbol,
    caller: PriceReader,
    session: DbSession,
    start: date | None = None,
    end: date | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1_000,
) -> list[PriceOut]:
    statement = select(PricePoint).where(PricePoint.symbol == symbol)
    if start is not None:
        statement = statement.where(PricePoint.day >= start)
    if end is not None:
        statement = statement.where(PricePoint.day <= end)
    points = session.scalars(statement.order_by(PricePoint.day.desc()).limit(limit)).all()
    if not points and session.scalar(select(PricePoint.symbol).where(PricePoint.symbol == symbol).limit(1)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no prices for {symbol}")
    return [PriceOut(symbol=p.symbol, date=p.day, close=p.close) for p in reversed(points)]


router.add_api_route("/{symbol}", price_history, methods=["GET"], response_model=list[PriceOut])
