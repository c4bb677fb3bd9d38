"""Running Terraform, the AWS emulator and Checkov from tests.

Every Terraform run gets its own TF_DATA_DIR in a temporary folder (never the developer's
terraform/.terraform) and `-lockfile=readonly`, so tests never collide with each other or
change the committed .terraform.lock.hcl. The emulator for these tests listens on
127.0.0.1:5100 (+ the xdist worker number): port 5000 belongs to the local platform.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.terraform_mirror import terraform_environ
from qvctl.tools import require

ROOT = Path(__file__).resolve().parents[1]
TF_DIR = ROOT / "terraform"
EMULATOR_KEYS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# An image the emulator has (it has no Debian images); everything else is the dev spec.
EMULATOR_AMI = ('{ owners = ["099720109477"], '
                'name_pattern = "ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*" }')
# What the dev topology leaves out on the emulator: ElastiCache and OpenSearch (it cannot create
# them; they stay plan- and mock-tested), EC2 detailed monitoring (it cannot switch it on), the
# private zone and the EKS add-ons (it has no API for them), Route 53 Resolver query logging (it
# creates it but can neither disassociate nor delete it).
EMULATOR_DEV_TFVARS = (f"host_ami = {EMULATOR_AMI}\ncache_enabled = false\nopensearch_enabled = false\n"
                       "ec2_detailed_monitoring = false\nprivate_dns_enabled = false\neks_addons_enabled = false\n"
                       "dns_query_logging_enabled = false\n")


def terraform_binary() -> str:
    found = shutil.which("terraform")
    if found is None:
        raise AssertionError("terraform is not on the PATH: these tests need Terraform 1.11")
    return found


def checkov_binary() -> str:
    """Found as every qvctl command finds it; a missing Checkov fails the test with doctor's line."""
    try:
        return require(Context(root=ROOT, environ=dict(os.environ)), "checkov")
    except QvError as err:
        raise AssertionError(err.message) from None


def tf_environ(data_dir: Path, tools_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for one Terraform working copy: provider mirror, own data dir, no prompts."""
    base = dict(os.environ)
    configured = base.get("TF_CLI_CONFIG_FILE")
    if configured and not Path(configured).is_file():
        # A CLI config that does not exist configures nothing, but would stop
        # terraform_environ from pointing Terraform at the local provider mirror.
        del base["TF_CLI_CONFIG_FILE"]
    env = terraform_environ(base, tools_dir)
    env["TF_DATA_DIR"] = str(data_dir)
    env["TF_INPUT"] = "0"
    env["TF_IN_AUTOMATION"] = "1"
    env.pop("TF_LOG", None)
    env.update(extra or {})
    return env


@dataclass
class Workdir:
    """One Terraform working copy of a root module (the config dir stays in the repository)."""

    config_dir: Path
    data_dir: Path
    tools_dir: Path
    extra_env: Mapping[str, str]

    @property
    def env(self) -> dict[str, str]:
        return tf_environ(self.data_dir, self.tools_dir, self.extra_env)

    def run(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([terraform_binary(), *args], cwd=self.config_dir, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stderr[-4000:]}\n{done.stdout[-2000:]}")
        return done

    def init(self, *extra: str) -> None:
        self.run("init", "-input=false", "-no-color", "-lockfile=readonly", *extra, timeout=300)


def free_port(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def moto_server(port: int, log_path: Path) -> Iterator[str]:
    """A moto server of our own on 127.0.0.1:<port>, stopped (and waited for) afterwards."""
    if not free_port(port):
        raise AssertionError(f"port {port} is already taken: another emulator is running there")
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_ACM_VALIDATION_WAIT": "0"}
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310 (loopback)
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"moto did not start on {url}; see {log_path}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def emulator_backend_file(path: Path, url: str, bucket: str, key: str) -> Path:
    """A .tfbackend like env/local.tfbackend, but for the test emulator."""
    path.write_text(
        f'bucket = "{bucket}"\nkey = "{key}"\nregion = "us-east-1"\nuse_lockfile = true\nencrypt = true\n'
        f'endpoints = {{ s3 = "{url}", sts = "{url}", iam = "{url}" }}\n'
        "use_path_style = true\nskip_credentials_validation = true\nskip_metadata_api_check = true\n"
        "skip_region_validation = true\nskip_requesting_account_id = true\nskip_s3_checksum = true\n"
    )
    return path


def emulator_checkout(target: Path, url: str, env: str, bucket: str, key: str) -> Path:
    """What qvctl needs of this repository for `env`, with the environment pointed at the emulator: the
    Terraform configuration, the specs and the inventory, plus its .tfbackend rewritten for the emulator
    and the emulator's settings appended to its tfvars (later assignments do not override: HCL refuses
    duplicates, so the tfvars must not set them already)."""
    for part in ("terraform", "environments"):
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns(".terraform", "tests", "bootstrap"))
    shutil.copy2(ROOT / "pyproject.toml", target / "pyproject.toml")
    shutil.copytree(ROOT / "ansible" / "inventories" / env, target / "ansible" / "inventories" / env)
    emulator_backend_file(target / "terraform" / "env" / f"{env}.tfbackend", url, bucket, key)
    with (target / "terraform" / "env" / f"{env}.tfvars").open("a") as tfvars:
        tfvars.write(f'\n# The test emulator (tests/terraform_support.py)\naws_endpoint_url = "{url}"\n')
        tfvars.write(EMULATOR_DEV_TFVARS)
    return target
