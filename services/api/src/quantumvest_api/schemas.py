"""Request and response bodies. Amounts are decimals (JSON strings on output, numbers or strings on input)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, field_validator

Symbol = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9.\-]{0,15}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
EIGHT_PLACES = Decimal("0.00000001")
# Stored as NUMERIC(24, 8): normalise on input so responses and idempotency fingerprints match the database.
Quantity = Annotated[
    Decimal, Field(max_digits=24, decimal_places=8), AfterValidator(lambda value: value.quantize(EIGHT_PLACES))
]
# Decimal's str() turns to exponent form below 1E-6 ("0E-8" for a zero stored at eight places): answers
# carry plain digits, as every other amount does ("0.00000000").
Amount = Annotated[Decimal, PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json")]

# The edge refuses bodies over 1 MiB (nginx's client_max_body_size, the Ingress' proxy-body-size):
# the largest valid batch (86 bytes a row at most) must fit under it, which a test checks.
MAX_PRICES_PER_REQUEST = 10_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class PortfolioIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    base_currency: Currency = "USD"


class PortfolioOut(Strict):
    id: uuid.UUID
    name: str
    base_currency: str
    created_at: datetime


class HoldingIn(Strict):
    quantity: Annotated[Quantity, Field(ge=0)]


class HoldingOut(Strict):
    symbol: str
    quantity: Amount
    updated_at: datetime


class TransactionIn(Strict):
    symbol: Symbol
    side: Literal["buy", "sell"]
    quantity: Annotated[Quantity, Field(gt=0)]
    price: Annotated[Quantity, Field(ge=0)]
    executed_at: datetime

    @field_validator("executed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a time zone offset, e.g. 2026-01-02T15:04:05Z")
        return value


class TransactionOut(Strict):
    id: uuid.UUID
    portfolio_id: uuid.UUID
    symbol: str
    side: str
    quantity: Amount
    price: Amount
    executed_at: datetime
    created_at: datetime


class PriceIn(Strict):
    symbol: Symbol
    date: date
    close: Annotated[Quantity, Field(gt=0)]


class PricesIn(Strict):
    prices: Annotated[list[PriceIn], Field(min_length=1, max_length=MAX_PRICES_PER_REQUEST)]


class PriceOut(Strict):
    symbol: str
    date: date
    close: Amount


class IngestOut(Strict):
    ingested: int
    symbols: int


class RiskOut(Strict):
    portfolio_id: uuid.UUID
    base_currency: str
    as_of: date
    days: int
    observations: int
    value: float
    volatility_daily: float
    volatility_annualized: float
    var_95: float
    var_99: float
    var_95_amount: float
    var_99_amount: float
    max_drawdown: float
    method: str = "historical simulation on simple daily returns"
