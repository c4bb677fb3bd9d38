"""Internal host names: every `<record>.internal.<domain>` the rendered manifests use is a record Terraform makes.

Terraform's side, read with python-hcl2 from the root module (`terraform/*.tf`):
- `module "internal_dns"` (modules/private_dns) and its `zone_name`, which must be the zone the
  renderer names (`naming.internal_zone`);
- `local.internal_record_table`: record name => {type, values, enabled}, the records it gets;
- the environment's `env/<env>.tfvars` must not switch the zone off (`private_dns_enabled = false`).
A name found anywhere in a rendered object (a ConfigMap value, Fluent Bit's configuration, an
environment variable) counts: a client resolves it wherever it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import hcl2

from qvctl.contract.errors import ContractMissing
from qvctl.contract.manifests import objects, where
from qvctl.contract.problem import Problem
from qvctl.contract.terraform import TERRAFORM_ROOT, IrsaReader, _labelled, _unquote
from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest
from qvctl.kubernetes.render import Rendered
from qvctl.kubernetes.schemas import describe

CHECK = "internal-dns"
DNS_MODULE = "internal_dns"
RECORD_TABLE_LOCAL = "internal_record_table"
SWITCH = "private_dns_enabled"


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def used_internal_hosts(rendered: Rendered) -> dict[str, list[tuple[str, Manifest]]]:
    """Every host name under the internal zone that a rendered object mentions, with where."""
    zone = re.escape(naming.internal_zone(rendered.env))
    pattern = re.compile(rf"(?<![A-Za-z0-9.-])([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.{zone}(?![A-Za-z0-9-])")
    found: dict[str, list[tuple[str, Manifest]]] = {}
    for file, obj in objects(rendered):
        for record in {m.group(1) for text in _strings(obj) for m in pattern.finditer(text)}:
            found.setdefault(record, []).append((file, obj))
    return found


def record_types(reader: IrsaReader) -> dict[str, str]:
    """Record name => type (A or CNAME) from `local.internal_record_table`."""
    table = reader.locals.get(RECORD_TABLE_LOCAL)
    if not isinstance(table, dict):
        raise ContractMissing(f"local.{RECORD_TABLE_LOCAL} in {TERRAFORM_ROOT}/*.tf is missing or not a literal map")
    types = {}
    for name, entry in table.items():
        if not isinstance(entry, dict) or "type" not in entry:
            raise ContractMissing(f"local.{RECORD_TABLE_LOCAL}[{_unquote(name)!r}] sets no type")
        types[_unquote(name)] = reader.text(entry["type"])
    return types


def zone_name(reader: IrsaReader) -> str:
    for parsed in reader.root_files.values():
        for label, body in _labelled(parsed.get("module")):
            if label == DNS_MODULE and "zone_name" in body:
                return reader.text(body["zone_name"])
    raise ContractMissing(f'no module "{DNS_MODULE}" with a zone_name in {TERRAFORM_ROOT}/*.tf')


def zone_switched_off(root: Path, env: str) -> bool:
    path = root / TERRAFORM_ROOT / "env" / f"{env}.tfvars"
    if not path.is_file():
        return False
    with path.open(encoding="utf-8") as handle:
        values = hcl2.load(handle)
    return values.get(SWITCH) is False


def check_internal_names(root: Path, rendered: Rendered) -> list[Problem]:
    env = rendered.env
    used = used_internal_hosts(rendered)
    if not used:
        return []
    tf = f"{TERRAFORM_ROOT}/"
    try:
        reader = IrsaReader(root, env.model_dump(mode="json"))
        records = record_types(reader)
        zone = zone_name(reader)
    except ContractMissing as err:
        return [Problem(CHECK, tf, str(err))]
    problems: list[Problem] = []
    if zone != naming.internal_zone(env):
        problems.append(
            Problem(CHECK, tf, f"the private zone is {zone!r}; the manifests use {naming.internal_zone(env)!r}")
        )
    if zone_switched_off(root, env.name):
        problems.append(
            Problem(
                CHECK,
                f"{TERRAFORM_ROOT}/env/{env.name}.tfvars",
                f"{SWITCH} = false, but the manifests resolve names in {naming.internal_zone(env)}",
            )
        )
    for record, places in sorted(used.items()):
        if record not in records:
            file, obj = places[0]
            problems.append(
                Problem(
                    CHECK,
                    where(rendered, file),
                    f"{describe(obj)}: uses {naming.internal_host(env, record)}, which has no record "
                    f"in the private zone (local.{RECORD_TABLE_LOCAL})",
                )
            )
    return problems
