"""Risk metrics against values computed by hand (see the comments for the arithmetic)."""

import math

import numpy as np
import pytest

from quantumvest_api.risk import NotEnoughData, compute, historical_var, max_drawdown


def test_single_holding_matches_hand_computed_values() -> None:
    # closes 100, 110, 99, 99 -> returns +0.10, -0.10, 0.00; mean 0
    # sample std = sqrt((0.01 + 0.01 + 0) / 2) = 0.1; annualised 0.1 * sqrt(252)
    # VaR: sorted returns [-0.10, 0, 0.10]; 5 % and 1 % "lower" quantiles are both the worst, -0.10
    # drawdown: peak 110, trough 99 -> 1 - 99/110 = 0.1
    result = compute(np.array([10.0]), np.array([[100.0], [110.0], [99.0], [99.0]]))
    assert result.observations == 3
    assert result.value == pytest.approx(990.0)
    assert result.volatility_daily == pytest.approx(0.1)
    assert result.volatility_annualized == pytest.approx(0.1 * math.sqrt(252))
    assert result.var_95 == pytest.approx(0.10)
    assert result.var_99 == pytest.approx(0.10)
    assert result.max_drawdown == pytest.approx(0.1)


def test_two_holdings_are_valued_together() -> None:
    # AAA x10 at 100, 110, 99, 99 and BBB x5 at 20, 20, 22, 18 -> values 1100, 1200, 1100, 1080
    # returns 1/11, -1/12, -20/1100; drawdown peak 1200 trough 1080 -> 0.1
    closes = np.array([[100.0, 20.0], [110.0, 20.0], [99.0, 22.0], [99.0, 18.0]])
    result = compute(np.array([10.0, 5.0]), closes)
    returns = [1 / 11, -1 / 12, -20 / 1100]
    mean = sum(returns) / 3
    std = math.sqrt(sum((r - mean) ** 2 for r in returns) / 2)
    assert result.value == pytest.approx(1080.0)
    assert result.volatility_daily == pytest.approx(std)
    assert result.var_95 == pytest.approx(1 / 12)  # worst return, -1/12
    assert result.max_drawdown == pytest.approx(0.1)


def test_var_uses_an_observed_return_at_the_tail_quantile() -> None:
    # 100 returns -0.50, -0.49, ..., 0.49: 5 % quantile index floor(0.05 * 99) = 4 -> -0.46
    # 1 % quantile index floor(0.01 * 99) = 0 -> -0.50
    returns = np.arange(-50, 50) / 100.0
    assert historical_var(returns, 0.95) == pytest.approx(0.46)
    assert historical_var(returns, 0.99) == pytest.approx(0.50)


def test_var_is_zero_when_no_return_is_a_loss() -> None:
    assert historical_var(np.array([0.01, 0.02, 0.03]), 0.95) == 0.0


def test_max_drawdown_takes_the_deepest_fall_from_any_peak() -> None:
    # peaks 100 then 150; falls to 80 (-20 %) and to 90 (-40 %)
    assert max_drawdown(np.array([100.0, 80.0, 150.0, 90.0, 160.0])) == pytest.approx(0.4)
    assert max_drawdown(np.array([1.0, 2.0, 3.0])) == 0.0


def test_fewer_than_three_days_is_not_enough() -> None:
    with pytest.raises(NotEnoughData, match="at least 3 days"):
        compute(np.array([1.0]), np.array([[1.0], [2.0]]))
