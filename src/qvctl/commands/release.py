"""`qvctl deploy / promote / abort / rollback / releases`: releases of the API, canary or blue-green.

Locally qvctl itself moves the traffic (release/executor.py); in a cloud environment the release
is an image (tag and digest) that Argo Rollouts moves (release/cloud.py). One rollout at a time per
environment: `deploy` holds the environment lock while it drives one; `promote`, `abort` and
`rollback` from another shell leave it a request (release/requests.py).
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, print_json, print_table
from qvctl.platform.lock import environment_lock
from qvctl.platform.paths import EnvPaths
from qvctl.release import cloud, routing
from qvctl.release.requests import Action, Requests
from qvctl.release.state import ReleaseState, Rollout, Store
from qvctl.spec import Environment, require_environment

if TYPE_CHECKING:
    from qvctl.release.executor import Executor, Report

ENV_ARGUMENT = typer.Argument("local", help="Environment name (a file environments/<name>.yaml).")
# How long `abort`/`promote`/`rollback` wait for a running `deploy` to act on their request: it
# looks several times a second, but a promotion restarts the stable instances (Ansible).
REQUEST_TIMEOUT_SECONDS = 180


class StrategyOption(StrEnum):
    canary = "canary"
    blue_green = "blue-green"


def _reporter(started: float) -> Report:
    def report(state: ReleaseState, message: str) -> None:
        weight = f"{state.candidate_weight:>3}% new" if state.rollout is not None else " " * 8
        console.print(f"{time.monotonic() - started:6.1f}s {weight}  {message}", highlight=False, markup=False)
    return report


def _local(ctx: Context, env: str) -> tuple[Environment, EnvPaths]:
    spec = require_environment(ctx, env)
    return spec, EnvPaths.of(ctx, env)


def _executor(ctx: Context, spec: Environment) -> Executor:
    from qvctl.release.executor import deployer_for

    return deployer_for(ctx, spec, _reporter(time.monotonic()))


def _finished(rollout: Rollout) -> None:
    console.print(f"{rollout.version}: {(rollout.outcome or '').replace('_', ' ')}: {rollout.reason}",
                  highlight=False, markup=False)


def deploy(
    env: str = ENV_ARGUMENT,
    version: str | None = typer.Option(None, "--version", help="Locally a git ref of this repository; "
                                                         "in the cloud the image tag."),
    digest: str | None = typer.Option(None, "--digest", help="Cloud only: the image's digest (sha256:...) "
                                                       "that the registry reports for the tag; required there."),
    strategy: StrategyOption | None = typer.Option(None, "--strategy", help="canary or blue-green "
                                                                     "(default: the spec's rollout.strategy)."),
    resume: bool = typer.Option(False, "--resume", help="Go on with a rollout whose qvctl was interrupted "
                                                         "(so does --version of that rollout's ref)."),
) -> None:
    """Release VERSION of the API into ENV: canary steps or a blue-green switch, judged by Prometheus.

    A failed analysis (or `qvctl abort`) sends every request back to the stable version at once.
    Interrupted (Ctrl-C, a killed qvctl), the rollout stays where it was: run `deploy` again to go on,
    or `abort`.
    """
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    if spec.kind == "cloud":
        refuse_other_cloud_strategy(spec, strategy)
        _deploy_cloud(ctx, spec, version, digest)
        return
    if digest is not None:
        raise QvError(f"--digest: {env} runs the API from a git ref, not an image; give only --version REF",
                      ExitStatus.INVALID_INPUT)
    if version is None and not resume:
        raise QvError("--version REF is required (or --resume)", ExitStatus.INVALID_INPUT)
    paths = EnvPaths.of(ctx, env)
    chosen = (strategy or StrategyOption(spec.rollout.strategy.replace("_", "-"))).value.replace("-", "_")
    with environment_lock(paths.lock_file, env):
        executor = _executor(ctx, spec)
        interrupted = executor.store.load().rollout
        try:
            if resume or (interrupted is not None and version == interrupted.version):
                rollout = executor.resume()
            else:
                assert version is not None
                rollout = executor.deploy(version, "canary" if chosen == "canary" else "blue_green")
        except QvError as err:
            if err.status != ExitStatus.INTERRUPTED:
                raise
            state = executor.store.load()
            where = f" with {routing.describe(state)}" if state.rollout is not None else ""
            raise QvError(f"interrupted{where}: `qvctl deploy --resume` goes on, `qvctl abort` sends every "
                          "request to the stable version", ExitStatus.INTERRUPTED) from None
    _finished(rollout)


def refuse_other_cloud_strategy(spec: Environment, strategy: StrategyOption | None) -> None:
    """In the cloud the Rollout's strategy is rendered from the spec: a different --strategy would be ignored."""
    if strategy is None:
        return
    rendered = StrategyOption(spec.rollout.strategy.replace("_", "-"))
    if strategy != rendered:
        raise QvError(f"--strategy {strategy.value}: {spec.name}'s Rollout runs its spec's rollout.strategy "
                      f"({rendered.value}); change it in environments/{spec.name}.yaml (spec unchanged)",
                      ExitStatus.INVALID_INPUT)


