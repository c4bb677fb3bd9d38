"""Cross-layer checks (qvctl.contract): each one passes on the real render and catches the mistake its name gives."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from qvctl.contract import api_routes, api_settings, terraform
from qvctl.contract.api_settings import Variable
from qvctl.contract.checks import cross_layer_problems
from qvctl.contract.environment_variables import check_environment_variables
from qvctl.contract.errors import ContractMissing
from qvctl.contract.irsa import check_irsa_annotations, check_irsa_terraform
from qvctl.contract.probes import check_probes
from qvctl.contract.problem import Problem
from qvctl.contract.references import check_no_secret_data, check_references
from qvctl.kubernetes import checks, naming
from qvctl.kubernetes.render import Rendered
from tests.conftest import ROOT
from tests.unit.rendered_dev import find_object as _find
from tests.unit.rendered_dev import render_dev

# The API's documented variables written out, so these tests do not depend on the API's own file.
REQUIRED = {"QV_DB_HOST", "QV_AUTH_ISSUER", "QV_AUTH_AUDIENCE"}
CONTRACT_VARIABLES = {
    name: Variable(name, required=name in REQUIRED, secret=name.endswith("PASSWORD_FILE"), default=None)
    for name in (
        "QV_ENVIRONMENT QV_LOG_LEVEL QV_DB_HOST QV_DB_PORT QV_DB_NAME QV_DB_USER QV_DB_PASSWORD_FILE "
        "QV_DB_SSLMODE QV_DB_SSLROOTCERT QV_DB_POOL_SIZE QV_REDIS_URL QV_REDIS_PASSWORD_FILE "
        "QV_REDIS_IAM_USER QV_REDIS_IAM_CACHE QV_REDIS_SSL_CA_FILE QV_CACHE_TTL_SECONDS "
        "QV_AUTH_ISSUER QV_AUTH_AUDIENCE QV_AUTH_JWKS_FILE QV_AUTH_JWKS_URL"
    ).split()
}
SERVED = {"/livez", "/readyz", "/version", "/metrics"}


@pytest.fixture
def rendered() -> Rendered:
    return render_dev()


def _api_container(rendered: Rendered) -> dict[str, Any]:
    return _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["containers"][0]


def _config(rendered: Rendered) -> dict[str, str]:
    return next(o for o in rendered.objects["40-config.yaml"] if o["metadata"]["name"].startswith("api-config-"))[
        "data"
    ]


def _messages(problems: list[Problem]) -> list[str]:
    return [p.message for p in problems]


# --- environment variables -------------------------------------------------------------------


def test_manifests_set_only_variables_the_api_documents(rendered: Rendered) -> None:
    assert check_environment_variables(rendered, CONTRACT_VARIABLES) == []


def test_an_undocumented_variable_is_reported(rendered: Rendered) -> None:
    _config(rendered)["QV_DB_PASSWORD"] = "x"  # noqa: S105 - the mistake under test
    messages = _messages(check_environment_variables(rendered, CONTRACT_VARIABLES))
    # both the Rollout and the migration Job use the ConfigMap
    assert len(messages) == 2
    assert all("sets QV_DB_PASSWORD, which the API does not read" in m for m in messages)


def test_a_missing_required_variable_is_reported(rendered: Rendered) -> None:
    del _config(rendered)["QV_DB_HOST"]
    messages = _messages(check_environment_variables(rendered, CONTRACT_VARIABLES))
    assert any("does not set required QV_DB_HOST" in m for m in messages)


def test_a_secret_given_as_a_value_is_reported(rendered: Rendered) -> None:
    variables = {**CONTRACT_VARIABLES, "QV_API_TOKEN": Variable("QV_API_TOKEN", False, True, None)}
    _api_container(rendered)["env"].append({"name": "QV_API_TOKEN", "value": "hunter2"})
    messages = _messages(check_environment_variables(rendered, variables))
    assert messages == [
        "Rollout/quantumvest/api container api sets secret QV_API_TOKEN as a value; secrets reach the pod as files"
    ]


def test_a_secret_file_outside_a_secret_mount_is_reported(rendered: Rendered) -> None:
    for item in _api_container(rendered)["env"]:
        if item["name"] == "QV_DB_PASSWORD_FILE":
            item["value"] = "/tmp/password"  # noqa: S108 - the wrong place this test is about
    messages = _messages(check_environment_variables(rendered, CONTRACT_VARIABLES))
    assert messages == [
        "Rollout/quantumvest/api container api: QV_DB_PASSWORD_FILE=/tmp/password is not inside a mounted Secret volume"
    ]


def test_an_env_vars_finding_names_its_check_and_the_workloads_file(rendered: Rendered) -> None:
    _api_container(rendered)["env"].append({"name": "QV_DEBUG", "value": "1"})
    assert [str(p) for p in check_environment_variables(rendered, CONTRACT_VARIABLES)] == [
        "kubernetes/dev/71-rollout.yaml: [env-vars] Rollout/quantumvest/api container api sets QV_DEBUG, which the "
        "API does not read (services/api/config/environment-variables.yaml)"
    ]


def test_every_env_vars_finding_of_a_container_is_reported_in_full(rendered: Rendered) -> None:
    variables = {**CONTRACT_VARIABLES, "QV_API_TOKEN": Variable("QV_API_TOKEN", False, True, None)}
    env = _api_container(rendered)["env"]
    env += [{"name": "QV_AAA", "value": "1"}, {"name": "QV_API_TOKEN", "value": "hunter2"}]
    next(e for e in env if e["name"] == "QV_DB_PASSWORD_FILE")["value"] = "/tmp/password"  # noqa: S108 - under test
    del _config(rendered)["QV_DB_HOST"]
    job = rendered.objects["60-migration-job.yaml"][0]["metadata"]["name"]
    rollout = "kubernetes/dev/71-rollout.yaml: [env-vars] Rollout/quantumvest/api container api"
    assert [str(p) for p in check_environment_variables(rendered, variables)] == [
        f"kubernetes/dev/60-migration-job.yaml: [env-vars] Job/quantumvest/{job} container migrate does not set "
        "required QV_DB_HOST",
        f"{rollout} sets QV_AAA, which the API does not read (services/api/config/environment-variables.yaml)",
        f"{rollout} sets secret QV_API_TOKEN as a value; secrets reach the pod as files",
        f"{rollout}: QV_DB_PASSWORD_FILE=/tmp/password is not inside a mounted Secret volume",
        f"{rollout} does not set required QV_DB_HOST",
    ]


def test_a_config_map_that_is_not_rendered_is_reported_with_what_it_no_longer_sets(rendered: Rendered) -> None:
    job = rendered.objects["60-migration-job.yaml"][0]
    job["spec"]["template"]["spec"]["containers"][0]["envFrom"] = [
        {"configMapRef": {"name": "api-config-old"}},
        {"secretRef": {"name": "api-database"}},
    ]
    who = f"Job/quantumvest/{job['metadata']['name']} container migrate"
    assert [str(p) for p in check_environment_variables(rendered, CONTRACT_VARIABLES)] == [
        f"kubernetes/dev/60-migration-job.yaml: [env-vars] {who}: envFrom names ConfigMap 'api-config-old', "
        "not rendered",
        f"kubernetes/dev/60-migration-job.yaml: [env-vars] {who}: envFrom names ConfigMap None, not rendered",
        f"kubernetes/dev/60-migration-job.yaml: [env-vars] {who} does not set required QV_DB_HOST",
        f"kubernetes/dev/60-migration-job.yaml: [env-vars] {who} does not set required QV_AUTH_ISSUER",
        f"kubernetes/dev/60-migration-job.yaml: [env-vars] {who} does not set required QV_AUTH_AUDIENCE",
    ]


def test_a_config_map_of_another_namespace_is_not_the_workloads(rendered: Rendered) -> None:
    config_map = next(o for o in rendered.objects["40-config.yaml"] if o["metadata"]["name"].startswith("api-config-"))
    config_map["metadata"]["namespace"] = "logging"
    messages = _messages(check_environment_variables(rendered, CONTRACT_VARIABLES))
    assert (
        f"Rollout/quantumvest/api container api: envFrom names ConfigMap {config_map['metadata']['name']!r}, "
        "not rendered" in messages
    )


def test_a_container_with_no_environment_lacks_every_required_variable(rendered: Rendered) -> None:
    # No envFrom, env, mounts or volumes at all in the Rollout; the Job's ConfigMap carries no data.
    container = _api_container(rendered)
    for key in ("envFrom", "env", "volumeMounts"):
        del container[key]
    del _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["volumes"]
    del next(o for o in rendered.objects["40-config.yaml"] if o["metadata"]["name"].startswith("api-config-"))["data"]
    job = rendered.objects["60-migration-job.yaml"][0]
    missing = [f"does not set required {name}" for name in ("QV_DB_HOST", "QV_AUTH_ISSUER", "QV_AUTH_AUDIENCE")]
    assert _messages(check_environment_variables(rendered, CONTRACT_VARIABLES)) == [
        *(f"Job/quantumvest/{job['metadata']['name']} container migrate {m}" for m in missing),
        *(f"Rollout/quantumvest/api container api {m}" for m in missing),
    ]


def test_a_required_variable_with_a_default_need_not_be_set(rendered: Rendered) -> None:
    del _config(rendered)["QV_DB_HOST"]
    documented = {**CONTRACT_VARIABLES, "QV_DB_HOST": Variable("QV_DB_HOST", True, False, "localhost")}
    assert check_environment_variables(rendered, documented) == []
    documented["QV_DB_HOST"] = Variable("QV_DB_HOST", False, False, None)
    assert check_environment_variables(rendered, documented) == []


def test_a_secret_file_beside_the_secret_mount_is_not_inside_it(rendered: Rendered) -> None:
    # /var/run/secrets/quantumvest/database is mounted; database-old/ merely starts with the same letters.
    for item in _api_container(rendered)["env"]:
        if item["name"] == "QV_DB_PASSWORD_FILE":
            item["value"] = "/var/run/secrets/quantumvest/database-old/password"
    assert _messages(check_environment_variables(rendered, CONTRACT_VARIABLES)) == [
        "Rollout/quantumvest/api container api: QV_DB_PASSWORD_FILE=/var/run/secrets/quantumvest/database-old/password "
        "is not inside a mounted Secret volume"
    ]


def test_a_secret_file_is_inside_a_mount_only_of_a_declared_secret_volume(rendered: Rendered) -> None:
    # The mount names a volume the pod does not declare: no Secret is mounted there.
    del _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["volumes"]
    assert _messages(check_environment_variables(rendered, CONTRACT_VARIABLES)) == [
        "Rollout/quantumvest/api container api: QV_DB_PASSWORD_FILE=/var/run/secrets/quantumvest/database/password "
        "is not inside a mounted Secret volume"
    ]


def test_a_secret_file_in_a_sibling_of_the_mount_is_not_inside_it(rendered: Rendered) -> None:
    for mount in _api_container(rendered)["volumeMounts"]:
        if mount["name"] == "api-database":
            mount["mountPath"] = "/var/run/secrets/quantumvest/DBX"
    for item in _api_container(rendered)["env"]:
        if item["name"] == "QV_DB_PASSWORD_FILE":
            item["value"] = "/var/run/secrets/quantumvest/DB/password"
    assert len(check_environment_variables(rendered, CONTRACT_VARIABLES)) == 1


def test_a_secret_file_under_a_mount_given_with_a_trailing_slash_is_inside_it(rendered: Rendered) -> None:
    for mount in _api_container(rendered)["volumeMounts"]:
        if mount["name"] == "api-database":
            mount["mountPath"] += "/"
    assert check_environment_variables(rendered, CONTRACT_VARIABLES) == []


def test_the_api_documented_list_is_read_from_its_file(tmp_path: Path) -> None:
    with pytest.raises(ContractMissing, match=r"environment-variables\.yaml is missing"):
        api_settings.api_variables(tmp_path)
    (tmp_path / api_settings.API_VARIABLES).parent.mkdir(parents=True)
    (tmp_path / api_settings.API_VARIABLES).write_text(
        "variables:\n- {name: QV_X, required: true, secret: false, default: null}\n"
    )
    assert api_settings.api_variables(tmp_path) == {"QV_X": Variable("QV_X", True, False, None)}
    (tmp_path / api_settings.API_VARIABLES).write_text("- just a list\n")
    with pytest.raises(ContractMissing, match="is not `variables:"):
        api_settings.api_variables(tmp_path)


def test_the_api_documented_list_carries_each_variables_secrecy_and_default(tmp_path: Path) -> None:
    (tmp_path / api_settings.API_VARIABLES).parent.mkdir(parents=True)
    (tmp_path / api_settings.API_VARIABLES).write_text(
        "variables:\n- {name: QV_X_FILE, required: false, secret: true, default: /run/x}\n- {name: QV_Y}\n"
    )
    assert api_settings.api_variables(tmp_path) == {
        "QV_X_FILE": Variable("QV_X_FILE", required=False, secret=True, default="/run/x"),
        "QV_Y": Variable("QV_Y", required=False, secret=False, default=None),
    }


def test_a_missing_api_variables_file_is_one_clear_problem(tmp_path: Path, rendered: Rendered) -> None:
    problems = cross_layer_problems(tmp_path, rendered)
    env_problems = [p for p in problems if p.check == "env-vars"]
    assert [str(p) for p in env_problems] == [
        "services/api/config/environment-variables.yaml: [env-vars] services/api/config/environment-variables.yaml "
        "is missing: cannot check the environment variables the manifests set"
    ]


# --- probes and ports ------------------------------------------------------------------------


def test_probes_and_scrape_paths_are_served(rendered: Rendered) -> None:
    assert check_probes(rendered, SERVED) == []


def test_a_probe_on_a_path_the_api_does_not_serve_is_reported(rendered: Rendered) -> None:
    _api_container(rendered)["readinessProbe"]["httpGet"]["path"] = "/healthz"
    assert _messages(check_probes(rendered, SERVED)) == [
        "Rollout/quantumvest/api container api readinessProbe path /healthz is not a GET route of the API"
    ]


def test_a_port_other_than_the_spec_is_reported(rendered: Rendered) -> None:
    _api_container(rendered)["ports"][0]["containerPort"] = 8080
    messages = _messages(check_probes(rendered, SERVED))
    assert "Rollout/quantumvest/api container api listens on 8080, the spec says 8000" in messages
    assert sum("is not the API's port 8000" in m for m in messages) == 3  # the three probes


def _lines(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def test_a_port_finding_names_the_probes_check_and_the_rollouts_file(rendered: Rendered) -> None:
    _api_container(rendered)["ports"][0]["containerPort"] = 8080
    _api_container(rendered)["livenessProbe"]["httpGet"]["port"] = 8000  # a number: the spec's port, no finding
    assert _lines(check_probes(rendered, SERVED)) == [
        "kubernetes/dev/71-rollout.yaml: [probes] Rollout/quantumvest/api container api listens on 8080, "
        "the spec says 8000",
        "kubernetes/dev/71-rollout.yaml: [probes] Rollout/quantumvest/api container api startupProbe port https "
        "is not the API's port 8000",
        "kubernetes/dev/71-rollout.yaml: [probes] Rollout/quantumvest/api container api readinessProbe port https "
        "is not the API's port 8000",
    ]


def test_the_api_started_on_another_port_is_reported(rendered: Rendered) -> None:
    args = _api_container(rendered)["args"]
    args[args.index("--port") + 1] = "8080"
    assert _lines(check_probes(rendered, SERVED)) == [
        "kubernetes/dev/71-rollout.yaml: [probes] Rollout/quantumvest/api container api starts the API on another "
        "port than 8000"
    ]


def test_a_probe_on_a_port_name_the_container_does_not_declare_is_reported(rendered: Rendered) -> None:
    _api_container(rendered)["startupProbe"]["httpGet"]["port"] = "metrics"
    assert _lines(check_probes(rendered, SERVED)) == [
        "kubernetes/dev/71-rollout.yaml: [probes] Rollout/quantumvest/api container api startupProbe port metrics "
        "is not the API's port 8000"
    ]


def test_a_scrape_path_the_api_does_not_serve_is_reported(rendered: Rendered) -> None:
    _find(rendered, "ServiceMonitor", "api")["spec"]["endpoints"][0]["path"] = "/stats"
    assert _lines(check_probes(rendered, SERVED)) == [
        "kubernetes/dev/91-service-monitor.yaml: [probes] ServiceMonitor/quantumvest/api scrapes /stats, "
        "not a GET route of the API"
    ]


def test_a_service_monitor_without_endpoints_scrapes_nothing(rendered: Rendered) -> None:
    del _find(rendered, "ServiceMonitor", "api")["spec"]["endpoints"]
    assert check_probes(rendered, SERVED) == []


def test_the_probes_after_a_missing_one_are_still_checked(rendered: Rendered) -> None:
    container = _api_container(rendered)
    del container["startupProbe"]
    container["readinessProbe"]["httpGet"]["path"] = "/healthz"
    assert _messages(check_probes(rendered, SERVED)) == [
        "Rollout/quantumvest/api container api readinessProbe path /healthz is not a GET route of the API"
    ]


def test_a_container_without_args_or_probes_is_checked_for_its_port_only(rendered: Rendered) -> None:
    container = _api_container(rendered)
    for key in ("args", "startupProbe", "livenessProbe", "readinessProbe"):
        del container[key]
    assert check_probes(rendered, SERVED) == []
    container["ports"][0]["containerPort"] = 8080
    assert _messages(check_probes(rendered, SERVED)) == [
        "Rollout/quantumvest/api container api listens on 8080, the spec says 8000"
    ]


FAKE_API_APP = """
from fastapi import APIRouter, FastAPI

