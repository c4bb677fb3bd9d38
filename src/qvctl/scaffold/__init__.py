"""`qvctl env scaffold`: an environment's Terraform and Ansible files, made from its spec.

Adding an environment is writing `environments/<name>.yaml` and running `qvctl env scaffold
<name>`. Two kinds of file come out:

- generated (`.tfbackend`, the inventory): everything in them follows from the spec, so they
  are rewritten from it and `--check` fails when a committed copy differs (the spec changed
  and nobody re-ran the scaffold);
- started (`.tfvars`): Terraform's own settings for the environment, written once with
  defaults for its tier and then edited by people; `--check` only requires that it exists and
  names the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import hcl2
from jinja2 import Environment as Jinja
from jinja2 import PackageLoader, StrictUndefined

from qvctl.platform.components import local_hosts
from qvctl.spec import Environment

_TEMPLATES = Jinja(loader=PackageLoader("qvctl.scaffold", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)  # noqa: S701


@dataclass(frozen=True)
class File:
    path: Path  # relative to the repository
    text: str
    generated: bool  # False: written once, then people's to edit


def state_bucket(env: Environment) -> str:
    """The state bucket `terraform/bootstrap` creates (modules/state): the account in cloud names."""
    base = f"{env.project}-{env.name}-tfstate"
    return base if env.kind == "local" else f"{base}-{env.account_id}"


def artifacts_bucket(env: Environment) -> str:
    """The primary artifacts bucket (modules/storage: `<project>-<env>-<bucket>-<account>`)."""
    return f"{env.project}-{env.name}-artifacts-{env.account_id}"


def files(env: Environment) -> list[File]:
    kind = env.kind
    emulator_url = f"http://{env.emulator.address}:{env.emulator.port}" if env.emulator else ""
    values = {"env": env, "state_bucket": state_bucket(env), "emulator_url": emulator_url,
              "artifacts_bucket": artifacts_bucket(env)}
    inventory = Path("ansible") / "inventories" / env.name
    made = [
        File(Path("terraform/env") / f"{env.name}.tfbackend", _render(f"tfbackend-{kind}.j2", values), True),
        File(Path("terraform/env") / f"{env.name}.tfvars", _render(f"tfvars-{kind}.j2", values), False),
        File(inventory / "group_vars" / "all.yml", _render(f"group_vars-{kind}.j2", values), True),
    ]
    if kind == "cloud":
        made.append(File(inventory / "aws_ec2.yml", _render("aws_ec2.yml.j2", values), True))
    else:
        groups: dict[str, list[dict[str, str]]] = {}
        for host in local_hosts(env):
            groups.setdefault(host.group, []).append({"name": host.name, "address": host.address})
        listed = [{"name": name, "hosts": hosts} for name, hosts in groups.items()]
        made.append(File(inventory / "hosts.yml", _render("hosts.yml.j2", {**values, "groups": listed}), True))
    return made


def _render(template: str, values: dict[str, object]) -> str:
    return _TEMPLATES.get_template(template).render(**values)


def write(root: Path, env: Environment) -> list[str]:
    """Write the generated files and any missing started file; return what changed."""
    changed = []
    for file in files(env):
        target = root / file.path
        if target.exists() and (not file.generated or target.read_text() == file.text):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text)
        changed.append(str(file.path))
    return changed


def problems(root: Path, env: Environment) -> list[str]:
    """What differs from the spec: stale generated files, missing files, a tfvars for another environment."""
    found = []
    for file in files(env):
        target = root / file.path
        if not target.exists():
            found.append(f"{file.path}: missing (run `qvctl env scaffold {env.name}`)")
        elif file.generated and target.read_text() != file.text:
            found.append(f"{file.path}: differs from what environments/{env.name}.yaml gives "
                         f"(run `qvctl env scaffold {env.name}`)")
        elif not file.generated:
            named = _tfvars_environment(target)
            if named != env.name:
                found.append(f"{file.path}: sets environment = {named!r}, not {env.name!r}")
    return found


def _tfvars_environment(path: Path) -> str | None:
    try:
        value = hcl2.loads(path.read_text()).get("environment")
    except Exception:  # lark's parse errors share no base class we can name
        return None
    return value.strip('"') if isinstance(value, str) else None
