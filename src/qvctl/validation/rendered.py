"""The checks over what `qvctl render` makes: freshness, schemas, and the cross-layer contract.

The same functions `qvctl render --check` and qvctl.kubernetes.checks use, as three checks so
each has its own inputs (and cache entry) and its own line in the report.
"""

from __future__ import annotations

from collections.abc import Iterator

from qvctl.commands.render import render_targets
from qvctl.context import Context, QvError
from qvctl.contract.checks import cross_layer_problems
from qvctl.kubernetes.render import Rendered, render_environment
from qvctl.kubernetes.schemas import validate_objects
from qvctl.spec import SpecError, environment_names, load_environment, spec_path


def stale_renders(ctx: Context) -> list[str]:
    """`qvctl render --check`: manifests, monitoring configuration and dashboards equal a fresh render."""
    try:
        stale = render_targets(ctx, None, check=True)
    except QvError as err:
        return [err.message]
    return [f"{path}: [stale] differs from a fresh render; run `qvctl render`" for path in stale]


def _cloud_renders(ctx: Context) -> Iterator[Rendered]:
    for name in environment_names(ctx.root):
        try:
            env = load_environment(spec_path(ctx.root, name), ctx.root)
        except SpecError:
            continue  # reported by the specs check; nothing to render
        if env.kind == "cloud":
            yield render_environment(env)


def schema_problems(ctx: Context) -> list[str]:
    """kubernetes-validate --strict (as a library) on every rendered object; CRDs against the vendored schemas."""
    return [
        f"kubernetes/{rendered.env.name}/{p.file}: [schema] {p.object}: {p.message}"
        for rendered in _cloud_renders(ctx)
        for p in validate_objects(
            rendered.objects, rendered.env.kubernetes.version, ctx.root / "kubernetes" / "schemas"
        )
    ]


def contract_problems(ctx: Context) -> list[str]:
    """qvctl.contract: probes, environment variables, IRSA, secrets and names agree across the layers."""
    found = [str(p) for rendered in _cloud_renders(ctx) for p in cross_layer_problems(ctx.root, rendered)]
    # A check about another layer (e.g. Terraform's eks module) repeats per environment: report once.
    return list(dict.fromkeys(found))
