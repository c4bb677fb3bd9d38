"""Every static check of the Kubernetes layer, for `qvctl validate`: `run_all`.

Per cloud environment: the committed files equal a fresh render, every object validates
against its schema, and the cross-layer contract holds (`qvctl.contract`). A spec that does
not load is reported as such. Checkov is a check of its own (`qvctl.kubernetes.policy`).
"""

from __future__ import annotations

from pathlib import Path

from qvctl.context import Context
from qvctl.contract.checks import cross_layer_problems
from qvctl.contract.problem import Problem
from qvctl.kubernetes.render import output_dir, render_environment, stale_files
from qvctl.kubernetes.schemas import validate_objects
from qvctl.spec import Environment, SpecError, environment_names, load_environment, spec_path


def environment_problems(root: Path, env: Environment) -> list[Problem]:
    rendered = render_environment(env)
    problems = [
        Problem("stale", f"kubernetes/{env.name}/{name}", "differs from a fresh render; run `qvctl render`")
        for name in stale_files(rendered, output_dir(root, env.name))
    ]
    problems += [
        Problem("schema", f"kubernetes/{env.name}/{p.file}", f"{p.object}: {p.message}")
        for p in validate_objects(rendered.objects, env.kubernetes.version, root / "kubernetes" / "schemas")
    ]
    problems += cross_layer_problems(root, rendered)
    return problems


def run_all(ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    for name in environment_names(ctx.root):
        try:
            env = load_environment(spec_path(ctx.root, name), ctx.root)
        except SpecError as err:
            problems += [Problem("spec", f"environments/{name}.yaml", line) for line in err.problems]
            continue
        if env.kind == "cloud":
            problems += environment_problems(ctx.root, env)
    # Checks about another layer (e.g. Terraform's eks module) repeat per environment: report once.
    return list(dict.fromkeys(problems))
