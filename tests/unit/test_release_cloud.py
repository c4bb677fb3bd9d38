"""`qvctl deploy dev|staging|prod`: the release is two lines of the spec (the image's tag and digest), and
what comes next is Argo Rollouts' commands for the spec's namespace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from qvctl.commands.release import StrategyOption, refuse_other_cloud_strategy
from qvctl.commands.render import render_targets
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.release import cloud
from qvctl.spec import Environment, cloud_environments, require_environment
from tests.conftest import ROOT, run_qvctl

CLOUD_ENVIRONMENTS = [env.name for env in cloud_environments(ROOT)]
DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    """A repository of just the specs (and the shared ports they read): what set_image touches."""
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    return Context(root=tmp_path, environ={})


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_the_tag_and_the_digest_are_the_only_lines_that_change(ctx: Context, name: str) -> None:
    path = ctx.root / "environments" / f"{name}.yaml"
    before = path.read_text()
    spec = require_environment(ctx, name)
    pinned = spec.application.image
    assert pinned is not None and pinned.digest is not None
    updated = cloud.set_image(ctx, spec, "1.4.0-rc.2", DIGEST)
    assert updated.application.image is not None
    assert (updated.application.image.tag, updated.application.image.digest) == ("1.4.0-rc.2", DIGEST)
    assert updated.model_dump(exclude={"application"}) == spec.model_dump(exclude={"application"})
    old_tag, old_digest = f'tag: "{pinned.tag}"', f'digest: "{pinned.digest}"'
    assert _changed_lines(before, path.read_text()) == [
        (line, line.replace(old_tag, 'tag: "1.4.0-rc.2"').replace(old_digest, f'digest: "{DIGEST}"'))
        for line in before.splitlines(keepends=True) if old_tag in line or old_digest in line]


def test_a_numeric_looking_tag_stays_a_string(ctx: Context) -> None:
    updated = cloud.set_image(ctx, require_environment(ctx, "dev"), "1.10", DIGEST)
    assert updated.application.image is not None and updated.application.image.tag == "1.10"
    reread = require_environment(ctx, "dev").application.image
    assert reread is not None and reread.tag == "1.10"


@pytest.mark.parametrize("tag", ["latest", "bad tag!", "-leading-dash", pytest.param("x" * 129, id="129-chars")])
def test_an_invalid_tag_leaves_the_spec_unchanged(ctx: Context, tag: str) -> None:
    path = ctx.root / "environments" / "dev.yaml"
    before = path.read_text()
    with pytest.raises(QvError) as caught:
        cloud.set_image(ctx, require_environment(ctx, "dev"), tag, DIGEST)
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert caught.value.message == f"--version {tag}: not a valid image tag for dev (spec unchanged)"
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left


@pytest.mark.parametrize("digest", [
    "ab" * 32,  # no algorithm
    "sha256:" + "AB" * 32,  # registries write lowercase hex
    "sha256:" + "ab" * 31,  # too short
    "sha512:" + "ab" * 64,
    "sha256:" + "ab" * 32 + "\nmalicious: true",  # a second YAML key smuggled into the spec
])
def test_a_value_that_is_not_a_sha256_digest_leaves_the_spec_unchanged(ctx: Context, digest: str) -> None:
    path = ctx.root / "environments" / "dev.yaml"
    before = path.read_text()
    with pytest.raises(QvError) as caught:
        cloud.set_image(ctx, require_environment(ctx, "dev"), "1.4.0", digest)
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert caught.value.message.startswith(f"--digest {digest}: not an image digest")
    assert path.read_text() == before


def test_a_spec_without_a_digest_line_is_refused_untouched(ctx: Context) -> None:
    """A spec edited by hand to drop the digest does not load; nothing is written into it."""
    path = ctx.root / "environments" / "dev.yaml"
    spec = require_environment(ctx, "dev")
    text = path.read_text()
    stripped = "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("digest:"))
    path.write_text(stripped)
    with pytest.raises(QvError) as caught:
        cloud.set_image(ctx, spec, "1.4.0", DIGEST)
    assert caught.value.message == "environments/dev.yaml: application.image has no digest to replace"
    assert path.read_text() == stripped


def _cli_repo(tmp_path: Path) -> Path:
    """What `qvctl deploy dev` reads and writes: the specs, the committed renders, pyproject.toml (the root)."""
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "kubernetes", tmp_path / "kubernetes")
    shutil.copytree(ROOT / "monitoring" / "generated", tmp_path / "monitoring" / "generated")
    return tmp_path


def test_deploy_needs_the_digest_and_then_renders_the_rollout_by_it(tmp_path: Path) -> None:
    repo = _cli_repo(tmp_path)
    before = (repo / "environments" / "dev.yaml").read_text()
    refused = run_qvctl("deploy", "dev", "--version", "1.4.0", env={"QV_ROOT": str(repo)})
    assert refused.returncode == ExitStatus.INVALID_INPUT, refused.stderr
    assert "--digest is required: dev runs its image by digest" in refused.stderr
    assert (repo / "environments" / "dev.yaml").read_text() == before

    # Wide enough for the image reference (one word of 150 characters) to be printed on one line.
    done = run_qvctl("deploy", "dev", "--version", "1.4.0", "--digest", DIGEST,
                     env={"QV_ROOT": str(repo), "COLUMNS": "400"})
    assert done.returncode == ExitStatus.OK, done.stderr
    rollout = yaml.safe_load((repo / "kubernetes" / "dev" / "71-rollout.yaml").read_text())
    image = rollout["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"111111111111.dkr.ecr.eu-west-1.amazonaws.com/quantumvest/api:1.4.0@{DIGEST}"
    assert f"now runs {image}" in done.stdout
    assert render_targets(Context(root=repo, environ={}), "dev", check=True) == []


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_a_cloud_strategy_other_than_the_specs_is_refused_and_the_same_one_accepted(ctx: Context, name: str) -> None:
    # The release workflow asks for --strategy canary: in the cloud the Rollout renders the spec's
    # strategy, so a different one must be refused rather than silently ignored.
    spec = require_environment(ctx, name)
    own = StrategyOption(spec.rollout.strategy.replace("_", "-"))
    other = next(option for option in StrategyOption if option != own)
    with pytest.raises(QvError) as caught:
        refuse_other_cloud_strategy(spec, other)
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert caught.value.message.startswith(f"--strategy {other.value}: {name}'s Rollout runs its spec's "
                                           f"rollout.strategy ({own.value})")
    refuse_other_cloud_strategy(spec, own)
    refuse_other_cloud_strategy(spec, None)


def test_a_digest_for_the_local_environment_is_refused() -> None:
    done = run_qvctl("deploy", "local", "--version", "HEAD", "--digest", DIGEST)
    assert done.returncode == ExitStatus.INVALID_INPUT
    assert "--digest: local runs the API from a git ref, not an image" in done.stderr


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
