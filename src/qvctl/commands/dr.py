"""`qvctl dr drill / failover / failback`: failure drills and planned switches of the local platform's
database, measured under a live writer (RTO, RPO, timeline), the topology put back afterwards."""

from __future__ import annotations

import time
from typing import Any

import typer

from qvctl.context import Context
from qvctl.dr import drills, switch
from qvctl.dr.cluster import other
from qvctl.dr.environment import DrEnv, require_local
from qvctl.dr.report import DrillReport
from qvctl.dr.topology import wait_healthy
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, err_console, print_json, print_table
from qvctl.platform.lock import environment_lock
from qvctl.platform.paths import EnvPaths
from qvctl.spec import require_environment

ENV_ARGUMENT = typer.Argument("local", help="Environment name (a local environment, environments/<name>.yaml).")
OUTPUT_OPTION = typer.Option(OutputFormat.table, "--output", "-o", help="table or json.")
RATE_OPTION = typer.Option(20.0, "--rate", min=1.0, max=200.0, help="Writes per second through the API.")

app = typer.Typer(help="Failure drills and planned failover/failback of the database (local platform).",
                  no_args_is_help=True)


def _progress(output: OutputFormat) -> drills.Note:
    started = time.monotonic()

    def note(message: str) -> None:
        # stderr: `--output json` keeps stdout for the report alone
        err_console.print(f"[{time.monotonic() - started:6.1f}s] {message}", markup=False, highlight=False,
                          soft_wrap=True)

    return note


def _figure(value: float | None, unit: str = "s") -> str:
    return "none" if value is None else f"{value:.2f} {unit}".strip()


def show(report: DrillReport, output: OutputFormat) -> None:
    data = report.as_dict()
    if output is OutputFormat.json:
        print_json(data)
    else:
        _tables(data)
    if not data["passed"]:
        raise typer.Exit(ExitStatus.FAILED)


def _tables(data: dict[str, Any]) -> None:
    target, verdict, rpo = data["target"], data["verdict"], data["rpo"]

    def judged(key: str, limit: str) -> str:
        if key not in verdict:
            return ""
        return f"{'met' if verdict[key] else 'MISSED'} ({limit})"

    rows = [
        ["fault", data["fault"], ""],
        ["RTO (fault -> first acknowledged write)", _figure(data["rto_seconds"]),
         judged("rto", f"<= {target.get('rto_seconds')} s")],
        ["acknowledged writes lost", str(rpo["lost_writes"]), judged("lost_writes", f"<= {target.get('lost_writes')}")],
        ["time span of the lost writes", _figure(rpo["lost_span_seconds"]),
         judged("lost_span", f"<= {target.get('lost_span_seconds')} s")],
        ["acknowledged by two leaders", str(data["two_leaders"]["acknowledged_by_two_leaders"]),
         judged("two_leaders", "0")],
        ["how two leaders were checked", data["two_leaders"]["old_leader_check"], ""],
        ["writes", f"{data['writes']['acknowledged']} acknowledged of {data['writes']['attempted']} "
                   f"at {data['writes']['rate_per_second']:g}/s; failed: "
                   + (", ".join(f"{k} x{v}" for k, v in data["writes"]["failed"].items()) or "none")
                   + f"; read back from {data['writes']['read_back_from'] or '-'}", ""],
    ]
    for planned in data["planned_switches"]:
        rows.append([f"{planned['name']}: write outage", _figure(planned["write_outage_seconds"]),
                     f"{planned['lost_writes']} acknowledged writes lost"])
    rows.append(["put back as it was", "yes" if data["restored"] else "NO", "; ".join(data["left"])])
    if data["error"]:
        rows.append(["error", data["error"], ""])
    print_table(f"drill {data['scenario']} on {data['environment']}: {'PASSED' if data['passed'] else 'FAILED'}",
                ["figure", "value", "target"], rows)
    print_table("timeline (seconds from the fault)", ["t", "event", "detail"],
                [[f"{e['t_seconds']:+.2f}", e["event"], e["detail"]] for e in data["timeline"]])


