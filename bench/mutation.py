"""Mutation testing of the code that decides (mutmut), one area at a time; prints the figures.

Each area runs in its own copy of the tracked tree under .tools/mutation/<area>/, with the area's
[tool.mutmut] appended to that copy's pyproject.toml: mutmut reads its configuration from the
working folder, and a copy keeps its `mutants/` between runs, so a second run re-tests only the
functions that changed (mutmut's own cache). bench/mutation_reviewed.toml lists every mutant no
test kills, with its reason: the equivalent ones are left out of the count, the other survivors
stay in it marked as reviewed, and a survivor in neither list fails the area.

    python bench/mutation.py [AREA...]      (all areas when none is named)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Not .qv: that is the link qvctl up makes to the platform's state, and up makes it only where .qv is absent.
WORK = ROOT / ".tools" / "mutation"
REVIEWED = ROOT / "bench" / "mutation_reviewed.toml"
DETECTED = {"killed", "timeout", "segfault"}  # the tests noticed the change


@dataclass(frozen=True)
class Area:
    name: str
    mutate: tuple[str, ...]  # mutmut's only_mutate globs, relative to root
    tests: tuple[str, ...]  # the tests that judge it, relative to root
    # A project with its code in root/src: mutmut puts only mutants/src before the installed packages.
    root: str = "."
    # Tests that read the source text itself: mutmut's copy holds every mutant's text beside the original.
    not_tests: tuple[str, ...] = ()
    # mutmut runs one child per core unless told; None keeps that.
    max_children: int | None = None


AREAS = (
    Area(
        "spec",
        ("src/qvctl/spec/*",),
        ("tests/unit/test_spec_*.py",),
        not_tests=("tests/unit/test_spec_rule_coverage.py",),
    ),
    Area("contract", ("src/qvctl/contract/*",), ("tests/unit/test_contract_*.py",)),
    Area("policies", ("src/qvctl/policies/*",), ("tests/unit/test_policies*.py",)),
    # qvctl validate's aggregation: selection, caching, exit status, the report (JSON, SARIF) and the
    # parsers of the tools' reports. Left out, as tool invocations rather than decisions:
    # validation/table.py (which tool runs with which arguments: judged by running every check on
    # the repository, minutes) and validation/terraform.py (terraform init, validate and test).
    Area(
        "validate",
        (
            "src/qvctl/validate.py",
            "src/qvctl/commands/validate.py",
            "src/qvctl/validation/__init__.py",
            "src/qvctl/validation/cache.py",
            "src/qvctl/validation/check.py",
            "src/qvctl/validation/checkov.py",
            "src/qvctl/validation/files.py",
            "src/qvctl/validation/rendered.py",
            "src/qvctl/validation/sarif.py",
            "src/qvctl/validation/versions.py",
            "src/qvctl/validation/workflows.py",
        ),
        ("tests/unit/test_validate*.py",),
    ),
    # The API's guards need the real PostgreSQL and Redis its tests start (slow, but honest): token checks
    # (auth/verify.py; auth/issuer.py only mints tokens for tests and the local environment, never imported by
    # the API), scopes, owners and idempotency in the routes that read or write data. Left out: routes/risk.py
    # (risk arithmetic; its owner check is a call of load_portfolio that test_auth.py covers on every route)
    # and routes/operations.py (probes, no data).
    Area(
        "api-guards",
        (
            "src/quantumvest_api/auth/verify.py",
            "src/quantumvest_api/auth/callers.py",
            "src/quantumvest_api/routes/portfolios.py",
            "src/quantumvest_api/routes/holdings.py",
            "src/quantumvest_api/routes/transactions.py",
            "src/quantumvest_api/routes/prices.py",
        ),
        (
            "tests/test_auth.py",
            "tests/test_transactions.py",
            "tests/test_portfolios.py",
            "tests/test_holdings.py",
            "tests/test_prices.py",
            "tests/test_token_verifier.py",
        ),
        root="services/api",
        # Every child starts its own PostgreSQL and Redis, each on a free pair of the tests' spare ports
        # (tests/conftest.py); more children than pairs would wait with mutmut's timeout clock running.
        max_children=2,
    ),
)


def tracked_files(root: Path) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name]


def sync_copy(root: Path, work: Path, files: list[str]) -> None:
    """The tracked tree as it is on disk now, into work/ (files unchanged since the last run are left alone)."""
    wanted = set(files)
    for name in files:
        source, target = root / name, work / name
        if not source.is_file():
            continue
        if target.is_file() and target.read_bytes() == source.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for path in work.rglob("*"):
        relative = path.relative_to(work).as_posix()
        if path.is_file() and not relative.startswith(("mutants/", ".")) and relative not in wanted:
            path.unlink()


def mutmut_section(area: Area, files: list[str]) -> str:
    tests = sorted(
        {name for pattern in area.tests for name in files if Path(name).match(pattern)} - set(area.not_tests)
    )
    if not tests:
        raise SystemExit(f"mutation: area {area.name} selects no test ({', '.join(area.tests)})")
    copied = sorted({name.split("/")[0] for name in files} - {"src", "tests", "pyproject.toml"})
    return "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["src"]',
            f"only_mutate = {list(area.mutate)!r}",
            f"also_copy = {copied!r}",
            f"pytest_add_cli_args_test_selection = {tests!r}",
            'pytest_add_cli_args = ["-q", "-p", "no:cacheprovider", "-o", "addopts=", "-p", "no:xdist"]',
            "",
        ]
    )


def statuses(work: Path, mutmut: str) -> dict[str, str]:
    listed = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, str] = {}
    for line in listed.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status.strip()
    return found


def tools_path() -> str:
    """PATH, then the project's own tools (.tools/<tool>/bin): the copy has no .tools of its own, and its
    tests must find e.g. Checkov as qvctl does. Last, so a tool virtualenv's python shadows nothing."""
    own = sorted(str(path) for path in (ROOT / ".tools").glob("*/bin"))
    return os.pathsep.join([os.environ.get("PATH", ""), *own])


