"""ONE live local platform for every test under tests/e2e/ (backups, drills, the end-to-end run).

It comes up once per test session (a minute or two on 2 cores) and the modules share it, in file
order, except test_local_platform.py, which runs after the others whatever their names (its last
tests take the platform down; see pytest_collection_modifyitems). It
runs from a copy of this checkout inside a mode-700 folder, as a clone in a private home folder
is: the services that run as their own users must still reach their state.

QV_TEST_ENVIRONMENT names the local environment to run (default `local`): a second checkout can
run the live suites on its own addresses with its own spec. Development machines: run under
`flock /tmp/qv-local-platform.lock` when they use the default addresses.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from qvctl.spec import Environment, load_environment, spec_path

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENT = os.environ.get("QV_TEST_ENVIRONMENT", "local")
SPEC: Environment = load_environment(spec_path(ROOT, ENVIRONMENT), ROOT)
assert SPEC.kind == "local" and SPEC.emulator is not None, f"{ENVIRONMENT} is not a local environment"
HOST_ADDRESSES = sorted({a for g in SPEC.hosts.values() for a in g.addresses or []})
EMULATOR = (SPEC.emulator.address, SPEC.emulator.port)
EMULATOR_PORTS = {SPEC.emulator.port, SPEC.emulator.tls_port}
EDGE = (SPEC.hosts["edge"].addresses or [""])[0]
# The private folder (mode 700) that holds the checkout the platform runs from.
PRIVATE = Path(tempfile.mkdtemp(prefix="qv-private-home-"))
CHECKOUT = PRIVATE / "quantumvest"


def qvctl(*args: str, root: Path = CHECKOUT, env: dict[str, str] | None = None,
          timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """`python -m qvctl ARGS` in `root`, exit code and output as a user sees them."""
    environ = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "qvctl", *args], cwd=root, env=environ, capture_output=True,
                          text=True, timeout=timeout, check=False)


def copy_checkout(source: Path, target: Path) -> None:
    """What a clone of this working tree holds: tracked files plus new ones git does not ignore, plus
    the tested environment's own spec and scaffolded files (a private environment's are git-ignored)."""
    listed = subprocess.run(["git", "-C", str(source), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, text=True, check=True).stdout
    names = set(filter(None, listed.split("\0")))
    for own in [Path("environments") / f"{ENVIRONMENT}.yaml", *(source / "terraform" / "env").glob(f"{ENVIRONMENT}.*"),
                *(source / "ansible" / "inventories" / ENVIRONMENT).rglob("*")]:
        names.add(str(own.relative_to(source) if own.is_absolute() else own))
    for name in sorted(names):
        if (source / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)


def listening_sockets() -> list[str]:
    """`ss -ltn`: every listening TCP socket on the environment's addresses (and the emulator's ports)."""
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        local = line.split()[3]
        address, _, port = local.rpartition(":")
        if address in HOST_ADDRESSES or (address == EMULATOR[0] and int(port) in EMULATOR_PORTS):
            found.append(local)
    return sorted(found)


@dataclass
class Platform:
    env: str
    checkout: Path
    state: Path
    cold: subprocess.CompletedProcess[str]
    cold_seconds: float
    down_done: bool = False
    _tokens: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)

    @property
    def ca(self) -> Path:
        return self.state / "pki" / "ca.crt"

    def trust(self) -> ssl.SSLContext:
        """Trust exactly the environment CA."""
        return ssl.create_default_context(cafile=str(self.ca))

    def trust_as_qvctl(self) -> ssl.SSLContext:
        """The environment CA, and qvctl's client certificate for the services that ask one."""
        context = self.trust()
        context.load_cert_chain(str(self.state / "pki" / "qvctl.crt"), str(self.state / "pki" / "qvctl.key"))
        return context

    def token(self, user: str = "e2e", *scopes: str) -> str:
        """A token of the environment's issuer, minted by `qvctl token` as a user would."""
        key = (user, scopes)
        if key not in self._tokens:
            done = self.qvctl("token", "--user", user, *(arg for s in scopes for arg in ("--scope", s)), timeout=60)
            assert done.returncode == 0, done.stderr
            self._tokens[key] = done.stdout.strip()
        return self._tokens[key]

    def client(self, timeout: float = 10, user: str = "e2e") -> httpx.Client:
        """HTTPS to the API through nginx, trusting the environment CA, signed in as `user`."""
        return httpx.Client(base_url=f"https://{EDGE}", verify=self.trust(), timeout=timeout,
                            headers={"Authorization": f"Bearer {self.token(user)}"})

    def qvctl(self, *args: str, env: dict[str, str] | None = None, timeout: float = 900) -> (
            subprocess.CompletedProcess[str]):
        return qvctl(*args, root=self.checkout, env=env, timeout=timeout)


LAST_MODULE = "test_local_platform.py"  # takes the shared platform down at its end


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The e2e tests keep their slots in the session, with test_local_platform.py's moved after the
    other e2e modules' (sorted by name, test_logs.py would come after it, on no platform)."""
    here = Path(__file__).resolve().parent
    slots = [i for i, item in enumerate(items) if item.path.resolve().parent == here]
    ordered = sorted((items[i] for i in slots), key=lambda item: item.path.name == LAST_MODULE)
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item


@pytest.fixture(scope="session", autouse=True)
def restore_a_platform_that_was_up() -> Iterator[None]:
    """`make up` then `make test` is the documented quickstart: the tests need a cold start, so a
    platform this checkout already runs is taken down first and brought back up at the end."""
    was_up = bool(listening_sockets()) and (ROOT / ".qv" / ENVIRONMENT / "supervisor").exists()
    if was_up:
        down = qvctl("down", ENVIRONMENT, root=ROOT, timeout=300)
        assert down.returncode == 0, f"could not take the running platform down:\n{down.stdout}\n{down.stderr}"
    yield
    if was_up:
        again = qvctl("up", ENVIRONMENT, root=ROOT)
        assert again.returncode == 0, f"could not bring the platform back up:\n{again.stdout[-3000:]}"


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    taken = listening_sockets()
    if taken:
        pytest.fail(f"the local platform's addresses are in use before the test: {taken}; "
                    "stop that environment first (qvctl down)")
    assert PRIVATE.stat().st_mode & 0o777 == 0o700, "the checkout must sit in a private folder"
    copy_checkout(ROOT, CHECKOUT)
    started = time.monotonic()
    cold = qvctl("up", ENVIRONMENT)
    state = (CHECKOUT / ".qv" / ENVIRONMENT).resolve()
    live = Platform(ENVIRONMENT, CHECKOUT, state, cold, time.monotonic() - started)
    try:
        assert cold.returncode == 0, f"cold up failed:\n{cold.stdout[-3000:]}\n{cold.stderr[-2000:]}"
        yield live
    finally:
        if not live.down_done:
            qvctl("down", ENVIRONMENT, timeout=300)
        shutil.rmtree(PRIVATE, ignore_errors=True)
