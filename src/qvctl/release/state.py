"""What an environment runs and what it ran: the releases' state, persisted under `<state>/releases/`.

`state.json` says which build is stable, which is the candidate and what share of requests it
answers, and the rollout in progress (its phase, step and every measurement), written after each
change: a `qvctl` that dies mid-rollout leaves it there for `status`, `deploy` and `abort`.
`history.json` keeps every finished rollout (`qvctl releases`). Ansible reads the same state
(lookup qv_platform 'api_release') for the programs it runs.
"""

from __future__ import annotations

import datetime
import getpass
import json
import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from qvctl.atomic_file import replace_text
from qvctl.context import QvError
from qvctl.platform.paths import EnvPaths

# The API as `qvctl up` installs it: the checkout's own services/api in the project's virtualenv.
WORKSPACE = "workspace"

Strategy = Literal["canary", "blue_green"]
Verdict = Literal["pass", "fail", "inconclusive"]
# starting: building and starting the candidate; progressing: canary steps; previewing: green
# answers only the smoke checks; switched: green has all traffic, blue waits out the rollback
# window; promoting: the new version moves into the stable instances.
Phase = Literal["starting", "progressing", "previewing", "switched", "promoting"]
Outcome = Literal["promoted", "aborted", "rolled_back", "refused"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Build(_Model):
    """A version of services/api that can run: `workspace`, or a git ref built into its own virtualenv."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str  # what the user asked for (a ref), or WORKSPACE
    commit: str | None = None  # the ref's commit; None for the workspace
    venv: str | None = None  # its virtualenv; None: the project's own

    @property
    def label(self) -> str:
        """The `version` label of its metrics: the ref and the commit it meant at deploy time."""
        return self.version if self.commit is None else f"{self.version}@{self.commit[:12]}"

    def binary(self) -> str | None:
        return None if self.venv is None else str(Path(self.venv) / "bin" / "qv-api")


class Measurement(_Model):
    at: str
    weight: int
    window_seconds: int
    requests: float | None  # None: Prometheus had no sample yet
    success_rate: float | None
    p99_latency_ms: float | None
    verdict: Verdict
    reason: str


class StepRecord(_Model):
    weight: int
    started: str
    ended: str | None = None
    measurements: list[Measurement] = []


class Rollout(_Model):
    id: str
    version: str
    commit: str | None
    strategy: Strategy
    started: str
    started_by: str
    pid: int  # the qvctl driving it; dead means the rollout waits for `deploy` or `abort`
    phase: Phase = "starting"
    step: int = 0  # index into the spec's steps (canary)
    steps: list[StepRecord] = []
    migrations: str = ""
    switched_at: str | None = None  # blue-green: when green took all traffic
    all_on_stable_at: str | None = None  # an abort: when nginx had every request on stable again
    ended: str | None = None
    outcome: Outcome | None = None
    reason: str = ""
    previous: str = ""  # the stable version when it started


class ReleaseState(_Model):
    stable: Build = Build(version=WORKSPACE)
    previous: Build | None = None  # what `rollback` goes back to
    candidate: Build | None = None
    candidate_weight: int = 0  # percent of requests the candidate answers
    rollout: Rollout | None = None


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def who() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


class Store:
    def __init__(self, paths: EnvPaths) -> None:
        self.paths = paths
        self.dir = paths.state / "releases"
        self.state_file = self.dir / "state.json"
        self.history_file = self.dir / "history.json"
        self.builds = self.dir / "builds"
        self.routing = self.dir / "routing"

    def load(self) -> ReleaseState:
        try:
            return ReleaseState.model_validate_json(self.state_file.read_text())
        except FileNotFoundError:
            return ReleaseState()
        except (ValidationError, ValueError) as err:
            raise QvError(f"{self.state_file}: not a release state qvctl wrote ({str(err).splitlines()[0]})") from None

    def save(self, state: ReleaseState) -> None:
        replace_text(self.state_file, state.model_dump_json(indent=2) + "\n")

    def history(self) -> list[Rollout]:
        try:
            return [Rollout.model_validate(item) for item in json.loads(self.history_file.read_text())]
        except FileNotFoundError:
            return []
        except (ValidationError, ValueError) as err:
            raise QvError(f"{self.history_file}: not a release history qvctl wrote ({str(err).splitlines()[0]})") \
                from None

    def record(self, rollout: Rollout) -> None:
        rows = [r.model_dump(mode="json") for r in self.history()] + [rollout.model_dump(mode="json")]
        replace_text(self.history_file, json.dumps(rows, indent=2) + "\n")

    def write_routing(self, name: str, text: str) -> bool:
        """Write a routing file (nginx's servers, Prometheus' targets); True if it changed."""
        path = self.routing / name
        if path.exists() and path.read_text() == text:
            return False
        self.routing.mkdir(mode=0o755, parents=True, exist_ok=True)
        replace_text(path, text)
        return True