def drill(
    env: str = ENV_ARGUMENT,
    scenario: str = typer.Option(..., "--scenario", "-s",
                                 help="leader-kill, replica-kill, etcd-member-kill, network-partition, region-loss."),
    output: OutputFormat = OUTPUT_OPTION,
    rate: float = RATE_OPTION,
    down_for: float = typer.Option(20.0, "--down-for", min=0.0, max=600.0,
                                   help="Seconds a crashed host stays down (leader-kill, replica-kill, "
                                        "etcd-member-kill); 0: supervisord restarts it at once."),
) -> None:
    """Inject SCENARIO's fault under a writer, measure RTO and RPO, put the topology back.

    Refuses to start unless the topology is healthy; holds the environment's lock. Exit status 1
    when a target is missed or the topology could not be put back (the report says what is left).
    """
    if scenario not in drills.SCENARIOS:
        raise typer.BadParameter(f"one of: {', '.join(drills.SCENARIOS)}", param_hint="--scenario")
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    require_local(spec)
    with environment_lock(EnvPaths.of(ctx, env).lock_file, env):
        report = drills.run_scenario(DrEnv.open(ctx, spec), scenario, _progress(output),
                                     drills.Options(rate=rate, down_for=down_for))
    show(report, output)


def _switch(env: str, to: str, output: OutputFormat, rate: float) -> None:
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    require_local(spec)
    with environment_lock(EnvPaths.of(ctx, env).lock_file, env):
        report = drills.run_switch(DrEnv.open(ctx, spec), to, _progress(output), drills.Options(rate=rate))
    show(report, output)


def failover(
    env: str = ENV_ARGUMENT,
    to: str = typer.Option(..., "--to", help="dr: make the DR cluster primary; primary: the same as failback."),
    output: OutputFormat = OUTPUT_OPTION,
    rate: float = RATE_OPTION,
) -> None:
    """Planned failover, no data loss: demote the leading cluster, wait until the other has replayed
    everything it wrote, promote the other. Reports the write outage and the writes lost (0)."""
    if to not in drills.SWITCHES:
        raise typer.BadParameter(f"one of: {', '.join(drills.SWITCHES)}", param_hint="--to")
    _switch(env, to, output, rate)


def failback(
    env: str = ENV_ARGUMENT,
    output: OutputFormat = OUTPUT_OPTION,
    rate: float = RATE_OPTION,
) -> None:
    """Planned failback to the primary cluster (after `failover --to dr` or a region-loss rebuild)."""
    _switch(env, "primary", output, rate)


CLUSTER_OPTION = typer.Option(..., "--cluster", help="primary or dr.")


def _operate(env: str, cluster: str, output: OutputFormat, action: str) -> None:
    """promote / rebuild: the unplanned half of a region loss, by hand (the region-loss drill runs
    the same code)."""
    if cluster not in ("primary", "dr"):
        raise typer.BadParameter("one of: primary, dr", param_hint="--cluster")
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    require_local(spec)
    with environment_lock(EnvPaths.of(ctx, env).lock_file, env):
        dr_env = DrEnv.open(ctx, spec)
        patroni = dr_env.patroni()
        try:
            note = _progress(output)
            if action == "promote":
                leader = switch.promote_unplanned(dr_env, patroni, cluster, note)
                summary = f"the {cluster} cluster accepts writes: {leader} leads"
            else:
                switch.rebuild_as_follower(dr_env, patroni, cluster, other(cluster), None, note)
                wait_healthy(dr_env, patroni, other(cluster), 300, note)
                summary = f"the {cluster} cluster is a standby cluster following the {other(cluster)} cluster"
            states = {key: patroni.cluster(c) for key, c in dr_env.clusters.items()}
        finally:
            patroni.close()
    members = {k: s.summary() if s else "no member answers" for k, s in states.items()}
    data: dict[str, Any] = {"environment": env, "action": action, "cluster": cluster, "result": summary,
                            "clusters": members}
    if output is OutputFormat.json:
        print_json(data)
    else:
        print_table(f"{action} {cluster} on {env}", ["cluster", "members"],
                    [[k, v] for k, v in members.items()])
        err_console.print(summary, markup=False, highlight=False)


def promote(
    env: str = ENV_ARGUMENT,
    cluster: str = CLUSTER_OPTION,
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Promote a standby cluster now, without demoting the other (its region is lost): what had not
    reached it is lost. Refused while the other cluster still accepts writes (use failover then)."""
    _operate(env, cluster, output, "promote")


def rebuild(
    env: str = ENV_ARGUMENT,
    cluster: str = CLUSTER_OPTION,
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Bring a lost cluster back as a standby cluster of the one that leads: what of it runs is
    stopped, its members are reinitialised from the leading cluster (its history diverged).
    Then `qvctl dr failback` makes the primary cluster primary again."""
    _operate(env, cluster, output, "rebuild")


def register(root: typer.Typer) -> None:
    app.command("drill")(drill)
    app.command("failover")(failover)
    app.command("failback")(failback)
    app.command("promote")(promote)
    app.command("rebuild")(rebuild)
    root.add_typer(app, name="dr")
