"""Where requests go: the API instances of each track, their nginx weights and their scrape targets.

Two files under `<state>/releases/routing/`, both computed here from the release state and
written by qvctl (`up`, through Ansible's lookup, and every traffic change of a rollout):
- `api-servers.conf`, the `server` lines of nginx's `qv_api` upstream (nginx.conf includes it);
  a change is applied by SIGHUP: nginx starts new workers and lets the old ones finish their
  requests, so no request is dropped;
- `api-targets.json`, Prometheus' file_sd targets of the API job, each instance labelled with
  the `version` and `track` it runs; Prometheus re-reads it when it changes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from qvctl.monitoring.scrape import API_TARGETS_NAME, local_target_labels
from qvctl.platform import supervisor
from qvctl.platform.components import local_hosts
from qvctl.release.state import Build, ReleaseState, Store
from qvctl.spec import Environment

SERVERS_FILE = "api-servers.conf"
TARGETS_FILE = API_TARGETS_NAME
# An instance that failed a request is skipped for FAIL_TIMEOUT (proxy_next_upstream retries the
# request on another one); the same for every track.
MAX_FAILS = 1
FAIL_TIMEOUT = "5s"


@dataclass(frozen=True)
class Instance:
    host: str  # inventory host name
    address: str
    port: int
    track: str  # stable | candidate
    build: Build


def instances(spec: Environment, build: Build, track: str) -> list[Instance]:
    port = spec.application.port if track == "stable" else spec.application.candidate_port
    assert port is not None, "a local environment has a candidate_port (spec rule)"
    return [Instance(h.name, h.address, port, track, build) for h in local_hosts(spec) if h.group == "app"]


def running(spec: Environment, state: ReleaseState) -> list[Instance]:
    rows = instances(spec, state.stable, "stable")
    if state.candidate is not None:
        rows += instances(spec, state.candidate, "candidate")
    return rows


def weights(spec: Environment, state: ReleaseState) -> dict[Instance, int]:
    """nginx weights giving the candidate's instances `candidate_weight` percent of requests in all.

    A track with no share is left out of the upstream entirely (nginx has no weight 0)."""
    stable = instances(spec, state.stable, "stable")
    candidate = instances(spec, state.candidate, "candidate") if state.candidate is not None else []
    share = state.candidate_weight if candidate else 0
    if share == 0:
        return dict.fromkeys(stable, 1)
    if share == 100:
        return dict.fromkeys(candidate, 1)
    # Per instance: stable (100 - share) / len(stable), candidate share / len(candidate), in integers.
    per_stable, per_candidate = (100 - share) * len(candidate), share * len(stable)
    divisor = math.gcd(per_stable, per_candidate)
    return dict.fromkeys(stable, per_stable // divisor) | dict.fromkeys(candidate, per_candidate // divisor)


def servers_conf(spec: Environment, state: ReleaseState) -> str:
    lines = [f"# Written by qvctl: {describe(state)}. Do not edit: `qvctl deploy` rewrites it."]
    for instance, weight in weights(spec, state).items():
        lines.append(f"server {instance.address}:{instance.port} weight={weight} max_fails={MAX_FAILS} "
                     f"fail_timeout={FAIL_TIMEOUT};  # {instance.track} {instance.build.label} on {instance.host}")
    return "\n".join(lines) + "\n"


def targets_json(spec: Environment, state: ReleaseState) -> str:
    groups = [
        {"targets": [f"{i.address}:{i.port}"],
         "labels": {**local_target_labels(spec, i.host), "version": i.build.label, "track": i.track}}
        for i in running(spec, state)
    ]
    return json.dumps(groups, indent=2) + "\n"


def describe(state: ReleaseState) -> str:
    if state.candidate is None:
        return f"all requests to {state.stable.label}"
    return (f"{100 - state.candidate_weight}% to {state.stable.label}, "
            f"{state.candidate_weight}% to {state.candidate.label}")


def files(spec: Environment, state: ReleaseState) -> dict[str, str]:
    return {SERVERS_FILE: servers_conf(spec, state), TARGETS_FILE: targets_json(spec, state)}


def apply(store: Store, spec: Environment, state: ReleaseState) -> None:
    """Save the state, write both files and have nginx load its servers now."""
    store.save(state)
    changed = [name for name, text in files(spec, state).items() if store.write_routing(name, text)]
    if SERVERS_FILE in changed:
        edge = next(h for h in local_hosts(spec) if h.group == "edge")
        supervisor.rpc(store.paths).signal_process(f"nginx-{edge.name}", "HUP")


def for_ansible(store: Store, spec: Environment) -> dict[str, object]:
    """What the roles need (lookup qv_platform 'api_release'): the builds to run and the routing files."""
    state = store.load()

    def build(b: Build | None) -> dict[str, object] | None:
        return None if b is None else {"label": b.label, "binary": b.binary()}

    local = spec.kind == "local"
    return {
        "stable": build(state.stable),
        "candidate": build(state.candidate),
        "routing_dir": str(store.routing),
        "servers_file": str(store.routing / SERVERS_FILE),
        "servers": servers_conf(spec, state) if local else "",
        "targets_file": str(store.routing / TARGETS_FILE),
        "targets": targets_json(spec, state) if local else "",
    }
