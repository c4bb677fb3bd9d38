"""The rollout analysis queries are valid PromQL: promtool parses them as recording rules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from qvctl.kubernetes.analysis import analysis_queries
from qvctl.spec import cloud_environments, load_environment, spec_path
from tests.conftest import ROOT

CLOUD_ENVIRONMENTS = [env.name for env in cloud_environments(Path(__file__).resolve().parents[2])]


def _check(tmp_path: Path, queries: dict[str, str]) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required"
    rules = {
        "groups": [
            {
                "name": "analysis",
                "rules": [
                    # Argo Rollouts substitutes the argument before querying; do the same with a plausible hash.
                    {
                        "record": f"analysis:{name.replace('-', '_')}",
                        "expr": query.replace("{{args.revision-hash}}", "6d4f9c7b8"),
                    }
                    for name, query in queries.items()
                ],
            }
        ]
    }
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_analysis_queries_parse(tmp_path: Path, name: str) -> None:
    done = _check(tmp_path, analysis_queries(load_environment(spec_path(ROOT, name))))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_query_is_rejected(tmp_path: Path) -> None:
    done = _check(tmp_path, {"broken": "sum(rate(qv_http_requests_total[2m])"})
    assert done.returncode != 0
