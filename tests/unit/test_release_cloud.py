"""`qvctl deploy dev|staging|prod`: the release is one line of the spec (the image tag), and what
comes next is Argo Rollouts' commands for the spec's namespace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.release import cloud
from qvctl.spec import Environment, cloud_environments, require_environment
from tests.conftest import ROOT

CLOUD_ENVIRONMENTS = [env.name for env in cloud_environments(ROOT)]
DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    """A repository of just the specs (and the shared ports they read): what set_image_tag touches."""
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    return Context(root=tmp_path, environ={})


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_the_tag_is_the_only_line_that_changes(ctx: Context, name: str) -> None:
    path = ctx.root / "environments" / f"{name}.yaml"
    before = path.read_text()
    spec = require_environment(ctx, name)
    updated = cloud.set_image_tag(ctx, spec, "1.4.0-rc.2")
    assert updated.application.image.tag == "1.4.0-rc.2"
    assert updated.model_dump(exclude={"application"}) == spec.model_dump(exclude={"application"})
    old_line = f'tag: "{spec.application.image.tag}"'
    assert _changed_lines(before, path.read_text()) == [
        (line, line.replace(old_line, 'tag: "1.4.0-rc.2"')) for line in before.splitlines(keepends=True)
        if old_line in line]


def test_a_numeric_looking_tag_stays_a_string(ctx: Context) -> None:
    updated = cloud.set_image_tag(ctx, require_environment(ctx, "dev"), "1.10")
    assert updated.application.image.tag == "1.10"
    assert require_environment(ctx, "dev").application.image.tag == "1.10"


@pytest.mark.parametrize("tag", ["latest", "bad tag!", "-leading-dash", pytest.param("x" * 129, id="129-chars")])
def test_an_invalid_tag_leaves_the_spec_unchanged(ctx: Context, tag: str) -> None:
    path = ctx.root / "environments" / "dev.yaml"
    before = path.read_text()
    with pytest.raises(QvError) as caught:
        cloud.set_image_tag(ctx, require_environment(ctx, "dev"), tag)
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert caught.value.message == f"--version {tag}: not a valid image tag for dev (spec unchanged)"
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_spec_pinned_by_digest_is_refused_untouched(ctx: Context) -> None:
    path = ctx.root / "environments" / "dev.yaml"
    before = path.read_text()
    spec = require_environment(ctx, "dev")
    pinned = spec.model_copy(update={"application": spec.application.model_copy(update={
        "image": spec.application.image.model_copy(update={"digest": DIGEST})})})
    with pytest.raises(QvError) as caught:
        cloud.set_image_tag(ctx, pinned, "1.4.0")
    assert caught.value.message.startswith("dev pins its image by digest: set application.image.digest")
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert path.read_text() == before


def _with_namespace(spec: Environment, namespace: str) -> Environment:
    return spec.model_copy(update={"kubernetes": spec.kubernetes.model_copy(update={"namespace": namespace})})


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_next_steps_are_argo_rollouts_commands_in_the_spec_namespace(ctx: Context, name: str) -> None:
    spec = _with_namespace(require_environment(ctx, name), f"qv-{name}")
    steps = cloud.next_steps(spec)
    assert steps[0] == f"kubectl apply -f kubernetes/{name}/"
    argo = [line.split("  ")[0] for line in steps[1:]]
    assert argo == [
        f"kubectl argo rollouts get rollout api -n qv-{name} --watch",
        f"kubectl argo rollouts promote api -n qv-{name}",
        f"kubectl argo rollouts abort api -n qv-{name}",
        f"kubectl argo rollouts undo api -n qv-{name}",
    ]
