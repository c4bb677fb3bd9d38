"""A minimal Debian host in a chroot, for roles that must be tested on a host but never on this one.

The image is built once with debootstrap and cached machine-wide under
`/var/cache/quantumvest/chroots/` (`QV_CHROOT_CACHE` elsewhere), like a package cache, so every
checkout of the machine (and every CI run on it) reuses it. It is keyed by what goes into it
(suite, variant, packages, this recipe's version) and each test works on its own copy.
Everything that runs inside the chroot runs in new network, UTS, PID and mount namespaces
(`unshare`): nothing there can reach this machine's network stack or firewall, rename it,
outlive the command, or leave a mount behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

CACHE = Path(os.environ.get("QV_CHROOT_CACHE", "/var/cache/quantumvest/chroots"))
SUITE = "bookworm"
VARIANT = "minbase"
# Bump when the build steps below change: a new key, so no stale image is reused.
RECIPE = 1
# Own namespaces for every command in the chroot; --fork/--pid: all its processes die with it.
ISOLATE = ("unshare", "--net", "--uts", "--ipc", "--pid", "--fork", "--mount", "--kill-child")
# Packages never start a service in the image (invoke-rc.d asks this script; 101 = refused).
POLICY_RC_D = "#!/bin/sh\n# Built as a test image: no package starts a service here.\nexit 101\n"


def _require_tools() -> None:
    if os.geteuid() != 0:
        raise AssertionError("building a chroot host needs root (debootstrap, chroot, unshare)")
    missing = [tool for tool in ("debootstrap", "unshare", "chroot") if shutil.which(tool) is None]
    if missing:
        raise AssertionError(f"missing {', '.join(missing)}: run scripts/bootstrap.sh (it installs debootstrap)")


def image_key(packages: Sequence[str]) -> str:
    """What the image is made of, as a short digest: the cache folder's name."""
    recipe = json.dumps({"suite": SUITE, "variant": VARIANT, "packages": sorted(set(packages)), "recipe": RECIPE})
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def _run(argv: Sequence[str], what: str, timeout: float) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout)[-2000:]}")


def _build(root: Path, packages: Sequence[str]) -> None:
    # Stage one downloads and unpacks; the packages are configured in stage two, after the
    # service policy is in place, inside namespaces of its own (it mounts /proc there itself).
    mirror = os.environ.get("QV_DEBIAN_MIRROR")  # debootstrap's default mirror when unset
    argv = [
        "debootstrap",
        "--foreign",
        f"--variant={VARIANT}",
        f"--include={','.join(sorted(set(packages)))}",
        SUITE,
        str(root),
    ]
    _run([*argv, *([mirror] if mirror else [])], "debootstrap (download)", timeout=900)
    policy = root / "usr" / "sbin" / "policy-rc.d"
    policy.write_text(POLICY_RC_D)
    policy.chmod(0o755)
    _run(
        [*ISOLATE, "chroot", str(root), "/debootstrap/debootstrap", "--second-stage"],
        "debootstrap (configure)",
        timeout=900,
    )
    # What systemd makes for sshd on a real host (RuntimeDirectory=sshd): `sshd -t` needs it.
    (root / "run" / "sshd").mkdir(mode=0o755, exist_ok=True)
    shutil.rmtree(root / "var" / "cache" / "apt" / "archives", ignore_errors=True)
    (root / "var" / "cache" / "apt" / "archives" / "partial").mkdir(parents=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder at a time (parallel test workers wait for the first one's image)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_image(packages: Sequence[str]) -> Path:
    """The root of a cached Debian image with `packages`, built now if it does not exist yet."""
    _require_tools()
    folder = CACHE / f"{SUITE}-{image_key(packages)}"
    done_marker = folder / "complete"
    if done_marker.exists():
        return folder / "root"
    with _locked(CACHE / ".build.lock"):
        if not done_marker.exists():
            # A build that died half-way leaves a folder without its marker: start again.
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            _build(folder / "root", packages)
            done_marker.write_text(json.dumps({"suite": SUITE, "packages": sorted(set(packages))}) + "\n")
    return folder / "root"


def copy_image(image: Path, target: Path) -> Path:
    """A private copy of the image for one test run (the role writes into it)."""
    _run(["cp", "-a", "--reflink=auto", str(image), str(target)], "copying the image", timeout=300)
    return target


def in_chroot(root: Path, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a command inside the chroot, isolated from this machine (see ISOLATE)."""
    return subprocess.run(
        [*ISOLATE, "chroot", str(root), *argv], capture_output=True, text=True, timeout=timeout, check=False
    )


def isolated(
    *argv: str, timeout: float = 600, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a controller command (ansible-playbook) in the same namespaces as the chroot's commands."""
    return subprocess.run(
        [*ISOLATE, *argv], capture_output=True, text=True, timeout=timeout, check=False, env=env, cwd=cwd
    )
