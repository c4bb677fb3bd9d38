"""Lookup plugin: what an environment's run needs to know about itself, computed by qvctl's own code.

    query('qv_platform', 'state_dir', environment=qv_environment)
    query('qv_platform', 'terraform_outputs', environment=qv_environment)
    query('qv_platform', 'api_release', environment=qv_environment)

`state_dir` is the environment's state folder by the same rule `qvctl` uses (QV_STATE_DIR, else
the checkout's folder under /var/lib/qvctl). `terraform_outputs` are the root module's outputs
read from the environment's Terraform state, where `terraform/env/<env>.tfbackend` says it is.
With both, `ansible-playbook -i inventories/<env> main.yml` runs as written, with nothing handed
over on the command line. `api_release` is the API's release state (qvctl.release): the stable
build and the candidate of a rollout in progress, with the files that route requests to them.
Ansible runs from the project's virtualenv, which has qvctl.
"""

from __future__ import annotations

import os
from pathlib import Path

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = """
    name: qv_platform
    short_description: the environment's state folder and Terraform outputs, as qvctl finds them
    options:
      _terms:
        description: what to return, 'state_dir', 'terraform_outputs' or 'api_release'
        required: true
      environment:
        description: the environment (its spec is environments/<environment>.yaml)
        required: true
"""

# ansible/plugins/lookup/ -> the repository
REPOSITORY = Path(__file__).resolve().parents[3]


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        environment = self.get_option("environment")
        try:
            from qvctl.context import Context, QvError
            from qvctl.platform.paths import EnvPaths
            from qvctl.platform.terraform_state import backend_file, read_backend, read_outputs
            from qvctl.release.routing import for_ansible
            from qvctl.release.state import Store
            from qvctl.spec import require_environment
        except ImportError as err:
            raise AnsibleError(f"qv_platform needs qvctl: run ansible-playbook from the project's .venv ({err})")
        ctx = Context(root=REPOSITORY, environ=dict(os.environ))
        answers = []
        for term in terms:
            try:
                if term == "state_dir":
                    answers.append(str(ctx.state_dir(environment).resolve()))
                elif term == "terraform_outputs":
                    backend = read_backend(backend_file(REPOSITORY, environment))
                    answers.append(read_outputs(backend, os.environ))
                elif term == "api_release":
                    spec = require_environment(ctx, environment)
                    answers.append(for_ansible(Store(EnvPaths.of(ctx, environment)), spec))
                else:
                    raise AnsibleError(
                        f"qv_platform: unknown term {term!r} (state_dir, terraform_outputs, api_release)")
            except QvError as err:
                raise AnsibleError(err.message) from None
        return answers
