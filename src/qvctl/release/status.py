"""What `qvctl status` says about releases: the candidate's instances and the rollout in progress."""

from __future__ import annotations

from qvctl.platform.components import Component
from qvctl.platform.supervisor import pid_alive
from qvctl.release import routing
from qvctl.release.state import ReleaseState
from qvctl.spec import Environment


def candidate_components(spec: Environment, state: ReleaseState) -> list[Component]:
    if state.candidate is None:
        return []
    return [Component("api-candidate", i.host, i.address, i.port, "api-candidate", "api",
                      f"API {i.build.label}, the rollout's candidate")
            for i in routing.instances(spec, state.candidate, "candidate")]


def rollout_line(state: ReleaseState) -> str:
    rollout = state.rollout
    if rollout is None:
        return f"release: {state.stable.label} (no rollout in progress)"
    driver = (f"driven by qvctl pid {rollout.pid}" if pid_alive(rollout.pid) else
              f"INTERRUPTED (qvctl pid {rollout.pid} is gone): `qvctl deploy --resume` or `qvctl abort`")
    return (f"release: {rollout.strategy.replace('_', '-')} of {rollout.version} over {state.stable.label}, "
            f"{rollout.phase}, {routing.describe(state)}; {driver}")


def as_dict(state: ReleaseState) -> dict[str, object]:
    return {
        "stable": state.stable.label,
        "candidate": state.candidate.label if state.candidate else None,
        "candidate_weight": state.candidate_weight,
        "rollout": state.rollout.model_dump(mode="json") if state.rollout else None,
        "rollout_driver_alive": pid_alive(state.rollout.pid) if state.rollout else None,
    }
