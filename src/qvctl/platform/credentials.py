"""A local environment's credentials, from Secrets Manager (the emulator), by the key Terraform names them with
(its `secret_names` output: database_superuser, database_rest_api, ...)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import emulator
from qvctl.platform.terraform_state import backend_file, read_backend, read_outputs
from qvctl.spec import Environment


@dataclass(frozen=True)
class Login:
    username: str
    password: str

    def __repr__(self) -> str:  # never print a password by accident
        return f"Login({self.username!r}, '***')"


def outputs(root: Path, spec: Environment) -> dict[str, Any]:
    if spec.emulator is None:
        raise QvError(f"{spec.name} has no emulator: read its secrets on a database host", ExitStatus.INVALID_INPUT)
    environ = emulator.aws_environ(spec.emulator.address, spec.emulator.port, spec.regions.primary)
    return read_outputs(read_backend(backend_file(root, spec.name)), environ)


def login(root: Path, spec: Environment, key: str) -> Login:
    names = outputs(root, spec).get("secret_names") or {}
    name = names.get(key)
    if not name:
        raise QvError(f"Terraform's secret_names output has no {key}", ExitStatus.FAILED)
    assert spec.emulator is not None
    client = emulator.client(spec.emulator.address, spec.emulator.port, spec.regions.primary, "secretsmanager")
    try:
        value = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
        return Login(str(value["username"]), str(value["password"]))
    except Exception as err:  # botocore's errors, a missing key, bad JSON: one line either way
        raise QvError(f"cannot read the secret {name}: {type(err).__name__}", ExitStatus.UNREACHABLE) from None
