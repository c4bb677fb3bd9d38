"""A release: a git ref of this repository's services/api, built into its own virtualenv.

The ref's tree is exported with `git archive` (the working tree is never touched) and installed
into `<state>/releases/builds/<commit>/venv` by the project's pip, offline, with the project's
pinned setuptools as build backend. Its third-party packages come from the project's virtualenv,
which `make bootstrap` installs from requirements.lock: the release venv reads that site-packages
folder after its own (a `.pth` file), pip installs only the API itself, and `pip check` refuses a
release whose declared dependencies those pins do not meet (pin them in requirements.lock
first). One build per commit (about 2 s), reused by later deploys.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.release.state import Build, Store

API_PATH = "services/api"


def _git(ctx: Context, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git", path=ctx.environ.get("PATH"))
    if git is None:
        raise QvError("git is not installed: a release is built from a git ref", ExitStatus.MISSING_TOOL)
    return subprocess.run([git, "-C", str(ctx.root), *args], capture_output=True, check=False)


def resolve(ctx: Context, ref: str) -> str:
    """The commit `ref` names in this repository, or QvError(INVALID_INPUT) saying so."""
    done = _git(ctx, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise QvError(f"--version {ref}: not a commit of the repository at {ctx.root}", ExitStatus.INVALID_INPUT)
    return done.stdout.decode().strip()


def export_source(ctx: Context, commit: str, target: Path) -> Path:
    """services/api of `commit`, extracted under `target`; its path."""
    done = _git(ctx, "archive", "--format=tar", commit, API_PATH)
    if done.returncode != 0:
        raise QvError(f"commit {commit[:12]} has no {API_PATH}: {done.stderr.decode().strip()[:200]}",
                      ExitStatus.INVALID_INPUT)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(target, filter="data")
    return target / API_PATH


def _run(argv: list[str], what: str, log: Path) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    with log.open("a") as out:
        out.write(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [f"exit {done.returncode}"]
        raise QvError(f"{what}: {last[0][:300]} (log: {log})")


def build(ctx: Context, store: Store, ref: str) -> Build:
    """The release of `ref`: built now, or the build a previous deploy of the same commit made."""
    commit = resolve(ctx, ref)
    home = store.builds / commit
    venv = home / "venv"
    done_marker = home / "built"
    if done_marker.exists():
        return Build(version=ref, commit=commit, venv=str(venv))
    # A build cut short is built again from scratch.
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    log = home / "build.log"
    source = export_source(ctx, commit, home / "source")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], "creating the release's virtualenv", log)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    # Dependencies: the project's pinned site-packages, after the release's own.
    purelib = Path(sysconfig.get_paths()["purelib"])
    release_purelib = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    (release_purelib / "qv-dependencies.pth").write_text(f"{purelib}\n")
    _run([*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", str(source)],
         f"installing {API_PATH} of {ref} ({commit[:12]})", log)
    _run([*pip, "check"],
         f"{ref} ({commit[:12]}) declares dependencies requirements.lock does not pin", log)
    done_marker.write_text(commit + "\n")
    return Build(version=ref, commit=commit, venv=str(venv))


def source_of(ctx: Context, store: Store, b: Build) -> Path:
    """Where a build's services/api source is: the checkout's for the workspace."""
    if b.commit is None:
        return ctx.root / API_PATH
    return store.builds / b.commit / "source" / API_PATH


def python_of(b: Build) -> Path:
    """The interpreter that runs a build: the project's own for the workspace."""
    return Path(sys.executable) if b.venv is None else Path(b.venv) / "bin" / "python"
