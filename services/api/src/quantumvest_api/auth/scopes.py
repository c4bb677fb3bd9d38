"""The scopes a token grants, space-separated in its `scope` claim (RFC 9068)."""

from __future__ import annotations

PORTFOLIOS_READ = "portfolios:read"
PORTFOLIOS_WRITE = "portfolios:write"
PRICES_READ = "prices:read"
PRICES_WRITE = "prices:write"

ALL = (PORTFOLIOS_READ, PORTFOLIOS_WRITE, PRICES_READ, PRICES_WRITE)
# What an investor's own token carries: everything about their portfolios, reading prices.
# Writing prices is the market-data feed's, granted on purpose.
USER = (PORTFOLIOS_READ, PORTFOLIOS_WRITE, PRICES_READ)
