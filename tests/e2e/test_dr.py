"""The failure drills against the session's live platform: each scenario's own report meets the
issue's targets, and the platform is healthy afterwards.

The figures asserted are the drill's own (`qvctl dr drill ... --output json`): RTO, acknowledged
writes lost and their span, writes acknowledged by two leaders, and whether the topology was put
back. A drill refuses to start on an unhealthy topology, so each test starts from a healthy one.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from qvctl.context import Context
from qvctl.dr import faults
from qvctl.dr.environment import DrEnv
from qvctl.dr.topology import wait_healthy
from qvctl.platform.components import local_hosts
from qvctl.platform.down import DownRun, remove_drill_leftovers
from qvctl.spec import require_environment

from .conftest import Platform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def run_dr(platform: Platform, *args: str) -> dict[str, Any]:
    done = platform.qvctl("dr", *args, "--output", "json", timeout=900)
    assert done.stdout.strip(), f"no report: exit {done.returncode}\n{done.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(done.stdout)
    # Exit 0 exactly when the drill passed: targets met, topology put back, no error.
    assert (done.returncode == 0) == report["passed"], done.stderr[-2000:]
    return report


def drill(platform: Platform, scenario: str) -> dict[str, Any]:
    return run_dr(platform, "drill", platform.env, "--scenario", scenario)


def assert_healthy_afterwards(platform: Platform, report: dict[str, Any]) -> None:
    assert report["error"] is None, report["error"]
    assert report["restored"], f"not put back: {report['left']}"
    status = platform.qvctl("status", platform.env, "--output", "json")
    assert status.returncode == 0, status.stdout[-3000:]
    assert json.loads(status.stdout)["healthy"] is True


def events(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in report["timeline"] if e["event"] == name]


def leaders(report: dict[str, Any]) -> list[str]:
    """The members the `/cluster` watch saw become leader ("primary: db3 (leader, running)")."""
    return [e["detail"].split(": ", 1)[1].split()[0] for e in events(report, "new leader")]


def no_partition_left(platform: Platform) -> None:
    ctx = Context.discover(environ={**os.environ, "QV_ROOT": str(platform.checkout)})
    spec = require_environment(ctx, platform.env)
    hosts = [h.name for h in local_hosts(spec)]
    assert faults.leftover_cgroups(faults.find_cgroup2(), platform.env, hosts) == []
    listed = subprocess.run(["nft", "list", "table", "inet", faults.nft_table(platform.env)],
                            capture_output=True, text=True, check=False)
    assert listed.returncode != 0, listed.stdout


def test_leader_kill_fails_over_within_10_s_losing_no_acknowledged_write(platform: Platform) -> None:
    report = drill(platform, "leader-kill")
    assert leaders(report) and report["fault_host"] not in leaders(report), report["timeline"]
    assert report["rto_seconds"] is not None and report["rto_seconds"] <= 10
    assert report["rpo"]["lost_writes"] == 0
    assert report["two_leaders"]["acknowledged_by_two_leaders"] == 0
    assert report["writes"]["acknowledged"] > 0
    assert_healthy_afterwards(platform, report)


def test_replica_kill_of_the_synchronous_standby_loses_no_acknowledged_write(platform: Platform) -> None:
    report = drill(platform, "replica-kill")
    assert "synchronous standby" in report["fault"]
    assert events(report, "synchronous standby"), "the leader never picked another synchronous standby"
    assert report["rto_seconds"] is not None and report["rto_seconds"] <= 10
    assert report["rpo"]["lost_writes"] == 0
    assert_healthy_afterwards(platform, report)


def test_etcd_member_kill_of_the_leader_host_loses_no_acknowledged_write(platform: Platform) -> None:
    report = drill(platform, "etcd-member-kill")
    assert report["rto_seconds"] is not None and report["rto_seconds"] <= 10
    assert report["rpo"]["lost_writes"] == 0
    assert_healthy_afterwards(platform, report)


def test_network_partition_of_the_leader_has_no_split_brain_and_recovers_within_15_s(platform: Platform) -> None:
    report = drill(platform, "network-partition")
    check = report["two_leaders"]["old_leader_check"]
    assert "read over its unix socket before the partition healed" in check, check
    assert report["two_leaders"]["acknowledged_by_two_leaders"] == 0
    assert report["rto_seconds"] is not None and report["rto_seconds"] <= 15
    assert report["rpo"]["lost_writes"] == 0
    assert events(report, "partition healed")
    assert report["fault_host"] not in leaders(report)
    assert_healthy_afterwards(platform, report)
    no_partition_left(platform)


def test_region_loss_promotes_dr_within_60_s_losing_at_most_5_s_then_fails_back(platform: Platform) -> None:
    report = drill(platform, "region-loss")
    assert events(report, "DR cluster accepts writes")
    assert report["rto_seconds"] is not None and report["rto_seconds"] <= 60
    assert report["rpo"]["lost_span_seconds"] <= 5
    [failback] = report["planned_switches"]
    assert failback["name"] == "failback" and failback["lost_writes"] == 0
    assert_healthy_afterwards(platform, report)


def test_planned_failover_and_failback_lose_no_acknowledged_write(platform: Platform) -> None:
    over = run_dr(platform, "failover", platform.env, "--to", "dr")
    assert over["rpo"]["lost_writes"] == 0 and over["restored"], over["left"]
    assert events(over, "failover: dr cluster accepts writes")
    back = run_dr(platform, "failback", platform.env)
    assert back["rpo"]["lost_writes"] == 0
    assert events(back, "failback: primary cluster accepts writes")
    assert_healthy_afterwards(platform, back)


def test_promote_and_rebuild_refuse_to_make_two_primaries(platform: Platform) -> None:
    promote = platform.qvctl("dr", "promote", platform.env, "--cluster", "dr")
    assert promote.returncode == 1 and "still accepts writes" in promote.stderr, promote.stderr
    rebuild = platform.qvctl("dr", "rebuild", platform.env, "--cluster", "primary")
    assert rebuild.returncode == 1 and "does not accept writes" in rebuild.stderr, rebuild.stderr


def test_down_removes_what_an_interrupted_partition_left(platform: Platform) -> None:
    """A drill killed before its `finally` leaves its nft table and cgroup: `down`'s first step removes
    them and gives the processes back (here on a replica, then the topology heals by itself)."""
    ctx = Context.discover(environ={**os.environ, "QV_ROOT": str(platform.checkout)})
    spec = require_environment(ctx, platform.env)
    env = DrEnv.open(ctx, spec)
    patroni = env.patroni()
    state = wait_healthy(env, patroni, "primary", 180).states["primary"]
    assert state is not None and state.leader is not None
    replica = next(n for n in env.clusters["primary"].names if n != state.leader.name)
    partition = faults.Partition(env.name, replica, env.clusters["primary"].address(replica), env.paths, env.nft)
    partition.apply()  # and never healed, as if the drill had been killed
    assert partition.cgroup.is_dir()
    result = remove_drill_leftovers(DownRun(ctx, spec, env.paths, keep_data=False), lambda _: None)
    assert faults.nft_table(env.name) in result and str(partition.cgroup) in result
    assert not partition.cgroup.exists()
    no_partition_left(platform)
    moved = f"/{faults.cgroup_name(env.name, replica)}"
    assert not [pid for pid in partition.pids if faults.process_cgroup(pid) == moved]
    wait_healthy(env, patroni, "primary", 180)
    patroni.close()
