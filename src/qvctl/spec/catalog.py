"""Which environments exist, and loading one for a command.

An environment exists when `environments/<name>.yaml` does: no list of names anywhere else.
`require_environment` is the one way a command turns a name into a valid spec or a clean
error (exit 2, one line per problem).
"""

from __future__ import annotations

from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.spec.loader import SpecError, load_environment, spec_path
from qvctl.spec.model import Environment


def environment_names(root: Path) -> list[str]:
    """Every environment of the repository, in name order."""
    return sorted(path.stem for path in (root / "environments").glob("*.yaml"))


def require_environment(ctx: Context, name_or_path: str) -> Environment:
    """The valid spec, or QvError(INVALID_INPUT) carrying every problem (one per line)."""
    try:
        return load_environment(spec_path(ctx.root, name_or_path), ctx.root)
    except SpecError as err:
        known = environment_names(ctx.root)
        by_name = spec_path(ctx.root, name_or_path).parent == ctx.root / "environments"
        if by_name and err.problems[-1].endswith("no such spec file") and known:
            raise QvError(f"{err.problems[-1]}; environments: {', '.join(known)}", ExitStatus.INVALID_INPUT) from None
        raise QvError(str(err), ExitStatus.INVALID_INPUT) from None


def cloud_environments(root: Path) -> list[Environment]:
    """The valid specs of kind `cloud` (what Kubernetes manifests are rendered for).

    A spec that does not load is not skipped silently: it raises SpecError, because every
    caller (render, validate, tests) must report it.
    """
    specs = [load_environment(spec_path(root, name), root) for name in environment_names(root)]
    return [spec for spec in specs if spec.kind == "cloud"]
