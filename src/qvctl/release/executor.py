"""The local executor: a release moved onto the local platform by the spec's rollout policy.

Its steps, each saved in the release state before it acts (so a `qvctl` that dies anywhere
leaves a rollout `deploy` resumes and `abort` ends):

1. build the ref (release/build.py) and refuse it if its migrations would break the stable
   version (release/migrations.py): nothing has changed yet;
2. start its instances beside the stable ones, on the candidate port, after its migrations ran
   once (Ansible's api role, limited to the app hosts), and wait until Prometheus scrapes them;
3. canary: each step's weight is set in nginx (release/routing.py) and held at least its pause,
   measured every interval (release/analysis.py); blue-green: green answers only the smoke
   checks during the preview, then takes all requests at once while blue stays up for the
   rollback window, measured all along;
4. promote: the stable instances restart on the new version while the candidate's answer every
   request, then take them back, and the candidate's instances are retired.

A failed measurement beyond `failure_limit`, inconclusive ones beyond `inconclusive_limit`, a
failed smoke check, `qvctl abort` or `qvctl rollback` inside the window: every request goes back
to the stable instances at once (one nginx reload), then the candidate's instances are retired.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.monitoring.prometheus import Prometheus, local_address
from qvctl.monitoring.scrape import SCRAPE_INTERVAL_SECONDS
from qvctl.platform import health, tokens
from qvctl.platform.ansible import Playbook
from qvctl.platform.paths import EnvPaths
from qvctl.release import build, migrations, routing
from qvctl.release.analysis import measure, value
from qvctl.release.requests import Requests
from qvctl.release.state import (
    Build,
    Measurement,
    Outcome,
    ReleaseState,
    Rollout,
    StepRecord,
    Store,
    Strategy,
    now,
    who,
)
from qvctl.spec import Environment

Report = Callable[[ReleaseState, str], None]


class Ended(Exception):
    """The rollout ended before its last step (aborted, rolled back): the state says how."""


@dataclass
class Executor:
    ctx: Context
    spec: Environment
    paths: EnvPaths
    playbook: Playbook  # limited to the app hosts
    report: Report
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    store: Store = field(init=False)
    requests: Requests = field(init=False)
    prometheus: Prometheus = field(init=False)

    def __post_init__(self) -> None:
        self.store = Store(self.paths)
        self.requests = Requests(self.store)
        self.prometheus = Prometheus(local_address(self.spec), timeout=5.0,
                                     verify=health.Trust.of(self.paths).context())

    # -- commands --------------------------------------------------------------------------

    def deploy(self, ref: str, strategy: Strategy) -> Rollout:
        state = self.store.load()
        if state.rollout is not None:
            raise QvError(self._interrupted(state.rollout), ExitStatus.INVALID_INPUT)
        candidate = build.build(self.ctx, self.store, ref)
        if candidate.commit == state.stable.commit:
            raise QvError(f"{ref} ({(candidate.commit or '')[:12]}) is the stable release already",
                          ExitStatus.INVALID_INPUT)
        self.report(state, f"{ref} built ({candidate.label}); checking its migrations against {state.stable.label}")
        verdict = migrations.check(
            migrations.Version(build.source_of(self.ctx, self.store, state.stable), build.python_of(state.stable)),
            migrations.Version(build.source_of(self.ctx, self.store, candidate), build.python_of(candidate)),
        )
        rollout = self._new_rollout(state, candidate, strategy)
        rollout.migrations = verdict.summary()
        if verdict.incompatibilities:
            rollout.outcome, rollout.ended = "refused", now()
            rollout.reason = "; ".join(i.reason for i in verdict.incompatibilities)
            self.store.record(rollout)
            raise QvError(f"{ref} refused before any traffic moved: {rollout.reason}", ExitStatus.FAILED)
        return self._begin(state, candidate, rollout)

    def roll_back(self) -> Rollout:
        """A new rollout of the previous release, by the spec's strategy. Its schema needs no check:
        the release it replaces ran its migrations only after they were found compatible with it."""
        state = self.store.load()
        if state.previous is None:
            raise QvError(f"no previous release to roll back to ({state.stable.label} is the first)",
                          ExitStatus.INVALID_INPUT)
        rollout = self._new_rollout(state, state.previous, self.spec.rollout.strategy)
        rollout.migrations = f"none: rolling back to {state.previous.label}, which the current schema serves"
        return self._begin(state, state.previous, rollout)

    def _new_rollout(self, state: ReleaseState, candidate: Build, strategy: Strategy) -> Rollout:
        return Rollout(id=uuid.uuid4().hex[:12], version=candidate.version, commit=candidate.commit,
                       strategy=strategy, started=now(), started_by=who(), pid=os.getpid(),
                       previous=state.stable.label)

    def _begin(self, state: ReleaseState, candidate: Build, rollout: Rollout) -> Rollout:
        self.requests.clear()
        state.candidate, state.candidate_weight, state.rollout = candidate, 0, rollout
        self.store.save(state)
        return self._drive(state)

    def resume(self) -> Rollout:
        state = self.store.load()
        if state.rollout is None:
            raise QvError("no rollout to resume", ExitStatus.INVALID_INPUT)
        state.rollout.pid = os.getpid()
        self.store.save(state)
        self.report(state, f"resuming the rollout of {state.rollout.version} ({state.rollout.phase})")
        return self._drive(state)

    def abort(self, reason: str, outcome: Outcome = "aborted") -> Rollout:
        """End the rollout in progress: all requests to stable now, then retire the candidate."""
        state = self.store.load()
        rollout = state.rollout
        if rollout is None:
            raise QvError("no rollout in progress", ExitStatus.INVALID_INPUT)
        if rollout.phase == "promoting":
            # Past the point of return: the new version passed and the stable instances run it.
            self.report(state, "the release was being promoted: finishing that (use `qvctl rollback` after)")
            return self._promote(state)
        state.candidate_weight = 0
        rollout.all_on_stable_at = now()
        routing.apply(self.store, self.spec, state)
        self.report(state, f"all requests on {state.stable.label} ({reason})")
        return self._retire(state, outcome, reason)

    # -- the rollout -----------------------------------------------------------------------

    def _drive(self, state: ReleaseState) -> Rollout:
        rollout = state.rollout
        assert rollout is not None
        try:
            if rollout.phase == "starting":
                self._start_candidate(state)
            if rollout.phase == "promoting":
                return self._promote(state)
            if rollout.strategy == "canary":
                self._canary(state)
            else:
                self._blue_green(state)
            return self._promote(state)
        except Ended:
            ended = self.store.history()[-1]
            raise QvError(f"{ended.version}: {ended.outcome.replace('_', ' ') if ended.outcome else 'ended'}: "
                          f"{ended.reason}; every request is on {self.store.load().stable.label}") from None

    def _start_candidate(self, state: ReleaseState) -> None:
        assert state.candidate is not None and state.rollout is not None
        self.report(state, f"starting {state.candidate.label} beside {state.stable.label} "
                           "(its migrations run first, once)")
        try:
            self.playbook.run()
        except QvError as err:
            self.abort(f"its instances did not start: {err.message}")
            raise Ended from None
        self._wait_scraped(state)
        state.rollout.phase = "previewing" if state.rollout.strategy == "blue_green" else "progressing"
        self.store.save(state)

    def _wait_scraped(self, state: ReleaseState) -> None:
        """Measurements count from the candidate's first scrape: wait for it before any request."""
        assert state.candidate is not None
        routing.apply(self.store, self.spec, state)
        expected = len(routing.instances(self.spec, state.candidate, "candidate"))
        query = f'count(up{{job="api", version="{state.candidate.label}", track="candidate"}} == 1)'
        deadline = self.clock() + 30 + 3 * SCRAPE_INTERVAL_SECONDS
        while (value(self.prometheus, query) or 0) < expected:
            if self.clock() > deadline:
                self.abort("Prometheus never scraped its instances")
                raise Ended
            self.sleep(0.5)

    def _canary(self, state: ReleaseState) -> None:
        rollout = state.rollout
        assert rollout is not None
        steps = self.spec.rollout.steps
        for index in range(rollout.step, len(steps)):
            step = steps[index]
            rollout.step = index
            state.candidate_weight = step.weight
            routing.apply(self.store, self.spec, state)
            self.report(state, f"step {index + 1}/{len(steps)}: {routing.describe(state)}")
            if self._hold(state, step.weight, step.pause_seconds) == "promote":
                return

    def _blue_green(self, state: ReleaseState) -> None:
        rollout = state.rollout
        assert rollout is not None and state.candidate is not None
        policy = self.spec.rollout.blue_green
        if rollout.phase == "previewing":
            self.report(state, f"preview: smoke checks against {state.candidate.label} alone (no user request)")
            trust = health.Trust.of(self.paths)
            token = tokens.service_token(self.paths, self.spec, "qvctl-smoke-check")
            for instance in routing.instances(self.spec, state.candidate, "candidate"):
                base = f"https://{instance.address}:{instance.port}"
                try:
                    self.report(state, "smoke: " + health.portfolio_round_trip(base, trust, token))
                except (QvError, OSError) as err:
                    self.abort(f"smoke check on {instance.host} failed: {getattr(err, 'message', err)}")
                    raise Ended from None
            self._wait(policy.preview_seconds)  # `qvctl promote` cuts it short
            rollout.phase = "switched"
            rollout.switched_at = now()
            state.candidate_weight = 100
            routing.apply(self.store, self.spec, state)
            self.report(state, f"switched: {routing.describe(state)}; {state.stable.label} stays up "
                               f"{policy.rollback_window_seconds}s for a rollback")
        self._hold(state, 100, policy.rollback_window_seconds)

    def _hold(self, state: ReleaseState, weight: int, pause_seconds: int) -> str:
        """Measure the candidate every interval until the step has lasted its pause and the last
        measurement passed; 'promote' when `qvctl promote` cut it short."""
        rollout = state.rollout
        assert rollout is not None and state.candidate is not None
        analysis = self.spec.rollout.analysis
        record = StepRecord(weight=weight, started=now())
        rollout.steps.append(record)
        self.store.save(state)
        started = self.clock()
        # At least three of the API job's scrapes: increase() needs two samples in its window.
        shortest = 3 * max(1, min(SCRAPE_INTERVAL_SECONDS, analysis.interval_seconds // 2))
        while True:
            if self._wait(analysis.interval_seconds) == "promote":
                record.ended = now()
                return "promote"
            elapsed = self.clock() - started
            m = measure(self.prometheus, analysis, state.candidate.label, weight,
                        max(shortest, math.ceil(elapsed)))
            record.measurements.append(m)
            self.store.save(state)
            self.report(state, _describe(m))
            failures = sum(x.verdict == "fail" for s in rollout.steps for x in s.measurements)
            if failures > analysis.failure_limit:
                self.abort(f"{failures} failed measurement(s), limit {analysis.failure_limit}: {m.reason}")
                raise Ended
            if _inconclusive_streak(record.measurements) > analysis.inconclusive_limit:
                self.abort(f"inconclusive {analysis.inconclusive_limit + 1} times in a row: {m.reason}")
                raise Ended
            if m.verdict == "pass" and elapsed >= pause_seconds:
                record.ended = now()
                self.store.save(state)
                return "next"

    def _wait(self, seconds: float) -> str:
        """Sleep, watching for `qvctl abort|promote|rollback` from another shell."""
        deadline = self.clock() + seconds
        while True:
            action = self.requests.take()
            if action is not None:
                if action.action == "promote":
                    self.report(self.store.load(), f"promote requested by {action.by}")
                    return "promote"
                self.abort(f"{action.action} requested by {action.by}",
                           "rolled_back" if action.action == "rollback" else "aborted")
                raise Ended
            left = deadline - self.clock()
            if left <= 0:
                return "elapsed"
            self.sleep(min(0.2, left))

    def _promote(self, state: ReleaseState) -> Rollout:
        """The stable instances take the new version (restarted while the candidate's answer every
        request), then every request, and the candidate's instances are retired."""
        rollout = state.rollout
        assert rollout is not None and state.candidate is not None
        if rollout.phase != "promoting":
            rollout.phase = "promoting"
            state.candidate_weight = 100
            if state.stable != state.candidate:
                state.previous = state.stable
            state.stable = state.candidate
            routing.apply(self.store, self.spec, state)
            self.report(state, f"promoting: the stable instances restart on {state.stable.label}")
        self.playbook.run()
        state.candidate_weight = 0
        routing.apply(self.store, self.spec, state)
        return self._retire(state, "promoted", f"every step passed; {state.stable.label} is stable")

    def _retire(self, state: ReleaseState, outcome: Outcome, reason: str) -> Rollout:
        rollout = state.rollout
        assert rollout is not None
        state.candidate, state.candidate_weight = None, 0
        routing.apply(self.store, self.spec, state)
        self.playbook.run()  # removes the candidate's programs
        rollout.outcome, rollout.reason, rollout.ended = outcome, reason, now()
        state.rollout = None
        self.store.record(rollout)
        self.store.save(state)
        self.requests.clear()
        self.report(state, f"{outcome.replace('_', ' ')}: {reason}")
        return rollout

    def _interrupted(self, rollout: Rollout) -> str:
        return (f"a rollout of {rollout.version} is in progress ({rollout.phase}), driven by pid {rollout.pid} "
                "that is no longer running: `qvctl deploy --resume` goes on with it, `qvctl abort` ends it")


def _inconclusive_streak(measurements: list[Measurement]) -> int:
    streak = 0
    for m in reversed(measurements):
        if m.verdict != "inconclusive":
            break
        streak += 1
    return streak


def _describe(m: Measurement) -> str:
    return f"  measured {m.window_seconds}s: {m.verdict.upper()}: {m.reason}"


def deployer_for(ctx: Context, spec: Environment, report: Report) -> Executor:
    from qvctl.platform.up import environment_playbook

    playbook = environment_playbook(ctx, spec, "ansible-release.log", limit="app")
    return Executor(ctx, spec, EnvPaths.of(ctx, spec.name), playbook, report)
