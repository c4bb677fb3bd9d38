"""The cloud trust chain across layers: secrets Terraform publishes, names its zone resolves, names certificates carry.

Each check runs against a copy of the repository's own Terraform and Ansible files, then against
that copy with one thing broken, so a test fails if the check stops reading the real files.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from qvctl.contract.certificate_names import check_certificate_names, postgresql_names, verified_hosts
from qvctl.contract.errors import ContractMissing
from qvctl.contract.external_secrets import check_external_secrets_terraform
from qvctl.contract.internal_names import check_internal_names, record_types, used_internal_hosts
from qvctl.contract.problem import Problem
from qvctl.contract.references import check_references
from qvctl.contract.terraform import IrsaReader
from qvctl.contract.terraform_secrets import managed_secret_names
from qvctl.kubernetes.render import Rendered, render_environment
from qvctl.spec import load_environment, spec_path
from tests.conftest import ROOT
from tests.unit.rendered_dev import find_object as _find
from tests.unit.rendered_dev import render_dev

COPIED = [
    "terraform/*.tf",
    "terraform/env/*.tfvars",
    "terraform/modules/eks/*.tf",
    "terraform/modules/secrets/*.tf",
    "ansible/roles/patroni/defaults/main.yml",
    "ansible/roles/patroni/tasks/main.yml",
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for pattern in COPIED:
        for source in ROOT.glob(pattern):
            target = tmp_path / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return tmp_path


@pytest.fixture
def rendered() -> Rendered:
    return render_dev()


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text()
    assert old in text, f"{relative} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new))


def _messages(problems: list[Problem]) -> list[str]:
    return [p.message for p in problems]


def _config(rendered: Rendered) -> dict[str, str]:
    return next(o for o in rendered.objects["40-config.yaml"] if o["metadata"]["name"].startswith("api-config-"))[
        "data"
    ]


def _all_checks(root: Path, rendered: Rendered) -> list[Problem]:
    return (
        check_external_secrets_terraform(root, rendered)
        + check_internal_names(root, rendered)
        + check_certificate_names(root, rendered)
    )


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_repository_completes_the_chain(env: str) -> None:
    assert _all_checks(ROOT, render_environment(load_environment(spec_path(ROOT, env)))) == []


# --- ExternalSecrets and Terraform's secrets -------------------------------------------------


def test_terraform_secret_names_are_read_from_the_secrets_module() -> None:
    names = managed_secret_names(ROOT, {"project": "quantumvest", "name": "dev"})
    assert {"quantumvest/dev/pki/ca", "quantumvest/dev/database/app", "quantumvest/dev/cache/endpoint"} <= names


@pytest.mark.parametrize(
    ("path", "external_secret"),
    [("pki/ca", "quantumvest/environment-ca"), ("logs/endpoint", "logging/opensearch-endpoint")],
)
def test_an_external_secret_terraform_does_not_create_is_reported(
    repo: Path, rendered: Rendered, path: str, external_secret: str
) -> None:
    _edit(repo, "terraform/modules/secrets/main.tf", f'path        = "{path}"', f'path        = "{path}-old"')
    messages = _messages(check_external_secrets_terraform(repo, rendered))
    assert messages == [
        f"ExternalSecret/{external_secret}: reads 'quantumvest/dev/{path}', which Terraform "
        "does not create (terraform/modules/secrets/)"
    ]


def test_the_external_secrets_role_reading_the_superuser_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", '"database/owner", "pki/ca"', '"database/owner", "database/superuser", "pki/ca"')
    assert _messages(check_external_secrets_terraform(repo, rendered)) == [
        "the External Secrets role of 'external-secrets' may read 'quantumvest/dev/database/superuser', which no "
        'ExternalSecret of its store needs (local.external_secret_paths["external-secrets"])'
    ]


def test_the_external_secrets_role_lacking_a_secret_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", '"database/owner", "pki/ca"', '"database/owner"')
    assert _messages(check_external_secrets_terraform(repo, rendered)) == [
        "the External Secrets role of 'external-secrets' cannot read 'quantumvest/dev/pki/ca', which an "
        'ExternalSecret of its store needs (local.external_secret_paths["external-secrets"])'
    ]


def test_the_logging_stores_role_reading_the_database_password_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", '= ["logs/endpoint"]', '= ["logs/endpoint", "database/app"]')
    assert _messages(check_external_secrets_terraform(repo, rendered)) == [
        "the External Secrets role of 'external-secrets-logging' may read 'quantumvest/dev/database/app', which no "
        'ExternalSecret of its store needs (local.external_secret_paths["external-secrets-logging"])'
    ]


def test_the_logs_endpoint_synced_through_the_applications_store_is_reported(repo: Path, rendered: Rendered) -> None:
    # Its role reads only the application's secrets, and that store does not serve the logging namespace.
    _find(rendered, "ExternalSecret", "opensearch-endpoint")["spec"]["secretStoreRef"] = {
        "kind": "ClusterSecretStore",
        "name": "aws-secrets-manager",
    }
    assert _messages(check_external_secrets_terraform(repo, rendered)) == [
        "the External Secrets role of 'external-secrets' cannot read 'quantumvest/dev/logs/endpoint', which an "
        'ExternalSecret of its store needs (local.external_secret_paths["external-secrets"])',
        "the External Secrets role of 'external-secrets-logging' may read 'quantumvest/dev/logs/endpoint', which no "
        'ExternalSecret of its store needs (local.external_secret_paths["external-secrets-logging"])',
    ]
    assert "ClusterSecretStore 'aws-secrets-manager' does not admit namespace 'logging'" in " ".join(
        _messages(check_references(rendered))
    )


def test_a_store_whose_identity_terraform_trusts_elsewhere_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(
        repo,
        "terraform/cloud.tf",
        'external-secrets-logging = {\n      namespace = "logging"',
        'external-secrets-logging = {\n      namespace = "external-secrets"',
    )
    assert _messages(check_external_secrets_terraform(repo, rendered)) == [
        "SecretStore/logging/aws-secrets-manager-logging authenticates as logging/external-secrets-logging, but "
        "Terraform's role for 'external-secrets-logging' trusts namespace 'external-secrets' (local.service_accounts)"
    ]


def test_a_store_reference_without_a_kind_is_the_namespaces_secret_store(repo: Path, rendered: Rendered) -> None:
    # External Secrets reads a secretStoreRef without kind as a SecretStore of the ExternalSecret's namespace.
    del _find(rendered, "ExternalSecret", "opensearch-endpoint")["spec"]["secretStoreRef"]["kind"]
    assert check_external_secrets_terraform(repo, rendered) == []


@pytest.mark.parametrize(
    "unauthenticated",
    [
        lambda aws: aws.pop("auth"),
        lambda aws: aws["auth"].pop("jwt"),
    ],
    ids=["no auth", "no jwt"],
)
def test_a_store_without_a_service_account_token_reads_for_no_role(
    repo: Path, rendered: Rendered, unauthenticated: Any
) -> None:
    # Without auth.jwt the store uses no IRSA role, so the role Terraform grants its reads is unused.
    unauthenticated(_find(rendered, "ClusterSecretStore", "aws-secrets-manager")["spec"]["provider"]["aws"])
    problems = check_external_secrets_terraform(repo, rendered)
    assert [str(p) for p in problems] == [
        "terraform/: [external-secrets] the External Secrets role of 'external-secrets' may read "
        f"'quantumvest/dev/{path}', which no ExternalSecret of its store needs "
        '(local.external_secret_paths["external-secrets"])'
        for path in ("cache/endpoint", "database/app", "database/owner", "pki/ca")
    ]


def test_a_store_of_another_provider_reads_for_no_role(repo: Path, rendered: Rendered) -> None:
    provider = _find(rendered, "SecretStore", "aws-secrets-manager-logging")["spec"]["provider"]
    provider["vault"] = provider.pop("aws")
    assert _messages(check_external_secrets_terraform(repo, rendered)) == [
        "the External Secrets role of 'external-secrets-logging' may read 'quantumvest/dev/logs/endpoint', which no "
        'ExternalSecret of its store needs (local.external_secret_paths["external-secrets-logging"])'
    ]


def test_an_env_variable_from_a_secret_no_external_secret_creates_is_reported(rendered: Rendered) -> None:
    container = _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["containers"][0]
    url = next(e for e in container["env"] if e["name"] == "QV_REDIS_URL")
    url["valueFrom"]["secretKeyRef"]["name"] = "cache"
    assert "QV_REDIS_URL reads Secret 'cache', which no ExternalSecret or Certificate creates" in " ".join(
        _messages(check_references(rendered))
    )


# --- internal names and the private zone -----------------------------------------------------


def test_a_host_without_a_record_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", "    postgres      = {", "    pg            = {")
    config_map = next(o for o in rendered.objects["40-config.yaml"] if o["metadata"]["name"].startswith("api-config-"))
    assert _messages(check_internal_names(repo, rendered)) == [
        f"ConfigMap/quantumvest/{config_map['metadata']['name']}: uses postgres.internal.dev.quantumvest.example.com, "
        "which has no record in the private zone (local.internal_record_table)"
    ]


def test_a_new_host_in_the_manifests_needs_a_record(repo: Path, rendered: Rendered) -> None:
    _config(rendered)["QV_DB_HOST"] = "pg.internal.dev.quantumvest.example.com"
    messages = _messages(check_internal_names(repo, rendered))
    assert len(messages) == 1 and "uses pg.internal.dev.quantumvest.example.com, which has no record" in messages[0]


def test_a_zone_other_than_the_manifests_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(
        repo,
        "terraform/cloud.tf",
        'zone_name = "internal.${local.spec.domain}"',
        'zone_name = "private.${local.spec.domain}"',
    )
    assert _messages(check_internal_names(repo, rendered)) == [
        "the private zone is 'private.dev.quantumvest.example.com'; the manifests use "
        "'internal.dev.quantumvest.example.com'"
    ]


def test_a_zone_switched_off_for_the_environment_is_reported(repo: Path, rendered: Rendered) -> None:
    with (repo / "terraform/env/dev.tfvars").open("a") as handle:
        handle.write("\nprivate_dns_enabled = false\n")
    assert _messages(check_internal_names(repo, rendered)) == [
        "private_dns_enabled = false, but the manifests resolve names in internal.dev.quantumvest.example.com"
    ]


# --- certificate names -----------------------------------------------------------------------


def test_the_database_certificate_names_are_evaluated_from_the_role() -> None:
    assert postgresql_names(ROOT, "dev.quantumvest.example.com") == {
        "postgres.internal.dev.quantumvest.example.com",
        "postgres-ro.internal.dev.quantumvest.example.com",
        "postgres-dr.internal.dev.quantumvest.example.com",
    }


def test_a_database_name_missing_from_the_certificate_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "ansible/roles/patroni/defaults/main.yml", "['DNS:postgres.internal.' ~ qv_domain, ", "[")
    messages = _messages(check_certificate_names(repo, rendered))
    assert messages and all(
        "verifies postgres.internal.dev.quantumvest.example.com, which the database certificate does not name" in m
        for m in messages
    )


def test_names_the_role_never_puts_into_the_certificate_are_reported(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "ansible/roles/patroni/tasks/main.yml", "qv_pki_host_sans + patroni_pg_dns_sans", "qv_pki_host_sans")
    assert len(check_certificate_names(repo, rendered)) == 2  # the server and the migration both verify it


def test_a_database_client_that_does_not_verify_names_needs_none(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "ansible/roles/patroni/tasks/main.yml", "qv_pki_host_sans + patroni_pg_dns_sans", "qv_pki_host_sans")
    _config(rendered)["QV_DB_SSLMODE"] = "verify-ca"
    assert check_certificate_names(repo, rendered) == []


def test_verifying_the_cache_alias_is_reported(repo: Path, rendered: Rendered) -> None:
    _config(rendered)["QV_REDIS_URL"] = "rediss://redis.internal.dev.quantumvest.example.com:6379/0"
    messages = _messages(check_certificate_names(repo, rendered))
    assert len(messages) == 2 and all(
        "verifies redis.internal.dev.quantumvest.example.com, a CNAME to an AWS "
        "endpoint whose certificate names only the endpoint" in m
        for m in messages
    )


def test_fluent_bit_verifying_the_log_store_alias_is_reported(repo: Path, rendered: Rendered) -> None:
    config = _find(rendered, "ConfigMap", "fluent-bit-config")["data"]
    key = next(k for k, v in config.items() if "Name               opensearch" in v)
    config[key] = config[key].replace("${OPENSEARCH_HOST}", "logs.internal.dev.quantumvest.example.com")
    assert _messages(check_certificate_names(repo, rendered)) == [
        "ConfigMap/logging/fluent-bit-config (Fluent Bit output) verifies logs.internal.dev.quantumvest.example.com, "
        "a CNAME to an AWS endpoint whose certificate names only the endpoint: connect to the endpoint's own name"
    ]


def test_a_database_role_that_is_missing_is_reported_at_its_defaults(repo: Path, rendered: Rendered) -> None:
    (repo / "ansible/roles/patroni/tasks/main.yml").unlink()
    assert [str(p) for p in check_certificate_names(repo, rendered)] == [
        "ansible/roles/patroni/defaults/main.yml: [certificate-names] ansible/roles/patroni/defaults/main.yml or "
        "ansible/roles/patroni/tasks/main.yml is missing: cannot tell the database's names"
    ]


DEV_ZONE = "internal.dev.quantumvest.example.com"


def test_the_hosts_clients_verify_are_the_apis_database_hosts_and_fluent_bits_output(rendered: Rendered) -> None:
    job = rendered.objects["60-migration-job.yaml"][0]["metadata"]["name"]
    assert verified_hosts(rendered) == [
        ("60-migration-job.yaml", f"Job/quantumvest/{job} container migrate", f"postgres.{DEV_ZONE}"),
        ("71-rollout.yaml", "Rollout/quantumvest/api container api", f"postgres.{DEV_ZONE}"),
        ("90-fluent-bit.yaml", "ConfigMap/logging/fluent-bit-config (Fluent Bit output)", "${OPENSEARCH_HOST}"),
    ]


def test_each_database_host_of_a_list_is_verified_and_a_containers_own_value_counts(rendered: Rendered) -> None:
    _config(rendered)["QV_DB_HOST"] = f"postgres.{DEV_ZONE},postgres-ro.{DEV_ZONE}"
    container = _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "QV_DB_SSLMODE", "value": "verify-ca"})  # the API checks no names
    assert [(file, host) for file, _, host in verified_hosts(rendered) if file != "90-fluent-bit.yaml"] == [
        ("60-migration-job.yaml", f"postgres.{DEV_ZONE}"),
        ("60-migration-job.yaml", f"postgres-ro.{DEV_ZONE}"),
    ]


def test_clients_with_no_settings_verify_no_host(rendered: Rendered) -> None:
    container = _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["containers"][0]
    del container["envFrom"], container["env"]
    del next(o for o in rendered.objects["40-config.yaml"] if o["metadata"]["name"].startswith("api-config-"))["data"]
    del _find(rendered, "ConfigMap", "fluent-bit-config")["data"]
    assert verified_hosts(rendered) == []


@pytest.mark.parametrize(
    "url",
    [f"rediss://:token@redis.{DEV_ZONE}:6379/0", f"rediss://redis.{DEV_ZONE}/0", f"rediss://redis.{DEV_ZONE}:6380"],
    ids=["credentials", "no port", "no database"],
)
def test_the_cache_host_is_the_host_of_its_url(repo: Path, rendered: Rendered, url: str) -> None:
    _config(rendered)["QV_REDIS_URL"] = url
    hosts = [host for _, who, host in verified_hosts(rendered) if who.startswith("Rollout")]
    assert hosts == [f"postgres.{DEV_ZONE}", f"redis.{DEV_ZONE}"]
    assert f"verifies redis.{DEV_ZONE}, a CNAME to an AWS endpoint" in " ".join(
        _messages(check_certificate_names(repo, rendered))
    )


def test_a_plain_redis_url_verifies_no_name(rendered: Rendered) -> None:
    _config(rendered)["QV_REDIS_URL"] = f"redis://redis.{DEV_ZONE}:6379/0"
    assert all("redis" not in host for _, _, host in verified_hosts(rendered))


def test_a_fluent_bit_output_that_does_not_verify_the_host_name_needs_no_name_in_a_certificate(
    repo: Path, rendered: Rendered
) -> None:
    config = _find(rendered, "ConfigMap", "fluent-bit-config")["data"]
    key = next(k for k, v in config.items() if "Name               opensearch" in v)
    config[key] = (
        config[key]
        .replace("${OPENSEARCH_HOST}", f"logs.{DEV_ZONE}")
        .replace("tls.verify_hostname On", "tls.verify_hostname Off")
    )
    assert all(not who.endswith("(Fluent Bit output)") for _, who, _ in verified_hosts(rendered))
    assert check_certificate_names(repo, rendered) == []


def test_a_database_alias_the_certificate_lacks_is_reported_in_full(repo: Path, rendered: Rendered) -> None:
    # postgres-ro is a quoted key in the record table; dropped from the role's names, verifying it is a finding.
    _edit(repo, "ansible/roles/patroni/defaults/main.yml", "'DNS:postgres-ro.internal.' ~ qv_domain,", "")
    _config(rendered)["QV_DB_HOST"] = f"postgres-ro.{DEV_ZONE}"
    job = rendered.objects["60-migration-job.yaml"][0]["metadata"]["name"]
    assert [str(p) for p in check_certificate_names(repo, rendered)] == [
        f"kubernetes/dev/{file}: [certificate-names] {who} verifies postgres-ro.{DEV_ZONE}, which the database "
        "certificate does not name (patroni_pg_dns_sans in ansible/roles/patroni/defaults/main.yml)"
        for file, who in (
            ("60-migration-job.yaml", f"Job/quantumvest/{job} container migrate"),
            ("71-rollout.yaml", "Rollout/quantumvest/api container api"),
        )
    ]


def test_a_host_without_a_record_is_left_to_the_internal_dns_check(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "ansible/roles/patroni/defaults/main.yml", "'DNS:postgres-ro.internal.' ~ qv_domain,", "")
    _config(rendered)["QV_DB_HOST"] = f"pg.{DEV_ZONE},postgres-ro.{DEV_ZONE}"
    assert len(check_certificate_names(repo, rendered)) == 2  # postgres-ro, for the Job and the Rollout


def test_a_cache_alias_is_reported_in_full(repo: Path, rendered: Rendered) -> None:
    _config(rendered)["QV_REDIS_URL"] = f"rediss://redis.{DEV_ZONE}:6379/0"
    problems = [str(p) for p in check_certificate_names(repo, rendered) if "Rollout" in p.message]
    assert problems == [
        f"kubernetes/dev/71-rollout.yaml: [certificate-names] Rollout/quantumvest/api container api verifies "
        f"redis.{DEV_ZONE}, a CNAME to an AWS endpoint whose certificate names only the endpoint: connect to the "
        "endpoint's own name"
    ]


def test_a_record_table_entry_that_is_no_map_is_skipped(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", "  internal_record_table = {\n", '  internal_record_table = {\n    a = "x"\n')
    _edit(repo, "ansible/roles/patroni/tasks/main.yml", "qv_pki_host_sans + patroni_pg_dns_sans", "qv_pki_host_sans")
    assert len(check_certificate_names(repo, rendered)) == 2


def test_a_record_table_the_check_cannot_read_is_reported_at_terraform(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", "internal_record_table = {", "internal_record_tables = {")
    assert [str(p) for p in check_certificate_names(repo, rendered)] == [
        "terraform/: [certificate-names] local.internal_record_table in terraform/*.tf is missing or not a literal map"
    ]


def test_a_record_whose_server_cannot_be_told_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(
        repo,
        "terraform/cloud.tf",
        '"postgres-ro" = { type = "A", values = module.primary.database_private_ips',
        '"postgres-ro" = { type = "A", values = ["10.0.0.1"]',
    )
    assert _messages(check_certificate_names(repo, rendered)) == [
        "local.internal_record_table['postgres-ro']: cannot tell which server answers ['\"10.0.0.1\"']"
    ]


def _role(root: Path, defaults: str) -> Path:
    (root / "ansible/roles/patroni/defaults/main.yml").write_text(defaults)
    return root


def test_the_database_names_are_those_of_a_cloud_host(repo: Path) -> None:
    _role(
        repo,
        "patroni_pg_dns_sans: \"{{ ['DNS:db.' ~ qv_domain, 'IP:10.0.0.1', 7] if qv_is_local is false else [] }}\"\n",
    )
    assert postgresql_names(repo, "example.com") == {"db.example.com"}


def test_a_role_without_the_names_variable_is_reported(repo: Path) -> None:
    with pytest.raises(ContractMissing) as refused:
        postgresql_names(_role(repo, "patroni_port: 5432\n"), "example.com")
    assert str(refused.value) == "ansible/roles/patroni/defaults/main.yml sets no patroni_pg_dns_sans"


def test_a_names_expression_that_cannot_be_evaluated_is_reported(repo: Path) -> None:
    with pytest.raises(ContractMissing) as refused:
        postgresql_names(_role(repo, "patroni_pg_dns_sans: \"{{ ['DNS:db' }}\"\n"), "example.com")
    assert str(refused.value).startswith(
        "ansible/roles/patroni/defaults/main.yml: cannot evaluate patroni_pg_dns_sans ("
    )


# --- internal names, in full -----------------------------------------------------------------


def test_internal_dns_findings_in_full(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", "    postgres      = {", "    pg            = {")
    _edit(repo, "terraform/cloud.tf", 'zone_name = "internal.${local.spec.domain}"', 'zone_name = "private.x"')
    with (repo / "terraform/env/dev.tfvars").open("a") as handle:
        handle.write("\nprivate_dns_enabled = false\n")
    config_map = next(o for o in rendered.objects["40-config.yaml"] if o["metadata"]["name"].startswith("api-config-"))
    assert [str(p) for p in check_internal_names(repo, rendered)] == [
        f"terraform/: [internal-dns] the private zone is 'private.x'; the manifests use '{DEV_ZONE}'",
        f"terraform/env/dev.tfvars: [internal-dns] private_dns_enabled = false, but the manifests resolve names in "
        f"{DEV_ZONE}",
        f"kubernetes/dev/40-config.yaml: [internal-dns] ConfigMap/quantumvest/{config_map['metadata']['name']}: uses "
        f"postgres.{DEV_ZONE}, which has no record in the private zone (local.internal_record_table)",
    ]


def test_a_zone_left_on_or_without_tfvars_is_not_switched_off(repo: Path, rendered: Rendered) -> None:
    with (repo / "terraform/env/dev.tfvars").open("a") as handle:
        handle.write("\nprivate_dns_enabled = true\n")
    assert check_internal_names(repo, rendered) == []
    (repo / "terraform/env/dev.tfvars").unlink()
    assert check_internal_names(repo, rendered) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "internal_record_table = {",
            "internal_record_tables = {",
            "local.internal_record_table in terraform/*.tf is missing or not a literal map",
        ),
        (
            '    postgres      = { type = "A",',
            '    postgres      = { kind = "A",',
            "local.internal_record_table['postgres'] sets no type",
        ),
        (
            'module "internal_dns" {',
            'module "private_dns" {',
            'no module "internal_dns" with a zone_name in terraform/*.tf',
        ),
    ],
    ids=["no table", "no type", "no zone module"],
)
def test_internal_dns_terraform_the_check_cannot_read_is_reported(
    repo: Path, rendered: Rendered, old: str, new: str, expected: str
) -> None:
    _edit(repo, "terraform/cloud.tf", old, new)
    assert [str(p) for p in check_internal_names(repo, rendered)] == [f"terraform/: [internal-dns] {expected}"]


def test_a_record_of_a_quoted_key_counts_and_a_record_that_is_no_map_has_no_type(repo: Path) -> None:
    reader = IrsaReader(repo, load_environment(spec_path(ROOT, "dev")).model_dump(mode="json"))
    assert record_types(reader) == {
        "postgres": "A",
        "postgres-ro": "A",
        "postgres-dr": "A",
        "redis": "CNAME",
        "logs": "CNAME",
    }
    _edit(repo, "terraform/cloud.tf", "  internal_record_table = {\n", '  internal_record_table = {\n    "a" = "x"\n')
    reader = IrsaReader(repo, load_environment(spec_path(ROOT, "dev")).model_dump(mode="json"))
    with pytest.raises(ContractMissing, match=r"^local\.internal_record_table\['a'\] sets no type$"):
        record_types(reader)


def test_environments_that_use_no_internal_name_need_no_terraform(tmp_path: Path, rendered: Rendered) -> None:
    for docs in rendered.objects.values():
        docs[:] = [o for o in docs if o["kind"] == "Namespace"]
    assert used_internal_hosts(rendered) == {}
    assert check_internal_names(tmp_path, rendered) == []


@pytest.mark.parametrize(
    ("text", "records"),
    [
        (f"postgres.{DEV_ZONE}", ["postgres"]),
        (f"https://logs.{DEV_ZONE}:443/x and redis.{DEV_ZONE}", ["logs", "redis"]),
        (f"pg-1.{DEV_ZONE},pg-2.{DEV_ZONE}", ["pg-1", "pg-2"]),
        (f"a.postgres.{DEV_ZONE}", []),
        (f"x-postgres.{DEV_ZONE}", ["x-postgres"]),
        (f"postgres.{DEV_ZONE}x", []),
        (f"postgres.{DEV_ZONE}-old", []),
        (f"postgres.{DEV_ZONE}.", ["postgres"]),
        (f"Postgres.{DEV_ZONE}", []),
        (f"-postgres.{DEV_ZONE}", []),
    ],
)
def test_internal_host_names_are_whole_names_under_the_zone(rendered: Rendered, text: str, records: list[str]) -> None:
    for docs in rendered.objects.values():
        docs[:] = [o for o in docs if o["kind"] in ("Namespace",)]
    holder = {"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "quantumvest"}, "data": {"a": [{"b": text}]}}
    rendered.objects["40-config.yaml"].append(holder)
    assert sorted(used_internal_hosts(rendered)) == records
    assert all(places == [("40-config.yaml", holder)] for places in used_internal_hosts(rendered).values())


# --- External Secrets against Terraform, in full ---------------------------------------------


def test_external_secrets_findings_in_full(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/modules/secrets/main.tf", 'path        = "pki/ca"', 'path        = "pki/ca-old"')
    _edit(repo, "terraform/cloud.tf", '"database/owner", "pki/ca"', '"database/owner"')
    _edit(
        repo,
        "terraform/cloud.tf",
        'external-secrets-logging = {\n      namespace = "logging"',
        'external-secrets-logging = {\n      namespace = "external-secrets"',
    )
    assert [str(p) for p in check_external_secrets_terraform(repo, rendered)] == [
        "kubernetes/dev/41-external-secrets.yaml: [external-secrets] ExternalSecret/quantumvest/environment-ca: reads "
        "'quantumvest/dev/pki/ca', which Terraform does not create (terraform/modules/secrets/)",
        "terraform/: [external-secrets] SecretStore/logging/aws-secrets-manager-logging authenticates as "
        "logging/external-secrets-logging, but Terraform's role for 'external-secrets-logging' trusts namespace "
        "'external-secrets' (local.service_accounts)",
        "terraform/: [external-secrets] the External Secrets role of 'external-secrets' cannot read "
        "'quantumvest/dev/pki/ca', which an ExternalSecret of its store needs "
        '(local.external_secret_paths["external-secrets"])',
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("external_secret_paths = {", "external_secret_path = {"),
        ('external-secrets-logging = ["logs/endpoint"]', 'external-secrets-logging = "logs/endpoint"'),
    ],
    ids=["missing", "a path that is no list"],
)
def test_readable_paths_the_check_cannot_read_are_reported(repo: Path, rendered: Rendered, old: str, new: str) -> None:
    _edit(repo, "terraform/cloud.tf", old, new)
    assert [str(p) for p in check_external_secrets_terraform(repo, rendered)] == [
        "terraform/: [external-secrets] local.external_secret_paths in terraform/*.tf is missing or not a literal map "
        "of service account => list of paths"
    ]


def test_the_zone_is_read_from_the_internal_dns_module_only(repo: Path, rendered: Rendered) -> None:
    _edit(
        repo,
        "terraform/cloud.tf",
        'module "internal_dns" {',
        'module "public_dns" {\n  source    = "./modules/public_dns"\n  zone_name = "public.example.com"\n}\n\n'
        'module "internal_dns" {',
    )
    assert check_internal_names(repo, rendered) == []


def test_an_external_secret_without_data_reads_nothing(repo: Path, rendered: Rendered) -> None:
    del _find(rendered, "ExternalSecret", "opensearch-endpoint")["spec"]["data"]
    assert _messages(check_external_secrets_terraform(repo, rendered)) == [
        "the External Secrets role of 'external-secrets-logging' may read 'quantumvest/dev/logs/endpoint', which no "
        'ExternalSecret of its store needs (local.external_secret_paths["external-secrets-logging"])'
    ]


def test_a_store_account_terraform_grants_no_paths_is_reported(repo: Path, rendered: Rendered) -> None:
    _edit(repo, "terraform/cloud.tf", '    external-secrets-logging = ["logs/endpoint"]\n', "")
    assert [str(p) for p in check_external_secrets_terraform(repo, rendered)] == [
        "terraform/: [external-secrets] the External Secrets role of 'external-secrets-logging' cannot read "
        "'quantumvest/dev/logs/endpoint', which an ExternalSecret of its store needs "
        '(local.external_secret_paths["external-secrets-logging"])'
    ]
