"""The local executor's decisions, with no platform: a fake playbook, a fake clock that moves only
when the executor sleeps, scripted measurements, and nginx's reload recorded instead of sent.

What is checked is what the state, the history and the traffic say after each kind of rollout:
every step in order, an abort at the first failure, inconclusive limits, requests from another
shell, a resumed rollout, blue-green's smoke checks and window, and refusals that change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import pytest

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.monitoring.prometheus import Prometheus
from qvctl.platform import health, supervisor, tokens
from qvctl.platform.paths import EnvPaths
from qvctl.release import build, executor, migrations, routing
from qvctl.release.executor import Executor
from qvctl.release.requests import Requests
from qvctl.release.state import (
    WORKSPACE,
    Build,
    Measurement,
    ReleaseState,
    Rollout,
    StepRecord,
    Store,
    Verdict,
    now,
)
from qvctl.spec import Environment, load_environment, spec_path
from qvctl.spec.model import CanaryStep
from tests.conftest import ROOT

_LOADED = load_environment(spec_path(ROOT, "local"), ROOT)
# The local spec with every step held two measurements long, so that these cases follow the
# executor's rules, not local.yaml's tuning of its pauses.
LOCAL = _LOADED.model_copy(update={"rollout": _LOADED.rollout.model_copy(update={"steps": [
    CanaryStep(weight=step.weight, pause_seconds=2 * _LOADED.rollout.analysis.interval_seconds)
    for step in _LOADED.rollout.steps]})})
NEW = Build(version="v2", commit="0123456789abcdef0123456789abcdef01234567", venv="/builds/v2/venv")
APP_HOSTS = 2  # environments/local.yaml: app1, app2
# A step of the script: a verdict, or a verdict and something another shell does at that moment.
Scripted = Verdict | tuple[Verdict, Callable[[], None]]


@dataclass
class FakePlaybook:
    runs: int = 0
    fail_first: bool = False

    def run(self) -> None:
        self.runs += 1
        if self.fail_first and self.runs == 1:
            raise QvError("app1: task 'start api-candidate' failed")


@dataclass
class FakeClock:
    """Time that passes only when the executor sleeps: a rollout of minutes runs in milliseconds."""

    START = 1000.0
    time: float = START

    def __call__(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        assert 0 <= seconds <= 1, seconds  # the executor polls; it never sleeps blind for long
        self.time += seconds

    @property
    def elapsed(self) -> float:
        return self.time - self.START


@dataclass
class Platform:
    """Everything the executor touches outside its state folder, faked, and what it did to it."""

    tmp: Path
    spec: Environment = LOCAL
    script: list[Scripted] = field(default_factory=list)  # measurements in order; then "pass"
    playbook: FakePlaybook = field(default_factory=FakePlaybook)
    clock: FakeClock = field(default_factory=FakeClock)
    weights: list[int] = field(default_factory=list)  # every candidate weight routing.apply wrote
    hups: list[tuple[str, str]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    measured: list[tuple[str, int, int]] = field(default_factory=list)  # (label, weight, window)
    scraped: float = APP_HOSTS  # what Prometheus answers for the candidate's `up` count
    compatibility: migrations.Compatibility = field(default_factory=lambda: migrations.Compatibility((), ()))

    @property
    def paths(self) -> EnvPaths:
        return EnvPaths(env="local", root=ROOT, state=self.tmp)

    @property
    def store(self) -> Store:
        return Store(self.paths)

    def executor(self) -> Executor:
        return Executor(Context(root=ROOT, environ={}), self.spec, self.paths, playbook=self.playbook,  # type: ignore[arg-type]
                        report=lambda state, message: self.reports.append(message),
                        clock=self.clock, sleep=self.clock.sleep)

    def request(self, action: str) -> Callable[[], None]:
        return lambda: Requests(self.store).put(action)  # type: ignore[arg-type]

    def verdicts(self, step: StepRecord) -> list[str]:
        return [m.verdict for m in step.measurements]

    def last(self) -> Rollout:
        return self.store.history()[-1]


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    fake = Platform(tmp_path)

    class Supervisor:
        def signal_process(self, name: str, signal: str) -> None:
            fake.hups.append((name, signal))

    real_apply = routing.apply

    def apply(store: Store, spec: Environment, state: ReleaseState) -> None:
        fake.weights.append(state.candidate_weight)
        real_apply(store, spec, state)

    def measure(prometheus: Prometheus, policy: object, label: str, weight: int, window: int) -> Measurement:
        fake.measured.append((label, weight, window))
        step = fake.script.pop(0) if fake.script else "pass"
        verdict, then = step if isinstance(step, tuple) else (step, None)
        if then is not None:
            then()
        return Measurement(at=now(), weight=weight, window_seconds=window, requests=100,
                           success_rate=0.5 if verdict == "fail" else 1.0, p99_latency_ms=10,
                           verdict=verdict, reason=f"scripted {verdict} #{len(fake.measured)}")

    def fake_build(ctx: Context, store: Store, ref: str) -> Build:
        assert ref == NEW.version
        return NEW

    monkeypatch.setattr(supervisor, "rpc", lambda paths, timeout=10.0: Supervisor())
    monkeypatch.setattr(routing, "apply", apply)
    monkeypatch.setattr(executor, "measure", measure)
    monkeypatch.setattr(build, "build", fake_build)
    monkeypatch.setattr(migrations, "check", lambda stable, candidate: fake.compatibility)
    monkeypatch.setattr(Prometheus, "scalar", lambda self, query: fake.scraped)
    monkeypatch.setattr(health, "portfolio_round_trip",
                        lambda base, trust, token, timeout=10.0: f"round trip via {base} as {_subject(token)}")
    tokens.ensure_issuer(fake.paths, LOCAL)  # what `qvctl up` made: the smoke checks' tokens come from it
    yield fake


def _subject(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def _spec(pauses: tuple[int, ...] | None = None, **analysis: int) -> Environment:
    rollout = LOCAL.rollout
    steps = rollout.steps if pauses is None else [
        CanaryStep(weight=s.weight, pause_seconds=p) for s, p in zip(rollout.steps, pauses, strict=True)]
    return LOCAL.model_copy(update={"rollout": rollout.model_copy(update={
        "steps": steps, "analysis": rollout.analysis.model_copy(update=analysis)})})


def _settled(platform: Platform) -> ReleaseState:
    """The state after a rollout ended: nothing in progress, no candidate, every request on stable."""
    state = platform.store.load()
    assert (state.rollout, state.candidate, state.candidate_weight) == (None, None, 0)
    assert platform.weights[-1] == 0
    servers = (platform.store.routing / routing.SERVERS_FILE).read_text()
    assert f":{LOCAL.application.candidate_port} " not in servers
    assert not Requests(platform.store).pending()
    return state


# -- canary ------------------------------------------------------------------------------------

def test_a_passing_canary_goes_through_every_step_and_promotes(platform: Platform) -> None:
    rollout = platform.executor().deploy("v2", "canary")

    assert rollout.outcome == "promoted"
    assert [s.weight for s in rollout.steps] == [s.weight for s in LOCAL.rollout.steps] == [25, 50, 100]
    assert [w for w in platform.weights if w != 0][:3] == [25, 50, 100]
    for step, policy in zip(rollout.steps, LOCAL.rollout.steps, strict=True):
        assert step.ended is not None
        assert platform.verdicts(step)[-1] == "pass"
        # Held at least its pause: measured every interval until the pause had passed.
        assert len(step.measurements) == policy.pause_seconds // LOCAL.rollout.analysis.interval_seconds
    assert {label for label, _, _ in platform.measured} == {NEW.label}
    state = _settled(platform)
    assert state.stable == NEW
    assert state.previous == Build(version=WORKSPACE)
    assert platform.playbook.runs == 3  # start the candidate, restart stable on it, retire the candidate
    assert platform.store.history() == [rollout]
    assert platform.hups and set(platform.hups) == {("nginx-edge1", "HUP")}


def test_a_failed_measurement_aborts_at_the_first_step(platform: Platform) -> None:
    assert LOCAL.rollout.analysis.failure_limit == 0
    platform.script = ["fail"]
    with pytest.raises(QvError) as caught:
        platform.executor().deploy("v2", "canary")

    rollout = platform.last()
    assert rollout.outcome == "aborted"
    assert "1 failed measurement(s), limit 0: scripted fail #1" in rollout.reason
    assert caught.value.message.startswith("v2: aborted: 1 failed measurement(s)")
    assert "every request is on workspace" in caught.value.message
    assert [s.weight for s in rollout.steps] == [25]
    assert max(platform.weights) == 25
    state = _settled(platform)
    assert (state.stable, state.previous) == (Build(version=WORKSPACE), None)
    assert platform.playbook.runs == 2  # started, then retired


def test_failures_up_to_the_limit_are_tolerated_over_the_whole_rollout(platform: Platform) -> None:
    platform.spec = _spec(failure_limit=1)
    platform.script = ["fail", "pass", "pass", "fail"]  # one in step 1, the second in step 2
    with pytest.raises(QvError, match="2 failed measurement"):
        platform.executor().deploy("v2", "canary")
    assert [s.weight for s in platform.last().steps] == [25, 50]


def test_inconclusive_measurements_abort_after_the_limit_in_a_row(platform: Platform) -> None:
    limit = LOCAL.rollout.analysis.inconclusive_limit
    platform.script = ["inconclusive"] * (limit + 1)
    with pytest.raises(QvError, match=f"inconclusive {limit + 1} times in a row"):
        platform.executor().deploy("v2", "canary")
    rollout = platform.last()
    assert rollout.outcome == "aborted"
    assert platform.verdicts(rollout.steps[0]) == ["inconclusive"] * (limit + 1)
    assert len(rollout.steps) == 1
    _settled(platform)


def test_an_inconclusive_step_never_advances_even_after_its_pause(platform: Platform) -> None:
    pause = LOCAL.rollout.steps[0].pause_seconds
    # The pause has passed at the second measurement: only a pass moves the rollout on.
    platform.script = ["pass", "inconclusive", "inconclusive", "pass"]
    rollout = platform.executor().deploy("v2", "canary")
    first = rollout.steps[0]
    assert platform.verdicts(first) == ["pass", "inconclusive", "inconclusive", "pass"]
    assert platform.measured[1][2] >= pause  # the window of the second measurement covered the pause
    assert rollout.outcome == "promoted"


def test_a_pass_resets_the_inconclusive_streak(platform: Platform) -> None:
    platform.spec = _spec(pauses=(30, 10, 10))
    platform.script = ["inconclusive", "inconclusive", "pass"] * 2  # 4 inconclusive, never 3 in a row
    rollout = platform.executor().deploy("v2", "canary")
    assert rollout.outcome == "promoted"
    assert platform.verdicts(rollout.steps[0]) == ["inconclusive", "inconclusive", "pass"] * 2


def test_incompatible_migrations_refuse_before_anything_changes(platform: Platform) -> None:
    platform.compatibility = migrations.Compatibility(
        ("ALTER TABLE portfolios DROP COLUMN name",),
        (migrations.Incompatibility("ALTER TABLE portfolios DROP COLUMN name",
                                    "drops portfolios.name, which the running version reads"),))
    with pytest.raises(QvError) as caught:
        platform.executor().deploy("v2", "canary")

    assert caught.value.status == ExitStatus.FAILED
    assert "refused before any traffic moved: drops portfolios.name" in caught.value.message
    rollout = platform.last()
    assert (rollout.outcome, rollout.steps) == ("refused", [])
    assert rollout.migrations == "1 statement, 1 incompatible with the running version"
    assert not platform.store.state_file.exists()
    assert not platform.store.routing.exists()
    assert (platform.playbook.runs, platform.weights, platform.hups) == (0, [], [])


def test_the_stable_commit_is_not_deployed_again(platform: Platform) -> None:
    platform.store.save(ReleaseState(stable=NEW))
    with pytest.raises(QvError, match="is the stable release already") as caught:
        platform.executor().deploy("v2", "canary")
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert platform.store.history() == [] and platform.playbook.runs == 0


@pytest.mark.parametrize(("action", "outcome"), [("rollback", "rolled_back"), ("abort", "aborted")])
def test_a_request_from_another_shell_ends_the_step(platform: Platform, action: str, outcome: str) -> None:
    platform.script = ["pass", ("pass", platform.request(action))]  # during step 2's first wait
    with pytest.raises(QvError, match=f"{action} requested by"):
        platform.executor().deploy("v2", "canary")
    rollout = platform.last()
    assert rollout.outcome == outcome
    assert [s.weight for s in rollout.steps] == [25, 50]
    assert len(platform.measured) == 2
    assert _settled(platform).stable == Build(version=WORKSPACE)


def test_a_promote_request_skips_the_remaining_steps(platform: Platform) -> None:
    platform.script = [("pass", platform.request("promote"))]
    rollout = platform.executor().deploy("v2", "canary")
    assert rollout.outcome == "promoted"
    assert [s.weight for s in rollout.steps] == [25]
    assert 50 not in platform.weights
    assert _settled(platform).stable == NEW
    assert platform.playbook.runs == 3


def test_a_candidate_that_does_not_start_is_aborted(platform: Platform) -> None:
    platform.playbook.fail_first = True
    with pytest.raises(QvError, match="its instances did not start: app1: task"):
        platform.executor().deploy("v2", "canary")
    assert platform.last().outcome == "aborted"
    assert platform.measured == []
    _settled(platform)


def test_a_candidate_prometheus_never_scrapes_is_aborted(platform: Platform) -> None:
    platform.scraped = APP_HOSTS - 1
    with pytest.raises(QvError, match="Prometheus never scraped its instances"):
        platform.executor().deploy("v2", "canary")
    assert platform.measured == [] and platform.clock.elapsed > 30
    _settled(platform)


# -- interrupted rollouts --------------------------------------------------------------------

def _interrupted(platform: Platform, phase: str, step: int, weight: int, **state: object) -> None:
    rollout = Rollout(id="crashed", version=NEW.version, commit=NEW.commit, strategy="canary", started=now(),
                      started_by="tester@host", pid=999_999_999, phase=phase, step=step,  # type: ignore[arg-type]
                      steps=[StepRecord(weight=25, started=now(), ended=now())], previous=WORKSPACE)
    platform.store.save(ReleaseState(candidate=NEW, candidate_weight=weight, rollout=rollout).model_copy(
        update=state))


def test_resume_goes_on_from_the_saved_step(platform: Platform) -> None:
    _interrupted(platform, "progressing", step=1, weight=50)
    rollout = platform.executor().resume()
    assert rollout.id == "crashed" and rollout.outcome == "promoted"
    assert [s.weight for s in rollout.steps] == [25, 50, 100]
    assert {weight for _, weight, _ in platform.measured} == {50, 100}
    assert platform.playbook.runs == 2  # the candidate was running already: promote and retire
    assert _settled(platform).stable == NEW


def test_abort_while_promoting_finishes_the_promotion(platform: Platform) -> None:
    _interrupted(platform, "promoting", step=2, weight=100, stable=NEW, previous=Build(version=WORKSPACE))
    rollout = platform.executor().abort("operator")
    assert rollout.outcome == "promoted"
    state = _settled(platform)
    assert (state.stable, state.previous) == (NEW, Build(version=WORKSPACE))


def test_abort_of_a_progressing_rollout_sends_every_request_to_stable(platform: Platform) -> None:
    _interrupted(platform, "progressing", step=1, weight=50)
    rollout = platform.executor().abort("operator", "rolled_back")
    assert (rollout.outcome, rollout.reason) == ("rolled_back", "operator")
    assert platform.weights[0] == 0
    assert _settled(platform).stable == Build(version=WORKSPACE)


def test_deploy_refuses_while_a_rollout_is_interrupted(platform: Platform) -> None:
    _interrupted(platform, "progressing", step=1, weight=50)
    with pytest.raises(QvError, match="--resume") as caught:
        platform.executor().deploy("v2", "canary")
    assert caught.value.status == ExitStatus.INVALID_INPUT


# -- blue-green --------------------------------------------------------------------------------

def test_a_failed_smoke_check_aborts_before_any_user_request(platform: Platform,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(base: str, trust: health.Trust, token: str, timeout: float = 10.0) -> str:
        raise QvError("POST /api/v1/portfolios answered 500")

    monkeypatch.setattr(health, "portfolio_round_trip", broken)
    with pytest.raises(QvError, match="smoke check on app1 failed: POST /api/v1/portfolios answered 500"):
        platform.executor().deploy("v2", "blue_green")
    rollout = platform.last()
    assert (rollout.strategy, rollout.outcome, rollout.steps, rollout.switched_at) == (
        "blue_green", "aborted", [], None)
    assert max(platform.weights) == 0
    assert platform.measured == []
    _settled(platform)


def test_a_passing_blue_green_switches_holds_the_window_then_promotes(platform: Platform) -> None:
    policy = LOCAL.rollout.blue_green
    interval = LOCAL.rollout.analysis.interval_seconds
    rollout = platform.executor().deploy("v2", "blue_green")
    assert rollout.outcome == "promoted" and rollout.switched_at is not None
    assert [s.weight for s in rollout.steps] == [100]
    assert len(rollout.steps[0].measurements) == policy.rollback_window_seconds // interval
    assert platform.measured[-1][2] >= policy.rollback_window_seconds
    assert [w for w in platform.weights if w][:1] == [100]  # no step between 0 and 100
    assert platform.clock.elapsed >= policy.preview_seconds + policy.rollback_window_seconds
    # Smoke-checked on each candidate instance directly, on the candidate port.
    assert [r for r in platform.reports if r.startswith("smoke:")] == [
        f"smoke: round trip via https://127.0.3.{n}:{LOCAL.application.candidate_port} as qvctl-smoke-check"
        for n in (1, 2)]
    assert _settled(platform).stable == NEW


def test_a_rollback_inside_the_window_goes_back_to_blue(platform: Platform) -> None:
    platform.script = [("pass", platform.request("rollback"))]
    with pytest.raises(QvError, match="rolled back: rollback requested by"):
        platform.executor().deploy("v2", "blue_green")
    assert platform.last().outcome == "rolled_back"
    assert _settled(platform).stable == Build(version=WORKSPACE)


# -- rollback --------------------------------------------------------------------------------

def test_rollback_without_a_previous_release_is_refused(platform: Platform) -> None:
    with pytest.raises(QvError, match="no previous release to roll back to") as caught:
        platform.executor().roll_back()
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert platform.playbook.runs == 0


def test_rollback_releases_the_previous_version_again(platform: Platform) -> None:
    platform.executor().deploy("v2", "canary")
    rollout = platform.executor().roll_back()
    assert (rollout.version, rollout.outcome) == (WORKSPACE, "promoted")
    assert "rolling back to workspace" in rollout.migrations
    state = _settled(platform)
    assert (state.stable, state.previous) == (Build(version=WORKSPACE), NEW)
