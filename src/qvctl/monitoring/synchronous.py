"""The synchronous-standby alert, for the environments whose spec asks for synchronous replication.

Patroni exposes who the synchronous standby is (`patroni_sync_standby`) but not whether one is
wanted: with `database.synchronous_mode: false` (dev) there is never one, and an alert written for
every environment would fire there forever. So the spec decides whether the rule exists.
"""

from __future__ import annotations

from qvctl.monitoring.rulefmt import alert, rule_file
from qvctl.spec import Environment


def synchronous_alerts(env: Environment) -> list[dict[str, object]]:
    if not env.database.synchronous_mode:
        return []
    return [alert(
        "PatroniSyncStandbyMissing",
        'max by (scope) (patroni_primary{job="patroni"}) == 1\n'
        "unless on (scope)\n"
        '(max by (scope) (patroni_sync_standby{job="patroni"}) == 1)\n',
        # Patroni names another synchronous standby within a loop or two of losing one (the
        # replica-kill drill: 0.8-2.3 s); two minutes without one is no transition.
        for_="2m", severity="critical", area="database",
        summary="{{ $labels.scope }} acknowledges writes without a synchronous standby.",
        description=("The leader of {{ $labels.scope }} has had no synchronous standby for 2 minutes: Patroni's "
                     "non-strict synchronous mode acknowledges writes with only the leader's copy, and losing "
                     "the leader now loses them."),
    )]


def synchronous_rules(env: Environment) -> dict[str, object]:
    return rule_file(("database-synchronous.alerts", synchronous_alerts(env)))
