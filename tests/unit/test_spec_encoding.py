"""Spec files are UTF-8 whatever the locale qvctl runs under (a cron job or a CI image may have none).

Python opens files in the locale's encoding unless told otherwise; under a plain C locale without
its UTF-8 coercion that is ASCII, and a spec's non-ASCII text would not load (or load garbled).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

import qvctl
from qvctl.spec import load_environment

from ..conftest import ROOT

# Load the spec in a child process with the ASCII locale, print what it holds.
CHILD = """
import sys
from pathlib import Path
from qvctl.spec import load_environment
env = load_environment(Path(sys.argv[1]), Path(sys.argv[2]))
print(env.model_dump_json())
"""
ASCII_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}


def _repository_with_non_ascii_text(root: Path) -> Path:
    shared = root / "environments" / "shared"
    shared.mkdir(parents=True)
    ports = (ROOT / "environments" / "shared" / "ports.yaml").read_text(encoding="utf-8")
    (shared / "ports.yaml").write_text(f"# Ports partagés — every environment\n{ports}", encoding="utf-8")
    spec = yaml.safe_load((ROOT / "environments" / "prod.yaml").read_text(encoding="utf-8"))
    spec["alerting"]["receivers"][0]["to"] = "équipe@quantumvest.example.com"
    path = root / "environments" / "prod.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_a_spec_with_non_ascii_text_loads_the_same_under_an_ascii_locale(tmp_path):
    path = _repository_with_non_ascii_text(tmp_path)
    here = load_environment(path, tmp_path)
    assert here.alerting.receivers[0].to == "équipe@quantumvest.example.com"
    # stdout in UTF-8: only the files read are left to the locale.
    environ = {
        **os.environ,
        **ASCII_LOCALE,
        "PYTHONIOENCODING": "utf-8",
        "PYTHONPATH": str(Path(qvctl.__file__).parents[1]),
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(tmp_path)],
        env=environ,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == json.loads(here.model_dump_json())


def test_the_child_really_runs_with_an_ascii_locale(tmp_path):
    """Guards the test above: without these variables the child would read UTF-8 anyway."""
    environ = {**os.environ, **ASCII_LOCALE}
    probe = "import locale, sys; print(locale.getpreferredencoding(False), sys.flags.utf8_mode)"
    child = subprocess.run([sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True)
    assert child.stdout.split() == ["ANSI_X3.4-1968", "0"]
