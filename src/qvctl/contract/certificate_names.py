"""Certificate names: each internal host a client verifies by name is a name in the certificate it is served with.

Which names a rendered client verifies:
- the API's QV_DB_HOST hosts, unless QV_DB_SSLMODE is set below verify-full (the API's default);
- the host of the API's QV_REDIS_URL when it is rediss:// (redis-py checks the host name);
- Fluent Bit's OpenSearch `Host` when its output sets `tls.verify_hostname On`.
Which certificate serves such a name follows from the record Terraform gives it
(`local.internal_record_table`): the database hosts' addresses are PostgreSQL on the Patroni
hosts, whose certificate of the environment CA lists `patroni_pg_dns_sans`
(ansible/roles/patroni/defaults/main.yml, added by its tasks to the certificate); a CNAME to an
AWS endpoint is served with Amazon's certificate for that endpoint, which no alias is in.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import yaml

from qvctl.contract.errors import ContractMissing
from qvctl.contract.internal_names import RECORD_TABLE_LOCAL
from qvctl.contract.manifests import api_containers, index, objects, where
from qvctl.contract.problem import Problem
from qvctl.contract.terraform import TERRAFORM_ROOT, IrsaReader, _unquote
from qvctl.kubernetes import naming
from qvctl.kubernetes.render import Rendered
from qvctl.kubernetes.schemas import describe

CHECK = "certificate-names"
PATRONI_DEFAULTS = Path("ansible/roles/patroni/defaults/main.yml")
PATRONI_TASKS = Path("ansible/roles/patroni/tasks/main.yml")
SANS_VARIABLE = "patroni_pg_dns_sans"
# What a record's values point at => who serves the name (None: a certificate no alias can be in).
_SERVERS = {
    "database_private_ips": "postgresql",
    "cache_primary_endpoint": None,  # ElastiCache: Amazon's certificate for its own endpoint
    "opensearch_endpoint": None,  # OpenSearch without a custom endpoint: Amazon's certificate
}
_UNVERIFIED_SSLMODES = {"disable", "allow", "prefer", "require", "verify-ca"}


def verified_hosts(rendered: Rendered) -> list[tuple[str, str, str]]:
    """(file, who, host) for every host name a rendered client checks the certificate names of."""
    found: list[tuple[str, str, str]] = []
    config_maps = index(rendered, "ConfigMap")
    for file, obj, _, container in api_containers(rendered):
        values: dict[str, str] = {}
        for source in container.get("envFrom", []):
            ref = (source.get("configMapRef") or {}).get("name")
            if isinstance(ref, str):
                values.update((config_maps.get((obj["metadata"].get("namespace"), ref)) or {}).get("data", {}))
        values.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
        who = f"{describe(obj)} container {container['name']}"
        if values.get("QV_DB_SSLMODE", "verify-full") not in _UNVERIFIED_SSLMODES:
            found += [(file, who, h.strip()) for h in values.get("QV_DB_HOST", "").split(",") if h.strip()]
        url = values.get("QV_REDIS_URL", "")
        if url.startswith("rediss://"):
            found.append((file, who, urlsplit(url).hostname or ""))
    for file, obj in objects(rendered):
        if obj["kind"] != "ConfigMap":
            continue
        for text in obj.get("data", {}).values():
            for section in re.split(r"^\[", text, flags=re.M):
                if section.startswith("OUTPUT]") and re.search(r"^\s*tls\.verify_hostname\s+On\s*$", section, re.M):
                    host = re.search(r"^\s*Host\s+(\S+)\s*$", section, re.M)
                    if host:
                        found.append((file, f"{describe(obj)} (Fluent Bit output)", host.group(1)))
    return found


def postgresql_names(root: Path, domain: str) -> set[str]:
    """The DNS names `patroni_pg_dns_sans` puts in a cloud database host's certificate."""
    defaults = root / PATRONI_DEFAULTS
    tasks = root / PATRONI_TASKS
    if not defaults.is_file() or not tasks.is_file():
        raise ContractMissing(f"{PATRONI_DEFAULTS} or {PATRONI_TASKS} is missing: cannot tell the database's names")
    expression = (yaml.safe_load(defaults.read_text(encoding="utf-8")) or {}).get(SANS_VARIABLE)
    if not isinstance(expression, str):
        raise ContractMissing(f"{PATRONI_DEFAULTS} sets no {SANS_VARIABLE}")
    if not re.search(rf"qv_pki_cert_sans:.*\b{SANS_VARIABLE}\b", tasks.read_text(encoding="utf-8")):
        return set()  # defined, but never put into the certificate
    environment = jinja2.Environment(autoescape=False)  # noqa: S701 - renders a list literal, not HTML
    environment.filters["bool"] = bool
    try:
        rendered = environment.from_string(expression).render(qv_is_local=False, qv_domain=domain)
        sans = ast.literal_eval(rendered.strip())
    except (jinja2.TemplateError, ValueError, SyntaxError) as err:
        raise ContractMissing(f"{PATRONI_DEFAULTS}: cannot evaluate {SANS_VARIABLE} ({err})") from None
    return {san.removeprefix("DNS:") for san in sans if isinstance(san, str) and san.startswith("DNS:")}


def _record_servers(reader: IrsaReader) -> dict[str, str | None]:
    table = reader.locals.get(RECORD_TABLE_LOCAL)
    if not isinstance(table, dict):
        raise ContractMissing(f"local.{RECORD_TABLE_LOCAL} in {TERRAFORM_ROOT}/*.tf is missing or not a literal map")
    servers: dict[str, str | None] = {}
    for name, entry in table.items():
        if not isinstance(entry, dict):
            continue
        target = str(entry.get("values"))
        kinds = [server for ref, server in _SERVERS.items() if ref in target]
        if len(kinds) != 1:
            raise ContractMissing(
                f"local.{RECORD_TABLE_LOCAL}[{_unquote(name)!r}]: cannot tell which server answers {target}"
            )
        servers[_unquote(name)] = kinds[0]
    return servers


def check_certificate_names(root: Path, rendered: Rendered) -> list[Problem]:
    env = rendered.env
    suffix = "." + naming.internal_zone(env)
    verified = [(f, who, host) for f, who, host in verified_hosts(rendered) if host.endswith(suffix)]
    if not verified:
        return []
    try:
        servers = _record_servers(IrsaReader(root, env.model_dump(mode="json")))
    except ContractMissing as err:
        return [Problem(CHECK, f"{TERRAFORM_ROOT}/", str(err))]
    try:
        database_names = postgresql_names(root, env.domain)
    except ContractMissing as err:
        return [Problem(CHECK, str(PATRONI_DEFAULTS), str(err))]
    problems: list[Problem] = []
    for file, who, host in verified:
        record = host.removesuffix(suffix)
        if record not in servers:
            continue  # no record at all: the internal-dns check reports it
        if servers[record] == "postgresql" and host not in database_names:
            problems.append(
                Problem(
                    CHECK,
                    where(rendered, file),
                    f"{who} verifies {host}, which the database certificate does not name "
                    f"({SANS_VARIABLE} in {PATRONI_DEFAULTS})",
                )
            )
        elif servers[record] is None:
            problems.append(
                Problem(
                    CHECK,
                    where(rendered, file),
                    f"{who} verifies {host}, a CNAME to an AWS endpoint whose certificate names "
                    "only the endpoint: connect to the endpoint's own name",
                )
            )
    return problems
