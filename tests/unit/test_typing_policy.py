"""The type check's scope stays what `qvctl validate` promises: strict, over qvctl and the API, no silencing."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

IGNORE = re.compile(r"#\s*type:\s*ignore")


def test_mypy_is_strict_over_qvctl_and_the_api() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True
    assert set(config["packages"]) == {"qvctl", "quantumvest_api"}
    assert "pydantic.mypy" in config["plugins"]


def test_no_type_ignore_in_typed_code() -> None:
    found = []
    for folder in (ROOT / "src" / "qvctl", ROOT / "services" / "api" / "src"):
        for path in sorted(folder.rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            lines = path.read_text().splitlines()
            found += [f"{relative}:{n}" for n, line in enumerate(lines, 1) if IGNORE.search(line)]
    assert found == [], "type the code instead of silencing the checker"


def test_overrides_say_why() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    for block in text.split("[[tool.mypy.overrides]]")[1:]:
        assert block.lstrip().startswith("#"), f"an override without its reason: {block.strip()[:80]}"


def test_requirements_lock_pins_the_type_checker_and_its_stubs() -> None:
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    pinned = {line.split("==")[0].lower() for line in lock if "==" in line}
    assert {"mypy", "types-pyyaml", "types-jsonschema", "types-boto3"} <= pinned