def create_app() -> FastAPI:
    app = FastAPI()
    v1 = APIRouter(prefix="/api/v1")

    @app.get("/livez")
    def livez() -> dict[str, str]:
        return {}

    @v1.get("/portfolios/{id}")
    def portfolio(id: str) -> dict[str, str]:
        return {}

    @v1.post("/portfolios")
    def create() -> dict[str, str]:
        return {}

    app.include_router(v1)
    return app
"""


def test_served_paths_are_the_get_routes_of_the_openapi_document_of_the_repositorys_api(tmp_path: Path) -> None:
    package = tmp_path / api_routes.API_PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text(FAKE_API_APP)
    # The API beside the manifests, not the installed one: no /readyz here.
    assert api_routes.api_get_paths(tmp_path) == {"/livez", "/api/v1/portfolios/{id}"}


def test_an_api_that_cannot_be_built_is_one_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(ContractMissing, match=r"services/api/src/quantumvest_api is missing"):
        api_routes.api_get_paths(tmp_path)
    package = tmp_path / api_routes.API_PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text("raise RuntimeError('no database configured')\n")
    with pytest.raises(ContractMissing, match=r"cannot build the API's OpenAPI document .*no database configured"):
        api_routes.api_get_paths(tmp_path)


def test_each_missing_layer_is_one_problem_of_its_own_check_at_the_file_it_lacks(
    tmp_path: Path, rendered: Rendered
) -> None:
    eks_missing = "terraform/modules/eks/ is missing: cannot check IRSA role names against Terraform"
    assert [str(p) for p in cross_layer_problems(tmp_path, rendered)] == [
        "services/api/config/environment-variables.yaml: [env-vars] services/api/config/environment-variables.yaml "
        "is missing: cannot check the environment variables the manifests set",
        "services/api/src: [probes] services/api/src/quantumvest_api is missing: cannot check that probe paths are "
        "served by the API",
        f"terraform/: [irsa] {eks_missing}",
        "terraform/: [external-secrets] terraform/modules/secrets/ has no .tf files: cannot tell which secrets "
        "Terraform manages",
        f"terraform/: [internal-dns] {eks_missing}",
        f"terraform/: [certificate-names] {eks_missing}",
    ]


def test_the_problems_of_every_check_are_reported_together(tmp_path: Path, rendered: Rendered) -> None:
    # An API that serves only /livez, and no documented variables: both checks' findings, neither replacing the other.
    package = tmp_path / api_routes.API_PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text(FAKE_API_APP)
    problems = cross_layer_problems(tmp_path, rendered)
    assert [str(p) for p in problems if p.check == "env-vars"] == [
        "services/api/config/environment-variables.yaml: [env-vars] services/api/config/environment-variables.yaml "
        "is missing: cannot check the environment variables the manifests set"
    ]
    assert [str(p) for p in problems if p.check == "probes"] == [
        "kubernetes/dev/71-rollout.yaml: [probes] Rollout/quantumvest/api container api readinessProbe path "
        "/readyz is not a GET route of the API",
        "kubernetes/dev/91-service-monitor.yaml: [probes] ServiceMonitor/quantumvest/api scrapes /metrics, not a GET "
        "route of the API",
    ]


def test_the_real_api_serves_the_probe_paths() -> None:
    assert {naming.LIVENESS_PATH, naming.READINESS_PATH, naming.METRICS_PATH} <= api_routes.api_get_paths(ROOT)


# --- IRSA ------------------------------------------------------------------------------------


def test_service_account_annotations_match_the_naming(rendered: Rendered) -> None:
    assert check_irsa_annotations(rendered) == []
    account = _find(rendered, "ServiceAccount", "backup")
    account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] = "arn:aws:iam::111111111111:role/backup"
    assert _messages(check_irsa_annotations(rendered)) == [
        "ServiceAccount quantumvest/backup has role 'arn:aws:iam::111111111111:role/backup', expected "
        "'arn:aws:iam::111111111111:role/quantumvest-dev-irsa-backup'"
    ]


def test_service_accounts_missing_or_without_the_role_annotation_are_reported_in_full(rendered: Rendered) -> None:
    accounts = rendered.objects["20-service-accounts.yaml"]
    accounts[:] = [a for a in accounts if a["metadata"]["name"] != "api"]
    del _find(rendered, "ServiceAccount", "backup")["metadata"]["annotations"]
    assert [str(p) for p in check_irsa_annotations(rendered)] == [
        "kubernetes/dev/: [irsa] no ServiceAccount quantumvest/api",
        "kubernetes/dev/: [irsa] ServiceAccount quantumvest/backup has role None, expected "
        "'arn:aws:iam::111111111111:role/quantumvest-dev-irsa-backup'",
    ]


# The shape of the Terraform code (root module passes a prefix and a map; the eks module builds
# the role name), reduced to what the check reads.
EKS_MAIN_TF = """
resource "aws_iam_role" "irsa" {
  for_each = local.irsa

  name               = "${var.irsa_role_name_prefix}${each.key}"
  assume_role_policy = local.irsa_trust[each.key]
}
"""
ROOT_LOCALS_TF = """
locals {
  spec = yamldecode(file("${path.module}/../environments/${var.environment}.yaml"))

  name = "${local.spec.project}-${local.spec.name}"
}
"""
ROOT_CLOUD_TF = """
locals {
  namespace = local.spec.kubernetes.namespace

  service_accounts = {
    api = {
      namespace  = local.namespace
      statements = []
    }
    external-secrets = {
      namespace  = "external-secrets"
      statements = []
    }
    external-secrets-logging = {
      namespace  = "logging"
      statements = []
    }
    fluent-bit = {
      namespace  = "logging"
      statements = []
    }
    backup = {
      namespace  = local.namespace
      statements = []
    }
  }
}

