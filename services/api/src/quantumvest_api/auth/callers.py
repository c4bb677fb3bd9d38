"""The caller a route needs, as a parameter type: `caller: PortfolioReader` checks the token's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from quantumvest_api.auth import scopes
from quantumvest_api.auth.verify import Caller, require

PortfolioReader = Annotated[Caller, Depends(require(scopes.PORTFOLIOS_READ))]
PortfolioWriter = Annotated[Caller, Depends(require(scopes.PORTFOLIOS_WRITE))]
PriceReader = Annotated[Caller, Depends(require(scopes.PRICES_READ))]
PriceWriter = Annotated[Caller, Depends(require(scopes.PRICES_WRITE))]
