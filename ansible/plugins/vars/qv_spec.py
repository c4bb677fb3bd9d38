"""Vars plugin: the environment spec as the variable `qv_spec`.

`environments/<env>.yaml` is the one source of truth for an environment (docs/
infrastructure_guide.md, "Environments"). The inventory folder names the environment
(`inventories/<env>/`), so every inventory (the generated local one and the aws_ec2 ones) gets
the spec without repeating it.
The spec is attached to the `all` group: hosts and group_vars may override any derived
variable, never the file itself.
"""

from __future__ import annotations

import os

import yaml
from ansible.errors import AnsibleParserError
from ansible.inventory.group import Group

from ansible.plugins.vars import BaseVarsPlugin

DOCUMENTATION = """
    name: qv_spec
    short_description: load environments/<env>.yaml as qv_spec
    description:
      - For an inventory folder inventories/<env>/ of this repository, loads
        ../environments/<env>.yaml (relative to the ansible folder) into the variable qv_spec
        on the group all, plus qv_environment (the environment name). The shared service
        ports (../environments/shared/ports.yaml) become qv_spec.ports.
    options:
      stage:
        ini:
          - key: stage
            section: vars_qv_spec
        env:
          - name: ANSIBLE_VARS_PLUGIN_STAGE
"""


def _load(path: str, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as err:
        raise AnsibleParserError(f"cannot load {what} {path}: {err}") from None
    if not isinstance(data, dict):
        raise AnsibleParserError(f"{what} {path} is not a mapping")
    return data


class VarsModule(BaseVarsPlugin):
    REQUIRES_ENABLED = True

    _cache: dict[str, dict] = {}

    def get_vars(self, loader, path, entities, cache=True):
        super().get_vars(loader, path, entities)
        if not any(isinstance(entity, Group) and entity.name == "all" for entity in entities):
            return {}
        inventory_dir = os.path.realpath(path if os.path.isdir(path) else os.path.dirname(path))
        if os.path.basename(os.path.dirname(inventory_dir)) != "inventories":
            return {}  # not an inventory of this repository (e.g. the playbook folder)
        environment = os.path.basename(inventory_dir)
        environments = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(inventory_dir))), "environments")
        spec_file = os.path.join(environments, f"{environment}.yaml")
        if spec_file not in self._cache:
            spec = _load(spec_file, "the environment spec")
            # Service ports are the same in every environment: one shared file, as qvctl's loader does.
            spec["ports"] = _load(os.path.join(environments, "shared", "ports.yaml"), "the shared ports")["ports"]
            self._cache[spec_file] = {"qv_environment": environment, "qv_spec": spec}
        return dict(self._cache[spec_file])
