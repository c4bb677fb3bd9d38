"""The multiwindow, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs", table 5-8).

An objective leaves an error budget (1 - objective) for the SLO period. A burn rate of 1 spends it
in exactly the period; 14.4 spends 2 % of a 30-day budget in one hour, 6 spends 5 % in six hours.
Each alert needs both windows: the long one says the budget is really going, the short one (a
twelfth of it) that it is still going, so the alert resolves minutes after the errors stop rather
than when the long window forgets them.

No imports from the rest of qvctl: the spec model reads FASTEST_BURN_RATE to refuse an objective
whose fast-burn alert could never fire.
"""

from __future__ import annotations

from dataclasses import dataclass

PERIOD_DAYS = 30


@dataclass(frozen=True)
class BurnWindow:
    long: str  # PromQL durations
    short: str
    rate: float
    severity: str
    for_: str  # how long both windows must stay over the rate: one bad scrape does not page


# Fast burn pages (critical); slow burn is a warning, silenced by Alertmanager while the fast one
# fires (same alert name, monitoring/generated/<env>/alertmanager.yml). `for:` as the workbook's
# implementations (Pyrra, Sloth) use them for a 30-day period.
WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow("1h", "5m", 14.4, "critical", "2m"),
    BurnWindow("6h", "30m", 6.0, "warning", "15m"),
)

FASTEST_BURN_RATE = max(window.rate for window in WINDOWS)

# Every window a ratio is recorded for.
RATE_WINDOWS: tuple[str, ...] = tuple(dict.fromkeys(w for window in WINDOWS for w in (window.short, window.long)))
