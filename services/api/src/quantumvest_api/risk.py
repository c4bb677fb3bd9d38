"""Portfolio risk from daily closes and current holdings (pure numpy, no I/O).

Method (documented in the README, checked against hand-computed values in the tests):
- portfolio value V_t = sum_i quantity_i * close_i,t on the days where every held symbol has a close;
- simple daily returns r_t = V_t / V_{t-1} - 1;
- volatility: sample standard deviation of r (ddof=1), and annualised with sqrt(252);
- historical VaR at level c: the loss at the (1 - c) empirical quantile of r, taken as an observed
  return (numpy method "lower", never interpolated), reported as a positive fraction of value;
- max drawdown: the largest fall from a running peak, max_t (1 - V_t / max_{s<=t} V_s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRADING_DAYS_PER_YEAR = 252


class NotEnoughData(ValueError):
    pass


@dataclass(frozen=True)
class RiskMetrics:
    observations: int
    value: float
    volatility_daily: float
    volatility_annualized: float
    var_95: float
    var_99: float
    max_drawdown: float


def portfolio_values(quantities: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """closes: one row per day, one column per symbol, aligned with quantities."""
    values: np.ndarray = closes @ quantities
    return values


def historical_var(returns: np.ndarray, confidence: float) -> float:
    quantile = np.quantile(returns, 1.0 - confidence, method="lower")
    return float(max(-quantile, 0.0))


def max_drawdown(values: np.ndarray) -> float:
    running_peak = np.maximum.accumulate(values)
    return float(np.max(1.0 - values / running_peak))


def compute(quantities: np.ndarray, closes: np.ndarray) -> RiskMetrics:
    if closes.ndim != 2 or closes.shape[1] != quantities.shape[0]:
        raise ValueError("closes must be days x symbols, matching quantities")
    if closes.shape[0] < 3:
        raise NotEnoughData(f"need at least 3 days with a close for every held symbol, found {closes.shape[0]}")
    values = portfolio_values(quantities, closes)
    if np.any(values <= 0):
        raise NotEnoughData("portfolio value is not positive on every day")
    returns = values[1:] / values[:-1] - 1.0
    daily = float(np.std(returns, ddof=1))
    return RiskMetrics(
        observations=int(returns.shape[0]),
        value=float(values[-1]),
        volatility_daily=daily,
        volatility_annualized=daily * float(np.sqrt(TRADING_DAYS_PER_YEAR)),
        var_95=historical_var(returns, 0.95),
        var_99=historical_var(returns, 0.99),
        max_drawdown=max_drawdown(values),
    )