@dataclass(frozen=True)
class Reviewed:
    """bench/mutation_reviewed.toml: mutant name -> reason, per table."""

    equivalent: dict[str, str]
    survivors: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Reviewed:
        tables = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(tables.get("equivalent", {}), tables.get("survivors", {}))


def run_area(area: Area, reviewed: Reviewed, mutmut: str) -> bool:
    root, work = ROOT / area.root, WORK / area.name
    files = tracked_files(root)
    work.mkdir(parents=True, exist_ok=True)
    sync_copy(root, work, files)
    (work / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + mutmut_section(area, files))
    with (work / "run.log").open("w") as log:
        done = subprocess.run(
            [mutmut, "run", *([f"--max-children={area.max_children}"] if area.max_children else [])],
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1", "PATH": tools_path()},
        )
    found = statuses(work, mutmut)
    if done.returncode != 0 or not found:
        print(f"{area.name}: mutmut failed (exit {done.returncode}); see {work.relative_to(ROOT)}/run.log")
        return False
    counted = {name: status for name, status in found.items() if name not in reviewed.equivalent}
    killed = sum(status in DETECTED for status in counted.values())
    share = 100.0 * killed / len(counted) if counted else 100.0
    kinds = Counter(status for status in counted.values() if status not in DETECTED)
    unreviewed = [name for name, status in counted.items() if status not in DETECTED and name not in reviewed.survivors]
    print(
        f"{area.name}: mutants: {killed} killed of {len(counted)} ({share:.1f} %)"
        + (f"; not killed: {dict(sorted(kinds.items()))}, {len(unreviewed)} of them not reviewed" if kinds else "")
        + f"; {len(found) - len(counted)} reviewed as equivalent"
    )
    for line in survivors_by_function(counted, reviewed.survivors):
        print(f"  {line}")
    return share >= 90.0 and not unreviewed


def survivors_by_function(counted: dict[str, str], reviewed: dict[str, str]) -> list[str]:
    """One line per function and outcome: `survived: qvctl.spec.model.x__network: 4, 17` (mutant numbers);
    `survived, reviewed: ...` for those bench/mutation_reviewed.toml lists with a reason."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for name, status in counted.items():
        if status not in DETECTED:
            function, _, number = name.rpartition("__mutmut_")
            outcome = f"{status}, reviewed" if name in reviewed else status
            grouped.setdefault((outcome, function), []).append(int(number))
    return [
        f"{outcome}: {function}: {', '.join(map(str, sorted(numbers)))}"
        for (outcome, function), numbers in sorted(grouped.items())
    ]


def main(argv: list[str]) -> int:
    known = {area.name: area for area in AREAS}
    unknown = [name for name in argv if name not in known]
    if unknown:
        print(f"mutation: unknown area {', '.join(unknown)}; the areas are {', '.join(known)}", file=sys.stderr)
        return 2
    mutmut = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or "mutmut"
    reviewed = Reviewed.load(REVIEWED)
    results = [run_area(known[name], reviewed, mutmut) for name in (argv or list(known))]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