module "eks_dr" {
  source            = "./modules/eks"
  name              = "${local.name}-dr"
  create_irsa_roles = false
}

module "eks" {
  source                = "./modules/eks"
  name                  = "${local.name}-primary"
  irsa_role_name_prefix = "${local.name}-irsa-"
  service_accounts      = local.service_accounts
}
"""


def _terraform(tmp_path: Path, cloud_tf: str = ROOT_CLOUD_TF, main_tf: str = EKS_MAIN_TF) -> Path:
    module = tmp_path / terraform.EKS_MODULE
    module.mkdir(parents=True)
    (module / "main.tf").write_text(main_tf)
    (tmp_path / "terraform" / "locals.tf").write_text(ROOT_LOCALS_TF)
    (tmp_path / "terraform" / "cloud.tf").write_text(cloud_tf)
    return tmp_path


def test_terraform_naming_that_agrees_passes(tmp_path: Path, rendered: Rendered) -> None:
    assert check_irsa_terraform(_terraform(tmp_path), rendered.env) == []


def test_terraform_role_names_are_resolved_through_locals_and_the_spec(tmp_path: Path, rendered: Rendered) -> None:
    reader = terraform.IrsaReader(_terraform(tmp_path), rendered.env.model_dump(mode="json"))
    assert reader.role_names() == {
        "api": "quantumvest-dev-irsa-api",
        "external-secrets": "quantumvest-dev-irsa-external-secrets",
        "external-secrets-logging": "quantumvest-dev-irsa-external-secrets-logging",
        "fluent-bit": "quantumvest-dev-irsa-fluent-bit",
        "backup": "quantumvest-dev-irsa-backup",
    }


def test_terraform_naming_that_differs_is_reported(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(tmp_path, ROOT_CLOUD_TF.replace('"${local.name}-irsa-"', '"${local.name}-role-"'))
    messages = _messages(check_irsa_terraform(root, rendered.env))
    assert len(messages) == len(naming.IRSA_SERVICE_ACCOUNTS)
    assert (
        messages[0] == "Terraform names the role of 'api' 'quantumvest-dev-role-api', the ServiceAccount expects "
        "'quantumvest-dev-irsa-api'"
    )


def test_a_namespace_terraform_does_not_trust_is_reported(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(tmp_path, ROOT_CLOUD_TF.replace('namespace  = "logging"', 'namespace  = "kube-system"'))
    assert _messages(check_irsa_terraform(root, rendered.env)) == [
        "Terraform's role for 'external-secrets-logging' trusts namespace 'kube-system', "
        "the ServiceAccount is in 'logging'",
        "Terraform's role for 'fluent-bit' trusts namespace 'kube-system', the ServiceAccount is in 'logging'",
    ]


def test_the_logging_stores_identity_trusted_in_the_operators_namespace_is_reported(
    tmp_path: Path, rendered: Rendered
) -> None:
    # Trusting external-secrets/external-secrets-logging would hand the logging namespace's role
    # to an account the logging namespace does not own.
    moved = ROOT_CLOUD_TF.replace(
        'external-secrets-logging = {\n      namespace  = "logging"',
        'external-secrets-logging = {\n      namespace  = "external-secrets"',
    )
    assert moved != ROOT_CLOUD_TF
    assert _messages(check_irsa_terraform(_terraform(tmp_path, moved), rendered.env)) == [
        "Terraform's role for 'external-secrets-logging' trusts namespace 'external-secrets', "
        "the ServiceAccount is in 'logging'"
    ]


def test_a_service_account_without_a_terraform_role_is_reported(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(tmp_path, ROOT_CLOUD_TF.replace("    backup = {", "    restore = {"))
    assert _messages(check_irsa_terraform(root, rendered.env)) == [
        "service account 'backup' has no IRSA role in Terraform"
    ]


def test_terraform_the_check_cannot_follow_is_reported(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(tmp_path, ROOT_CLOUD_TF.replace('"${local.name}-irsa-"', '"${local.prefix}-irsa-"'))
    assert _messages(check_irsa_terraform(root, rendered.env)) == ["local.prefix is not assigned in terraform/*.tf"]


# The root module after the region refactor: the eks module is instantiated inside
# modules/region, itself instantiated twice; the map and the prefix live in other files.
REGION_MODULES_TF = """
module "primary" {
  source                = "./modules/region"
  irsa_role_name_prefix = "${local.name}-irsa-"
  service_accounts      = local.service_accounts
}

