"""Every cross-layer check over one rendered environment, each reading the other layer from its own files."""

from __future__ import annotations

from pathlib import Path

from qvctl.contract.api_routes import API_SOURCE, api_get_paths
from qvctl.contract.api_settings import API_VARIABLES, api_variables
from qvctl.contract.certificate_names import check_certificate_names
from qvctl.contract.environment_variables import check_environment_variables
from qvctl.contract.errors import ContractMissing
from qvctl.contract.external_secrets import check_external_secrets_terraform
from qvctl.contract.internal_names import check_internal_names
from qvctl.contract.irsa import check_irsa_annotations, check_irsa_terraform
from qvctl.contract.pod_tls import check_pod_tls
from qvctl.contract.probes import check_probes
from qvctl.contract.problem import Problem
from qvctl.contract.references import check_no_secret_data, check_references
from qvctl.kubernetes.render import Rendered


def cross_layer_problems(root: Path, rendered: Rendered) -> list[Problem]:
    problems: list[Problem] = []
    try:
        problems += check_environment_variables(rendered, api_variables(root))
    except ContractMissing as err:
        problems.append(Problem("env-vars", str(API_VARIABLES), str(err)))
    try:
        problems += check_probes(rendered, api_get_paths(root))
    except ContractMissing as err:
        problems.append(Problem("probes", str(API_SOURCE), str(err)))
    problems += check_irsa_annotations(rendered)
    problems += check_irsa_terraform(root, rendered.env)
    problems += check_references(rendered)
    problems += check_no_secret_data(rendered)
    # The cloud trust chain: secrets Terraform publishes, names its private zone resolves,
    # names the servers' certificates carry.
    problems += check_external_secrets_terraform(root, rendered)
    problems += check_internal_names(root, rendered)
    problems += check_certificate_names(root, rendered)
    # Inside the cluster: the API pods' own certificate and everyone who talks to them.
    problems += check_pod_tls(rendered)
    return problems
