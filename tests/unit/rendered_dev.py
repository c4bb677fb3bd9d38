"""The dev environment's rendered manifests, and one object of them by kind and name (the contract tests)."""

from __future__ import annotations

from typing import Any

from qvctl.kubernetes.render import Rendered, render_environment
from qvctl.spec import load_environment, spec_path
from tests.conftest import ROOT


def render_dev() -> Rendered:
    return render_environment(load_environment(spec_path(ROOT, "dev")))


def find_object(rendered: Rendered, kind: str, name: str) -> dict[str, Any]:
    return next(
        o for docs in rendered.objects.values() for o in docs if o["kind"] == kind and o["metadata"]["name"] == name
    )
