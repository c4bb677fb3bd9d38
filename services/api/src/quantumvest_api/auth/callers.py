"""The caller a route needs, as a parameter type: `caller: PortfolioReader` checks the token's scope.

One plain function per scope rather than a factory's closures: a closure is made once at import, and the
mutation run (bench/mutation.py) only sees changes to code that runs per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from quantumvest_api.auth import scopes
from quantumvest_api.auth.verify import Caller, Credentials, authorize


def _portfolio_reader(request: Request, credentials: Credentials) -> Caller:
    return authorize(scopes.PORTFOLIOS_READ, request, credentials)


def _portfolio_writer(request: Request, credentials: Credentials) -> Caller:
    return authorize(scopes.PORTFOLIOS_WRITE, request, credentials)


def _price_reader(request: Request, credentials: Credentials) -> Caller:
    return authorize(scopes.PRICES_READ, request, credentials)


def _price_writer(request: Request, credentials: Credentials) -> Caller:
    return authorize(scopes.PRICES_WRITE, request, credentials)


PortfolioReader = Annotated[Caller, Depends(_portfolio_reader)]
PortfolioWriter = Annotated[Caller, Depends(_portfolio_writer)]
PriceReader = Annotated[Caller, Depends(_price_reader)]
PriceWriter = Annotated[Caller, Depends(_price_writer)]
