"""`qvctl render`: deterministic output, apply order, --check naming stale files, local refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qvctl.exit_status import ExitStatus
from qvctl.kubernetes.render import LAYOUT, render_environment
from qvctl.monitoring import render as monitoring_render
from qvctl.monitoring.dashboards import DASHBOARDS
from qvctl.spec import cloud_environments, load_environment, spec_path
from tests.conftest import ROOT, run_qvctl

CLOUD_ENVIRONMENTS = [env.name for env in cloud_environments(Path(__file__).resolve().parents[2])]


def _tmp_repo(tmp_path: Path) -> Path:
    """Just what rendering reads: the specs, pyproject.toml (how qvctl finds its root), the committed output."""
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "kubernetes", tmp_path / "kubernetes")
    shutil.copytree(ROOT / "monitoring" / "generated", tmp_path / "monitoring" / "generated")
    shutil.copytree(ROOT / "monitoring" / "dashboards" / "generated",
                    tmp_path / "monitoring" / "dashboards" / "generated")
    return tmp_path


# Renders every cloud environment in a fresh interpreter and prints {env: {file: text}} as JSON.
_RENDER_IN_A_PROCESS = (
    "import json, sys; from pathlib import Path; "
    "from qvctl.kubernetes.render import render_environment; "
    "from qvctl.spec import cloud_environments; "
    "print(json.dumps({e.name: render_environment(e).files for e in cloud_environments(Path(sys.argv[1]))}))"
)


def _render_in_a_process(hash_seed: str) -> dict[str, dict[str, str]]:
    # Another string hash seed reorders every set and str-keyed dict iteration that is not sorted.
    done = subprocess.run([sys.executable, "-c", _RENDER_IN_A_PROCESS, str(ROOT)], capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "PYTHONHASHSEED": hash_seed})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_rendering_is_a_pure_function_of_the_spec() -> None:
    """Two separate processes (other hash seeds, other object ids, another clock) render the same bytes."""
    first, second = _render_in_a_process("1"), _render_in_a_process("2")
    assert sorted(first) == sorted(CLOUD_ENVIRONMENTS)
    assert all(first[name] for name in CLOUD_ENVIRONMENTS), "every environment renders files"
    assert first == second


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_committed_output_matches_a_fresh_render(name: str) -> None:
    rendered = render_environment(load_environment(spec_path(ROOT, name)))
    committed = {p.name: p.read_text() for p in (ROOT / "kubernetes" / name).glob("*.yaml")}
    assert committed == rendered.files


def test_files_apply_in_dependency_order() -> None:
    """kubectl applies a folder in file-name order: namespaces, then what others reference, then users of it."""
    names = [name for name, _ in LAYOUT]
    assert names == sorted(names)
    rendered = render_environment(load_environment(spec_path(ROOT, "prod")))
    first_file_of: dict[str, str] = {}
    for file, docs in rendered.objects.items():
        for obj in docs:
            first_file_of.setdefault(obj["kind"], file)
    assert names[0] == "00-namespaces.yaml"
    assert {obj["kind"] for obj in rendered.objects["00-namespaces.yaml"]} == {"Namespace"}
    before = [
        ("ServiceAccount", "Rollout"),
        ("ConfigMap", "Rollout"),
        ("ExternalSecret", "Rollout"),
        ("ClusterSecretStore", "ExternalSecret"),
        ("Service", "Rollout"),
        ("AnalysisTemplate", "Rollout"),
        ("Rollout", "HorizontalPodAutoscaler"),
        ("Service", "Ingress"),
        ("ConfigMap", "DaemonSet"),
        ("ClusterRole", "DaemonSet"),
    ]
    for first, then in before:
        assert first_file_of[first] <= first_file_of[then], (first, then)


def test_every_object_but_namespaces_and_cluster_rbac_is_namespaced() -> None:
    rendered = render_environment(load_environment(spec_path(ROOT, "dev")))
    for docs in rendered.objects.values():
        for obj in docs:
            cluster_scoped = obj["kind"] in ("Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterSecretStore")
            assert ("namespace" in obj["metadata"]) != cluster_scoped, obj["metadata"]["name"]


def test_rendered_files_parse_back_to_the_objects(tmp_path: Path) -> None:
    rendered = render_environment(load_environment(spec_path(ROOT, "staging")))
    for file, text in rendered.files.items():
        assert text.startswith("# Rendered by `qvctl render staging`")
        assert "&id0" not in text and "*id0" not in text, f"{file}: YAML anchors make a diff hard to read"
        assert [d for d in yaml.safe_load_all(text) if d is not None] == rendered.objects[file]


def test_render_writes_all_three_and_check_passes(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    shutil.rmtree(repo / "kubernetes" / "dev")
    done = run_qvctl("render", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.OK, done.stderr
    for name in CLOUD_ENVIRONMENTS:
        assert f"{name}: {len(LAYOUT)} files" in done.stdout
    assert f"dev: {len(LAYOUT)} files in kubernetes/dev/ ({len(LAYOUT)} changed)" in done.stdout
    assert f"staging: {len(LAYOUT)} files in kubernetes/staging/ (up to date)" in done.stdout
    assert run_qvctl("render", "--check", env={"QV_ROOT": str(repo)}).returncode == ExitStatus.OK


def test_check_fails_and_names_stale_missing_and_extra_files(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    (repo / "kubernetes" / "prod" / "72-autoscaling.yaml").write_text("# edited by hand\n")
    (repo / "kubernetes" / "dev" / "80-ingress.yaml").unlink()
    (repo / "kubernetes" / "staging" / "99-leftover.yaml").write_text("{}\n")
    done = run_qvctl("render", "--check", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.FAILED
    assert done.stderr.startswith("error: 3 rendered file(s) are stale")
    for stale in (
        "kubernetes/prod/72-autoscaling.yaml",
        "kubernetes/dev/80-ingress.yaml",
        "kubernetes/staging/99-leftover.yaml",
    ):
        assert stale in done.stderr
    assert "Traceback" not in done.stderr
    # --check wrote nothing
    assert (repo / "kubernetes" / "prod" / "72-autoscaling.yaml").read_text() == "# edited by hand\n"


def test_check_fails_on_files_rendered_from_an_older_spec(tmp_path: Path) -> None:
    """The committed files, untouched, after the spec changed under them: stale without anyone editing them."""
    repo = _tmp_repo(tmp_path)
    spec_file = repo / "environments" / "prod.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec["application"]["replicas"]["max"] += 1  # the autoscaler's maxReplicas follows it
    spec_file.write_text(yaml.safe_dump(spec))
    done = run_qvctl("render", "--check", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.FAILED, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and "rendered file(s) are stale" in done.stderr
    stale = done.stderr.strip().rpartition(": ")[2].split(", ")
    assert "kubernetes/prod/72-autoscaling.yaml" in stale
    assert all(path.startswith("kubernetes/prod/") for path in stale), stale
    assert (repo / "kubernetes" / "prod" / "72-autoscaling.yaml").read_text() == (
        ROOT / "kubernetes" / "prod" / "72-autoscaling.yaml"
    ).read_text(), "--check writes nothing"


def test_check_of_one_environment_ignores_the_others(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    (repo / "kubernetes" / "prod" / "72-autoscaling.yaml").write_text("# edited by hand\n")
    assert run_qvctl("render", "dev", "--check", env={"QV_ROOT": str(repo)}).returncode == ExitStatus.OK
    assert run_qvctl("render", "prod", "--check", env={"QV_ROOT": str(repo)}).returncode == ExitStatus.FAILED


def test_render_repairs_and_removes_leftovers(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    (repo / "kubernetes" / "prod" / "72-autoscaling.yaml").write_text("# edited by hand\n")
    (repo / "kubernetes" / "prod" / "99-leftover.yaml").write_text("{}\n")
    done = run_qvctl("render", "prod", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.OK, done.stderr
    assert "(2 changed)" in done.stdout
    assert not (repo / "kubernetes" / "prod" / "99-leftover.yaml").exists()
    assert (repo / "kubernetes" / "prod" / "72-autoscaling.yaml").read_text() == (
        ROOT / "kubernetes" / "prod" / "72-autoscaling.yaml"
    ).read_text()


def test_local_renders_its_monitoring_and_no_kubernetes(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    shutil.rmtree(repo / "monitoring" / "generated" / "local")
    done = run_qvctl("render", "local", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.OK, done.stderr
    n = len(monitoring_render.render_environment(load_environment(spec_path(ROOT, "local"))))
    assert done.stdout.strip().splitlines() == [f"local: {n} files in monitoring/generated/local/ ({n} changed)"]
    assert not (repo / "kubernetes" / "local").exists()
    assert (repo / "monitoring" / "generated" / "local" / "prometheus.yml").is_file()


def test_check_names_a_stale_monitoring_file(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    (repo / "monitoring" / "generated" / "prod" / "alertmanager.yml").write_text("# edited by hand\n")
    done = run_qvctl("render", "--check", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.FAILED
    assert done.stderr.strip() == (
        "error: 1 rendered file(s) are stale, run `qvctl render`: monitoring/generated/prod/alertmanager.yml"
    )


def test_check_names_a_dashboard_edited_by_hand(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    path = repo / "monitoring" / "dashboards" / "generated" / "api.json"
    board = json.loads(path.read_text())
    board["panels"][1]["title"] = "renamed in Grafana"
    path.write_text(json.dumps(board, indent=2, sort_keys=True) + "\n")
    done = run_qvctl("render", "--check", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.FAILED
    assert done.stderr.strip() == (
        "error: 1 rendered file(s) are stale, run `qvctl render`: monitoring/dashboards/generated/api.json"
    )


def test_render_writes_the_dashboards_only_when_no_environment_is_named(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    shutil.rmtree(repo / "monitoring" / "dashboards" / "generated")
    assert run_qvctl("render", "dev", env={"QV_ROOT": str(repo)}).returncode == ExitStatus.OK
    assert not (repo / "monitoring" / "dashboards" / "generated").exists()
    done = run_qvctl("render", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.OK, done.stderr
    n = len(DASHBOARDS)
    assert f"dashboards: {n} files in monitoring/dashboards/generated/ ({n} changed)" in done.stdout
    assert (repo / "monitoring" / "dashboards" / "generated" / "slo.json").is_file()


def test_unknown_environment_is_invalid_input() -> None:
    done = run_qvctl("render", "qa")
    assert done.returncode == ExitStatus.INVALID_INPUT
    assert "environments/qa.yaml: no such spec file; environments: dev, local, prod, staging" in done.stderr


def test_a_broken_spec_is_reported_without_traceback(tmp_path: Path) -> None:
    repo = _tmp_repo(tmp_path)
    spec = repo / "environments" / "dev.yaml"
    spec.write_text(spec.read_text().replace('tag: "0.1.0"', "tag: latest"))
    done = run_qvctl("render", "dev", env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.INVALID_INPUT
    assert "application.image.tag" in done.stderr
    assert "Traceback" not in done.stderr


def test_render_help() -> None:
    done = run_qvctl("render", "--help")
    assert done.returncode == 0
    assert "--check" in done.stdout


def test_rendered_yaml_is_lint_clean() -> None:
    """yamllint's default rules (lines up to 120): the committed files read like hand-written YAML.

    An image pinned by digest (`image: repository:tag@sha256:...`) is one word longer than that; yamllint
    lets such a `key: word` line through with allow-non-breakable-inline-mappings, and nothing else."""
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    config = YamlLintConfig(
        "{extends: default, rules: {line-length: {max: 120, allow-non-breakable-inline-mappings: true}}}")
    for name in CLOUD_ENVIRONMENTS:
        for file, text in render_environment(load_environment(spec_path(ROOT, name))).files.items():
            problems = [f"{p.line}: {p.desc}" for p in linter.run(text, config)]
            assert problems == [], f"{name}/{file}: {problems}"
