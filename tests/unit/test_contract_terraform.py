"""Terraform values as the contract checks resolve them (contract.terraform, contract.terraform_secrets), inline."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest
from hcl2.utils import SerializationOptions

from qvctl.contract.errors import ContractMissing
from qvctl.contract.terraform import Resolver, _unquote
from qvctl.contract.terraform_secrets import SECRETS_MODULE, managed_secret_names

SPEC = {"project": "quantumvest", "name": "dev", "kubernetes": {"namespace": "quantumvest"}}
MODULE = Path("terraform/modules/x")


def _resolver(text: str) -> Resolver:
    parsed = hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False))
    return Resolver(MODULE, [parsed], SPEC)


def _value(text: str, name: str = "value") -> object:
    """The raw value of one attribute, as python-hcl2 hands it to the resolver."""
    parsed = hcl2.loads(f"{name} = {text}\n", serialization_options=SerializationOptions(with_comments=False))
    return parsed[name]


def _refusal(resolver: Resolver, raw: object, scope: dict[str, object] | None = None) -> str:
    with pytest.raises(ContractMissing) as refused:
        resolver.text(raw, scope)
    return str(refused.value)


def test_templates_resolve_through_locals_the_spec_and_the_variables_the_root_passes() -> None:
    resolver = _resolver(
        'locals {\n  prefix = "${var.project}/${var.environment}"\n  ns = local.spec.kubernetes.namespace\n}\n'
    )
    assert resolver.text(_value('"${local.prefix}/${local.ns}"')) == "quantumvest/dev/quantumvest"
    assert resolver.text(_value("local.ns")) == "quantumvest"
    assert resolver.text(_value('""')) == ""  # an empty literal is a value, not something to follow


@pytest.mark.parametrize(
    ("key", "name"),
    [('"api"', "api"), ('""', ""), ('"', '"'), ("api", "api"), ('"a"b"', 'a"b'), ('a"', 'a"')],
)
def test_a_quoted_map_key_loses_exactly_its_enclosing_quotes(key: str, name: str) -> None:
    # python-hcl2 keeps the quotes of a quoted key ("" is a key Terraform accepts); a lone quote is no pair.
    assert _unquote(key) == name


def test_names_in_a_scope_resolve_in_templates_and_bare_expressions() -> None:
    resolver = _resolver('locals {\n  ns = "logging"\n}\n')
    scope: dict[str, object] = {"each.key": '"fluent-bit"', "each.value.namespace": "${local.ns}"}
    assert resolver.text(_value('"${each.value.namespace}/${each.key}"'), scope) == "logging/fluent-bit"
    assert resolver.text(_value("each.key"), scope) == "fluent-bit"


def test_a_local_sees_no_instance_scope() -> None:
    # Terraform rejects each.key in a local; the reader must not resolve it from the resource's scope.
    resolver = _resolver('locals {\n  name = "${each.key}-x"\n}\n')
    assert _refusal(resolver, _value("local.name"), {"each.key": '"api"'}) == (
        "cannot resolve each.key in terraform/modules/x/"
    )


def test_what_cannot_be_followed_is_refused_naming_the_module() -> None:
    resolver = _resolver("locals {\n  count = 3\n}\n")
    assert _refusal(resolver, _value('"${var.region}"')) == "cannot resolve var.region in terraform/modules/x/"
    assert _refusal(resolver, _value("local.missing")) == "local.missing is not assigned in terraform/modules/x/*.tf"
    assert _refusal(resolver, _value("local.count")) == "cannot follow the value 3 in terraform/modules/x/"
    assert _refusal(resolver, _value("each.key")) == "cannot resolve each.key in terraform/modules/x/"


def test_a_spec_field_that_does_not_exist_is_refused() -> None:
    resolver = _resolver("locals {}\n")
    assert _refusal(resolver, _value("local.spec.kubernetes.zone")) == (
        "local.spec.kubernetes.zone: no such field in the spec"
    )
    # A part below a plain value: 'dev' holds the letter d, but no field.
    assert _refusal(resolver, _value("local.spec.name.d")) == "local.spec.name.d: no such field in the spec"


def test_the_parsers_block_marker_is_no_local() -> None:
    # python-hcl2 marks every block with __is_block__; no Terraform code assigned it.
    resolver = _resolver('locals {\n  a = "x"\n}\n')
    assert resolver.text(_value("local.a")) == "x"
    assert _refusal(resolver, _value("local.__is_block__")) == (
        "local.__is_block__ is not assigned in terraform/modules/x/*.tf"
    )


def _chain(length: int, bare: bool) -> str:
    """Locals l1 .. l<length>, each naming the next, the last a literal."""
    lines = [f"  l{i} = local.l{i + 1}" if bare else f'  l{i} = "{i}${{local.l{i + 1}}}"' for i in range(1, length)]
    return "locals {\n" + "\n".join([*lines, f'  l{length} = "end"']) + "\n}\n"


@pytest.mark.parametrize("bare", [True, False], ids=["expressions", "templates"])
def test_references_are_followed_ten_deep_and_no_deeper(bare: bool) -> None:
    assert _resolver(_chain(10, bare)).text(_value("local.l1")).endswith("end")
    # The eleventh local is where the reader stops, whatever it holds.
    assert _refusal(_resolver(_chain(11, bare)), _value("local.l1")) == (
        '"end": references nest too deep to follow in terraform/modules/x/'
    )


def test_a_name_in_a_scope_counts_toward_the_depth() -> None:
    scope: dict[str, object] = {"each.value.x": "${local.l1}"}
    assert _resolver(_chain(9, True)).text(_value("each.value.x"), scope) == "end"
    assert "references nest too deep" in _refusal(_resolver(_chain(10, True)), _value("each.value.x"), scope)


def test_locals_that_name_each_other_are_refused_not_followed_forever() -> None:
    resolver = _resolver("locals {\n  a = local.b\n  b = local.a\n}\n")
    assert "references nest too deep to follow in terraform/modules/x/" in _refusal(resolver, _value("local.a"))


# --- the secrets module's names (contract.terraform_secrets) ---------------------------------


def _secrets_module(root: Path, main_tf: str) -> Path:
    module = root / SECRETS_MODULE
    module.mkdir(parents=True)
    (module / "main.tf").write_text(main_tf)
    return root


SECRETS_TF = """
locals {
  prefix = "${var.project}/${var.environment}"
  secrets = {
    database_app = { path = "database/app", username = "app", port = 5432 }
    "redis_auth" = { path = "redis/auth", username = null }
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.secrets
  name     = "${local.prefix}/${each.value.path}"
}

resource "aws_secretsmanager_secret" "single" {
  name = "${local.prefix}/pki/ca"
}

resource "aws_secretsmanager_secret" "by_key" {
  for_each = local.secrets
  name     = "${local.prefix}/keys/${each.key}"
}

resource "aws_s3_bucket" "other" {
  bucket = "not-a-secret"
}
"""


def test_secret_names_are_resolved_per_instance_of_the_module(tmp_path: Path) -> None:
    assert managed_secret_names(_secrets_module(tmp_path, SECRETS_TF), SPEC) == {
        "quantumvest/dev/database/app",
        "quantumvest/dev/redis/auth",
        "quantumvest/dev/pki/ca",
        "quantumvest/dev/keys/database_app",
        "quantumvest/dev/keys/redis_auth",
    }


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            (
                'for_each = local.secrets\n  name     = "${local.prefix}/${each.value.path}"',
                'for_each = var.secrets\n  name     = "x"',
            ),
            "for_each '${var.secrets}' in terraform/modules/secrets/ is not a literal local map",
        ),
        (
            (
                'for_each = local.secrets\n  name     = "${local.prefix}/${each.value.path}"',
                'for_each = local.prefix\n  name     = "x"',
            ),
            "for_each '${local.prefix}' in terraform/modules/secrets/ is not a literal local map",
        ),
        (
            ('  name = "${local.prefix}/pki/ca"\n', '  description = "no name"\n'),
            "aws_secretsmanager_secret single in terraform/modules/secrets/ has no name",
        ),
        (
            ("${local.prefix}/${each.value.path}", "${local.prefix}/${each.value.port}"),
            "cannot resolve each.value.port in terraform/modules/secrets/",
        ),
    ],
    ids=["for_each of a variable", "for_each of a string", "no name", "a value that is no string"],
)
def test_secrets_the_reader_cannot_follow_are_refused(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    assert edit[0] in SECRETS_TF
    with pytest.raises(ContractMissing) as refused:
        managed_secret_names(_secrets_module(tmp_path, SECRETS_TF.replace(*edit)), SPEC)
    assert str(refused.value) == expected


def test_a_secrets_module_without_secrets_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContractMissing) as refused:
        managed_secret_names(tmp_path, SPEC)
    assert str(refused.value) == (
        "terraform/modules/secrets/ has no .tf files: cannot tell which secrets Terraform manages"
    )
    with pytest.raises(ContractMissing) as refused:
        managed_secret_names(_secrets_module(tmp_path, 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'), SPEC)
    assert str(refused.value) == 'no resource "aws_secretsmanager_secret" in terraform/modules/secrets/*.tf'