def _deploy_cloud(ctx: Context, spec: Environment, version: str | None, digest: str | None) -> None:
    from qvctl.commands.render import render_targets

    if version is None:
        raise QvError("--version TAG is required: the image tag to release", ExitStatus.INVALID_INPUT)
    if digest is None:
        raise QvError(f"--digest is required: {spec.name} runs its image by digest; give the sha256 digest the "
                      f"registry reports for {version} (spec unchanged)", ExitStatus.INVALID_INPUT)
    updated = cloud.set_image(ctx, spec, version, digest)
    render_targets(ctx, spec.name, check=False)
    console.print(cloud.describe(updated) + f" (environments/{spec.name}.yaml, kubernetes/{spec.name}/). Next:",
                  highlight=False, markup=False)
    for line in cloud.next_steps(updated):
        console.print(f"  {line}", highlight=False, markup=False)


def _request(env: str, action: Action) -> None:
    """Act on the rollout: through its running `deploy` if there is one, else directly."""
    ctx = Context.discover()
    spec, paths = _local(ctx, env)
    if spec.kind == "cloud":
        raise QvError(f"in {env} Argo Rollouts drives releases: kubectl argo rollouts {action} api "
                      f"-n {spec.kubernetes.namespace}", ExitStatus.INVALID_INPUT)
    store = Store(paths)
    rollout: Rollout | None
    try:
        with environment_lock(paths.lock_file, env):
            rollout = _act_directly(ctx, spec, store, action)
    except QvError as err:
        if err.status != ExitStatus.LOCKED or store.load().rollout is None:
            raise
        rollout = _ask_driver(store, action)
    if rollout is not None:
        _finished(rollout)


def _act_directly(ctx: Context, spec: Environment, store: Store, action: Action) -> Rollout:
    state = store.load()
    executor = _executor(ctx, spec)
    if state.rollout is None:
        if action == "rollback":
            return executor.roll_back()
        raise QvError(f"no rollout in progress in {spec.name} (nothing to {action})", ExitStatus.INVALID_INPUT)
    if action == "promote":
        executor.requests.put("promote")
        return executor.resume()
    return executor.abort(f"{action} while its qvctl (pid {state.rollout.pid}) was not running",
                          "rolled_back" if action == "rollback" else "aborted")


def _ask_driver(store: Store, action: Action) -> Rollout | None:
    """The ended rollout; None for a promotion, which goes on in the deploy's own shell."""
    requests = Requests(store)
    in_progress = store.load().rollout
    if in_progress is None:  # it ended between our lock attempt and now
        raise QvError(f"no rollout in progress (nothing to {action})", ExitStatus.INVALID_INPUT)
    rollout_id = in_progress.id
    requests.put(action)
    console.print(f"asked the running deploy to {action}", highlight=False)
    deadline = time.monotonic() + REQUEST_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        ended = next((r for r in reversed(store.history()) if r.id == rollout_id), None)
        if ended is not None:
            return ended
        if action == "promote" and not requests.pending():
            console.print(f"the running deploy is promoting {in_progress.version}; its output shows the outcome",
                          highlight=False, markup=False)
            return None
        time.sleep(0.2)
    raise QvError(f"the running deploy did not act on '{action}' within {REQUEST_TIMEOUT_SECONDS}s")


def promote(env: str = ENV_ARGUMENT) -> None:
    """Skip the rest of the canary's steps; blue-green: switch now (preview) or end the rollback window."""
    _request(env, "promote")


def abort(env: str = ENV_ARGUMENT) -> None:
    """End the rollout in progress: every request back to the stable version at once, the new one stopped."""
    _request(env, "abort")


def rollback(env: str = ENV_ARGUMENT) -> None:
    """Inside a blue-green rollback window: back to blue at once. Otherwise: deploy the previous release."""
    _request(env, "rollback")


def releases(
    env: str = ENV_ARGUMENT,
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table or json."),
) -> None:
    """Every rollout: version, strategy, outcome, who and when, and the analysis of each step."""
    ctx = Context.discover()
    spec, paths = _local(ctx, env)
    store = Store(paths)
    history = store.history()
    state = store.load()
    if output is OutputFormat.json:
        print_json({"environment": spec.name, "stable": state.stable.label,
                    "in_progress": state.rollout.model_dump(mode="json") if state.rollout else None,
                    "releases": [r.model_dump(mode="json") for r in history]})
        return
    rows = [[r.id, r.version, r.strategy.replace("_", "-"), r.outcome or "", r.started, r.started_by,
             _steps(r), r.reason] for r in history]
    if state.rollout is not None:
        r = state.rollout
        rows.append([r.id, r.version, r.strategy.replace("_", "-"), f"in progress ({r.phase})", r.started,
                     r.started_by, _steps(r), ""])
    print_table(f"{spec.name} releases (stable: {state.stable.label})",
                ["id", "version", "strategy", "outcome", "started", "by", "analysis", "reason"], rows)


def _steps(r: Rollout) -> str:
    parts = []
    for step in r.steps:
        verdicts = [m.verdict for m in step.measurements]
        counted = ", ".join(f"{verdicts.count(v)} {v}" for v in ("pass", "fail", "inconclusive") if v in verdicts)
        parts.append(f"{step.weight}%: {counted or 'no measurement'}")
    return "; ".join(parts)


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("promote")(promote)
    app.command("abort")(abort)
    app.command("rollback")(rollback)
    app.command("releases")(releases)