module "dr" {
  source            = "./modules/region"
  create_irsa_roles = false
}
"""
IRSA_LOCALS_TF = ROOT_CLOUD_TF[: ROOT_CLOUD_TF.index('module "eks_dr"')]


def test_terraform_is_read_by_meaning_not_by_file_position(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(tmp_path, cloud_tf=REGION_MODULES_TF)
    (root / "terraform" / "irsa.tf").write_text(IRSA_LOCALS_TF)
    assert check_irsa_terraform(root, rendered.env) == []


_WEST = 'module "west" {\n  source = "x"\n  irsa_role_name_prefix = "${local.name}-irsa-"\n}\n'


@pytest.mark.parametrize(
    ("extra", "groups"),
    [("", "module primary: 'quantumvest-dev-irsa-'; module dr: 'x-'"),
     (_WEST, "module primary, west: 'quantumvest-dev-irsa-'; module dr: 'x-'")],
    ids=["two blocks", "blocks grouped by the prefix they set"],
)  # fmt: skip
def test_module_blocks_that_disagree_on_the_prefix_are_reported(
    tmp_path: Path, rendered: Rendered, extra: str, groups: str
) -> None:
    disagreeing = REGION_MODULES_TF.replace("create_irsa_roles = false", 'irsa_role_name_prefix = "x-"') + extra
    root = _terraform(tmp_path, cloud_tf=disagreeing)
    (root / "terraform" / "irsa.tf").write_text(IRSA_LOCALS_TF)
    assert _messages(check_irsa_terraform(root, rendered.env)) == [
        f"irsa_role_name_prefix differs between module blocks in terraform/*.tf ({groups})"
    ]


def test_terraform_that_is_not_hcl_is_reported(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(tmp_path)
    (root / "terraform" / "broken.tf").write_text('locals {\n  a = "unterminated\n}\n')
    (message,) = _messages(check_irsa_terraform(root, rendered.env))
    assert message.startswith("terraform/broken.tf is not valid HCL"), message


SERVICE_ACCOUNTS_MAP = ROOT_CLOUD_TF[ROOT_CLOUD_TF.index("  service_accounts = {") : ROOT_CLOUD_TF.index("module")]


@pytest.mark.parametrize(
    ("cloud_tf", "main_tf", "expected"),
    [
        (
            ROOT_CLOUD_TF,
            EKS_MAIN_TF.replace('"irsa"', '"workload"'),
            'no resource "aws_iam_role" "irsa" with a name in terraform/modules/eks/*.tf',
        ),
        (
            ROOT_CLOUD_TF,
            EKS_MAIN_TF.replace('  name               = "${var.irsa_role_name_prefix}${each.key}"\n', ""),
            'no resource "aws_iam_role" "irsa" with a name in terraform/modules/eks/*.tf',
        ),
        (
            ROOT_CLOUD_TF.replace('  irsa_role_name_prefix = "${local.name}-irsa-"\n', ""),
            EKS_MAIN_TF,
            "no module block in terraform/*.tf sets irsa_role_name_prefix",
        ),
        (
            ROOT_CLOUD_TF.replace(SERVICE_ACCOUNTS_MAP, "}\n\n"),
            EKS_MAIN_TF,
            "local.service_accounts is not assigned in terraform/*.tf",
        ),
        (
            ROOT_CLOUD_TF.replace(SERVICE_ACCOUNTS_MAP, "  service_accounts = merge(local.a, local.b)\n}\n"),
            EKS_MAIN_TF,
            "local.service_accounts in terraform/*.tf is not a literal map of `<serviceaccount> = { namespace = ... }`",
        ),
        (
            ROOT_CLOUD_TF.replace(SERVICE_ACCOUNTS_MAP, "  service_accounts = {}\n}\n"),
            EKS_MAIN_TF,
            "local.service_accounts in terraform/*.tf has no entries",
        ),
        (
            ROOT_CLOUD_TF.replace(
                "    backup = {\n      namespace  = local.namespace\n", '    "backup" = {\n      ns = local.namespace\n'
            ),
            EKS_MAIN_TF,
            "local.service_accounts['backup'] sets no namespace",
        ),
        (
            ROOT_CLOUD_TF.replace(
                "    backup = {\n      namespace  = local.namespace\n      statements = []\n    }",
                "    backup = local.namespace",
            ),
            EKS_MAIN_TF,
            "local.service_accounts['backup'] sets no namespace",
        ),
    ],
    ids=[
        "no irsa role",
        "a role without name",
        "no prefix",
        "no map",
        "not a literal map",
        "empty",
        "no namespace",
        "not a map",
    ],
)
def test_terraform_irsa_the_reader_cannot_find_is_reported_in_full(
    tmp_path: Path, rendered: Rendered, cloud_tf: str, main_tf: str, expected: str
) -> None:
    assert cloud_tf != ROOT_CLOUD_TF or main_tf != EKS_MAIN_TF
    root = _terraform(tmp_path, cloud_tf, main_tf)
    assert [str(p) for p in check_irsa_terraform(root, rendered.env)] == [f"terraform/: [irsa] {expected}"]


def test_only_module_blocks_that_create_roles_count_for_the_prefix(tmp_path: Path, rendered: Rendered) -> None:
    modules = REGION_MODULES_TF.replace(
        "create_irsa_roles = false", 'create_irsa_roles = false\n  irsa_role_name_prefix = "x-"'
    )
    modules = modules.replace(
        "  service_accounts      = local.service_accounts\n", "  create_irsa_roles     = true\n", 1
    )
    root = _terraform(tmp_path / "a", cloud_tf=modules)
    (root / "terraform" / "irsa.tf").write_text(IRSA_LOCALS_TF)
    assert check_irsa_terraform(root, rendered.env) == []


def test_a_terraform_file_that_cannot_be_read_is_reported(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(tmp_path)
    (root / "terraform" / "unreadable.tf").mkdir()
    assert _messages(check_irsa_terraform(root, rendered.env)) == [
        "terraform/unreadable.tf cannot be read: Is a directory"
    ]


def test_a_role_name_without_the_prefix_needs_no_module_to_pass_one(tmp_path: Path, rendered: Rendered) -> None:
    root = _terraform(
        tmp_path,
        ROOT_CLOUD_TF.replace('  irsa_role_name_prefix = "${local.name}-irsa-"\n', ""),
        EKS_MAIN_TF.replace('"${var.irsa_role_name_prefix}${each.key}"', '"${local.name}-irsa-${each.key}"'),
    )
    assert check_irsa_terraform(root, rendered.env) == []


def test_irsa_findings_in_full(tmp_path: Path, rendered: Rendered) -> None:
    edits = {
        "renamed": ('"${local.name}-irsa-"', '"${local.name}-role-"'),
        "missing": ("    backup = {", "    restore = {"),
        "moved": ('namespace  = "logging"', 'namespace  = "kube-system"'),
    }
    found = {}
    for case, (old, new) in edits.items():
        root = _terraform(tmp_path / case, ROOT_CLOUD_TF.replace(old, new, 1))
        found[case] = [str(p) for p in check_irsa_terraform(root, rendered.env)]
    assert found["renamed"][0] == (
        "terraform/: [irsa] Terraform names the role of 'api' 'quantumvest-dev-role-api', the ServiceAccount "
        "expects 'quantumvest-dev-irsa-api'"
    )
    assert found["missing"] == ["terraform/: [irsa] service account 'backup' has no IRSA role in Terraform"]
    assert found["moved"] == [
        "terraform/: [irsa] Terraform's role for 'external-secrets-logging' trusts namespace 'kube-system', "
        "the ServiceAccount is in 'logging'"
    ]


def test_a_missing_eks_module_is_reported(tmp_path: Path, rendered: Rendered) -> None:
    assert _messages(check_irsa_terraform(tmp_path, rendered.env)) == [
        "terraform/modules/eks/ is missing: cannot check IRSA role names against Terraform"
    ]


# --- references ------------------------------------------------------------------------------


def test_references_resolve(rendered: Rendered) -> None:
    assert check_references(rendered) == []
    assert check_no_secret_data(rendered) == []


@pytest.mark.parametrize(
    ("kind", "name", "mutate", "expected"),
    [
        (
            "Service",
            "api",
            lambda o: o["spec"]["selector"].update({"app.kubernetes.io/name": "apu"}),
            "Service/quantumvest/api: selector {'app.kubernetes.io/name': 'apu', "
            "'app.kubernetes.io/component': 'server'} matches no pod template in quantumvest",
        ),
        (
            "Rollout",
            "api",
            lambda o: o["spec"]["strategy"]["canary"].update({"canaryService": "api-new"}),
            "Rollout/quantumvest/api: canaryService 'api-new' is not rendered",
        ),
        (
            "Rollout",
            "api",
            lambda o: o["spec"]["strategy"]["canary"]["analysis"]["templates"][0].update({"templateName": "api-slo"}),
            "Rollout/quantumvest/api: AnalysisTemplate 'api-slo' is not rendered",
        ),
        ("Rollout", "api", lambda o: o["metadata"].update({"namespace": "apps"}), "namespace 'apps' is not rendered"),
        (
            "Ingress",
            "api",
            lambda o: o["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"].update(
                {"port": {"name": "http"}}
            ),
            "Ingress/quantumvest/api: backend api:{'name': 'http'} is not a rendered",
        ),
        (
            "HorizontalPodAutoscaler",
            "api",
            lambda o: o["spec"]["scaleTargetRef"].update({"kind": "Deployment"}),
            "scale target Deployment/api is not rendered",
        ),
        (
            "PodDisruptionBudget",
            "api",
            lambda o: o["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/component": "web"}),
            "matches no pod template",
        ),
        (
            "NetworkPolicy",
            "api-to-data",
            lambda o: o["spec"]["podSelector"]["matchLabels"].update({"app.kubernetes.io/name": "db"}),
            "NetworkPolicy/quantumvest/api-to-data: selector",
        ),
        (
            "ServiceMonitor",
            "api",
            lambda o: o["spec"]["endpoints"][0].update({"port": "metrics"}),
            "endpoint port 'metrics' is not a port of the selected Services",
        ),
        (
            "ClusterSecretStore",
            "aws-secrets-manager",
            lambda o: o["spec"]["conditions"][0].update({"namespaces": ["other"]}),
            "ClusterSecretStore 'aws-secrets-manager' does not admit namespace 'quantumvest'",
        ),
        (
            "ClusterSecretStore",
            "aws-secrets-manager",
            lambda o: o["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"].update({"namespace": "x"}),
            "authenticates as x/external-secrets, which is not rendered",
        ),
        (
            "SecretStore",
            "aws-secrets-manager-logging",
            lambda o: o["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"].update({"name": "x"}),
            "SecretStore/logging/aws-secrets-manager-logging: authenticates as logging/x, which is not rendered",
        ),
        (
            "SecretStore",
            "aws-secrets-manager-logging",
            lambda o: o["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"].update(
                {"namespace": "external-secrets"}
            ),
            "authenticates as external-secrets/external-secrets-logging, outside its own namespace 'logging'",
        ),
        (
            "ExternalSecret",
            "opensearch-endpoint",
            lambda o: o["spec"]["secretStoreRef"].update({"name": "aws-secrets-manager"}),
            "ExternalSecret/logging/opensearch-endpoint: SecretStore 'aws-secrets-manager' is not rendered",
        ),
        (
            "ExternalSecret",
            "opensearch-endpoint",
            lambda o: o["spec"]["target"].update({"name": "opensearch"}),
            "OPENSEARCH_HOST reads Secret 'opensearch-endpoint', which no ExternalSecret or Certificate creates",
        ),
        (
            "ExternalSecret",
            "api-database",
            lambda o: o["spec"]["target"].update({"name": "database"}),
            "mounts Secret 'api-database', which no ExternalSecret or Certificate creates",
        ),
        (
            "DaemonSet",
            "fluent-bit",
            lambda o: o["spec"]["template"]["spec"].update({"serviceAccountName": "logs"}),
            "service account 'logs' is not rendered",
        ),
    ],
)
def test_a_broken_reference_is_reported(rendered: Rendered, kind: str, name: str, mutate: Any, expected: str) -> None:
    mutate(_find(rendered, kind, name))
    messages = _messages(check_references(rendered))
    assert any(expected in m for m in messages), messages


def test_a_secret_with_data_is_reported(rendered: Rendered) -> None:
    rendered.objects["41-external-secrets.yaml"].append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "x", "namespace": "quantumvest"},
            "data": {"password": "aHVudGVyMg=="},
        }
    )
    assert _messages(check_no_secret_data(rendered)) == [
        "Secret/quantumvest/x: a Secret with data; use an ExternalSecret"
    ]


# --- run_all ---------------------------------------------------------------------------------


def test_run_all_reports_stale_files_and_spec_errors(tmp_path: Path) -> None:
    for part in (
        "environments",
        "kubernetes",
        "services/api/config",
        "services/api/src",
        "terraform",
        "ansible/roles/patroni",
    ):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns(".terraform*", "tests"))
    root = tmp_path
    from qvctl.context import Context

    ctx = Context(root=root, environ={})
    assert [str(p) for p in checks.run_all(ctx)] == []
    (root / "kubernetes" / "prod" / "80-ingress.yaml").write_text("# stale\n")
    spec = root / "environments" / "dev.yaml"
    spec.write_text(spec.read_text().replace("max: 4", "max: 1"))
    found = {(p.check, p.where) for p in checks.run_all(ctx)}
    assert found == {("stale", "kubernetes/prod/80-ingress.yaml"), ("spec", "environments/dev.yaml")}


def test_problems_print_on_one_line() -> None:
    problem = Problem("probes", "kubernetes/dev/71-rollout.yaml", "x")
    assert str(problem) == "kubernetes/dev/71-rollout.yaml: [probes] x"
    assert copy.copy(problem) == problem


def test_the_repositorys_terraform_names_the_roles_the_manifests_expect() -> None:
    # The real root hands the IRSA arguments to modules/region (module "primary"), not to
    # a root module "eks": the reader must follow it there. Spec read as plain YAML.
    for env in ("dev", "staging", "prod"):
        spec = yaml.safe_load((ROOT / "environments" / f"{env}.yaml").read_text())
        reader = terraform.IrsaReader(ROOT, spec)
        assert reader.role_names() == {sa: f"quantumvest-{env}-irsa-{sa}" for sa in naming.IRSA_SERVICE_ACCOUNTS}
        assert reader.service_account_namespaces()["fluent-bit"] == "logging"
