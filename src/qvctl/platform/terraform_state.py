"""An environment's Terraform backend file and the outputs recorded in its state.

`terraform/env/<env>.tfbackend` (HCL attributes, read with python-hcl2) says where the state
lives; the state's `outputs` are Terraform's own record of the root module's outputs (state
format version 4, the same data `terraform_remote_state` reads). Ansible's `qv_platform`
lookup uses this so that `ansible-playbook -i inventories/<env> main.yml` finds Terraform's
outputs by itself, with no hand-over file and no `terraform init` of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus


@dataclass(frozen=True)
class Backend:
    file: Path
    bucket: str
    key: str
    region: str
    s3_endpoint: str | None  # the emulator's; None on real AWS
    path_style: bool


def _text(value: Any) -> str:
    # python-hcl2 keeps a string literal's quotes; the literal itself is JSON-compatible.
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return str(json.loads(value))
    return str(value)


def backend_file(root: Path, env: str) -> Path:
    return root / "terraform" / "env" / f"{env}.tfbackend"


def read_backend(path: Path) -> Backend:
    try:
        data = hcl2.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QvError(f"{path}: no such backend file", ExitStatus.INVALID_INPUT) from None
    except Exception as err:  # lark's parse errors have no common base we can name here
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise QvError(f"{path}: not a valid backend file ({first})", ExitStatus.INVALID_INPUT) from None
    missing = [k for k in ("bucket", "key", "region") if k not in data]
    if missing:
        raise QvError(f"{path}: missing {', '.join(missing)}", ExitStatus.INVALID_INPUT)
    endpoints = data.get("endpoints") or {}
    s3 = endpoints.get("s3") if isinstance(endpoints, Mapping) else None
    return Backend(path, _text(data["bucket"]), _text(data["key"]), _text(data["region"]),
                   _text(s3) if s3 else None, bool(data.get("use_path_style", False)))


def _s3(backend: Backend, environ: Mapping[str, str]) -> Any:
    """An S3 client for the backend's bucket, with the credentials in `environ` (as Terraform would)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=environ.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=environ.get("AWS_SESSION_TOKEN"),
        profile_name=environ.get("AWS_PROFILE") or None,
        region_name=backend.region,
    )
    return session.client("s3", endpoint_url=backend.s3_endpoint,
                          config=Config(retries={"max_attempts": 2}, connect_timeout=3, read_timeout=20,
                                        s3={"addressing_style": "path" if backend.path_style else "auto"}))


def read_outputs(backend: Backend, environ: Mapping[str, str]) -> dict[str, Any]:
    """The root module's outputs from the state object, with the credentials in `environ`."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = _s3(backend, environ)
    where = f"s3://{backend.bucket}/{backend.key} ({backend.file.name})"
    try:
        body = s3.get_object(Bucket=backend.bucket, Key=backend.key)["Body"].read()
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "error")
        if code in ("NoSuchKey", "NoSuchBucket", "404"):
            raise QvError(f"no Terraform state at {where}: apply the environment first "
                          "(terraform apply, or qvctl up)", ExitStatus.INVALID_INPUT) from None
        raise QvError(f"cannot read the Terraform state at {where}: {code}", ExitStatus.UNREACHABLE) from None
    except BotoCoreError as err:
        raise QvError(f"cannot read the Terraform state at {where}: {err}", ExitStatus.UNREACHABLE) from None
    try:
        state = json.loads(body)
        return {name: entry["value"] for name, entry in state.get("outputs", {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise QvError(f"the Terraform state at {where} is not a state file", ExitStatus.FAILED) from None


def state_version(backend: Backend, environ: Mapping[str, str]) -> str | None:
    """The state object's ETag (None when there is no state yet): it changes with every apply."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = _s3(backend, environ)
    try:
        return str(s3.head_object(Bucket=backend.bucket, Key=backend.key)["ETag"]).strip('"')
    except ClientError:
        return None
    except BotoCoreError as err:
        raise QvError(f"cannot read the Terraform state at s3://{backend.bucket}/{backend.key}: {err}",
                      ExitStatus.UNREACHABLE) from None
